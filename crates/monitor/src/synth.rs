//! 合成数据 — a seeded generator of **SYNTHETIC** county observations for demos, tests and benches.
//!
//! No real county-level figures exist in the seeds or in the package registries. This generator writes county
//! values of a plan's indicators and data elements that are made up, but *calibrated*: rolled up with
//! [`crate::rollup`], the counties reproduce the province's real figures from the plan — the baseline in the base
//! year and, for the 十三五 completion tables, the 2020 actual in the target year — to rounding error. Every row it
//! writes carries `source = "SYNTHETIC …"`, and every roll-up of such rows says so too.
//!
//! How a value is made, per indicator (and per series of a paired one):
//!
//! 1. **The province path** `P(y)`: the baseline `b` at the base year; the actual `a` at the target year when the
//!    plan has one, linear in between; otherwise `b + (T − b) · pace · t(y)` with the target `T` (应保尽保 and
//!    全覆盖 read as 100), the time share `t(y)`, and a seeded `pace` in 0.5–1.2, so some indicators lag. When the
//!    seed gives no baseline the path starts at 90 % of the target (110 % for lower-is-better) — invented, and only
//!    ever used for years after the base year.
//! 2. **County populations**: log-normal (σ = 0.6) shares of the province's resident population, growing 0.3 % a
//!    year ± 0.2 %. The province totals are the 2020 census figures ([`census_population`]).
//! 3. **County values** around `P(y)`: each county has a development score shared by all indicators (so good
//!    counties are good at most things) plus noise per indicator; rates spread log-normally (σ = 0.15) — for
//!    percentages the *gap to 100 %* spreads, so no county exceeds 100 % — then one factor per indicator and year
//!    makes the roll-up hit `P(y)` exactly:
//!    - `ratio`: denominators are county population × a per-element share ([`SHARES`]); numerators are
//!      rate × denominator / factor; the gaps (or rates) are scaled so Σnumerator / Σdenominator × factor = P;
//!    - `weighted_mean`: the values are scaled so the weighted mean is P;
//!    - `sum` and cumulative flows: P (or the yearly flow, P / years, with years not written lumped into the next
//!      year written) is split in proportion to population × noise;
//!    - `none`: county values spread ±3 % around P; they cannot roll up (nothing to calibrate).
//!
//! Counts are not rounded, so that the roll-ups reproduce the plan's figures exactly.

use std::collections::BTreeMap;

use minsheng_core::plan::{Aggregation, Indicator, Plan};
use minsheng_core::region::{Level, RegionCode, RegionTable};
use minsheng_core::target::{Cell, Direction, Value, Window};

use crate::observations::Observation;

/// Resident population of a province at the 2020 census (第七次全国人口普查), persons.
///
/// Source: 国家统计局《第七次全国人口普查公报（第三号）——地区人口情况》, 2021-05-11.
pub fn census_population(province: RegionCode) -> Option<f64> {
    match province.as_u32() {
        520000 => Some(38_562_148.0), // 贵州
        530000 => Some(47_209_277.0), // 云南
        620000 => Some(25_019_831.0), // 甘肃
        630000 => Some(5_923_957.0),  // 青海
        _ => None,
    }
}

/// How large a denominator element is: per resident (a plausible share of the population) or per region.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Share {
    PerPerson(f64),
    PerRegion(f64),
}

/// Sizes of the denominator elements the shipped plans use (rough national orders of magnitude, SYNTHETIC).
/// Elements not listed are sized at 1 % of the population.
pub const SHARES: [(&str, Share); 17] = [
    ("population", Share::PerPerson(1.0)),
    ("population_3_5", Share::PerPerson(0.038)),
    ("population_15_17", Share::PerPerson(0.036)),
    ("compulsory_cohort", Share::PerPerson(0.012)),
    ("working_age_population", Share::PerPerson(0.63)),
    ("medical_insurable", Share::PerPerson(0.97)),
    ("pension_insurable", Share::PerPerson(0.56)),
    ("care_home_beds", Share::PerPerson(0.0035)),
    ("orphans_eligible", Share::PerPerson(0.0006)),
    ("disability_subsidy_eligible", Share::PerPerson(0.012)),
    ("extreme_poor_dependent", Share::PerPerson(0.0012)),
    ("rental_applicants_eligible", Share::PerPerson(0.002)),
    ("rural_housing_eligible", Share::PerPerson(0.02)),
    ("new_residential_areas", Share::PerPerson(0.00002)),
    ("households", Share::PerPerson(0.33)),
    ("counties_total", Share::PerRegion(1.0)),
    ("live_births", Share::PerPerson(0.011)),
];

