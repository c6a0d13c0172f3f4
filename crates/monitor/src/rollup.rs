//! 汇总 — roll-up of observations from child regions to their parents, DHIS2's model.
//!
//! In DHIS2 an *indicator* is a formula over *data elements*: `numerator / denominator × factor`, with the numerator
//! and the denominator each aggregated over the organisation-unit hierarchy *before* the division. A prefecture's
//! 每千人口托位数 is therefore Σ托位数 / Σ常住人口 × 1000 over its counties, never the mean of the counties' rates
//! (which would weigh a county of 30,000 people like one of a million). The plan file declares, for each indicator,
//! how it aggregates ([`Aggregation`]):
//!
//! - `sum` — counts (床位总量, 改造小区个数): the children's values add up;
//! - `ratio` — numerator and denominator data elements are summed, then divided and multiplied by the factor;
//! - `weighted_mean` — a directly reported mean averaged with a weight element (平均受教育年限 by working-age
//!   population), exact when the weight counts the units the mean is taken over;
//! - `none` — never computed (人均预期寿命 needs a life table; a mean of county life expectancies is not one).
//!
//! Data elements always sum. A parent gets a computed value only when **every** child region has one (a sum over
//! the reporting children would silently understate the parent); the missing children are returned as
//! [`Gap`]s. A value reported for the parent itself wins over the computed one; when both exist and differ by more
//! than 0.5 %, a [`Mismatch`] says so. Computed observations have `row == 0` and a `source` that says how they
//! were computed (and that they rest on synthetic data when any input did).

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use minsheng_core::plan::{Aggregation, Plan};
use minsheng_core::region::{Level, RegionCode, RegionTable};

use crate::observations::Observation;
use crate::panel::{NO_DISAGGREGATION, Panel, Val};

/// A parent region left without a computed value because some children have none.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// Indicator or element code.
    pub code: String,
    pub series: Option<String>,
    pub region: RegionCode,
    pub year: i32,
    /// Children with a value / children in the region table.
    pub reported: usize,
    pub children: usize,
}

/// A parent's reported value that disagrees with the value computed from its children.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub code: String,
    pub series: Option<String>,
    pub region: RegionCode,
    pub year: i32,
    pub reported: f64,
    pub computed: f64,
}

/// The result of [`rollup`].
#[derive(Debug, Clone, Default)]
pub struct Rollup {
    /// The computed observations (the input is not copied: chain the two, or call [`Rollup::with_input`]).
    pub computed: Vec<Observation>,
    pub gaps: Vec<Gap>,
    pub mismatches: Vec<Mismatch>,
}

/// A computed value waiting to become an observation: series id, region, year, value, how (index into `hows`).
type Pending = (usize, RegionCode, i32, Val, usize);

impl Rollup {
    /// The input followed by the computed observations, in one vector.
    pub fn with_input(&self, input: &[Observation]) -> Vec<Observation> {
        let mut all = Vec::with_capacity(input.len() + self.computed.len());
        all.extend_from_slice(input);
        all.extend_from_slice(&self.computed);
        all
    }
}

/// Rolls `observations` up the region hierarchy of `regions` as the plan's indicators and elements declare, and
/// returns the computed values as observations (see [`rollup_panel`] for the method).
pub fn rollup(plan: &Plan, observations: &[Observation], regions: &RegionTable) -> Rollup {
    let mut panel = Panel::new(observations);
    let (pending, hows, mut out) = run(plan, &mut panel, regions);
    // Output in code, region, year order: rank the series ids by their key once.
    let mut rank: Vec<usize> = (0..panel.keys.len()).collect();
    rank.sort_by(|&a, &b| panel.keys[a].cmp(&panel.keys[b]));
    let mut position = vec![0; rank.len()];
    for (p, &id) in rank.iter().enumerate() {
        position[id] = p;
    }
    let mut pending = pending;
    pending.sort_unstable_by_key(|c| (position[c.0], c.1, c.2));
    let sources: Vec<[String; 2]> = hows
        .iter()
        .map(|h| {
            [
                format!("roll-up: {h}"),
                format!("roll-up of SYNTHETIC data: {h}"),
            ]
        })
        .collect();
    out.computed.reserve(pending.len());
    for (id, region, year, v, how) in pending {
        let (code, series, disaggregation) = panel.keys[id];
        out.computed.push(Observation {
            indicator: code.to_string(),
            region,
            year,
            value: v.value,
            series: series.map(str::to_string),
            disaggregation: disaggregation.clone(),
            source: Some(sources[how][usize::from(v.synthetic)].clone()),
            row: 0,
        });
    }
    out
}

