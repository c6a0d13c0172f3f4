//! 规划评估 — a plan judged against observations at a year: one record per indicator (per series of a paired
//! indicator) with the 序时进度 verdict, warning and projection.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rayon::prelude::*;

use minsheng_core::plan::{Attribute, Indicator, Plan};
use minsheng_core::region::RegionCode;
use minsheng_core::target::{Cell, Observed, Value, Window};

use crate::observations::Observation;
use crate::panel::Panel;
use crate::progress::{Case, Judgement, Status, Thresholds, Warning, judge};
use crate::sdg::{ProgressConfig, ProgressStatus, series_progress};

/// 年度监测 / 中期评估 / 总结评估.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Annual,
    MidTerm,
    Final,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Annual => "annual",
            Kind::MidTerm => "midterm",
            Kind::Final => "final",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Kind::Annual => "年度监测",
            Kind::MidTerm => "中期评估",
            Kind::Final => "总结评估",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "annual" => Some(Kind::Annual),
            "midterm" | "mid-term" => Some(Kind::MidTerm),
            "final" => Some(Kind::Final),
            _ => None,
        }
    }
}

/// National or western reference figures by indicator name and year (`data/reference/*.csv`).
#[derive(Debug, Clone, Default)]
pub struct References {
    by_name: BTreeMap<String, Vec<(i32, f64)>>,
}

impl References {
    /// Reads `name,year,value,unit,source` CSV text. Malformed rows are reported as `(row, reason)`.
    ///
    /// # Errors
    /// Every malformed row.
    pub fn from_csv(text: &str) -> Result<References, Vec<(usize, String)>> {
        let mut refs = References::default();
        let mut errors = Vec::new();
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        for (i, rec) in rdr.records().enumerate() {
            let row = i + 2;
            match rec {
                Ok(r) => match (
                    r.get(0),
                    r.get(1).and_then(|y| y.trim().parse().ok()),
                    r.get(2).and_then(|v| v.trim().parse().ok()),
                ) {
                    (Some(name), Some(year), Some(value)) => refs
                        .by_name
                        .entry(name.trim().to_string())
                        .or_default()
                        .push((year, value)),
                    _ => errors.push((row, "expected name,year,value".to_string())),
                },
                Err(e) => errors.push((row, e.to_string())),
            }
        }
        if errors.is_empty() {
            Ok(refs)
        } else {
            Err(errors)
        }
    }

    /// The latest figure for `name` in or before `year`.
    pub fn get(&self, name: &str, year: i32) -> Option<(i32, f64)> {
        self.by_name
            .get(name)?
            .iter()
            .filter(|(y, _)| *y <= year)
            .max_by_key(|(y, _)| *y)
            .copied()
    }
}

/// Options of an evaluation.
#[derive(Debug, Clone)]
pub struct Options {
    pub year: i32,
    pub kind: Kind,
    /// The region judged; default the plan's own region.
    pub region: Option<RegionCode>,
    pub thresholds: Thresholds,
}

/// One line of an evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub code: String,
    pub name: String,
    pub series: Option<String>,
    pub attribute: Attribute,
    pub target_raw: String,
    pub judgement: Judgement,
    /// The value judged: the level at the year, or the running sum for a cumulative target.
    pub value: Option<f64>,
    /// Linear least-squares projection of the series to the target year (levels only, two years or more).
    pub projected: Option<f64>,
    /// Whether the (linear) projection misses the target.
    pub will_miss: Option<bool>,
    /// Constant-growth (CAGR) projection to the target year from the first and the last observed points (positive
    /// values, two years or more), as Open SDG projects.
    pub projected_cagr: Option<f64>,
    /// Open SDG's progress status and score (sdg-build's `ProgressMeasure`, method 2 with the plan's target) over
    /// the observed series up to the year, baseline included; levels with a numeric target only.
    pub sdg: Option<(ProgressStatus, Option<f64>)>,
    /// The reference figure used (year, value) for 达到全国/西部平均水平 targets.
    pub reference: Option<(i32, f64)>,
}

impl Record {
    pub fn status(&self) -> Status {
        self.judgement.status
    }

