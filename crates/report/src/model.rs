//! What both writers show, derived once from the [`Input`]: one row per record with the plan's facts beside the
//! verdict, counts by domain and status, the observation sources, region names.

use std::collections::{BTreeMap, BTreeSet};

use minsheng_core::plan::Domain;
use minsheng_core::region::{RegionCode, RegionTable};
use minsheng_core::target::{Cell, Comparison, Value};
use minsheng_monitor::evaluate::Record;
use minsheng_monitor::progress::{Status, Warning};

use crate::Input;
use crate::text::{STATUSES, num, status_index};

/// `(year, value)` points of one series.
type Points = Vec<(i32, f64)>;

/// One record with what the plan says about its indicator.
pub struct Row<'a> {
    pub rec: &'a Record,
    pub domain: Option<Domain>,
    pub category: &'a str,
    pub unit: &'a str,
    pub name_en: &'a str,
    /// The baseline as written (for a series of a pair: that series' number).
    pub baseline_text: String,
    /// The baseline level, when it is a plain quantity comparable with the values (not for cumulative targets).
    pub baseline: Option<f64>,
    /// Whether the target is a five-year sum (the value is then the running sum).
    pub cumulative: bool,
    /// The target quantity: the judgement's, else the cell's number, else the reference figure.
    pub target: Option<f64>,
    /// The target's comparison symbol for the indicator's direction (`≥`, `≤`, `=` …), if any.
    pub comparison: Option<Comparison>,
    /// The judged region's headline series up to the evaluation year, sorted by year; running sums for cumulative
    /// targets (starting at 0 in the base year).
    pub points: Vec<(i32, f64)>,
}

impl Row<'_> {
    /// `YN13-18/广播` for a series, else the code.
    pub fn key(&self) -> String {
        match &self.rec.series {
            Some(s) => format!("{}/{s}", self.rec.code),
            None => self.rec.code.clone(),
        }
    }

    pub fn status(&self) -> Status {
        self.rec.judgement.status
    }

    pub fn warning(&self) -> Option<Warning> {
        self.rec.judgement.warning
    }
}

/// The single quantity of a cell, as the evaluation reads baselines (plain quantities only).
fn quantity(cell: &Cell) -> Option<f64> {
    match cell.value() {
        Value::Quantity(q) => Some(q.value),
        _ => None,
    }
}

/// Builds the rows of the report in record order.
pub fn rows<'a>(input: &Input<'a>) -> Vec<Row<'a>> {
    let plan = input.plan;
    // The judged region's headline observations by (indicator, series), sorted by year.
    let mut series: BTreeMap<(&str, Option<&str>), Points> = BTreeMap::new();
    for o in input
        .observations
        .iter()
        .filter(|o| o.region == input.region && o.is_total() && o.year <= input.year)
    {
        series
            .entry((o.indicator.as_str(), o.series.as_deref()))
            .or_default()
            .push((o.year, o.value));
    }
    for pts in series.values_mut() {
        pts.sort_by_key(|p| p.0);
    }
    input
        .records
        .iter()
        .map(|rec| {
            let ind = plan.indicator(&rec.code);
            let k = match (&rec.series, ind) {
                (Some(s), Some(i)) => i.series.iter().position(|x| x == s),
                _ => None,
            };
            let (baseline_cell, target_cell) = match (ind, k) {
                (Some(i), Some(k)) => (i.baseline.series(k), i.target.series(k)),
                (Some(i), None) => (Some(i.baseline.clone()), Some(i.target.clone())),
                (None, _) => (None, None),
            };
            let cumulative = target_cell.as_ref().is_some_and(Cell::is_cumulative);
            let baseline_text = match (k, &baseline_cell) {
                (Some(_), Some(c)) => quantity(c).map(num).unwrap_or_default(),
                (None, Some(c)) => c.raw().to_string(),
                _ => String::new(),
            };
            let baseline = if cumulative {
                None
            } else {
                baseline_cell.as_ref().and_then(quantity)
            };
            let target = rec
                .judgement
                .target_value
                .or_else(|| target_cell.as_ref().and_then(Cell::number))
                .or(rec.reference.map(|r| r.1));
            let comparison = match (ind, &target_cell) {
                (Some(i), Some(c)) => c
                    .comparison(i.direction)
                    .map(|cmp| cmp.effective(i.direction)),
                _ => None,
            };
            let raw = series
                .get(&(rec.code.as_str(), rec.series.as_deref()))
                .cloned()
                .unwrap_or_default();
            let points = if cumulative {
                let mut sum = 0.0;
                let mut pts = vec![(plan.base_year, 0.0)];
                for (y, v) in raw.into_iter().filter(|(y, _)| *y > plan.base_year) {
                    sum += v;
                    pts.push((y, sum));
                }
                if pts.len() == 1 { Vec::new() } else { pts }
            } else {
                raw
            };
            Row {
                rec,
                domain: ind.map(|i| i.domain),
                category: ind.map(|i| i.category.as_str()).unwrap_or(""),
                unit: ind.map(|i| i.unit.as_str()).unwrap_or(""),
                name_en: ind.map(|i| i.name_en.as_str()).unwrap_or(""),
                baseline_text,
                baseline,
                cumulative,
                target,
                comparison,
                points,
            }
        })
        .collect()
}

