//! 服务圈、千人指标与人口门槛 — service circles, supply norms and population thresholds as checked data.
//!
//! The circles file (`data/norms/service-circles.toml`, format in `docs/service-circles.md`) declares population
//! groups and facility types, then three kinds of rules, each citing the seed lines that state it:
//!
//! - `[[circle]]` — 服务圈: a facility type within a travel limit (minutes or metres, on foot, by car or in a
//!   straight line) of a population group, e.g. 15分钟健身圈;
//! - `[[norm]]` — 千人指标: supply per N people of a group, e.g. 4.5 托位 per 1,000 people;
//! - `[[threshold]]` — 人口门槛: a unit (street, township, community …) whose group population reaches a threshold
//!   must have a number of facilities or a capacity, e.g. a street with ≥ 5,000 elderly gets an embedded nursing
//!   home.
//!
//! [`load`] checks everything and gathers every problem as a [`Diagnostic`] with file, line and column, like the
//! plan checker: unknown fields, duplicate ids, unknown groups, facility types, modes, units and plans, and every
//! `quote` against the seed line it cites (white space ignored, full-width forms folded, as plan cells are).

use std::collections::HashMap;

use minsheng_core::diag::{Diagnostic, LineIndex, Severity};
use minsheng_core::target::normalize;
use serde::Deserialize;
use toml::Spanned;

/// The shipped circles file, as plan files name paths (relative to the repository root).
pub const SHIPPED_FILE: &str = "data/norms/service-circles.toml";

/// The text of the shipped circles file.
pub const SHIPPED_TEXT: &str = include_str!("../../../data/norms/service-circles.toml");

/// 出行方式 — how the travel limit of a circle is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// 步行 — on foot, over the walking network.
    Walk,
    /// 车行 — by car, over the driving network.
    Drive,
    /// 直线 — straight-line (great-circle) distance, optionally scaled by a circuity factor.
    Straight,
}

impl Mode {
    /// The name used in the circles file.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Walk => "walk",
            Mode::Drive => "drive",
            Mode::Straight => "straight",
        }
    }
}

/// The travel limit of a circle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// A travel time in minutes.
    Minutes(f64),
    /// A distance in metres.
    Metres(f64),
}

impl Limit {
    /// The number, in [`Limit::unit`].
    pub fn value(self) -> f64 {
        match self {
            Limit::Minutes(v) | Limit::Metres(v) => v,
        }
    }

    /// `"min"` or `"m"`.
    pub fn unit(self) -> &'static str {
        match self {
            Limit::Minutes(_) => "min",
            Limit::Metres(_) => "m",
        }
    }
}

/// What a norm counts: the facilities' capacity (托位, 床位, m²) or the facilities themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supply {
    Capacity,
    Count,
}

/// How a norm's value is to be met: 达到/以上/不少于 (`>=`) or 大于 (`>`, written `>30` in the tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    AtLeast,
    Above,
}

impl Comparison {
    /// `>=` or `>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::AtLeast => ">=",
            Comparison::Above => ">",
        }
    }

    /// Whether `supply` meets `required` under this comparison.
    pub fn holds(self, supply: f64, required: f64) -> bool {
        match self {
            Comparison::AtLeast => supply >= required,
            Comparison::Above => supply > required,
        }
    }
}

/// 层级 — the administrative unit a population threshold applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// 省
    Province,
    /// 市（州）
    Prefecture,
    /// 县（市、区）
    County,
    /// 乡镇（街道）: township-level units, streets included.
    Township,
    /// 街道 only.
    Street,
    /// 社区（居委会）
    Community,
    /// 行政村
    Village,
}

impl Level {
    const ALL: [(Level, &'static str); 7] = [
        (Level::Province, "province"),
        (Level::Prefecture, "prefecture"),
        (Level::County, "county"),
        (Level::Township, "township"),
        (Level::Street, "street"),
        (Level::Community, "community"),
        (Level::Village, "village"),
    ];

    /// The name used in the circles file.
    pub fn as_str(self) -> &'static str {
        Level::ALL
            .iter()
            .find(|(l, _)| *l == self)
            .map_or("", |(_, s)| s)
    }

