//! 覆盖与达标 — who a service circle covers, and whether supply norms and population thresholds are met, per zone
//! and overall.
//!
//! Inputs are plain: the population points with their groups, the zone of each point and facility ([`Zones`]),
//! and for each circle the cost from every point to the nearest facility of its type, in the circle's unit
//! (minutes or metres; `f64::INFINITY` when none is reachable). The costs come from the network engine, or from
//! [`straight_costs`] when there is no network. A point is covered when its cost is at most the circle's limit
//! (以内 includes the limit).
//!
//! - [`circle_coverage`]: covered people of every group, per zone and overall, the underserved points (cost above
//!   the limit, worst first) and the zones below the target;
//! - [`norm_compliance`]: supply (Σ capacity or count of the type's facilities) against norm × population / N;
//! - [`threshold_compliance`]: zones whose group population reaches the threshold against the facilities they have;
//! - [`to_observations_csv`]: all of it as tidy observations (`indicator,region,year,value,unit,source`), the
//!   monitoring engine's format, with the rule ids as indicator codes.

mod straight;

pub use straight::{StraightLine, nearest_metres, straight_costs};

use rayon::prelude::*;
use serde::Serialize;

use crate::circles::{Catalogue, Circle, Norm, Supply, Threshold};
use crate::geo::{Facilities, Population, Zones};

/// Why coverage or compliance cannot be computed from the given inputs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoverageError {
    /// An input is not aligned with the points or facilities.
    #[error("{what} has {got} entries, but there are {want}")]
    Length {
        what: String,
        got: usize,
        want: usize,
    },
    /// A rule's group is not a column of the population file.
    #[error("the population has no group {group:?}, which {rule} needs (its groups are: {known})")]
    UnknownGroup {
        group: String,
        rule: String,
        known: String,
    },
    /// A cost is negative or NaN.
    #[error(
        "cost {cost} of point {point:?} for circle {circle} is not a number ≥ 0 (unreachable is infinity)"
    )]
    BadCost {
        circle: String,
        point: String,
        cost: f64,
    },
    /// A zone index points past the zone list.
    #[error("zone index {index} is out of range ({zones} zones)")]
    Zone { index: u32, zones: usize },
}

/// Options of [`circle_coverage`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoverageOptions {
    /// At most this many underserved points are listed per circle, the worst first (the count is always exact).
    pub max_listed: usize,
    /// The coverage target (%) for circles whose seed gives none; `None` flags no zone as underserved then.
    pub default_target: Option<f64>,
}

impl Default for CoverageOptions {
    fn default() -> CoverageOptions {
        CoverageOptions {
            max_listed: 10_000,
            default_target: None,
        }
    }
}

/// One circle with its per-point costs (aligned with the population, in the circle's unit).
#[derive(Debug, Clone, Copy)]
pub struct CircleCosts<'a> {
    pub circle: &'a Circle,
    pub cost: &'a [f64],
}

/// People of one group and how many of them are covered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupCount {
    pub group: String,
    pub population: f64,
    pub covered: f64,
    /// covered / population × 100; `None` when the group has nobody there.
    pub percent: Option<f64>,
}

/// Coverage of one circle in one zone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZoneCoverage {
    pub region: String,
    pub name: String,
    /// Every group of the population file.
    pub groups: Vec<GroupCount>,
    /// The circle's own group's coverage (%).
    pub percent: Option<f64>,
    /// Below the target.
    pub underserved: bool,
}

/// A point beyond the circle's limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnderservedPoint {
    pub id: String,
    /// Its zone's code ("" when outside every zone).
    pub region: String,
    /// Cost to the nearest facility in the circle's unit; `None` when none is reachable.
    pub cost: Option<f64>,
    /// People of the circle's group at the point.
    pub population: f64,
}

