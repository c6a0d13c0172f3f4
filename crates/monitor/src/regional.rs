//! 区域比较 — an indicator across the regions of one level (prefectures or counties) under a region: the
//! equalization statistics of [`crate::equalize`] fed from observations, and the composite attainment index.
//!
//! **Weights.** Population-weighted measures use the plan's `population` data element of each unit in that year
//! when every unit has one; otherwise every unit weighs 1 and the result says `weighted: false`.
//!
//! **Composite attainment index (综合实现程度).** For each indicator the plan weights (`[composite]`), a region's
//! attainment is the usual 实现程度 ratio capped at 1: value / target for higher-is-better indicators,
//! target / value for lower-is-better ones (应保尽保 and 全覆盖 read as a 100 % target; a paired indicator
//! averages its series). The index is 100 × Σ wᵢ aᵢ / Σ wᵢ over the weighted indicators the region has data for;
//! `coverage` is the share of the total weight that had data, so an index over half the indicators is visible
//! as such. The index across regions is then equalized like any indicator.

use minsheng_core::plan::{Indicator, Plan};
use minsheng_core::region::{Level, RegionCode, RegionTable};
use minsheng_core::target::{Direction, Value, Window};

use rayon::prelude::*;

use crate::equalize::{self, Equalization, Unit};

pub use crate::panel::Panel;

/// The regions of `level` under `within` (at any depth), in code order.
pub fn units_under(regions: &RegionTable, within: RegionCode, level: Level) -> Vec<RegionCode> {
    regions
        .iter()
        .filter(|r| r.level == level)
        .filter(|r| {
            let mut p = r.parent;
            while let Some(c) = p {
                if c == within {
                    return true;
                }
                p = regions.get(c).and_then(|x| x.parent);
            }
            false
        })
        .map(|r| r.code)
        .collect()
}

/// Where and when regions are compared: the units of `level` under `within`, in `year`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scope {
    pub year: i32,
    pub level: Level,
    pub within: RegionCode,
}

/// One indicator equalized across the units of a level.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorEqualization {
    pub code: String,
    pub series: Option<String>,
    pub name: String,
    pub unit: String,
    pub level: Level,
    pub within: RegionCode,
    pub year: i32,
    /// Whether the population element weighted the units (else every unit weighs 1).
    pub weighted: bool,
    pub stats: Equalization,
    /// Each unit's value, in code order.
    pub values: Vec<(RegionCode, f64)>,
    /// Units of the level without a value that year (left out).
    pub missing: Vec<RegionCode>,
    /// The standard `share_meeting` counts against (the plan's level target), if any.
    pub target: Option<f64>,
    /// Whether any value rests on SYNTHETIC data.
    pub synthetic: bool,
}

/// The level target of an indicator (series `k`), if it has one a single region can meet.
fn level_target(ind: &Indicator, k: Option<usize>) -> Option<f64> {
    if ind.cumulative() || ind.window == Some(Window::PerYear) {
        return None;
    }
    match k {
        Some(k) => ind.target.series(k).and_then(|c| c.number()),
        None => match ind.target.value() {
            Value::Quantity(q) if q.window == Window::Level => Some(q.value),
            Value::Qualitative(q) => Some(q.rule().1),
            _ => None,
        },
    }
}

/// Equalization of indicator `code` (series `series`) across the units of `scope`.
///
/// # Errors
/// Unknown indicator or series, no unit with a value, or a value the measures cannot take (negative).
pub fn equalize_indicator(
    plan: &Plan,
    panel: &Panel<'_>,
    regions: &RegionTable,
    code: &str,
    series: Option<&str>,
    scope: Scope,
) -> Result<IndicatorEqualization, String> {
    let ind = plan
        .indicator(code)
        .ok_or_else(|| format!("unknown indicator '{code}' in plan {}", plan.id))?;
    let k = match (series, ind.series.is_empty()) {
        (None, true) => None,
        (Some(s), false) => Some(ind.series.iter().position(|x| x == s).ok_or_else(|| {
            format!(
                "'{s}' is not a series of {code} ({})",
                ind.series.join(", ")
            )
        })?),
        (None, false) => {
            return Err(format!(
                "{code} is paired: name a series ({})",
                ind.series.join(", ")
            ));
        }
        (Some(s), true) => return Err(format!("{code} has no series, but '{s}' was given")),
    };
    let units = units_under(regions, scope.within, scope.level);
    equalize_units(panel, regions, ind, k, series, scope, &units)
}