/// What [`rollup_panel`] found besides the values: how many were computed, gaps and mismatches.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub computed: usize,
    pub gaps: Vec<Gap>,
    pub mismatches: Vec<Mismatch>,
}

/// Rolls the values of `panel` up the region hierarchy in place: the computed values join the panel.
///
/// Levels are processed bottom-up (counties into prefectures, then prefectures and province-administered counties
/// into provinces), and at each parent elements and `sum` indicators first, then `weighted_mean` indicators; the
/// `ratio` indicators come last, at every region where both elements are known.
pub fn rollup_panel<'a>(plan: &'a Plan, panel: &mut Panel<'a>, regions: &RegionTable) -> Report {
    let (pending, _, out) = run(plan, panel, regions);
    Report {
        computed: pending.len(),
        gaps: out.gaps,
        mismatches: out.mismatches,
    }
}

fn run<'a>(
    plan: &'a Plan,
    store: &mut Panel<'a>,
    regions: &RegionTable,
) -> (Vec<Pending>, Vec<String>, Rollup) {
    let years = store.years.clone();
    let mut children: FxHashMap<RegionCode, Vec<RegionCode>> = FxHashMap::default();
    for r in regions.iter() {
        if let Some(p) = r.parent {
            children.entry(p).or_default().push(r.code);
        }
    }
    // Parents bottom-up: prefectures (whose children are counties) before provinces.
    let mut parents: Vec<(Level, RegionCode)> = children
        .keys()
        .filter_map(|c| regions.get(*c).map(|r| (r.level, r.code)))
        .collect();
    parents.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));

    let summed: Vec<&str> = plan
        .elements
        .iter()
        .map(|e| e.code.as_str())
        .chain(
            plan.indicators
                .iter()
                .filter(|i| i.aggregation == Aggregation::Sum)
                .map(|i| i.code.as_str()),
        )
        .collect();
    // Every series of a summed code seen in the data (series names and disaggregations included).
    let sum_ids: Vec<usize> = (0..store.keys.len())
        .filter(|&i| summed.contains(&store.keys[i].0))
        .collect();
    // Weighted means: (series ids of the indicator, weight element id, how).
    let mut hows: Vec<String> = vec!["Σ children".to_string()];
    let mut means: Vec<(Vec<usize>, usize, usize)> = Vec::new();
    for ind in &plan.indicators {
        let Aggregation::WeightedMean { weight } = &ind.aggregation else {
            continue;
        };
        let Some(wid) = store.total(weight, None) else {
            continue;
        };
        let ids: Vec<usize> = (0..store.keys.len())
            .filter(|&i| store.keys[i].0 == ind.code)
            .collect();
        hows.push(format!("weighted mean of children by {weight}"));
        means.push((ids, wid, hows.len() - 1));
    }

    let mut out = Rollup::default();
    let mut computed: Vec<Pending> = Vec::new();

    for &(_, parent) in &parents {
        let kids = &children[&parent];
        for &id in &sum_ids {
            for &year in &years {
                let mut total = 0.0;
                let mut n = 0;
                let mut synthetic = false;
                for k in kids {
                    if let Some(v) = store.values.get(&(id, *k, year)) {
                        total += v.value;
                        n += 1;
                        synthetic |= v.synthetic;
                    }
                }
                settle(
                    store,
                    &mut out,
                    &mut computed,
                    (id, parent, year),
                    (n, kids.len()),
                    Val {
                        value: total,
                        synthetic,
                    },
                    0,
                );
            }
        }
        for (ids, wid, how) in &means {
            for &id in ids {
                for &year in &years {
                    let (mut sw, mut swv, mut n, mut synthetic) = (0.0, 0.0, 0, false);
                    for k in kids {
                        if let (Some(v), Some(w)) = (
                            store.values.get(&(id, *k, year)),
                            store.values.get(&(*wid, *k, year)),
                        ) {
                            sw += w.value;
                            swv += w.value * v.value;
                            n += 1;
                            synthetic |= v.synthetic || w.synthetic;
                        }
                    }
                    if n == kids.len() && sw <= 0.0 {
                        continue;
                    }
                    settle(
                        store,
                        &mut out,
                        &mut computed,
                        (id, parent, year),
                        (n, kids.len()),
                        Val {
                            value: if sw > 0.0 { swv / sw } else { 0.0 },
                            synthetic,
                        },
                        *how,
                    );
                }
            }
        }
    }

    // Ratios at every region where both elements are known (reported or computed), unless reported directly.
    // The ratios are computed in parallel (reading only), then stored in plan order.
    let mut jobs = Vec::new();
    for ind in &plan.indicators {
        let Aggregation::Ratio {
            numerator,
            denominator,
            factor,
        } = &ind.aggregation
        else {
            continue;
        };
        let (Some(nid), Some(did)) = (store.total(numerator, None), store.total(denominator, None))
        else {
            continue;
        };
        let rid = store.id((ind.code.as_str(), None, &NO_DISAGGREGATION));
        hows.push(format!("{numerator} / {denominator} × {factor}"));
        jobs.push((rid, nid, did, *factor, hows.len() - 1));
    }
    let codes: Vec<RegionCode> = regions.iter().map(|r| r.code).collect();
    let shared: &Panel<'_> = store;
    let results: Vec<Vec<(RegionCode, i32, Val)>> = jobs
        .par_iter()
        .map(|&(_, nid, did, factor, _)| {
            let mut v = Vec::new();
            for &region in &codes {
                for &year in &years {
                    let (Some(n), Some(d)) = (
                        shared.values.get(&(nid, region, year)),
                        shared.values.get(&(did, region, year)),
                    ) else {
                        continue;
                    };
                    if d.value > 0.0 {
                        v.push((
                            region,
                            year,
                            Val {
                                value: n.value / d.value * factor,
                                synthetic: n.synthetic || d.synthetic,
                            },
                        ));
                    }
                }
            }
            v
        })
        .collect();
    for (&(rid, _, _, _, how), values) in jobs.iter().zip(results) {
        for (region, year, v) in values {
            match store.values.get(&(rid, region, year)) {
                Some(reported) => {
                    let reported = reported.value;
                    mismatch(store, &mut out, (rid, region, year), reported, v.value);
                }
                None => {
                    store.values.insert((rid, region, year), v);
                    computed.push((rid, region, year, v, how));
                }
            }
        }
    }

    out.gaps
        .sort_by(|a, b| (&a.code, a.region, a.year).cmp(&(&b.code, b.region, b.year)));
    (computed, hows, out)
}