/// Coverage of one circle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CircleCoverage {
    pub circle: String,
    pub name_zh: String,
    pub group: String,
    pub limit: f64,
    /// `min` or `m`.
    pub unit: &'static str,
    pub mode: &'static str,
    /// The target used (%): the circle's own, else the options' default.
    pub target: Option<f64>,
    /// Every group over all points (inside a zone or not).
    pub overall: Vec<GroupCount>,
    /// The circle's own group's overall coverage (%).
    pub percent: Option<f64>,
    pub zones: Vec<ZoneCoverage>,
    /// Points of the circle's group (population > 0) beyond the limit, and their people.
    pub underserved_points: usize,
    pub underserved_population: f64,
    /// The worst of them (highest cost first, unreachable first of all), at most `max_listed`.
    pub listed: Vec<UnderservedPoint>,
    /// Codes of the zones whose coverage is below the target.
    pub underserved_zones: Vec<String>,
}

/// Supply against a norm in one zone (or overall).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NormZone {
    pub region: String,
    /// People of the norm's group.
    pub population: f64,
    /// Σ capacity (or count) of the facilities of the type.
    pub supply: f64,
    /// norm value × population / per.
    pub required: f64,
    /// supply per `per` people; `None` without people.
    pub rate: Option<f64>,
    /// supply / required; `None` when nothing is required.
    pub ratio: Option<f64>,
    /// max(0, required − supply): e.g. 托位 short by 1,234.
    pub shortfall: f64,
    /// The comparison holds (a zone without people complies).
    pub compliant: bool,
    pub facilities: usize,
    /// Facilities of the type with no capacity given (counted as 0 when the norm counts capacity).
    pub missing_capacity: usize,
}

/// One norm's compliance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NormCompliance {
    pub norm: String,
    pub name_zh: String,
    pub group: String,
    pub value: f64,
    pub per: f64,
    pub comparison: &'static str,
    /// The unit of the rate, e.g. `托位 per 1000 total`.
    pub unit: String,
    pub overall: NormZone,
    pub zones: Vec<NormZone>,
    pub compliant_zones: usize,
}

/// One zone under a population threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdZone {
    pub region: String,
    pub population: f64,
    pub facilities: usize,
    pub capacity: f64,
    pub compliant: bool,
    /// Facilities still needed (min_count − facilities, at least 0).
    pub shortfall_count: u32,
    /// Capacity still needed (min_capacity − capacity, at least 0).
    pub shortfall_capacity: f64,
}

/// One threshold's compliance: the zones where it applies (group population ≥ the threshold).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdCompliance {
    pub threshold: String,
    pub name_zh: String,
    /// The administrative level the rule is meant for; the zones given should be of that level.
    pub level: &'static str,
    pub group: String,
    pub min_population: f64,
    pub min_count: Option<u32>,
    pub min_capacity: Option<f64>,
    pub applicable: usize,
    pub compliant: usize,
    /// compliant / applicable × 100; `None` when no zone reaches the threshold.
    pub share: Option<f64>,
    /// The share the seed wants (%).
    pub target_share: f64,
    pub met: Option<bool>,
    pub zones: Vec<ThresholdZone>,
}

/// Everything computed for one area, for reports and [`to_observations_csv`].
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Assessment {
    pub circles: Vec<CircleCoverage>,
    pub norms: Vec<NormCompliance>,
    pub thresholds: Vec<ThresholdCompliance>,
}

fn percent(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole * 100.0)
}

/// Checks that the population, its groups and the zones agree in length and that zone indices are valid.
fn check_population(population: &Population, zones: &Zones) -> Result<(), CoverageError> {
    let n = population.len(); // the number of ids
    let mut lengths = vec![
        ("the longitudes".to_string(), population.lon.len()),
        ("the latitudes".to_string(), population.lat.len()),
        ("the zone of each point".to_string(), zones.of_point.len()),
    ];
    lengths.extend(
        population
            .groups
            .iter()
            .map(|g| (format!("group {:?}", g.name), g.values.len())),
    );
    for (what, got) in lengths {
        if got != n {
            return Err(CoverageError::Length { what, got, want: n });
        }
    }
    check_zones(&zones.of_point, zones.len())
}

fn check_zones(of: &[Option<u32>], n: usize) -> Result<(), CoverageError> {
    match of.iter().flatten().find(|&&z| z as usize >= n) {
        Some(&index) => Err(CoverageError::Zone { index, zones: n }),
        None => Ok(()),
    }
}

