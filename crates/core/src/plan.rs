//! 规划 — a plan as checked data: its header, categories and indicators, read from a plan TOML file.
//!
//! The file format is documented in `docs/plan-format.md`. [`load`] reads one file and returns the plan together
//! with every problem it found (file, line, column, reason); a plan with any error is not returned.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{Diagnostic, LineIndex, Severity};
use crate::region::{RegionCode, RegionTable};
use crate::target::{
    self, Cell, Comparison, CumulativeStyle, Direction, ParseOptions, Value, Window,
};

/// 领域 — the nine domains of the 十四五 public-service plans (七有两保障).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Domain {
    /// 幼有所育
    EarlyChildhood,
    /// 学有所教
    Education,
    /// 劳有所得
    Employment,
    /// 病有所医
    Health,
    /// 老有所养
    Elderly,
    /// 住有所居
    Housing,
    /// 弱有所扶
    SocialAssistance,
    /// 优军服务保障
    Veterans,
    /// 文体服务保障
    CultureSports,
}

impl Domain {
    pub const ALL: [Domain; 9] = [
        Domain::EarlyChildhood,
        Domain::Education,
        Domain::Employment,
        Domain::Health,
        Domain::Elderly,
        Domain::Housing,
        Domain::SocialAssistance,
        Domain::Veterans,
        Domain::CultureSports,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Domain::EarlyChildhood => "early_childhood",
            Domain::Education => "education",
            Domain::Employment => "employment",
            Domain::Health => "health",
            Domain::Elderly => "elderly",
            Domain::Housing => "housing",
            Domain::SocialAssistance => "social_assistance",
            Domain::Veterans => "veterans",
            Domain::CultureSports => "culture_sports",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Domain::EarlyChildhood => "幼有所育",
            Domain::Education => "学有所教",
            Domain::Employment => "劳有所得",
            Domain::Health => "病有所医",
            Domain::Elderly => "老有所养",
            Domain::Housing => "住有所居",
            Domain::SocialAssistance => "弱有所扶",
            Domain::Veterans => "优军服务保障",
            Domain::CultureSports => "文体服务保障",
        }
    }

    pub fn parse(s: &str) -> Option<Domain> {
        Domain::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// 指标属性 — 约束性 (binding) or 预期性 (expected).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attribute {
    /// 约束性 — binding: off track raises a red warning.
    Binding,
    /// 预期性 — expected.
    Expected,
}

impl Attribute {
    pub fn as_str(self) -> &'static str {
        match self {
            Attribute::Binding => "binding",
            Attribute::Expected => "expected",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Attribute::Binding => "约束性",
            Attribute::Expected => "预期性",
        }
    }

    fn parse(s: &str) -> Option<Attribute> {
        match s {
            "约束性" | "binding" => Some(Attribute::Binding),
            "预期性" | "expected" => Some(Attribute::Expected),
            _ => None,
        }
    }
}

/// Where an indicator comes from in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A row of an indicator table.
    Table,
    /// A quantitative target stated in the text.
    Prose,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Table => "table",
            Origin::Prose => "prose",
        }
    }
}

/// A category (类别) as the plan writes it, mapped onto one of the nine domains.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub name: String,
    pub domain: Domain,
}

/// A note printed under a table, verbatim, with its line in the source document.
#[derive(Debug, Clone, PartialEq)]
pub struct TableNote {
    pub line: usize,
    pub text: String,
}

/// 指标 — one indicator of a plan with its parsed cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub code: String,
    pub seq: Option<u32>,
    pub origin: Origin,
    pub name: String,
    /// The name cell exactly as written, when it differs from `name` (markers, wraps).
    pub name_raw: Option<String>,
    pub name_en: String,
    pub category: String,
    pub domain: Domain,
    pub unit: String,
    pub attribute: Attribute,
    pub direction: Direction,
    pub province_added: bool,
    pub baseline: Cell,
    pub target: Cell,
    /// The 十三五 completion tables' 2020 actual.
    pub actual: Option<Cell>,
    /// Names of the two series of a paired target.
    pub series: Vec<String>,
    /// An explicit window set by the plan file (e.g. per-year flows).
    pub window: Option<Window>,
    pub source_line: usize,
    pub source_end_line: usize,
    pub note: Option<String>,
    /// Other cells of the row, raw.
    pub extra: BTreeMap<String, String>,
    /// How the value of a region is computed from its children (roll-up).
    pub aggregation: Aggregation,
    /// The line of this indicator's `[[indicator]]` entry in the plan file.
    pub file_line: usize,
}