    fn parse(s: &str) -> Option<Level> {
        Level::ALL.iter().find(|(_, n)| *n == s).map(|(l, _)| *l)
    }
}

/// One citation: the seed, its line (or lines) and the words quoted from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The seed as plan files name it (`seeds/003_….txt`).
    pub seed: String,
    /// 1-based first line.
    pub line: usize,
    /// 1-based last line (equal to `line` for a one-line quote).
    pub end_line: usize,
    /// The words as written in the seed (white space aside).
    pub quote: String,
}

/// 人群 — a population group: a column of the population file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDef {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
}

/// 设施类型 — a facility type: the `type` of the facility file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityType {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// The unit of a facility's capacity (托位, 张, 平方米), when capacity makes sense for the type.
    pub capacity_unit: Option<String>,
    /// The counting word of the facilities themselves (所, 个, 家, 块).
    pub count_unit: String,
}

/// 服务圈 — a service circle.
#[derive(Debug, Clone, PartialEq)]
pub struct Circle {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub facility_type: String,
    /// The population group whose coverage is the circle's headline.
    pub group: String,
    pub mode: Mode,
    pub limit: Limit,
    /// Target coverage in percent, when a seed gives one.
    pub target: Option<f64>,
    pub year: Option<i32>,
    /// The plans (ids of `plans/*.toml`) that state the circle.
    pub plans: Vec<String>,
    pub sources: Vec<Source>,
    pub note: Option<String>,
    /// The line of the `[[circle]]` entry in the circles file.
    pub file_line: usize,
}

/// 千人指标 — a supply norm: `value` units of supply per `per` people of `group`.
#[derive(Debug, Clone, PartialEq)]
pub struct Norm {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub facility_type: String,
    pub group: String,
    pub supply: Supply,
    pub value: f64,
    /// The population base: 1 (per person), 100 (households), 1000, 10000.
    pub per: f64,
    pub comparison: Comparison,
    pub year: Option<i32>,
    pub plans: Vec<String>,
    pub sources: Vec<Source>,
    pub note: Option<String>,
    pub file_line: usize,
}

/// 人口门槛 — a unit of `level` whose `group` population is at least `min_population` needs at least `min_count`
/// facilities of the type and/or at least `min_capacity` of their capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub level: Level,
    pub group: String,
    /// Inclusive (以上 includes the number); 0 for rules on every unit (每个县, 所有街道).
    pub min_population: f64,
    pub facility_type: String,
    pub min_count: Option<u32>,
    pub min_capacity: Option<f64>,
    /// The size the seed gives for each facility (30 张左右), informative, not checked.
    pub typical_capacity: Option<f64>,
    /// The share of applicable units (percent) the seed wants to comply: 100 unless it says 60%的乡镇 ….
    pub share: f64,
    pub year: Option<i32>,
    pub plans: Vec<String>,
    pub sources: Vec<Source>,
    pub note: Option<String>,
    pub file_line: usize,
}

/// A checked circles file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catalogue {
    pub groups: Vec<GroupDef>,
    pub facility_types: Vec<FacilityType>,
    pub circles: Vec<Circle>,
    pub norms: Vec<Norm>,
    pub thresholds: Vec<Threshold>,
}

impl Catalogue {
    /// The facility type ids, in file order (what the facility readers accept).
    pub fn facility_type_ids(&self) -> Vec<&str> {
        self.facility_types.iter().map(|t| t.id.as_str()).collect()
    }

    /// A facility type by id.
    pub fn facility_type(&self, id: &str) -> Option<&FacilityType> {
        self.facility_types.iter().find(|t| t.id == id)
    }

    /// A population group by id.
    pub fn group(&self, id: &str) -> Option<&GroupDef> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// A circle by id.
    pub fn circle(&self, id: &str) -> Option<&Circle> {
        self.circles.iter().find(|c| c.id == id)
    }

    /// A norm by id.
    pub fn norm(&self, id: &str) -> Option<&Norm> {
        self.norms.iter().find(|n| n.id == id)
    }

    /// A threshold by id.
    pub fn threshold(&self, id: &str) -> Option<&Threshold> {
        self.thresholds.iter().find(|t| t.id == id)
    }
}

/// A plan the circles file may cite: its id and its source document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRef {
    pub id: String,
    pub source_document: String,
}