fn check_facilities(facilities: &Facilities, zones: &Zones) -> Result<(), CoverageError> {
    let n = facilities.len();
    for (what, got) in [
        ("the facility types", facilities.kind.len()),
        ("the capacities", facilities.capacity.len()),
        ("the zone of each facility", zones.of_facility.len()),
    ] {
        if got != n {
            return Err(CoverageError::Length {
                what: what.to_string(),
                got,
                want: n,
            });
        }
    }
    check_zones(&zones.of_facility, zones.len())
}

fn group_index(population: &Population, group: &str, rule: &str) -> Result<usize, CoverageError> {
    population
        .groups
        .iter()
        .position(|g| g.name == group)
        .ok_or_else(|| CoverageError::UnknownGroup {
            group: group.to_string(),
            rule: rule.to_string(),
            known: population.group_names().join(", "),
        })
}

/// Σ of every group per zone: `(n_zones + 1) × n_groups`, row-major, the last row holding the points outside
/// every zone.
fn zone_sums(population: &Population, zones: &Zones) -> Vec<f64> {
    let (nz, ng) = (zones.len(), population.groups.len());
    let mut acc = vec![0.0; (nz + 1) * ng];
    for (g, group) in population.groups.iter().enumerate() {
        for (z, v) in zones.of_point.iter().zip(&group.values) {
            acc[z.map_or(nz, |z| z as usize) * ng + g] += v;
        }
    }
    acc
}

/// What one pass over a chunk of points gathers for all circles at once.
struct Pass {
    /// `(1 + circles) × (zones + 1) × groups`: block 0 is everybody, block `1 + c` the people circle `c` covers;
    /// within a block, row `zones` holds the points outside every zone.
    sums: Vec<f64>,
    under_count: Vec<usize>,
    under_pop: Vec<f64>,
    /// The worst underserved points of each circle: (point, cost), at most `max_listed` after [`Pass::trim`].
    worst: Vec<Vec<(u32, f64)>>,
}