/// Options of [`synthesize`].
#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    /// The years to write (each within the plan).
    pub years: Vec<i32>,
    /// The province's resident population; default [`census_population`].
    pub population: Option<f64>,
}

pub use minsheng_core::rng::Rng;

/// One series to make: the indicator, which series of a pair, and its province path by year.
struct Path<'a> {
    ind: &'a Indicator,
    series: Option<String>,
    /// Province value by year (for cumulative targets: the flow of that year).
    by_year: BTreeMap<i32, f64>,
}

fn number(cell: &Cell, k: Option<usize>) -> Option<f64> {
    match k {
        Some(k) => cell.series(k).and_then(|c| c.number()),
        None => match cell.value() {
            Value::Quantity(q) => Some(q.value),
            Value::Qualitative(q) => Some(q.rule().1),
            _ => None,
        },
    }
}

fn paths<'a>(plan: &'a Plan, years: &[i32], rng: &mut Rng) -> Vec<Path<'a>> {
    let span = f64::from(plan.target_year - plan.base_year);
    let mut out = Vec::new();
    for ind in &plan.indicators {
        let ks: Vec<Option<usize>> = if ind.series.is_empty() {
            vec![None]
        } else {
            (0..ind.series.len()).map(Some).collect()
        };
        for k in ks {
            let pace = 0.5 + 0.7 * rng.uniform();
            let series = k.and_then(|k| ind.series.get(k).cloned());
            let target = number(&ind.target, k);
            let actual = ind.actual.as_ref().and_then(|a| number(a, k));
            let percent =
                ind.unit.trim() == "%" || matches!(ind.target.value(), Value::Qualitative(_));
            let cap = |v: f64| {
                if percent {
                    v.clamp(0.0, 100.0)
                } else {
                    v.max(0.0)
                }
            };
            let mut by_year = BTreeMap::new();
            if ind.cumulative() {
                // A five-year sum: the yearly flow is the total over the years, at the plan's pace.
                let Some(total) = actual.or(target.map(|t| t * pace)) else {
                    continue;
                };
                // Years left out of `years` are lumped into the next year written, so the flows written always
                // sum to the running total (a file with only 2015 and 2020 carries the five-year sum at 2020).
                let mut previous = plan.base_year;
                for &y in years.iter().filter(|&&y| y > plan.base_year) {
                    by_year.insert(y, total * f64::from(y - previous) / span);
                    previous = y;
                }
            } else if ind.window == Some(Window::PerYear) {
                let Some(t) = target else { continue };
                for &y in years.iter().filter(|&&y| y > plan.base_year) {
                    by_year.insert(y, t * (0.8 + 0.4 * rng.uniform()));
                }
            } else {
                let baseline = number(&ind.baseline, k);
                let goal = actual.or(target.map(|t| match baseline {
                    Some(b) => b + (t - b) * pace,
                    None => t,
                }));
                let start = baseline.or_else(|| {
                    target.map(|t| match ind.direction {
                        Direction::Increase => t * 0.9,
                        Direction::Decrease => t * 1.1,
                    })
                });
                let (Some(start), Some(goal)) = (start, goal) else {
                    continue;
                };
                for &y in years {
                    let t = f64::from(y - plan.base_year) / span;
                    if y == plan.base_year && baseline.is_none() {
                        continue;
                    }
                    by_year.insert(y, cap(start + (goal - start) * t));
                }
            }
            out.push(Path {
                ind,
                series,
                by_year,
            });
        }
    }
    out
}