impl Indicator {
    /// Whether the target is a five-year sum.
    pub fn cumulative(&self) -> bool {
        self.target.is_cumulative() || self.baseline.is_cumulative()
    }
}

/// 数据元素 — a count reported per region (托位数, 常住人口 …) from which rates are computed (DHIS2's data
/// elements). Elements always sum over regions.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    /// `[a-z0-9_]+`, used in observation files' `indicator` column.
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub unit: String,
    pub note: Option<String>,
}

/// 汇总方式 — how an indicator's value for a region is computed from its child regions.
#[derive(Debug, Clone, PartialEq)]
pub enum Aggregation {
    /// Not computed from children: only reported figures are used (e.g. life expectancy needs a life table).
    None,
    /// A count: the children's values sum.
    Sum,
    /// `numerator / denominator × factor` over data elements, each summed over the children first — never the
    /// average of the children's rates.
    Ratio {
        numerator: String,
        denominator: String,
        factor: f64,
    },
    /// A directly reported mean or rate averaged with the children's `weight` element as weights (exact when the
    /// rate is a mean over the units the weight counts, e.g. schooling years over the working-age population).
    WeightedMean { weight: String },
}

impl Aggregation {
    pub fn as_str(&self) -> &'static str {
        match self {
            Aggregation::None => "none",
            Aggregation::Sum => "sum",
            Aggregation::Ratio { .. } => "ratio",
            Aggregation::WeightedMean { .. } => "weighted_mean",
        }
    }

    /// The data elements this aggregation reads.
    pub fn elements(&self) -> Vec<&str> {
        match self {
            Aggregation::Ratio {
                numerator,
                denominator,
                ..
            } => vec![numerator.as_str(), denominator.as_str()],
            Aggregation::WeightedMean { weight } => vec![weight.as_str()],
            Aggregation::None | Aggregation::Sum => Vec::new(),
        }
    }
}

/// 综合指数 — the composite attainment index: declared weights over indicators.
#[derive(Debug, Clone, PartialEq)]
pub struct Composite {
    pub name: String,
    pub name_en: String,
    /// Indicator code → weight (> 0), in file order.
    pub weights: Vec<(String, f64)>,
    pub note: Option<String>,
}

/// Whether the plan's main table survives in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStatus {
    Surviving,
    /// The table was an image and is lost; only prose targets are encoded.
    Lost,
}

/// 规划 — a checked plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub region: Option<RegionCode>,
    pub base_year: i32,
    pub target_year: i32,
    pub source_document: String,
    pub table: TableStatus,
    pub cumulative_marker: Option<CumulativeStyle>,
    pub province_added_marker: Option<String>,
    pub notes: Vec<String>,
    pub table_notes: Vec<TableNote>,
    pub categories: Vec<Category>,
    pub indicators: Vec<Indicator>,
    /// Data elements the indicators' roll-up reads.
    pub elements: Vec<Element>,
    /// The composite attainment index, if the plan declares one.
    pub composite: Option<Composite>,
}

impl Plan {
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    pub fn element(&self, code: &str) -> Option<&Element> {
        self.elements.iter().find(|e| e.code == code)
    }
}