    pub fn warning(&self) -> Option<Warning> {
        self.judgement.warning
    }
}

fn number(cell: &Cell) -> Option<f64> {
    match cell.value() {
        Value::Quantity(q) => Some(q.value),
        _ => None,
    }
}

/// Least-squares line through `(year, value)` evaluated at `at`.
fn linear_projection(points: &[(i32, f64)], at: i32) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| f64::from(p.0)).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (f64::from(p.0) - mx).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = points
        .iter()
        .map(|p| (f64::from(p.0) - mx) * (p.1 - my))
        .sum();
    Some(my + sxy / sxx * (f64::from(at) - mx))
}

/// Compound-growth projection: the growth rate between the first and the last point, continued to `at`.
fn cagr_projection(points: &[(i32, f64)], at: i32) -> Option<f64> {
    let first = points.iter().min_by_key(|p| p.0)?;
    let last = points.iter().max_by_key(|p| p.0)?;
    if last.0 <= first.0 || first.1 <= 0.0 || last.1 <= 0.0 {
        return None;
    }
    let rate = (last.1 / first.1).powf(1.0 / f64::from(last.0 - first.0));
    Some(last.1 * rate.powi(at - last.0))
}

/// Evaluates every indicator of `plan` at `options.year` from `observations` (headline figures of the region).
pub fn evaluate(
    plan: &Plan,
    observations: &[Observation],
    references: &References,
    options: &Options,
) -> Vec<Record> {
    let Some(region) = options.region.or(plan.region) else {
        return evaluate_series(plan, &Panel::default(), None, references, options);
    };
    let panel = Panel::new(observations.iter().filter(|o| o.region == region));
    evaluate_series(plan, &panel, Some(region), references, options)
}

/// Evaluates the plan for each of `regions` (e.g. every county of a province); each region is judged against the
/// plan's own targets.
pub fn evaluate_regions<'a>(
    plan: &Plan,
    observations: impl IntoIterator<Item = &'a Observation>,
    references: &References,
    options: &Options,
    regions: &[RegionCode],
) -> Vec<(RegionCode, Vec<Record>)> {
    evaluate_panel(
        plan,
        &Panel::new(observations),
        references,
        options,
        regions,
    )
}

/// Evaluates the plan for each of `regions` from an indexed (and possibly rolled-up) panel, regions in parallel;
/// the order of `regions` is kept.
pub fn evaluate_panel(
    plan: &Plan,
    panel: &Panel<'_>,
    references: &References,
    options: &Options,
    regions: &[RegionCode],
) -> Vec<(RegionCode, Vec<Record>)> {
    regions
        .par_iter()
        .map(|&r| {
            let opts = Options {
                region: Some(r),
                ..options.clone()
            };
            (r, evaluate_series(plan, panel, Some(r), references, &opts))
        })
        .collect()
}

fn evaluate_series(
    plan: &Plan,
    panel: &Panel<'_>,
    region: Option<RegionCode>,
    references: &References,
    options: &Options,
) -> Vec<Record> {
    let mut records = Vec::with_capacity(plan.indicators.len());
    for ind in &plan.indicators {
        let series_names: Vec<Option<&str>> = if ind.series.is_empty() {
            vec![None]
        } else {
            ind.series.iter().map(|s| Some(s.as_str())).collect()
        };
        for (k, series) in series_names.into_iter().enumerate() {
            let points = region
                .map(|r| panel.points(&ind.code, series, r))
                .unwrap_or_default();
            records.push(evaluate_one(
                plan,
                ind,
                k,
                series.map(str::to_string),
                &points,
                references,
                options,
            ));
        }
    }
    records
}