/// Every indicator (every series of a paired one) of the plan across the units of `scope`, in plan order,
/// computed in parallel. Indicators without data in the scope give an `Err` with the reason.
pub fn equalize_all(
    plan: &Plan,
    panel: &Panel<'_>,
    regions: &RegionTable,
    scope: Scope,
) -> Vec<Result<IndicatorEqualization, String>> {
    let units = units_under(regions, scope.within, scope.level);
    let jobs: Vec<(&Indicator, Option<usize>)> = plan
        .indicators
        .iter()
        .flat_map(|ind| {
            let ks: Vec<Option<usize>> = if ind.series.is_empty() {
                vec![None]
            } else {
                (0..ind.series.len()).map(Some).collect()
            };
            ks.into_iter().map(move |k| (ind, k))
        })
        .collect();
    jobs.par_iter()
        .map(|&(ind, k)| {
            let series = k.and_then(|k| ind.series.get(k)).map(String::as_str);
            equalize_units(panel, regions, ind, k, series, scope, &units)
        })
        .collect()
}

fn equalize_units(
    panel: &Panel<'_>,
    regions: &RegionTable,
    ind: &Indicator,
    k: Option<usize>,
    series: Option<&str>,
    scope: Scope,
    units: &[RegionCode],
) -> Result<IndicatorEqualization, String> {
    let Scope {
        year,
        level,
        within,
    } = scope;
    let code = ind.code.as_str();
    let mut values = Vec::new();
    let mut missing = Vec::new();
    let mut synthetic = false;
    for &u in units {
        match panel.get_flagged(code, series, u, year) {
            Some((v, syn)) => {
                values.push((u, v));
                synthetic |= syn;
            }
            None => missing.push(u),
        }
    }
    if values.is_empty() {
        return Err(format!(
            "no {} of {within} has a value of {code} in {year} ({} units)",
            level.as_str(),
            units.len()
        ));
    }
    let weights: Option<Vec<f64>> = values
        .iter()
        .map(|(u, _)| panel.get("population", None, *u, year).filter(|w| *w > 0.0))
        .collect();
    let weighted = weights.is_some();
    let ids: Vec<String> = values.iter().map(|(u, _)| u.to_string()).collect();
    let groups: Vec<Option<String>> = values
        .iter()
        .map(|(u, _)| {
            regions
                .get(*u)
                .and_then(|r| r.parent)
                .map(|p| p.to_string())
        })
        .collect();
    let unit_list: Vec<Unit<'_>> = values
        .iter()
        .enumerate()
        .map(|(i, (_, v))| Unit {
            id: &ids[i],
            value: *v,
            weight: weights.as_ref().map_or(1.0, |w| w[i]),
            group: groups[i].as_deref(),
        })
        .collect();
    let target = level_target(ind, k);
    let stats = equalize::equalize(
        &unit_list,
        &equalize::Options {
            target,
            direction: ind.direction,
        },
    )
    .map_err(|e| format!("{code} {year}: {e}"))?;
    Ok(IndicatorEqualization {
        code: code.to_string(),
        series: series.map(str::to_string),
        name: ind.name.clone(),
        unit: ind.unit.clone(),
        level,
        within,
        year,
        weighted,
        stats,
        values,
        missing,
        target,
        synthetic,
    })
}