// ---- the file as written ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    plan: Spanned<RawHeader>,
    #[serde(default)]
    table_note: Vec<RawTableNote>,
    #[serde(default)]
    category: Vec<Spanned<RawCategory>>,
    #[serde(default)]
    indicator: Vec<Spanned<RawIndicator>>,
    #[serde(default)]
    element: Vec<RawElement>,
    composite: Option<Spanned<RawComposite>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawElement {
    code: Spanned<String>,
    name: String,
    name_en: String,
    unit: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComposite {
    name: String,
    name_en: String,
    note: Option<String>,
    weights: Vec<RawWeight>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeight {
    indicator: Spanned<String>,
    weight: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: Spanned<String>,
    name: String,
    name_en: String,
    region: Spanned<String>,
    base_year: Spanned<i32>,
    target_year: Spanned<i32>,
    source_document: Spanned<String>,
    table: Spanned<String>,
    cumulative_marker: Option<Spanned<String>>,
    cumulative_marker_line: Option<Spanned<usize>>,
    province_added_marker: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTableNote {
    line: Spanned<usize>,
    text: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    name: Spanned<String>,
    domain: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    code: Spanned<String>,
    seq: Option<u32>,
    origin: Spanned<String>,
    name: Spanned<String>,
    name_raw: Option<Spanned<String>>,
    name_en: String,
    category: Spanned<String>,
    domain: Option<Spanned<String>>,
    unit: Spanned<String>,
    attribute: Spanned<String>,
    direction: Option<Spanned<String>>,
    #[serde(default)]
    province_added: bool,
    baseline: Spanned<String>,
    target: Spanned<String>,
    actual: Option<Spanned<String>>,
    /// The reading of a cell whose text is damaged (OCR), used instead of `target`; `note` must say why.
    target_reading: Option<Spanned<String>>,
    #[serde(default)]
    series: Vec<String>,
    window: Option<Spanned<String>>,
    source_line: Spanned<usize>,
    source_end_line: Option<Spanned<usize>>,
    note: Option<String>,
    #[serde(default)]
    extra: BTreeMap<String, String>,
    aggregation: Option<Spanned<String>>,
    numerator: Option<Spanned<String>>,
    denominator: Option<Spanned<String>>,
    factor: Option<Spanned<f64>>,
    weight_by: Option<Spanned<String>>,
}

/// What a loader needs besides the file: the region table and the source documents.
pub struct Context<'a> {
    /// Known regions; `None` skips the region check.
    pub regions: Option<&'a RegionTable>,
    /// Returns the text of a source document named in a plan (`seeds/003_….txt`), if available.
    pub source: &'a dyn Fn(&str) -> Option<String>,
}

struct Sink<'a> {
    file: &'a str,
    index: LineIndex<'a>,
    diags: Vec<Diagnostic>,
}

impl Sink<'_> {
    fn at(&mut self, severity: Severity, offset: usize, code: &'static str, message: String) {
        let (line, column) = self.index.position(offset);
        self.diags.push(Diagnostic {
            severity,
            file: self.file.to_string(),
            line,
            column,
            code,
            message,
        });
    }
    fn error(&mut self, offset: usize, code: &'static str, message: String) {
        self.at(Severity::Error, offset, code, message);
    }
    fn warning(&mut self, offset: usize, code: &'static str, message: String) {
        self.at(Severity::Warning, offset, code, message);
    }
}

/// Reads and checks one plan file. `file` is the name used in diagnostics.
///
/// Returns the plan when it has no error, and every diagnostic found (errors and warnings).
pub fn load(file: &str, text: &str, ctx: &Context<'_>) -> (Option<Plan>, Vec<Diagnostic>) {
    let mut sink = Sink {
        file,
        index: LineIndex::new(text),
        diags: Vec::new(),
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            let msg = e.message().trim().to_string();
            sink.error(offset, "syntax", msg);
            return (None, sink.diags);
        }
    };
    let plan = check(&mut sink, raw, ctx);
    let failed = sink.diags.iter().any(|d| d.severity == Severity::Error);
    sink.diags.sort_by_key(|d| (d.line, d.column));
    (if failed { None } else { plan }, sink.diags)
}

fn strip_ws(s: &str) -> String {
    target::normalize(s)
}

