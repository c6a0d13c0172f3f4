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

use std::collections::{BTreeMap, HashMap};

use minsheng_core::plan::{Aggregation, Plan};
use minsheng_core::region::{Level, RegionCode, RegionTable};

use crate::observations::Observation;

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
    /// The input observations followed by the computed ones.
    pub observations: Vec<Observation>,
    /// How many observations were computed.
    pub computed: usize,
    pub gaps: Vec<Gap>,
    pub mismatches: Vec<Mismatch>,
}

/// The identity of one series apart from region and year: code, series, disaggregation.
type SeriesId = (String, Option<String>, BTreeMap<String, String>);

#[derive(Debug, Clone, Copy)]
struct Val {
    value: f64,
    synthetic: bool,
}

struct Store {
    ids: HashMap<SeriesId, usize>,
    keys: Vec<SeriesId>,
    values: HashMap<(usize, RegionCode, i32), Val>,
}

impl Store {
    fn id(&mut self, key: SeriesId) -> usize {
        if let Some(&i) = self.ids.get(&key) {
            return i;
        }
        self.keys.push(key.clone());
        self.ids.insert(key, self.keys.len() - 1);
        self.keys.len() - 1
    }
}

fn is_synthetic(o: &Observation) -> bool {
    o.source
        .as_deref()
        .is_some_and(|s| s.to_lowercase().contains("synthetic"))
}