/// What the loader needs besides the file: the seed texts and the plans.
pub struct Context<'a> {
    /// Returns the text of a seed named as in plan files (`seeds/003_….txt`).
    pub source: &'a dyn Fn(&str) -> Option<String>,
    /// The plans a rule may name.
    pub plans: Vec<PlanRef>,
}

fn shipped_seed(name: &str) -> Option<String> {
    minsheng_core::shipped::seed(name).map(str::to_string)
}

impl Context<'static> {
    /// The shipped seeds and the ids and source documents of the shipped plans.
    pub fn shipped() -> Context<'static> {
        #[derive(Deserialize)]
        struct File {
            plan: Head,
        }
        #[derive(Deserialize)]
        struct Head {
            id: String,
            source_document: String,
        }
        let plans = minsheng_core::shipped::PLANS
            .iter()
            .filter_map(|p| toml::from_str::<File>(p.text).ok())
            .map(|f| PlanRef {
                id: f.plan.id,
                source_document: f.plan.source_document,
            })
            .collect();
        Context {
            source: &shipped_seed,
            plans,
        }
    }
}

/// Loads and checks the shipped circles file against the shipped seeds and plans.
pub fn shipped() -> (Option<Catalogue>, Vec<Diagnostic>) {
    load(SHIPPED_FILE, SHIPPED_TEXT, &Context::shipped())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    group: Vec<Spanned<RawGroup>>,
    #[serde(default)]
    facility_type: Vec<Spanned<RawFacilityType>>,
    #[serde(default)]
    circle: Vec<Spanned<RawCircle>>,
    #[serde(default)]
    norm: Vec<Spanned<RawNorm>>,
    #[serde(default)]
    threshold: Vec<Spanned<RawThreshold>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: Spanned<String>,
    name_zh: String,
    name_en: String,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFacilityType {
    id: Spanned<String>,
    name_zh: String,
    name_en: String,
    capacity_unit: Option<String>,
    count_unit: String,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    seed: Spanned<String>,
    line: Spanned<usize>,
    end_line: Option<Spanned<usize>>,
    quote: Spanned<String>,
}

/// The fields every rule has.
struct Common {
    id: Spanned<String>,
    facility_type: Spanned<String>,
    group: Spanned<String>,
    year: Option<Spanned<i32>>,
    plans: Spanned<Vec<String>>,
    source: Vec<Spanned<RawSource>>,
    offset: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCircle {
    id: Spanned<String>,
    name_zh: String,
    name_en: String,
    facility_type: Spanned<String>,
    group: Spanned<String>,
    mode: Spanned<String>,
    limit: Spanned<f64>,
    unit: Spanned<String>,
    target: Option<Spanned<f64>>,
    year: Option<Spanned<i32>>,
    plans: Spanned<Vec<String>>,
    note: Option<String>,
    #[serde(default)]
    source: Vec<Spanned<RawSource>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNorm {
    id: Spanned<String>,
    name_zh: String,
    name_en: String,
    facility_type: Spanned<String>,
    group: Spanned<String>,
    supply: Spanned<String>,
    value: Spanned<f64>,
    per: Spanned<f64>,
    comparison: Option<Spanned<String>>,
    year: Option<Spanned<i32>>,
    plans: Spanned<Vec<String>>,
    note: Option<String>,
    #[serde(default)]
    source: Vec<Spanned<RawSource>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreshold {
    id: Spanned<String>,
    name_zh: String,
    name_en: String,
    level: Spanned<String>,
    group: Spanned<String>,
    min_population: Spanned<f64>,
    facility_type: Spanned<String>,
    min_count: Option<Spanned<u32>>,
    min_capacity: Option<Spanned<f64>>,
    typical_capacity: Option<Spanned<f64>>,
    share: Option<Spanned<f64>>,
    year: Option<Spanned<i32>>,
    plans: Spanned<Vec<String>>,
    note: Option<String>,
    #[serde(default)]
    source: Vec<Spanned<RawSource>>,
}

struct Sink<'a> {
    file: &'a str,
    index: LineIndex<'a>,
    diags: Vec<Diagnostic>,
}

impl Sink<'_> {
    fn error(&mut self, offset: usize, code: &'static str, message: String) {
        let (line, column) = self.index.position(offset);
        self.diags.push(Diagnostic {
            severity: Severity::Error,
            file: self.file.to_string(),
            line,
            column,
            code,
            message,
        });
    }

    fn line(&self, offset: usize) -> usize {
        self.index.position(offset).0
    }
}

/// The seeds cited by the file, each indexed once.
struct Seeds<'t> {
    index: HashMap<&'t str, LineIndex<'t>>,
}

impl Seeds<'_> {
    /// Lines `from..=to` of a seed joined and normalised; `None` when the seed is unknown, `Err` with the line
    /// count when a line is out of range.
    fn lines(&self, seed: &str, from: usize, to: usize) -> Option<Result<String, usize>> {
        let idx = self.index.get(seed)?;
        let mut s = String::new();
        for l in from..=to {
            match idx.line(l) {
                Some(t) => s.push_str(t),
                None => return Some(Err(idx.line_count())),
            }
        }
        Some(Ok(normalize(&s)))
    }
}