fn check(sink: &mut Sink<'_>, raw: RawFile, ctx: &Context<'_>) -> Option<Plan> {
    let header_span = raw.plan.span().start;
    let h = raw.plan.into_inner();

    let id = h.id.get_ref().clone();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        sink.error(
            h.id.span().start,
            "plan-id",
            format!("plan id '{id}' must be lowercase letters, digits and '-'"),
        );
    }

    let region = if h.region.get_ref().is_empty() {
        None
    } else {
        match RegionCode::parse(h.region.get_ref()) {
            Ok(code) => {
                if let Some(t) = ctx.regions {
                    if t.get(code).is_none() {
                        sink.error(
                            h.region.span().start,
                            "unknown-region",
                            format!("unknown region code {code}"),
                        );
                    }
                }
                Some(code)
            }
            Err(e) => {
                sink.error(h.region.span().start, "unknown-region", e);
                None
            }
        }
    };

    let (base_year, target_year) = (*h.base_year.get_ref(), *h.target_year.get_ref());
    if !(1949..=2100).contains(&base_year) {
        sink.error(
            h.base_year.span().start,
            "year",
            format!("base year {base_year} is not plausible"),
        );
    }
    if target_year <= base_year {
        sink.error(
            h.target_year.span().start,
            "year",
            format!("target year {target_year} is not after the base year {base_year}"),
        );
    }

    let table = match h.table.get_ref().as_str() {
        "surviving" => TableStatus::Surviving,
        "lost" => TableStatus::Lost,
        other => {
            sink.error(
                h.table.span().start,
                "table",
                format!("table must be \"surviving\" or \"lost\", not '{other}'"),
            );
            TableStatus::Surviving
        }
    };

    let cumulative_marker = match &h.cumulative_marker {
        None => None,
        Some(m) => {
            match CumulativeStyle::from_declaration(m.get_ref()) {
                Some(s) => Some(s),
                None => {
                    sink.error(m.span().start, "cumulative-marker", format!("cumulative_marker '{}' is not one of \"[]\", \"[　]\", \"〔〕\", \"*\"", m.get_ref()));
                    None
                }
            }
        }
    };

    let source_text = (ctx.source)(h.source_document.get_ref());
    if source_text.is_none() {
        sink.error(
            h.source_document.span().start,
            "source-document",
            format!(
                "source document '{}' not found",
                h.source_document.get_ref()
            ),
        );
    }
    let source_index = source_text.as_deref().map(LineIndex::new);
    let source_lines = |from: usize, to: usize| -> Option<String> {
        let idx = source_index.as_ref()?;
        let mut s = String::new();
        for l in from..=to {
            s.push_str(idx.line(l)?);
        }
        Some(strip_ws(&s))
    };

    if let (Some(m), Some(line)) = (&h.cumulative_marker, &h.cumulative_marker_line) {
        if let Some(text) = source_lines(*line.get_ref(), *line.get_ref()) {
            let decl = strip_ws(m.get_ref());
            if !text.contains(&decl) {
                sink.error(
                    line.span().start,
                    "source-mismatch",
                    format!(
                        "line {} of the source does not contain the declared marker '{}'",
                        line.get_ref(),
                        m.get_ref()
                    ),
                );
            }
        } else if source_index.is_some() {
            sink.error(
                line.span().start,
                "source-line",
                format!("line {} is beyond the source document", line.get_ref()),
            );
        }
    }

    let mut table_notes = Vec::new();
    for n in raw.table_note {
        let line = *n.line.get_ref();
        match source_lines(line, line) {
            Some(text) if !text.contains(&strip_ws(n.text.get_ref())) => {
                sink.error(
                    n.text.span().start,
                    "source-mismatch",
                    format!("table note is not on line {line} of the source"),
                );
            }
            Some(_) => {}
            None if source_index.is_some() => {
                sink.error(
                    n.line.span().start,
                    "source-line",
                    format!("line {line} is beyond the source document"),
                );
            }
            None => {}
        }
        table_notes.push(TableNote {
            line,
            text: n.text.into_inner(),
        });
    }

    let mut categories: Vec<Category> = Vec::new();
    let mut unmapped_categories: HashSet<String> = HashSet::new();
    for c in raw.category {
        let c = c.into_inner();
        let name = c.name.get_ref().clone();
        if categories.iter().any(|k| k.name == name) {
            sink.error(
                c.name.span().start,
                "duplicate-category",
                format!("category '{name}' is declared twice"),
            );
        }
        match Domain::parse(c.domain.get_ref()) {
            Some(domain) => categories.push(Category { name, domain }),
            None => {
                // Known by name, so that its indicators are not reported again as using an unknown category.
                unmapped_categories.insert(name);
                sink.error(
                    c.domain.span().start,
                    "unknown-domain",
                    format!(
                        "unknown domain '{}' (expected one of {})",
                        c.domain.get_ref(),
                        domain_list()
                    ),
                );
            }
        }
    }

    let mut elements: Vec<Element> = Vec::new();
    for e in raw.element {
        let code = e.code.get_ref().clone();
        if code.is_empty()
            || !code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            sink.error(
                e.code.span().start,
                "element",
                format!("element code '{code}' must be lowercase letters, digits and '_'"),
            );
        }
        if elements.iter().any(|x| x.code == code) {
            sink.error(
                e.code.span().start,
                "element",
                format!("element '{code}' is declared twice"),
            );
        }
        elements.push(Element {
            code,
            name: e.name,
            name_en: e.name_en,
            unit: e.unit,
            note: e.note,
        });
    }

    let mut seen_codes: HashMap<String, usize> = HashMap::new();
    let mut seen_seq: HashSet<u32> = HashSet::new();
    let mut indicators = Vec::new();
    for spanned in raw.indicator {
        let entry_offset = spanned.span().start;
        let r = spanned.into_inner();
        let code = r.code.get_ref().clone();
        let (file_line, _) = sink.index.position(entry_offset);
        if code.trim().is_empty() {
            sink.error(r.code.span().start, "code", "empty indicator code".into());
        }
        if let Some(first) = seen_codes.insert(code.clone(), file_line) {
            sink.error(
                r.code.span().start,
                "duplicate-code",
                format!("indicator code '{code}' is used twice (first at line {first})"),
            );
        }
        if let Some(seq) = r.seq {
            if !seen_seq.insert(seq) {
                sink.error(
                    r.code.span().start,
                    "duplicate-seq",
                    format!("序号 {seq} is used twice"),
                );
            }
        }
        let origin = match r.origin.get_ref().as_str() {
            "table" => Origin::Table,
            "prose" => Origin::Prose,
            o => {
                sink.error(
                    r.origin.span().start,
                    "origin",
                    format!("origin must be \"table\" or \"prose\", not '{o}'"),
                );
                Origin::Table
            }
        };
        if table == TableStatus::Lost && origin == Origin::Table {
            sink.error(
                r.origin.span().start,
                "origin",
                "the plan's table is lost: its indicators can only come from prose".into(),
            );
        }
        let category = r.category.get_ref().clone();
        let cat_domain = categories
            .iter()
            .find(|c| c.name == category)
            .map(|c| c.domain);
        if cat_domain.is_none() && !unmapped_categories.contains(&category) {
            sink.error(
                r.category.span().start,
                "unknown-category",
                format!("category '{category}' is not declared in [[category]]"),
            );
        }
        let domain = match &r.domain {
            Some(d) => match Domain::parse(d.get_ref()) {
                Some(x) => Some(x),
                None => {
                    sink.error(
                        d.span().start,
                        "unknown-domain",
                        format!(
                            "unknown domain '{}' (expected one of {})",
                            d.get_ref(),
                            domain_list()
                        ),
                    );
                    None
                }
            },
            None => cat_domain,
        };
        let attribute = Attribute::parse(r.attribute.get_ref());
        if attribute.is_none() {
            sink.error(
                r.attribute.span().start,
                "attribute",
                format!("属性 '{}' must be 约束性 or 预期性", r.attribute.get_ref()),
            );
        }
        let direction = match &r.direction {
            None => Direction::Increase,
            Some(d) => Direction::parse(d.get_ref()).unwrap_or_else(|| {
                sink.error(
                    d.span().start,
                    "direction",
                    format!("direction '{}' must be increase or decrease", d.get_ref()),
                );
                Direction::Increase
            }),
        };
        let window = match &r.window {
            None => None,
            Some(w) => match Window::parse(w.get_ref()) {
                Some(Window::Cumulative) => {
                    sink.error(w.span().start, "window", "a cumulative window comes from the cell's marker, not from the window field".into());
                    None
                }
                Some(x) => Some(x),
                None => {
                    sink.error(
                        w.span().start,
                        "window",
                        format!("window '{}' must be level or per_year", w.get_ref()),
                    );
                    None
                }
            },
        };
        let unit = r.unit.get_ref().clone();
        let options = ParseOptions {
            unit: Some(unit.as_str()),
        };

        // Parse each cell; a parse error is reported at the cell.
        let parse_cell =
            |sink: &mut Sink<'_>, field: &str, cell: &Spanned<String>| -> Option<Cell> {
                match target::parse(cell.get_ref(), &options) {
                    Ok(c) => Some(match window {
                        Some(w) => c.with_window(w),
                        None => c,
                    }),
                    Err(e) => {
                        sink.error(cell.span().start, "target-grammar", format!("{field}: {e}"));
                        None
                    }
                }
            };
        let baseline = parse_cell(sink, "baseline", &r.baseline);
        let target_cell = match &r.target_reading {
            Some(reading) => {
                if r.note.as_deref().unwrap_or("").trim().is_empty() {
                    sink.error(
                        reading.span().start,
                        "target-reading",
                        "target_reading replaces damaged text: the note must say why".into(),
                    );
                }
                parse_cell(sink, "target_reading", reading)
                    .map(|c| Cell::new(r.target.get_ref().clone(), c.value().clone()))
            }
            None => parse_cell(sink, "target", &r.target),
        };
        let actual = r.actual.as_ref().map(|a| parse_cell(sink, "actual", a));

        // Cumulative markers need the plan's declaration.
        // The parsed cells with their field names and positions in the plan file.
        let parsed_cells = [
            ("baseline", baseline.as_ref(), r.baseline.span().start),
            ("target", target_cell.as_ref(), r.target.span().start),
            (
                "actual",
                actual.as_ref().and_then(|a| a.as_ref()),
                r.actual.as_ref().map(|a| a.span().start).unwrap_or(0),
            ),
        ];
        for &(field, cell, span) in &parsed_cells {
            let Some(cell) = cell else { continue };
            if let Value::Quantity(q) = cell.value() {
                if let Some(style) = q.marker {
                    if cumulative_marker != Some(style) {
                        let declared = cumulative_marker
                            .map(|s| format!("declares '{}'", s.as_str()))
                            .unwrap_or_else(|| "declares no cumulative marker".into());
                        sink.error(span, "cumulative-marker", format!("{field} '{}' uses the cumulative marker '{}' but the plan {declared}", cell.raw(), style.as_str()));
                    }
                }
            }
        }

        // Units and ranges.
        let percent_unit = target::normalize(&unit) == "%";
        for &(field, cell, span) in &parsed_cells {
            let Some(cell) = cell else { continue };
            let (values, cell_unit): (Vec<f64>, Option<&str>) = match cell.value() {
                Value::Quantity(q) => (vec![q.value], q.unit.as_deref()),
                Value::Pair(p) => (p.values.to_vec(), p.unit.as_deref()),
                _ => (vec![], None),
            };
            let is_percent = percent_unit || cell_unit == Some("%");
            if is_percent
                && values.iter().any(|v| *v > 100.0 || *v < -100.0)
                && !cell.is_cumulative()
            {
                sink.error(
                    span,
                    "unit-range",
                    format!("{field} '{}' is a percentage above 100", cell.raw()),
                );
            }
            if cell_unit == Some("%") && !percent_unit {
                sink.error(
                    span,
                    "unit-mismatch",
                    format!(
                        "{field} '{}' is written in % but the indicator's unit is '{unit}'",
                        cell.raw()
                    ),
                );
            }
            if let Value::Qualitative(q) = cell.value() {
                if q.rule().1 == 100.0 && !percent_unit && !unit.trim().is_empty() {
                    sink.error(span, "unit-mismatch", format!("{field} '{}' is a coverage target (100 %) but the unit is '{unit}', not % (leave the unit empty when the text writes none)", cell.raw()));
                }
            }
        }

        // Pairs need two series names, and only pairs may have them.
        let has_pair = [
            baseline.as_ref(),
            target_cell.as_ref(),
            actual.as_ref().and_then(|a| a.as_ref()),
        ]
        .into_iter()
        .flatten()
        .any(|c| matches!(c.value(), Value::Pair(_)));
        if has_pair && r.series.len() != 2 {
            sink.error(
                entry_offset,
                "series",
                format!("indicator '{code}' has paired cells: `series` must name the two series"),
            );
        }
        if !has_pair && !r.series.is_empty() {
            sink.error(
                entry_offset,
                "series",
                format!("indicator '{code}' names series but none of its cells is a pair"),
            );
        }

        // The target must not contradict the direction.
        if let Some(t) = target_cell.as_ref() {
            let cmp = match t.value() {
                Value::Quantity(q) => Some(q.comparison),
                Value::Pair(p) => Some(p.comparison),
                _ => None,
            };
            if let Some(cmp) = cmp {
                let contradicts = match direction {
                    Direction::Increase => cmp.is_upper_bound(),
                    Direction::Decrease => cmp.is_lower_bound(),
                };
                if contradicts {
                    sink.error(
                        r.target.span().start,
                        "direction",
                        format!(
                            "target '{}' ({}) contradicts the direction '{}'",
                            t.raw(),
                            cmp.symbol(),
                            direction.as_str()
                        ),
                    );
                }
            }
            if let (Some(b), Some(tv), Some(cmp)) =
                (baseline.as_ref().and_then(Cell::number), t.number(), cmp)
            {
                let same_window = baseline.as_ref().map(|c| c.kind()) == Some(t.kind());
                let wrong_side = match direction {
                    Direction::Increase => tv < b,
                    Direction::Decrease => tv > b,
                };
                if same_window
                    && cmp == Comparison::Eq
                    && wrong_side
                    && !matches!(t.value(), Value::Qualitative(_))
                {
                    sink.warning(r.target.span().start, "direction", format!("target {} lies on the wrong side of the baseline {} for an indicator that should {}", target::fmt_num(tv), target::fmt_num(b), direction.as_str()));
                }
            }
        }

        // Province-added marker.
        if r.province_added && h.province_added_marker.is_none() {
            sink.error(
                entry_offset,
                "province-added",
                "province_added is set but the plan declares no province_added_marker".into(),
            );
        }
        if let (Some(marker), Some(nr)) = (&h.province_added_marker, &r.name_raw) {
            let has = nr.get_ref().contains(marker.as_str());
            if has != r.province_added {
                sink.error(
                    nr.span().start,
                    "province-added",
                    format!(
                        "name_raw {} the marker '{marker}' but province_added is {}",
                        if has { "carries" } else { "lacks" },
                        r.province_added
                    ),
                );
            }
        }

        // Every raw cell stands on its source lines.
        let from = *r.source_line.get_ref();
        let to = r
            .source_end_line
            .as_ref()
            .map(|s| *s.get_ref())
            .unwrap_or(from);
        if to < from {
            sink.error(
                r.source_line.span().start,
                "source-line",
                format!("source_end_line {to} is before source_line {from}"),
            );
        } else if let Some(idx) = source_index.as_ref() {
            match source_lines(from, to) {
                None => sink.error(
                    r.source_line.span().start,
                    "source-line",
                    format!(
                        "lines {from}..={to} are beyond the source document ({} lines)",
                        idx.line_count()
                    ),
                ),
                Some(text) => {
                    let name_written = r.name_raw.as_ref().unwrap_or(&r.name);
                    let mut cells: Vec<(&str, &Spanned<String>)> = vec![
                        ("name", name_written),
                        ("baseline", &r.baseline),
                        ("target", &r.target),
                    ];
                    if let Some(a) = &r.actual {
                        cells.push(("actual", a));
                    }
                    for (field, cell) in cells {
                        // A name wrapped around other cells is written with a line break between its pieces;
                        // each piece must occur, in order.
                        let mut rest = text.as_str();
                        let mut found = true;
                        for piece in cell.get_ref().split('\n') {
                            let want = strip_ws(piece);
                            match rest.find(&want) {
                                Some(i) => rest = &rest[i + want.len()..],
                                None => found = false,
                            }
                        }
                        if !found {
                            sink.error(
                                cell.span().start,
                                "source-mismatch",
                                format!(
                                    "{field} '{}' does not occur on source lines {from}..={to}",
                                    cell.get_ref()
                                ),
                            );
                        }
                    }
                }
            }
        }

        let aggregation = check_aggregation(sink, &r, &elements, &unit, window, &r.series);

        if let (Some(domain), Some(attribute), Some(baseline), Some(target_cell), true) = (
            domain,
            attribute,
            baseline,
            target_cell,
            actual.as_ref().is_none_or(|a| a.is_some()),
        ) {
            indicators.push(Indicator {
                code,
                seq: r.seq,
                origin,
                name: r.name.into_inner(),
                name_raw: r.name_raw.map(Spanned::into_inner),
                name_en: r.name_en,
                category,
                domain,
                unit,
                attribute,
                direction,
                province_added: r.province_added,
                baseline,
                target: target_cell,
                actual: actual.flatten(),
                series: r.series,
                window,
                source_line: from,
                source_end_line: to,
                note: r.note,
                extra: r.extra,
                aggregation,
                file_line,
            });
        }
    }
    if indicators.is_empty() && seen_codes.is_empty() {
        sink.error(
            header_span,
            "empty-plan",
            "the plan has no indicators".into(),
        );
    }

    let composite = raw.composite.map(|c| {
        let c = c.into_inner();
        let mut weights = Vec::new();
        for w in c.weights {
            let code = w.indicator.get_ref();
            if !seen_codes.contains_key(code) {
                sink.error(
                    w.indicator.span().start,
                    "composite",
                    format!("composite weight names unknown indicator '{code}'"),
                );
            }
            if weights.iter().any(|(c, _)| c == code) {
                sink.error(
                    w.indicator.span().start,
                    "composite",
                    format!("indicator '{code}' is weighted twice"),
                );
            }
            let x = *w.weight.get_ref();
            if !(x.is_finite() && x > 0.0) {
                sink.error(
                    w.weight.span().start,
                    "composite",
                    format!("weight {x} of '{code}' must be a positive number"),
                );
            }
            weights.push((code.clone(), x));
        }
        if weights.is_empty() {
            sink.error(
                header_span,
                "composite",
                "the composite index has no weights".into(),
            );
        }
        Composite {
            name: c.name,
            name_en: c.name_en,
            weights,
            note: c.note,
        }
    });

    Some(Plan {
        id,
        name: h.name,
        name_en: h.name_en,
        region,
        base_year,
        target_year,
        source_document: h.source_document.into_inner(),
        table,
        cumulative_marker,
        province_added_marker: h.province_added_marker,
        notes: h.notes,
        table_notes,
        categories,
        indicators,
        elements,
        composite,
    })
}