/// The composite attainment index of the units of a level.
#[derive(Debug, Clone, PartialEq)]
pub struct CompositeScores {
    pub level: Level,
    pub within: RegionCode,
    pub year: i32,
    /// (code, name, weight) of the indicators in the index.
    pub weights: Vec<(String, String, f64)>,
    /// (region, index 0–100, coverage 0–1 of the weight with data), in code order; regions with no data left out.
    pub scores: Vec<(RegionCode, f64, f64)>,
    /// The index equalized across the regions (None when fewer than one region has a score).
    pub stats: Option<Equalization>,
    pub synthetic: bool,
}

/// A region's attainment (0–1) of one indicator, averaging the series of a paired one.
fn attainment(
    ind: &Indicator,
    panel: &Panel<'_>,
    region: RegionCode,
    year: i32,
) -> Option<(f64, bool)> {
    let ks: Vec<Option<usize>> = if ind.series.is_empty() {
        vec![None]
    } else {
        (0..ind.series.len()).map(Some).collect()
    };
    let mut sum = 0.0;
    let mut synthetic = false;
    for k in &ks {
        let target = level_target(ind, *k)?;
        let series = k.and_then(|k| ind.series.get(k)).map(String::as_str);
        let (v, syn) = panel.get_flagged(&ind.code, series, region, year)?;
        synthetic |= syn;
        let a = match ind.direction {
            Direction::Increase if target > 0.0 => v / target,
            Direction::Decrease if v > 0.0 => target / v,
            _ => 1.0,
        };
        sum += a.clamp(0.0, 1.0);
    }
    Some((sum / ks.len() as f64, synthetic))
}

/// The composite attainment index of the plan's `[composite]` weights for the units of `scope`.
///
/// # Errors
/// When the plan declares no composite index.
pub fn composite(
    plan: &Plan,
    panel: &Panel<'_>,
    regions: &RegionTable,
    scope: Scope,
) -> Result<CompositeScores, String> {
    let Scope {
        year,
        level,
        within,
    } = scope;
    let comp = plan
        .composite
        .as_ref()
        .ok_or_else(|| format!("plan {} declares no [composite] index", plan.id))?;
    let weighted: Vec<(&Indicator, f64)> = comp
        .weights
        .iter()
        .filter_map(|(c, w)| plan.indicator(c).map(|i| (i, *w)))
        .collect();
    let total: f64 = weighted.iter().map(|x| x.1).sum();
    // Regions in parallel: (region, index, coverage, synthetic).
    let per_region: Vec<(RegionCode, f64, f64, bool)> = units_under(regions, within, level)
        .par_iter()
        .filter_map(|&u| {
            let (mut sw, mut swa, mut synthetic) = (0.0, 0.0, false);
            for (ind, w) in &weighted {
                if let Some((a, syn)) = attainment(ind, panel, u, year) {
                    sw += w;
                    swa += w * a;
                    synthetic |= syn;
                }
            }
            (sw > 0.0).then(|| (u, 100.0 * swa / sw, sw / total, synthetic))
        })
        .collect();
    let synthetic = per_region.iter().any(|x| x.3);
    let scores: Vec<(RegionCode, f64, f64)> = per_region.iter().map(|x| (x.0, x.1, x.2)).collect();
    let ids: Vec<String> = scores.iter().map(|s| s.0.to_string()).collect();
    let groups: Vec<Option<String>> = scores
        .iter()
        .map(|s| {
            regions
                .get(s.0)
                .and_then(|r| r.parent)
                .map(|p| p.to_string())
        })
        .collect();
    let units: Vec<Unit<'_>> = scores
        .iter()
        .enumerate()
        .map(|(i, s)| Unit {
            id: &ids[i],
            value: s.1,
            weight: panel
                .get("population", None, s.0, year)
                .filter(|w| *w > 0.0)
                .unwrap_or(1.0),
            group: groups[i].as_deref(),
        })
        .collect();
    let stats = equalize::equalize(&units, &equalize::Options::default()).ok();
    Ok(CompositeScores {
        level,
        within,
        year,
        weights: weighted
            .iter()
            .map(|(i, w)| (i.code.clone(), i.name.clone(), *w))
            .collect(),
        scores,
        stats,
        synthetic,
    })
}