/// Judges series `k` (or the whole indicator when `series` is `None`) from its observed `(year, value)` points.
fn evaluate_one(
    plan: &Plan,
    ind: &Indicator,
    k: usize,
    series: Option<String>,
    points: &[(i32, f64)],
    references: &References,
    options: &Options,
) -> Record {
    // Borrow the cells of a single series; a paired one gives owned cells per series.
    let (target, baseline): (Cow<'_, Cell>, Option<f64>) = match series {
        Some(_) => (
            ind.target
                .series(k)
                .map_or(Cow::Borrowed(&ind.target), Cow::Owned),
            ind.baseline.series(k).as_ref().and_then(number),
        ),
        None => (Cow::Borrowed(&ind.target), number(&ind.baseline)),
    };
    let cumulative = target.is_cumulative();
    let value = if cumulative {
        let flows: Vec<f64> = points
            .iter()
            .filter(|(y, _)| *y > plan.base_year && *y <= options.year)
            .map(|p| p.1)
            .collect();
        if flows.is_empty() {
            None
        } else {
            Some(flows.iter().sum())
        }
    } else {
        points.iter().find(|(y, _)| *y == options.year).map(|p| p.1)
    };
    let reference = if matches!(target.value(), Value::Reference(_)) {
        references.get(&ind.name, options.year)
    } else {
        None
    };
    let case = Case {
        target: &target,
        baseline,
        direction: ind.direction,
        binding: ind.attribute == Attribute::Binding,
        base_year: plan.base_year,
        target_year: plan.target_year,
        year: options.year,
        observed: value,
        reference: reference.map(|r| r.1),
    };
    let judgement = judge(&case, &options.thresholds);
    // The observed level series up to the year, the baseline included when known: the input of the Open SDG
    // measure and of the projections to the target year.
    let level = !cumulative && ind.window != Some(Window::PerYear);
    let mut pts: Vec<(i32, f64)> = points
        .iter()
        .filter(|(y, _)| *y <= options.year)
        .copied()
        .collect();
    if let (Some(b), false) = (baseline, pts.iter().any(|(y, _)| *y == plan.base_year)) {
        pts.push((plan.base_year, b));
    }
    let sdg = if level {
        let config = ProgressConfig {
            base_year: plan.base_year,
            target: target.number(),
            target_year: plan.target_year,
            direction: ind.direction.into(),
            ..ProgressConfig::default()
        };
        match series_progress(&pts, &config) {
            Ok(Some(p)) => Some((p.status, p.score)),
            _ => None,
        }
    } else {
        None
    };
    let (projected, will_miss, projected_cagr) = if !level || options.year >= plan.target_year {
        (None, None, None)
    } else {
        let p = linear_projection(&pts, plan.target_year);
        let miss = p.and_then(|p| {
            match target.achieved(ind.direction, Observed::One(p), reference.map(|r| r.1)) {
                minsheng_core::target::Achievement::Achieved => Some(false),
                minsheng_core::target::Achievement::NotAchieved => Some(true),
                minsheng_core::target::Achievement::NotAssessable(_) => None,
            }
        });
        (p, miss, cagr_projection(&pts, plan.target_year))
    };
    Record {
        code: ind.code.clone(),
        name: ind.name.clone(),
        series,
        attribute: ind.attribute,
        target_raw: ind.target.raw().to_string(),
        judgement,
        value,
        projected,
        will_miss,
        projected_cagr,
        sdg,
        reference,
    }
}

#[cfg(test)]
mod tests {
    use super::{cagr_projection, linear_projection};

    #[test]
    fn projection_is_least_squares() {
        // y = 2x − 4030 through (2020, 10), (2021, 12), (2022, 14): at 2025, 20.
        let p = linear_projection(&[(2020, 10.0), (2021, 12.0), (2022, 14.0)], 2025);
        assert_eq!(p, Some(20.0));
        assert_eq!(linear_projection(&[(2020, 1.0)], 2025), None);
    }

    #[test]
    fn cagr_continues_the_growth_rate() {
        // 100 → 121 over two years is 10 % a year: 2025 = 121 × 1.1³ = 161.051.
        let p = cagr_projection(&[(2020, 100.0), (2021, 110.0), (2022, 121.0)], 2025).unwrap();
        assert!((p - 161.051).abs() < 1e-9, "{p}");
        assert_eq!(cagr_projection(&[(2020, 0.0), (2022, 1.0)], 2025), None);
        assert_eq!(cagr_projection(&[(2022, 1.0)], 2025), None);
    }
}