/// The comparison as a mathematical sign.
pub fn comparison_sign(c: Comparison) -> &'static str {
    match c.symbol() {
        ">=" => "≥",
        "<=" => "≤",
        ">" => ">",
        "<" => "<",
        _ => "=",
    }
}

/// Counts per status (in [`STATUSES`] order) and warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub status: [usize; 6],
    pub red: usize,
    pub yellow: usize,
}

impl Counts {
    pub fn add(&mut self, row: &Row<'_>) {
        self.status[status_index(row.status())] += 1;
        match row.warning() {
            Some(Warning::Red) => self.red += 1,
            Some(Warning::Yellow) => self.yellow += 1,
            None => {}
        }
    }

    pub fn total(&self) -> usize {
        self.status.iter().sum()
    }

    pub fn of(&self, s: Status) -> usize {
        self.status[status_index(s)]
    }
}

/// Counts by domain (all nine, in order) and overall.
pub fn counts(rows: &[Row<'_>]) -> (Vec<(Domain, Counts)>, Counts) {
    let mut by: BTreeMap<Domain, Counts> = BTreeMap::new();
    let mut all = Counts::default();
    for r in rows {
        all.add(r);
        if let Some(d) = r.domain {
            by.entry(d).or_default().add(r);
        }
    }
    let domains = Domain::ALL
        .iter()
        .map(|d| (*d, by.remove(d).unwrap_or_default()))
        .collect();
    (domains, all)
}

/// Rows with a warning: red first, then yellow, each in plan order.
pub fn warnings<'r, 'a>(rows: &'r [Row<'a>]) -> Vec<&'r Row<'a>> {
    let mut w: Vec<&Row<'_>> = rows.iter().filter(|r| r.warning().is_some()).collect();
    w.sort_by_key(|r| match r.warning() {
        Some(Warning::Red) => 0,
        _ => 1,
    });
    w
}

/// Each distinct observation source with the indicator codes citing it.
pub fn sources(input: &Input<'_>) -> Vec<(String, Vec<String>)> {
    let mut by: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for o in input.observations {
        if let Some(s) = &o.source {
            by.entry(s.as_str())
                .or_default()
                .insert(o.indicator.as_str());
        }
    }
    by.into_iter()
        .map(|(s, codes)| {
            (
                s.to_string(),
                codes.into_iter().map(str::to_string).collect(),
            )
        })
        .collect()
}

/// The region's name, or its code when the table does not know it.
pub fn region_name(regions: &RegionTable, code: RegionCode) -> String {
    regions
        .get(code)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| code.to_string())
}

/// The name of a region given by its code as text (the equalization's `max_id` / `min_id`).
pub fn region_name_str(regions: &RegionTable, id: &str) -> String {
    match RegionCode::parse(id) {
        Ok(c) => regions.get(c).map(|r| r.name.clone()),
        Err(_) => None,
    }
    .unwrap_or_else(|| id.to_string())
}

/// Sorted (descending) region values with names, for tables.
pub fn ranked(
    regions: &RegionTable,
    values: &[(RegionCode, f64)],
) -> Vec<(RegionCode, String, f64)> {
    let mut v: Vec<(RegionCode, String, f64)> = values
        .iter()
        .map(|(c, x)| (*c, region_name(regions, *c), *x))
        .collect();
    v.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    v
}

/// All statuses with their counts, for legends (statuses with zero count included).
pub fn status_counts(c: &Counts) -> Vec<(Status, usize)> {
    STATUSES.iter().map(|s| (*s, c.of(*s))).collect()
}

/// One method note: a title and a text in each language (plain text).
pub struct Note {
    pub title_zh: &'static str,
    pub zh: String,
    pub title_en: &'static str,
    pub en: String,
}