/// Rolls `observations` up the region hierarchy of `regions` as the plan's indicators and elements declare.
///
/// Levels are processed bottom-up (counties into prefectures, then prefectures and province-administered counties
/// into provinces), and at each parent elements and `sum` indicators first, then `ratio` and `weighted_mean`
/// indicators — so a province's ratio reads the sums computed for it in the same pass.
pub fn rollup(plan: &Plan, observations: &[Observation], regions: &RegionTable) -> Rollup {
    let mut store = Store {
        ids: HashMap::new(),
        keys: Vec::new(),
        values: HashMap::with_capacity(observations.len() * 2),
    };
    let mut years: Vec<i32> = Vec::new();
    for o in observations {
        let id = store.id((
            o.indicator.clone(),
            o.series.clone(),
            o.disaggregation.clone(),
        ));
        store.values.insert(
            (id, o.region, o.year),
            Val {
                value: o.value,
                synthetic: is_synthetic(o),
            },
        );
        if !years.contains(&o.year) {
            years.push(o.year);
        }
    }
    years.sort_unstable();

    let mut children: HashMap<RegionCode, Vec<RegionCode>> = HashMap::new();
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

    // Which series exist per code (series name + disaggregation) — computed values are made for each.
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

    let mut out = Rollup {
        observations: observations.to_vec(),
        ..Rollup::default()
    };
    let mut computed: Vec<(usize, RegionCode, i32, Val, String)> = Vec::new();

    for &(_, parent) in &parents {
        let kids = &children[&parent];
        // 1. Sums: elements and count indicators, for every series of theirs seen in the data.
        let sum_ids: Vec<usize> = (0..store.keys.len())
            .filter(|&i| summed.contains(&store.keys[i].0.as_str()))
            .collect();
        for id in sum_ids {
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
                    &mut store,
                    &mut out,
                    &mut computed,
                    (id, parent, year),
                    (n, kids.len()),
                    Val {
                        value: total,
                        synthetic,
                    },
                    "Σ children",
                );
            }
        }
        // 2. Weighted means.
        for ind in &plan.indicators {
            let Aggregation::WeightedMean { weight } = &ind.aggregation else {
                continue;
            };
            let Some(&wid) = store.ids.get(&(weight.clone(), None, BTreeMap::new())) else {
                continue;
            };
            let ids: Vec<usize> = (0..store.keys.len())
                .filter(|&i| store.keys[i].0 == ind.code)
                .collect();
            for id in ids {
                for &year in &years {
                    let (mut sw, mut swv, mut n, mut synthetic) = (0.0, 0.0, 0, false);
                    for k in kids {
                        if let (Some(v), Some(w)) = (
                            store.values.get(&(id, *k, year)),
                            store.values.get(&(wid, *k, year)),
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
                        &mut store,
                        &mut out,
                        &mut computed,
                        (id, parent, year),
                        (n, kids.len()),
                        Val {
                            value: if sw > 0.0 { swv / sw } else { 0.0 },
                            synthetic,
                        },
                        &format!("weighted mean of children by {weight}"),
                    );
                }
            }
        }
    }

    // 3. Ratios at every region where both elements are known (reported or computed), unless reported directly.
    for ind in &plan.indicators {
        let Aggregation::Ratio {
            numerator,
            denominator,
            factor,
        } = &ind.aggregation
        else {
            continue;
        };
        let (Some(&nid), Some(&did)) = (
            store.ids.get(&(numerator.clone(), None, BTreeMap::new())),
            store.ids.get(&(denominator.clone(), None, BTreeMap::new())),
        ) else {
            continue;
        };
        let rid = store.id((ind.code.clone(), None, BTreeMap::new()));
        let points: Vec<(RegionCode, i32, Val, Val)> = regions
            .iter()
            .flat_map(|r| years.iter().map(move |&y| (r.code, y)))
            .filter_map(|(region, year)| {
                match (
                    store.values.get(&(nid, region, year)),
                    store.values.get(&(did, region, year)),
                ) {
                    (Some(&n), Some(&d)) => Some((region, year, n, d)),
                    _ => None,
                }
            })
            .collect();
        for (region, year, n, d) in points {
            if d.value <= 0.0 {
                continue;
            }
            let value = n.value / d.value * factor;
            let v = Val {
                value,
                synthetic: n.synthetic || d.synthetic,
            };
            let how = format!("{numerator} / {denominator} × {factor}");
            match store.values.get(&(rid, region, year)) {
                Some(r) => {
                    mismatch(&store, &mut out, (rid, region, year), r.value, value);
                }
                None => {
                    store.values.insert((rid, region, year), v);
                    computed.push((rid, region, year, v, how));
                }
            }
        }
    }

    computed.sort_by(|a, b| {
        (store.keys[a.0].0.as_str(), a.1, a.2).cmp(&(store.keys[b.0].0.as_str(), b.1, b.2))
    });
    out.computed = computed.len();
    for (id, region, year, v, how) in computed {
        let (code, series, disaggregation) = store.keys[id].clone();
        out.observations.push(Observation {
            indicator: code,
            region,
            year,
            value: v.value,
            series,
            disaggregation,
            source: Some(if v.synthetic {
                format!("roll-up of SYNTHETIC data: {how}")
            } else {
                format!("roll-up: {how}")
            }),
            row: 0,
        });
    }
    out.gaps
        .sort_by(|a, b| (&a.code, a.region, a.year).cmp(&(&b.code, b.region, b.year)));
    out
}

/// Records a value computed for `key` from `n` of `of` children: stored when complete and nothing is reported,
/// compared when something is reported, a gap when incomplete.
fn settle(
    store: &mut Store,
    out: &mut Rollup,
    computed: &mut Vec<(usize, RegionCode, i32, Val, String)>,
    key: (usize, RegionCode, i32),
    (n, of): (usize, usize),
    v: Val,
    how: &str,
) {
    if n == 0 {
        return;
    }
    let reported = store.values.get(&key).copied();
    if n < of {
        if reported.is_none() {
            let (code, series, _) = &store.keys[key.0];
            out.gaps.push(Gap {
                code: code.clone(),
                series: series.clone(),
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
            computed.push((key.0, key.1, key.2, v, how.to_string()));
        }
    }
}

fn mismatch(
    store: &Store,
    out: &mut Rollup,
    key: (usize, RegionCode, i32),
    reported: f64,
    computed: f64,
) {
    let scale = reported.abs().max(computed.abs());
    if scale > 0.0 && (reported - computed).abs() / scale > 0.005 {
        let (code, series, _) = &store.keys[key.0];
        out.mismatches.push(Mismatch {
            code: code.clone(),
            series: series.clone(),
            region: key.1,
            year: key.2,
            reported,
            computed,
        });
    }
}