/// The county-level regions under `root`, each with its parent.
fn counties_under(
    regions: &RegionTable,
    root: RegionCode,
) -> Vec<(RegionCode, Option<RegionCode>)> {
    crate::regional::units_under(regions, root, Level::County)
        .into_iter()
        .map(|c| (c, regions.get(c).and_then(|r| r.parent)))
        .collect()
}

/// Generates SYNTHETIC county observations for `plan` (see the module documentation for the method).
///
/// # Errors
/// When the plan has no region, the region has no counties, a year is outside the plan, or no population is known.
// The county loops index several parallel vectors (populations, spreads, denominators) by county.
#[allow(clippy::needless_range_loop)]
pub fn synthesize(
    plan: &Plan,
    regions: &RegionTable,
    options: &Options,
) -> Result<Vec<Observation>, String> {
    let root = plan
        .region
        .ok_or_else(|| format!("plan {} has no region", plan.id))?;
    if let Some(y) = options
        .years
        .iter()
        .find(|y| !(plan.base_year..=plan.target_year).contains(*y))
    {
        return Err(format!(
            "year {y} is outside the plan ({}–{})",
            plan.base_year, plan.target_year
        ));
    }
    let population = options
        .population
        .or_else(|| census_population(root))
        .ok_or_else(|| format!("no census population for region {root}: give one"))?;
    let counties = counties_under(regions, root);
    if counties.is_empty() {
        return Err(format!("region {root} has no counties in the region table"));
    }
    let mut years = options.years.clone();
    years.sort_unstable();
    years.dedup();
    let mut rng = Rng::new(options.seed);
    let n = counties.len();
    let source = format!(
        "SYNTHETIC (minsheng synth, seed {}), calibrated to plan {}",
        options.seed, plan.id
    );

    // County populations by year and development scores.
    let raw: Vec<f64> = (0..n).map(|_| (0.6 * rng.normal()).exp()).collect();
    let total: f64 = raw.iter().sum();
    let growth: Vec<f64> = (0..n).map(|_| 0.003 + 0.002 * rng.normal()).collect();
    let development: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let pop = |c: usize, y: i32| -> f64 {
        raw[c] / total * population * (1.0 + growth[c]).powi(y - plan.base_year)
    };

    let mut out: Vec<Observation> = Vec::new();
    let mut elements: BTreeMap<(String, usize, i32), f64> = BTreeMap::new();
    let push = |out: &mut Vec<Observation>,
                code: &str,
                series: &Option<String>,
                c: usize,
                y: i32,
                v: f64| {
        out.push(Observation {
            indicator: code.to_string(),
            region: counties[c].0,
            year: y,
            value: v,
            series: series.clone(),
            disaggregation: BTreeMap::new(),
            source: Some(source.clone()),
            row: 0,
        });
    };
    // Denominator elements, and the population, sized once per county and year.
    let share = |code: &str| {
        SHARES
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(Share::PerPerson(0.01), |s| s.1)
    };
    let mut size_noise: BTreeMap<(String, usize), f64> = BTreeMap::new();
    let mut denominator = |code: &str, c: usize, y: i32, rng: &mut Rng| -> f64 {
        let noise = *size_noise.entry((code.to_string(), c)).or_insert_with(|| {
            if code == "population" {
                1.0
            } else {
                (0.1 * rng.normal()).exp()
            }
        });
        match share(code) {
            Share::PerPerson(s) => pop(c, y) * s * noise,
            Share::PerRegion(s) => s,
        }
    };

    for path in paths(plan, &years, &mut rng) {
        let ind = path.ind;
        let percent = ind.unit.trim() == "%" || matches!(ind.target.value(), Value::Qualitative(_));
        let spread: Vec<f64> = development
            .iter()
            .map(|d| 0.7 * d + 0.7 * rng.normal())
            .collect();
        for (&y, &p) in &path.by_year {
            let cumulative_or_sum = ind.cumulative() || ind.aggregation == Aggregation::Sum;
            if cumulative_or_sum {
                // Split P by population × noise; shares sum to 1 exactly.
                let w: Vec<f64> = (0..n)
                    .map(|c| pop(c, y) * (0.2 * spread[c]).exp())
                    .collect();
                let sw: f64 = w.iter().sum();
                for c in 0..n {
                    push(&mut out, &ind.code, &path.series, c, y, p * w[c] / sw);
                }
                continue;
            }
            // Rates: spread the gap to 100 % for percentages above 50, else the rate itself.
            let good = ind.direction == Direction::Increase;
            let use_gap = percent && p > 50.0;
            let sign = if good { -1.0 } else { 1.0 };
            let raw_rates: Vec<f64> = (0..n)
                .map(|c| {
                    let k = (0.15 * sign * spread[c]).exp();
                    if use_gap {
                        100.0 - (100.0 - p) * k
                    } else {
                        p * k
                    }
                })
                .collect();
            match &ind.aggregation {
                Aggregation::Ratio {
                    numerator,
                    denominator: den,
                    factor,
                } => {
                    let d: Vec<f64> = (0..n).map(|c| denominator(den, c, y, &mut rng)).collect();
                    let sd: f64 = d.iter().sum();
                    let agg = raw_rates.iter().zip(&d).map(|(r, d)| r * d).sum::<f64>() / sd;
                    let rates: Vec<f64> = if use_gap {
                        let k = if 100.0 - agg > 0.0 {
                            (100.0 - p) / (100.0 - agg)
                        } else {
                            0.0
                        };
                        raw_rates.iter().map(|r| 100.0 - (100.0 - r) * k).collect()
                    } else if agg > 0.0 {
                        raw_rates.iter().map(|r| r * p / agg).collect()
                    } else {
                        vec![p; n]
                    };
                    for c in 0..n {
                        elements.insert((den.clone(), c, y), d[c]);
                        let num = rates[c] * d[c] / factor;
                        // Two indicators may share a numerator only if they agree; the first one wins.
                        elements.entry((numerator.clone(), c, y)).or_insert(num);
                    }
                }
                Aggregation::WeightedMean { weight } => {
                    let w: Vec<f64> = (0..n)
                        .map(|c| denominator(weight, c, y, &mut rng))
                        .collect();
                    let sw: f64 = w.iter().sum();
                    let agg = raw_rates.iter().zip(&w).map(|(r, w)| r * w).sum::<f64>() / sw;
                    for c in 0..n {
                        elements.insert((weight.clone(), c, y), w[c]);
                        let v = if use_gap {
                            let k = if 100.0 - agg > 0.0 {
                                (100.0 - p) / (100.0 - agg)
                            } else {
                                0.0
                            };
                            100.0 - (100.0 - raw_rates[c]) * k
                        } else if agg > 0.0 {
                            raw_rates[c] * p / agg
                        } else {
                            p
                        };
                        push(&mut out, &ind.code, &path.series, c, y, v);
                    }
                }
                Aggregation::None | Aggregation::Sum => {
                    for c in 0..n {
                        let v = p * (1.0 + 0.03 * spread[c].clamp(-3.0, 3.0));
                        let v = if percent {
                            v.clamp(0.0, 100.0)
                        } else {
                            v.max(0.0)
                        };
                        push(&mut out, &ind.code, &path.series, c, y, v);
                    }
                }
            }
        }
    }
    for ((code, c, y), v) in elements {
        push(&mut out, &code, &None, c, y, v);
    }
    out.sort_by(|a, b| {
        (a.indicator.as_str(), a.series.as_deref(), a.region, a.year).cmp(&(
            b.indicator.as_str(),
            b.series.as_deref(),
            b.region,
            b.year,
        ))
    });
    Ok(out)
}

/// Writes observations as tidy CSV (`indicator,region,year,value,series,source`).
pub fn to_csv(observations: &[Observation]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut rows =
        vec![["indicator", "region", "year", "value", "series", "source"].map(String::from)];
    for o in observations {
        rows.push([
            o.indicator.clone(),
            o.region.to_string(),
            o.year.to_string(),
            o.value.to_string(),
            o.series.clone().unwrap_or_default(),
            o.source.clone().unwrap_or_default(),
        ]);
    }
    for r in rows {
        // Writing to a Vec cannot fail.
        let _ = w.write_record(&r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