/// The method notes the report cites, in order: the 序时进度 method, warnings, references, projection and —
/// when the report has them — equalization measures, maps and the synthetic-data notice.
pub fn method_notes(input: &Input<'_>) -> Vec<Note> {
    let s = num(input.thresholds.serious);
    let target_year = input.plan.target_year;
    let mut notes = vec![
        Note {
            title_zh: "序时进度",
            zh: "时间进度 t = (评估年 − 基期年) / (目标年 − 基期年)，最大为 1。".into(),
            title_en: "Time share",
            en: "t = (evaluation year − base year) / (target year − base year), at most 1.".into(),
        },
        Note {
            title_zh: "完成度",
            zh: "c = (实际值 − 基期值) / (目标值 − 基期值)，即规划变化量中已实现的比例，按指标的正向或逆向计，向好为正；五年累计目标以规划期内逐年数值之和计，c = 累计值 / 目标值；目标与基期相同（保持水平）时，未倒退即为 100%。".into(),
            title_en: "Completion",
            en: "c = (value − baseline) / (target − baseline): the share of the planned change achieved, positive in the indicator's good direction whichever that is; five-year cumulative targets use the running sum of the plan years, c = sum / target; when the target equals the baseline (hold the level), completion is 100% unless the value moved the wrong way.".into(),
        },
        Note {
            title_zh: "状态",
            zh: format!(
                "目标的比较关系成立（由指标值语法按指标方向判定）为“已完成”；否则较基期反向变化（c < 0）为“倒退”；目标年之前，c ≥ t 为“符合序时进度”，c ≥ {s} × t 为“滞后”，低于此为“严重滞后”；目标年及以后未达标时，c ≥ {s} 为“滞后”，低于此为“严重滞后”。无目标、目标为“—”、缺少监测数据、基期值或参照值时为“无法评估”，并写明原因。严重滞后阈值 s = {s}。"
            ),
            title_en: "Status",
            en: format!(
                "Achieved when the target's comparison holds (decided by the target grammar for the indicator's direction); otherwise regressing when the value moved the wrong way from the baseline (c < 0); before the target year on track when c ≥ t, lagging when c ≥ {s} × t and seriously lagging below; in or after the target year a missed target is lagging when c ≥ {s} and seriously lagging below. Not assessable, with the reason, when there is no target, the target is “—”, or the observation, the baseline or the reference figure is missing. Threshold s = {s}."
            ),
        },
        Note {
            title_zh: "预警",
            zh: "约束性指标既未完成也不符合序时进度，或任何指标倒退，为红色预警；预期性指标滞后或严重滞后，为黄色预警。".into(),
            title_en: "Warnings",
            en: "Red for a binding indicator that is neither achieved nor on track, and for any regressing indicator; yellow for an expected indicator that is lagging or seriously lagging.".into(),
        },
        Note {
            title_zh: "参照目标",
            zh: "“达到全国（西部）平均水平”类目标以评估年或之前最近一年的参照值为目标值，表中注明所用参照值及其年份。".into(),
            title_en: "Reference targets",
            en: "Targets such as “reach the national (western) average” take the latest reference figure at or before the evaluation year as the target value; the table names the figure and its year.".into(),
        },
        Note {
            title_zh: "预测",
            zh: format!(
                "对水平值指标，以包括基期值在内的实际观测序列作最小二乘线性拟合，外推至目标年（{target_year}年），并判断预测值是否达标（“预计未达标”）；另以首末两个观测点（含基期值）之间的复合年均增长率（CAGR）外推至目标年，作为参考（仅限正值）。累计目标、逐年目标以及目标年及以后的评估不作预测。"
            ),
            title_en: "Projection",
            en: format!(
                "For level indicators, a least-squares line through the observed series including the baseline, extrapolated to the target year ({target_year}), and whether that value meets the target (“will miss”); for reference, also the compound annual growth rate (CAGR) between the first and the last point (baseline included) continued to the target year (positive values only). No projection for cumulative or per-year targets, nor in or after the target year."
            ),
        },
    ];
    if !input.equalization.is_empty() || input.composite.is_some() {
        notes.push(Note {
            title_zh: "均等化测度",
            zh: "差异系数为标准差与均值之比（总体标准差，除以 n），加权差异系数为 Williamson（1965）系数，以常住人口为权重；基尼系数为平均绝对差与两倍均值之比（Gini 1912；Sen 1973），另给出人口加权基尼系数；泰尔指数 T 以人口加权（Theil 1967），并按上级地区分解为组间与组内两部分，二者之和等于总指数（Shorrocks 1980）；极值比为最高值与最低值之比；达标率为达到标准的地区所占比例（正向指标不低于标准，逆向指标不高于标准）。".into(),
            title_en: "Equalization measures",
            en: "The coefficient of variation is the standard deviation over the mean (population standard deviation, dividing by n); the weighted CV is Williamson's (1965) coefficient with resident population as weights; the Gini coefficient is the mean absolute difference over twice the mean (Gini 1912; Sen 1973), also population-weighted; Theil's T is population-weighted (Theil 1967) and decomposed exactly into between- and within-group parts by parent region (Shorrocks 1980); the max/min ratio compares the highest with the lowest value; the share meeting the standard counts the regions at or above it (at or below it where lower is better).".into(),
        });
        notes.push(Note {
            title_zh: "地图",
            zh: "地图为点位图：每个地区以一个代表点表示（GCJ-02 坐标，非行政边界），采用等距圆柱投影，经度按中心纬度的余弦校正；颜色按数值由浅到深连续分级。".into(),
            title_en: "Maps",
            en: "Dot maps: each region is one representative point (GCJ-02 coordinates, not boundaries), in an equirectangular projection with longitudes scaled by the cosine of the central latitude; colours run from light to dark with the value.".into(),
        });
    }
    if input.synthetic {
        notes.push(Note {
            title_zh: "合成数据",
            zh: crate::text::SYNTHETIC_NOTE_ZH.into(),
            title_en: "Synthetic data",
            en: crate::text::SYNTHETIC_NOTE_EN.into(),
        });
    }
    notes
}