/// Reads and checks one circles file. `file` is the name used in diagnostics.
///
/// Returns the catalogue when there is no error, and every diagnostic found.
pub fn load(file: &str, text: &str, ctx: &Context<'_>) -> (Option<Catalogue>, Vec<Diagnostic>) {
    let mut sink = Sink {
        file,
        index: LineIndex::new(text),
        diags: Vec::new(),
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            sink.error(offset, "syntax", e.message().trim().to_string());
            return (None, sink.diags);
        }
    };
    let catalogue = check(&mut sink, raw, ctx);
    sink.diags.sort_by_key(|d| (d.line, d.column));
    let failed = sink.diags.iter().any(|d| d.severity == Severity::Error);
    (if failed { None } else { Some(catalogue) }, sink.diags)
}

fn is_rule_id(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_name_id(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check(sink: &mut Sink<'_>, raw: RawFile, ctx: &Context<'_>) -> Catalogue {
    let mut cat = Catalogue::default();
    for g in raw.group {
        let g = g.into_inner();
        if !is_name_id(g.id.get_ref()) {
            sink.error(
                g.id.span().start,
                "group-id",
                format!(
                    "group id {:?} must be lowercase letters, digits and '_', starting with a letter",
                    g.id.get_ref()
                ),
            );
        } else if cat.group(g.id.get_ref()).is_some() {
            sink.error(
                g.id.span().start,
                "duplicate-id",
                format!("group {:?} is declared twice", g.id.get_ref()),
            );
        }
        cat.groups.push(GroupDef {
            id: g.id.into_inner(),
            name_zh: g.name_zh,
            name_en: g.name_en,
        });
    }
    for t in raw.facility_type {
        let t = t.into_inner();
        if !is_name_id(t.id.get_ref()) {
            sink.error(
                t.id.span().start,
                "facility-type-id",
                format!(
                    "facility type id {:?} must be lowercase letters, digits and '_', starting with a letter",
                    t.id.get_ref()
                ),
            );
        } else if cat.facility_type(t.id.get_ref()).is_some() {
            sink.error(
                t.id.span().start,
                "duplicate-id",
                format!("facility type {:?} is declared twice", t.id.get_ref()),
            );
        }
        if t.capacity_unit.as_deref() == Some("") || t.count_unit.is_empty() {
            sink.error(
                t.id.span().start,
                "unit",
                format!("facility type {:?}: units may not be empty", t.id.get_ref()),
            );
        }
        cat.facility_types.push(FacilityType {
            id: t.id.into_inner(),
            name_zh: t.name_zh,
            name_en: t.name_en,
            capacity_unit: t.capacity_unit,
            count_unit: t.count_unit,
        });
    }

    // Every seed cited anywhere, read and indexed once.
    let mut texts: HashMap<String, Option<String>> = HashMap::new();
    let cited = raw
        .circle
        .iter()
        .flat_map(|c| &c.get_ref().source)
        .chain(raw.norm.iter().flat_map(|n| &n.get_ref().source))
        .chain(raw.threshold.iter().flat_map(|t| &t.get_ref().source));
    for s in cited {
        let name = s.get_ref().seed.get_ref();
        if !texts.contains_key(name) {
            texts.insert(name.clone(), (ctx.source)(name));
        }
    }
    let seeds = Seeds {
        index: texts
            .iter()
            .filter_map(|(k, v)| v.as_deref().map(|t| (k.as_str(), LineIndex::new(t))))
            .collect(),
    };

    let mut ids: HashMap<String, usize> = HashMap::new();
    for c in raw.circle {
        let offset = c.span().start;
        let c = c.into_inner();
        let common = Common {
            id: c.id,
            facility_type: c.facility_type,
            group: c.group,
            year: c.year,
            plans: c.plans,
            source: c.source,
            offset,
        };
        let (id, plans, sources) = check_common(sink, &cat, &seeds, ctx, &mut ids, &common);
        let mode = match c.mode.get_ref().as_str() {
            "walk" => Mode::Walk,
            "drive" => Mode::Drive,
            "straight" => Mode::Straight,
            other => {
                sink.error(
                    c.mode.span().start,
                    "mode",
                    format!("mode must be \"walk\", \"drive\" or \"straight\", not {other:?}"),
                );
                Mode::Straight
            }
        };
        let v = *c.limit.get_ref();
        if !(v.is_finite() && v > 0.0) {
            sink.error(
                c.limit.span().start,
                "value",
                format!("limit {v} is not a positive number"),
            );
        }
        let limit = match c.unit.get_ref().as_str() {
            "min" => Limit::Minutes(v),
            "m" => Limit::Metres(v),
            other => {
                sink.error(
                    c.unit.span().start,
                    "unit",
                    format!("unit must be \"min\" (minutes) or \"m\" (metres), not {other:?}"),
                );
                Limit::Metres(v)
            }
        };
        let target = c.target.map(|t| {
            let v = *t.get_ref();
            if !(v.is_finite() && v > 0.0 && v <= 100.0) {
                sink.error(
                    t.span().start,
                    "value",
                    format!("target {v} is not a percentage in (0, 100]"),
                );
            }
            v
        });
        cat.circles.push(Circle {
            id,
            name_zh: c.name_zh,
            name_en: c.name_en,
            facility_type: common.facility_type.into_inner(),
            group: common.group.into_inner(),
            mode,
            limit,
            target,
            year: common.year.map(Spanned::into_inner),
            plans,
            sources,
            note: c.note,
            file_line: sink.line(offset),
        });
    }

    for n in raw.norm {
        let offset = n.span().start;
        let n = n.into_inner();
        let common = Common {
            id: n.id,
            facility_type: n.facility_type,
            group: n.group,
            year: n.year,
            plans: n.plans,
            source: n.source,
            offset,
        };
        let (id, plans, sources) = check_common(sink, &cat, &seeds, ctx, &mut ids, &common);
        let supply = match n.supply.get_ref().as_str() {
            "capacity" => Supply::Capacity,
            "count" => Supply::Count,
            other => {
                sink.error(
                    n.supply.span().start,
                    "supply",
                    format!("supply must be \"capacity\" or \"count\", not {other:?}"),
                );
                Supply::Count
            }
        };
        if supply == Supply::Capacity {
            if let Some(t) = cat.facility_type(common.facility_type.get_ref()) {
                if t.capacity_unit.is_none() {
                    sink.error(
                        n.supply.span().start,
                        "unit",
                        format!(
                            "facility type {:?} has no capacity_unit, so a norm cannot count its capacity",
                            t.id
                        ),
                    );
                }
            }
        }
        for (name, v) in [("value", &n.value), ("per", &n.per)] {
            let x = *v.get_ref();
            if !(x.is_finite() && x > 0.0) {
                sink.error(
                    v.span().start,
                    "value",
                    format!("{name} {x} is not a positive number"),
                );
            }
        }
        let comparison = match n.comparison.as_ref().map(|c| c.get_ref().as_str()) {
            None | Some(">=") => Comparison::AtLeast,
            Some(">") => Comparison::Above,
            Some(other) => {
                let at = n.comparison.as_ref().map_or(offset, |c| c.span().start);
                sink.error(
                    at,
                    "comparison",
                    format!("comparison must be \">=\" or \">\", not {other:?}"),
                );
                Comparison::AtLeast
            }
        };
        cat.norms.push(Norm {
            id,
            name_zh: n.name_zh,
            name_en: n.name_en,
            facility_type: common.facility_type.into_inner(),
            group: common.group.into_inner(),
            supply,
            value: n.value.into_inner(),
            per: n.per.into_inner(),
            comparison,
            year: common.year.map(Spanned::into_inner),
            plans,
            sources,
            note: n.note,
            file_line: sink.line(offset),
        });
    }

    for t in raw.threshold {
        let offset = t.span().start;
        let t = t.into_inner();
        let common = Common {
            id: t.id,
            facility_type: t.facility_type,
            group: t.group,
            year: t.year,
            plans: t.plans,
            source: t.source,
            offset,
        };
        let (id, plans, sources) = check_common(sink, &cat, &seeds, ctx, &mut ids, &common);
        let level = Level::parse(t.level.get_ref()).unwrap_or_else(|| {
            let names: Vec<&str> = Level::ALL.iter().map(|(_, n)| *n).collect();
            sink.error(
                t.level.span().start,
                "level",
                format!(
                    "level must be one of {}, not {:?}",
                    names.join(", "),
                    t.level.get_ref()
                ),
            );
            Level::County
        });
        let min_pop = *t.min_population.get_ref();
        if !(min_pop.is_finite() && min_pop >= 0.0) {
            sink.error(
                t.min_population.span().start,
                "value",
                format!("min_population {min_pop} is not a number ≥ 0"),
            );
        }
        if t.min_count.is_none() && t.min_capacity.is_none() {
            sink.error(
                offset,
                "requirement",
                format!("threshold {id:?} needs min_count or min_capacity (or both)"),
            );
        }
        if let Some(c) = &t.min_count {
            if *c.get_ref() == 0 {
                sink.error(
                    c.span().start,
                    "value",
                    "min_count must be at least 1".into(),
                );
            }
        }
        for (name, v) in [
            ("min_capacity", &t.min_capacity),
            ("typical_capacity", &t.typical_capacity),
        ] {
            if let Some(v) = v {
                let x = *v.get_ref();
                if !(x.is_finite() && x > 0.0) {
                    sink.error(
                        v.span().start,
                        "value",
                        format!("{name} {x} is not a positive number"),
                    );
                }
            }
        }
        if t.min_capacity.is_some() {
            if let Some(ft) = cat.facility_type(common.facility_type.get_ref()) {
                if ft.capacity_unit.is_none() {
                    sink.error(
                        offset,
                        "unit",
                        format!(
                            "facility type {:?} has no capacity_unit, so min_capacity cannot apply",
                            ft.id
                        ),
                    );
                }
            }
        }
        let share = match &t.share {
            Some(s) => {
                let v = *s.get_ref();
                if !(v.is_finite() && v > 0.0 && v <= 100.0) {
                    sink.error(
                        s.span().start,
                        "value",
                        format!("share {v} is not a percentage in (0, 100]"),
                    );
                }
                v
            }
            None => 100.0,
        };
        cat.thresholds.push(Threshold {
            id,
            name_zh: t.name_zh,
            name_en: t.name_en,
            level,
            group: common.group.into_inner(),
            min_population: min_pop,
            facility_type: common.facility_type.into_inner(),
            min_count: t.min_count.map(Spanned::into_inner),
            min_capacity: t.min_capacity.map(Spanned::into_inner),
            typical_capacity: t.typical_capacity.map(Spanned::into_inner),
            share,
            year: common.year.map(Spanned::into_inner),
            plans,
            sources,
            note: t.note,
            file_line: sink.line(offset),
        });
    }
    cat
}

/// Checks what every rule has: the id, the group and facility type, the year, the plans and the sources (each
/// quote on its cited lines). Returns the id, plans and sources.
fn check_common(
    sink: &mut Sink<'_>,
    cat: &Catalogue,
    seeds: &Seeds,
    ctx: &Context<'_>,
    ids: &mut HashMap<String, usize>,
    c: &Common,
) -> (String, Vec<String>, Vec<Source>) {
    let id = c.id.get_ref().clone();
    if !is_rule_id(&id) {
        sink.error(
            c.id.span().start,
            "id",
            format!("id {id:?} must be lowercase letters, digits and '-', starting with a letter"),
        );
    }
    let line = sink.line(c.offset);
    if let Some(first) = ids.insert(id.clone(), line) {
        sink.error(
            c.id.span().start,
            "duplicate-id",
            format!("id {id:?} is already used at line {first}"),
        );
    }
    if cat.group(c.group.get_ref()).is_none() {
        let known: Vec<&str> = cat.groups.iter().map(|g| g.id.as_str()).collect();
        sink.error(
            c.group.span().start,
            "unknown-group",
            format!(
                "unknown group {:?} (the declared groups are: {})",
                c.group.get_ref(),
                known.join(", ")
            ),
        );
    }
    if cat.facility_type(c.facility_type.get_ref()).is_none() {
        sink.error(
            c.facility_type.span().start,
            "unknown-facility-type",
            format!(
                "unknown facility type {:?} (the declared types are: {})",
                c.facility_type.get_ref(),
                cat.facility_type_ids().join(", ")
            ),
        );
    }
    if let Some(y) = &c.year {
        if !(2000..=2100).contains(y.get_ref()) {
            sink.error(
                y.span().start,
                "year",
                format!("year {} is not plausible", y.get_ref()),
            );
        }
    }
    let plans = c.plans.get_ref().clone();
    if plans.is_empty() {
        sink.error(
            c.plans.span().start,
            "plan",
            "plans is empty: name the plans that state this".into(),
        );
    }
    let mut plan_seeds = Vec::new();
    for p in &plans {
        match ctx.plans.iter().find(|r| &r.id == p) {
            Some(r) => plan_seeds.push((p.as_str(), r.source_document.as_str())),
            None => {
                let known: Vec<&str> = ctx.plans.iter().map(|r| r.id.as_str()).collect();
                sink.error(
                    c.plans.span().start,
                    "plan",
                    format!("unknown plan {p:?} (the plans are: {})", known.join(", ")),
                );
            }
        }
    }
    if c.source.is_empty() {
        sink.error(
            c.offset,
            "source",
            format!("{id:?} cites no source: add a [[…source]] with seed, line and quote"),
        );
    }
    let mut sources = Vec::new();
    for s in &c.source {
        let s = s.get_ref();
        let seed = s.seed.get_ref();
        let from = *s.line.get_ref();
        let to = s.end_line.as_ref().map_or(from, |e| *e.get_ref());
        if !plan_seeds.is_empty() && !plan_seeds.iter().any(|(_, doc)| doc == seed) {
            sink.error(
                s.seed.span().start,
                "source-document",
                format!(
                    "seed {seed:?} is not the source document of any of the plans {}",
                    plans.join(", ")
                ),
            );
        }
        let quote = normalize(s.quote.get_ref());
        if quote.is_empty() {
            sink.error(
                s.quote.span().start,
                "source-mismatch",
                "empty quote".into(),
            );
        } else if from == 0 || to < from {
            sink.error(
                s.line.span().start,
                "source-line",
                format!("lines {from}..={to} are not a range of 1-based lines"),
            );
        } else {
            match seeds.lines(seed, from, to) {
                None => sink.error(
                    s.seed.span().start,
                    "source-document",
                    format!("seed {seed:?} not found"),
                ),
                Some(Err(n)) => sink.error(
                    s.line.span().start,
                    "source-line",
                    format!("line {to} is beyond the seed {seed} ({n} lines)"),
                ),
                Some(Ok(text)) if !text.contains(&quote) => {
                    let lines = if from == to {
                        format!("line {from}")
                    } else {
                        format!("lines {from}..={to}")
                    };
                    sink.error(
                        s.quote.span().start,
                        "source-mismatch",
                        format!("quote {:?} is not on {lines} of {seed}", s.quote.get_ref()),
                    )
                }
                Some(Ok(_)) => {}
            }
        }
        sources.push(Source {
            seed: seed.clone(),
            line: from,
            end_line: to,
            quote: s.quote.get_ref().clone(),
        });
    }
    for (p, doc) in &plan_seeds {
        if !sources.iter().any(|s| s.seed == *doc) {
            sink.error(
                c.plans.span().start,
                "source-document",
                format!("plan {p} is named but its seed {doc} is not cited"),
            );
        }
    }
    (id, plans, sources)
}