/// Highest cost first (unreachable first of all), then by point.
fn worst_first(a: &(u32, f64), b: &(u32, f64)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

impl Pass {
    fn new(circles: usize, width: usize) -> Pass {
        Pass {
            sums: vec![0.0; (1 + circles) * width],
            under_count: vec![0; circles],
            under_pop: vec![0.0; circles],
            worst: vec![Vec::new(); circles],
        }
    }

    fn trim(&mut self, keep: usize) {
        for w in &mut self.worst {
            if w.len() > keep {
                if keep > 0 {
                    w.select_nth_unstable_by(keep - 1, worst_first);
                }
                w.truncate(keep);
            }
        }
    }

    fn merge(mut self, other: Pass, keep: usize) -> Pass {
        self.sums
            .iter_mut()
            .zip(other.sums)
            .for_each(|(a, b)| *a += b);
        for c in 0..self.worst.len() {
            self.under_count[c] += other.under_count[c];
            self.under_pop[c] += other.under_pop[c];
        }
        for (a, b) in self.worst.iter_mut().zip(other.worst) {
            a.extend(b);
        }
        self.trim(keep);
        self
    }
}

/// Coverage of each circle by its costs: covered people of every group per zone and overall, underserved points
/// and zones. One parallel pass over the points serves all circles.
///
/// # Errors
/// A cost array or zone list of the wrong length, a negative or NaN cost, a circle group the population lacks.
///
/// # Units
/// Costs in the circle's unit (minutes or metres); populations in people; percentages 0–100.
pub fn circle_coverage(
    population: &Population,
    zones: &Zones,
    circles: &[CircleCosts<'_>],
    opts: &CoverageOptions,
) -> Result<Vec<CircleCoverage>, CoverageError> {
    check_population(population, zones)?;
    let n = population.len();
    let nz = zones.len();
    let ng = population.groups.len();
    let mut headline = Vec::with_capacity(circles.len());
    for cc in circles {
        if cc.cost.len() != n {
            return Err(CoverageError::Length {
                what: format!("the costs of circle {}", cc.circle.id),
                got: cc.cost.len(),
                want: n,
            });
        }
        if let Some(i) = cc.cost.par_iter().position_any(|c| c.is_nan() || *c < 0.0) {
            return Err(CoverageError::BadCost {
                circle: cc.circle.id.clone(),
                point: population.ids.get(i).cloned().unwrap_or_default(),
                cost: cc.cost[i],
            });
        }
        headline.push(group_index(population, &cc.circle.group, &cc.circle.id)?);
    }
    let limits: Vec<f64> = circles.iter().map(|c| c.circle.limit.value()).collect();
    let width = (nz + 1) * ng;
    let keep = opts.max_listed;
    const CHUNK: usize = 1 << 14;
    let pass = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|chunk| {
            let mut p = Pass::new(circles.len(), width);
            let mut vals = vec![0.0; ng];
            for i in chunk * CHUNK..((chunk + 1) * CHUNK).min(n) {
                let row = zones.of_point[i].map_or(nz, |z| z as usize) * ng;
                for (g, v) in vals.iter_mut().enumerate() {
                    *v = population.groups[g].values[i];
                    p.sums[row + g] += *v;
                }
                for (c, cc) in circles.iter().enumerate() {
                    let cost = cc.cost[i];
                    if cost <= limits[c] {
                        let base = (1 + c) * width + row;
                        p.sums[base..base + ng]
                            .iter_mut()
                            .zip(&vals)
                            .for_each(|(a, v)| *a += v);
                    } else if vals[headline[c]] > 0.0 {
                        p.under_count[c] += 1;
                        p.under_pop[c] += vals[headline[c]];
                        p.worst[c].push((i as u32, cost));
                    }
                }
            }
            p.trim(keep);
            p
        })
        .reduce(|| Pass::new(circles.len(), width), |a, b| a.merge(b, keep));

    let all = &pass.sums[..width];
    let totals = column_totals(all, ng);
    let counts = |pop: &[f64], cov: &[f64]| -> Vec<GroupCount> {
        population
            .groups
            .iter()
            .enumerate()
            .map(|(k, grp)| GroupCount {
                group: grp.name.clone(),
                population: pop[k],
                covered: cov[k],
                percent: percent(cov[k], pop[k]),
            })
            .collect()
    };
    let mut out = Vec::with_capacity(circles.len());
    for (c, (cc, mut worst)) in circles.iter().zip(pass.worst).enumerate() {
        let g = headline[c];
        let covered = &pass.sums[(1 + c) * width..(2 + c) * width];
        let covered_totals = column_totals(covered, ng);
        let target = cc.circle.target.or(opts.default_target);
        let zone_rows: Vec<ZoneCoverage> = (0..nz)
            .map(|z| {
                let (pop, cov) = (&all[z * ng..(z + 1) * ng], &covered[z * ng..(z + 1) * ng]);
                let pct = percent(cov[g], pop[g]);
                ZoneCoverage {
                    region: zones.codes[z].clone(),
                    name: zones.names.get(z).cloned().unwrap_or_default(),
                    groups: counts(pop, cov),
                    percent: pct,
                    underserved: matches!((pct, target), (Some(p), Some(t)) if p < t),
                }
            })
            .collect();
        worst.sort_unstable_by(worst_first);
        let values = &population.groups[g].values;
        let listed = worst
            .into_iter()
            .map(|(i, cost)| {
                let i = i as usize;
                UnderservedPoint {
                    id: population.ids[i].clone(),
                    region: zones.of_point[i]
                        .and_then(|z| zones.codes.get(z as usize))
                        .cloned()
                        .unwrap_or_default(),
                    cost: cost.is_finite().then_some(cost),
                    population: values[i],
                }
            })
            .collect();
        out.push(CircleCoverage {
            circle: cc.circle.id.clone(),
            name_zh: cc.circle.name_zh.clone(),
            group: cc.circle.group.clone(),
            limit: limits[c],
            unit: cc.circle.limit.unit(),
            mode: cc.circle.mode.as_str(),
            target,
            overall: counts(&totals, &covered_totals),
            percent: percent(covered_totals[g], totals[g]),
            underserved_zones: zone_rows
                .iter()
                .filter(|z| z.underserved)
                .map(|z| z.region.clone())
                .collect(),
            zones: zone_rows,
            underserved_points: pass.under_count[c],
            underserved_population: pass.under_pop[c],
            listed,
        });
    }
    Ok(out)
}

/// Σ over all rows (zones and outside) of a `(rows × ng)` table.
fn column_totals(table: &[f64], ng: usize) -> Vec<f64> {
    let mut t = vec![0.0; ng];
    for row in table.chunks(ng.max(1)) {
        t.iter_mut().zip(row).for_each(|(a, b)| *a += b);
    }
    t
}

/// Per zone (last entry: all facilities, zoned or not): number of facilities of a type, Σ capacity, and how many
/// have no capacity.
fn facility_sums(
    facilities: &Facilities,
    zones: &Zones,
    facility_type: &str,
) -> Vec<(usize, f64, usize)> {
    let nz = zones.len();
    let mut acc = vec![(0usize, 0.0, 0usize); nz + 1];
    for i in facilities.of_type(facility_type) {
        let cap = facilities.capacity[i];
        let mut add = |slot: usize| {
            let a = &mut acc[slot];
            a.0 += 1;
            a.1 += cap.unwrap_or(0.0);
            a.2 += usize::from(cap.is_none());
        };
        add(nz);
        if let Some(z) = zones.of_facility[i] {
            add(z as usize);
        }
    }
    acc
}

/// Supply-norm compliance per zone and overall.
///
/// Supply is Σ capacity (or the number) of the facilities of the norm's type in the zone; the requirement is
/// value × group population / per. `catalogue` gives the units.
///
/// # Errors
/// Lengths that disagree, zone indices out of range, a norm group the population lacks.
pub fn norm_compliance(
    catalogue: &Catalogue,
    population: &Population,
    facilities: &Facilities,
    zones: &Zones,
    norms: &[&Norm],
) -> Result<Vec<NormCompliance>, CoverageError> {
    check_population(population, zones)?;
    check_facilities(facilities, zones)?;
    let ng = population.groups.len();
    let nz = zones.len();
    let pops = zone_sums(population, zones);
    let totals = column_totals(&pops, ng);
    norms
        .iter()
        .map(|norm| {
            let g = group_index(population, &norm.group, &norm.id)?;
            let sums = facility_sums(facilities, zones, &norm.facility_type);
            let row = |region: String, pop: f64, (count, cap, missing): (usize, f64, usize)| {
                let supply = match norm.supply {
                    Supply::Capacity => cap,
                    Supply::Count => count as f64,
                };
                let required = norm.value * pop / norm.per;
                NormZone {
                    region,
                    population: pop,
                    supply,
                    required,
                    rate: (pop > 0.0).then(|| supply / pop * norm.per),
                    ratio: (required > 0.0).then(|| supply / required),
                    shortfall: (required - supply).max(0.0),
                    compliant: pop <= 0.0 || norm.comparison.holds(supply, required),
                    facilities: count,
                    missing_capacity: if norm.supply == Supply::Capacity {
                        missing
                    } else {
                        0
                    },
                }
            };
            let zone_rows: Vec<NormZone> = (0..nz)
                .map(|z| row(zones.codes[z].clone(), pops[z * ng + g], sums[z]))
                .collect();
            let ft = catalogue.facility_type(&norm.facility_type);
            let unit = match norm.supply {
                Supply::Capacity => ft.and_then(|t| t.capacity_unit.clone()),
                Supply::Count => ft.map(|t| t.count_unit.clone()),
            }
            .unwrap_or_else(|| norm.facility_type.clone());
            Ok(NormCompliance {
                norm: norm.id.clone(),
                name_zh: norm.name_zh.clone(),
                group: norm.group.clone(),
                value: norm.value,
                per: norm.per,
                comparison: norm.comparison.as_str(),
                unit: format!("{unit} per {} {}", norm.per, norm.group),
                overall: row(String::new(), totals[g], sums[nz]),
                compliant_zones: zone_rows.iter().filter(|z| z.compliant).count(),
                zones: zone_rows,
            })
        })
        .collect()
}

/// Population-threshold compliance per zone: the zones whose group population reaches the threshold, the
/// facilities of the type they have, and the share that complies against the seed's share.
///
/// The zones should be units of the rule's level (streets for a street rule …): regions from polygons, or units
/// named in the files' `region` columns (villages, communities).
///
/// # Errors
/// Lengths that disagree, zone indices out of range, a threshold group the population lacks.
pub fn threshold_compliance(
    population: &Population,
    facilities: &Facilities,
    zones: &Zones,
    thresholds: &[&Threshold],
) -> Result<Vec<ThresholdCompliance>, CoverageError> {
    check_population(population, zones)?;
    check_facilities(facilities, zones)?;
    let ng = population.groups.len();
    let nz = zones.len();
    let pops = zone_sums(population, zones);
    thresholds
        .iter()
        .map(|t| {
            let g = group_index(population, &t.group, &t.id)?;
            let sums = facility_sums(facilities, zones, &t.facility_type);
            let rows: Vec<ThresholdZone> = (0..nz)
                .filter(|&z| pops[z * ng + g] >= t.min_population)
                .map(|z| {
                    let (count, capacity, _) = sums[z];
                    let need_count = t
                        .min_count
                        .map_or(0, |m| m.saturating_sub(count.min(u32::MAX as usize) as u32));
                    let need_cap = t.min_capacity.map_or(0.0, |m| (m - capacity).max(0.0));
                    ThresholdZone {
                        region: zones.codes[z].clone(),
                        population: pops[z * ng + g],
                        facilities: count,
                        capacity,
                        compliant: need_count == 0 && need_cap <= 0.0,
                        shortfall_count: need_count,
                        shortfall_capacity: need_cap,
                    }
                })
                .collect();
            let compliant = rows.iter().filter(|r| r.compliant).count();
            let share = percent(compliant as f64, rows.len() as f64);
            Ok(ThresholdCompliance {
                threshold: t.id.clone(),
                name_zh: t.name_zh.clone(),
                level: t.level.as_str(),
                group: t.group.clone(),
                min_population: t.min_population,
                min_count: t.min_count,
                min_capacity: t.min_capacity,
                applicable: rows.len(),
                compliant,
                share,
                target_share: t.share,
                met: share.map(|s| s >= t.share),
                zones: rows,
            })
        })
        .collect()
}

/// A CSV field, quoted when it needs to be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The assessment as tidy observations: `indicator,region,year,value,unit,source`, one row per rule and zone with
/// a value, plus one row per rule for `overall_region` (the whole area). Indicator codes are the rule ids.
///
/// Values: circles, the coverage (%) of the circle's group; norms, the supply per `per` people of the group (the
/// unit says so); thresholds, the share (%) of applicable zones that comply (100 or 0 for a single zone).
pub fn to_observations_csv(
    assessment: &Assessment,
    year: i32,
    overall_region: &str,
    source: &str,
) -> String {
    let mut out = String::from("indicator,region,year,value,unit,source\n");
    let source = field(source);
    let mut row = |indicator: &str, region: &str, value: Option<f64>, unit: &str| {
        if let Some(v) = value.filter(|v| v.is_finite()) {
            out.push_str(&format!(
                "{},{},{year},{v},{},{source}\n",
                field(indicator),
                field(region),
                field(unit)
            ));
        }
    };
    for c in &assessment.circles {
        row(&c.circle, overall_region, c.percent, "%");
        for z in &c.zones {
            row(&c.circle, &z.region, z.percent, "%");
        }
    }
    for n in &assessment.norms {
        row(&n.norm, overall_region, n.overall.rate, &n.unit);
        for z in &n.zones {
            row(&n.norm, &z.region, z.rate, &n.unit);
        }
    }
    for t in &assessment.thresholds {
        row(&t.threshold, overall_region, t.share, "%");
        for z in &t.zones {
            row(
                &t.threshold,
                &z.region,
                Some(if z.compliant { 100.0 } else { 0.0 }),
                "%",
            );
        }
    }
    out
}