/// Reads an indicator's `aggregation` (+ `numerator`, `denominator`, `factor`, `weight_by`) and checks it against
/// the declared elements and the indicator's unit.
fn check_aggregation(
    sink: &mut Sink<'_>,
    r: &RawIndicator,
    elements: &[Element],
    unit: &str,
    window: Option<Window>,
    series: &[String],
) -> Aggregation {
    let element = |field: &Option<Spanned<String>>,
                   name: &str,
                   sink: &mut Sink<'_>|
     -> Option<String> {
        match field {
            None => None,
            Some(f) if elements.iter().any(|e| &e.code == f.get_ref()) => Some(f.get_ref().clone()),
            Some(f) => {
                sink.error(
                    f.span().start,
                    "aggregation",
                    format!("{name} '{}' is not a declared [[element]]", f.get_ref()),
                );
                None
            }
        }
    };
    let numerator = element(&r.numerator, "numerator", sink);
    let denominator = element(&r.denominator, "denominator", sink);
    let weight = element(&r.weight_by, "weight_by", sink);
    let Some(kind) = &r.aggregation else {
        for (f, name) in [
            (r.numerator.as_ref().map(|x| x.span().start), "numerator"),
            (
                r.denominator.as_ref().map(|x| x.span().start),
                "denominator",
            ),
            (r.factor.as_ref().map(|x| x.span().start), "factor"),
            (r.weight_by.as_ref().map(|x| x.span().start), "weight_by"),
        ] {
            if let Some(at) = f {
                sink.error(
                    at,
                    "aggregation",
                    format!("{name} is given without an aggregation"),
                );
            }
        }
        return Aggregation::None;
    };
    let at = kind.span().start;
    let stray = |sink: &mut Sink<'_>, fields: &[(&Option<Spanned<String>>, &str)], kind: &str| {
        for (f, name) in fields {
            if let Some(f) = f {
                sink.error(
                    f.span().start,
                    "aggregation",
                    format!("{name} does not apply to aggregation \"{kind}\""),
                );
            }
        }
    };
    let paired = !series.is_empty();
    if let (Some(f), false) = (&r.factor, kind.get_ref() == "ratio") {
        sink.error(
            f.span().start,
            "aggregation",
            format!(
                "factor does not apply to aggregation \"{}\"",
                kind.get_ref()
            ),
        );
    }
    match kind.get_ref().as_str() {
        "none" => {
            stray(
                sink,
                &[
                    (&r.numerator, "numerator"),
                    (&r.denominator, "denominator"),
                    (&r.weight_by, "weight_by"),
                ],
                "none",
            );
            Aggregation::None
        }
        "sum" => {
            stray(
                sink,
                &[
                    (&r.numerator, "numerator"),
                    (&r.denominator, "denominator"),
                    (&r.weight_by, "weight_by"),
                ],
                "sum",
            );
            if unit.trim() == "%" || unit.trim() == "‰" || window == Some(Window::PerYear) {
                sink.error(
                    at,
                    "aggregation",
                    format!("a rate in '{unit}' cannot be summed over regions: declare a ratio of elements or a weighted mean"),
                );
            }
            Aggregation::Sum
        }
        "ratio" => {
            stray(sink, &[(&r.weight_by, "weight_by")], "ratio");
            let factor = r.factor.as_ref().map_or(1.0, |f| *f.get_ref());
            if !(factor.is_finite() && factor > 0.0) {
                let off = r.factor.as_ref().map_or(at, |f| f.span().start);
                sink.error(
                    off,
                    "aggregation",
                    format!("factor {factor} must be a positive number"),
                );
            }
            if unit.trim() == "%" && factor != 100.0 {
                sink.warning(
                    r.factor.as_ref().map_or(at, |f| f.span().start),
                    "aggregation",
                    format!("a percentage usually has factor 100, not {factor}"),
                );
            }
            if paired {
                sink.error(at, "aggregation", "a paired indicator cannot be one ratio: declare it per series in separate indicators".into());
            }
            match (numerator, denominator) {
                (Some(numerator), Some(denominator)) => Aggregation::Ratio {
                    numerator,
                    denominator,
                    factor,
                },
                _ => {
                    if r.numerator.is_none() || r.denominator.is_none() {
                        sink.error(
                            at,
                            "aggregation",
                            "a ratio needs numerator and denominator elements".into(),
                        );
                    }
                    Aggregation::None
                }
            }
        }
        "weighted_mean" => {
            stray(
                sink,
                &[(&r.numerator, "numerator"), (&r.denominator, "denominator")],
                "weighted_mean",
            );
            match weight {
                Some(weight) => Aggregation::WeightedMean { weight },
                None => {
                    if r.weight_by.is_none() {
                        sink.error(
                            at,
                            "aggregation",
                            "a weighted mean needs weight_by = an element".into(),
                        );
                    }
                    Aggregation::None
                }
            }
        }
        other => {
            sink.error(
                at,
                "aggregation",
                format!("aggregation '{other}' must be none, sum, ratio or weighted_mean"),
            );
            Aggregation::None
        }
    }
}

fn domain_list() -> String {
    Domain::ALL
        .iter()
        .map(|d| d.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