/// Records a value computed for `key` from `n` of `of` children: stored when complete and nothing is reported,
/// compared when something is reported, a gap when incomplete.
fn settle(
    store: &mut Panel<'_>,
    out: &mut Rollup,
    computed: &mut Vec<Pending>,
    key: (usize, RegionCode, i32),
    (n, of): (usize, usize),
    v: Val,
    how: usize,
) {
    if n == 0 {
        return;
    }
    let reported = store.values.get(&key).copied();
    if n < of {
        if reported.is_none() {
            let (code, series, _) = store.keys[key.0];
            out.gaps.push(Gap {
                code: code.to_string(),
                series: series.map(str::to_string),
                region: key.1,
                year: key.2,
                reported: n,
                children: of,
            });
        }
        return;
    }
    match reported {
        Some(r) => mismatch(store, out, key, r.value, v.value),
        None => {
            store.values.insert(key, v);
            computed.push((key.0, key.1, key.2, v, how));
        }
    }
}

fn mismatch(
    store: &Panel<'_>,
    out: &mut Rollup,
    key: (usize, RegionCode, i32),
    reported: f64,
    computed: f64,
) {
    let scale = reported.abs().max(computed.abs());
    if scale > 0.0 && (reported - computed).abs() / scale > 0.005 {
        let (code, series, _) = store.keys[key.0];
        out.mismatches.push(Mismatch {
            code: code.to_string(),
            series: series.map(str::to_string),
            region: key.1,
            year: key.2,
            reported,
            computed,
        });
    }
}
