//! The target grammar: what a baseline, target or actual cell of a plan table means.
//!
//! 指标值语法 — the cells of the seed plans are not numbers. `70以上`, `>95%`, `控制在5.5%以内`, `[200]`,
//! `96.7/97.68`, `——`, `应保尽保`, `达到全国平均水平` all occur. [`parse`] turns one cell into a typed
//! [`Cell`] that keeps the raw text beside its meaning, and [`Cell::achieved`] decides whether an observed
//! value meets it.
//!
//! Conventions (documented in `docs/plan-format.md`):
//! - `以上` / `以下` / `以内` include the number itself (≥ / ≤), as in PRC legal usage (民法典 第一千二百五十九条).
//! - A plain number (`4.5`, `达到90%`, `提高到55`) is a level to reach *in the indicator's direction*: ≥ for
//!   higher-is-better indicators, ≤ for lower-is-better ones. Its comparison is [`Comparison::Eq`].
//! - Brackets `[…]`, `［…］`, `〔…〕` and a `*` beside the number mark a five-year cumulative value; which style a
//!   plan uses is declared in the plan file and checked there, not here.
//! - Unknown text is an error carrying the raw text and the character position, never a guess.

use std::fmt;

/// 比较 — how an observed value is compared with the target's quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparison {
    /// Reach this value in the indicator's good direction (a plain number).
    Eq,
    /// `>` / 超过 / 高于
    Gt,
    /// `≥` / 以上 / 不低于 / 至少
    Ge,
    /// `<` / 低于
    Lt,
    /// `≤` / 以下 / 以内 / 不高于 / 控制在…以内
    Le,
}

impl Comparison {
    /// The ASCII symbol used in JSON output and fixtures: `=`, `>`, `>=`, `<`, `<=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Eq => "=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
            Comparison::Lt => "<",
            Comparison::Le => "<=",
        }
    }

    /// Parses the symbol written by [`Comparison::symbol`].
    pub fn from_symbol(s: &str) -> Option<Comparison> {
        Some(match s {
            "=" => Comparison::Eq,
            ">" => Comparison::Gt,
            ">=" => Comparison::Ge,
            "<" => Comparison::Lt,
            "<=" => Comparison::Le,
            _ => return None,
        })
    }

    /// The comparison that decides "achieved": a plain level becomes ≥ or ≤ by direction.
    pub fn effective(self, direction: Direction) -> Comparison {
        match (self, direction) {
            (Comparison::Eq, Direction::Increase) => Comparison::Ge,
            (Comparison::Eq, Direction::Decrease) => Comparison::Le,
            (c, _) => c,
        }
    }

    /// Whether `value` stands in this relation to `target`. Equality allows a relative tolerance of 1e-9 so that
    /// `95.0` meets `≥95` however the two numbers were computed.
    pub fn holds(self, value: f64, target: f64) -> bool {
        let tol = 1e-9 * target.abs().max(1.0);
        match self {
            Comparison::Eq => (value - target).abs() <= tol,
            Comparison::Gt => value > target + tol,
            Comparison::Ge => value >= target - tol,
            Comparison::Lt => value < target - tol,
            Comparison::Le => value <= target + tol,
        }
    }

    /// True when the comparison asks for a value at or below the quantity.
    pub fn is_upper_bound(self) -> bool {
        matches!(self, Comparison::Lt | Comparison::Le)
    }

    /// True when the comparison asks for a value at or above the quantity.
    pub fn is_lower_bound(self) -> bool {
        matches!(self, Comparison::Gt | Comparison::Ge)
    }
}

/// 指标方向 — whether higher or lower values are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// 正向指标 — higher is better (coverage, beds per 1000 people).
    #[default]
    Increase,
    /// 逆向指标 — lower is better (mortality, unemployment).
    Decrease,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Increase => "increase",
            Direction::Decrease => "decrease",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "increase" => Some(Direction::Increase),
            "decrease" => Some(Direction::Decrease),
            _ => None,
        }
    }
}

/// 口径 — the time window a quantity refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Window {
    /// The level in the target year (the usual case).
    Level,
    /// 五年累计 — the sum over the five plan years.
    Cumulative,
    /// 每年 — a flow that must hold in every year of the plan.
    PerYear,
}

impl Window {
    pub fn as_str(self) -> &'static str {
        match self {
            Window::Level => "level",
            Window::Cumulative => "cumulative",
            Window::PerYear => "per_year",
        }
    }

    pub fn parse(s: &str) -> Option<Window> {
        match s {
            "level" => Some(Window::Level),
            "cumulative" => Some(Window::Cumulative),
            "per_year" => Some(Window::PerYear),
            _ => None,
        }
    }
}

/// The written style of a five-year-cumulative marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CumulativeStyle {
    /// `[200]`, `[　200]`, `［200］`
    SquareBrackets,
    /// `〔200〕`
    TortoiseBrackets,
    /// `200*` or `*200`, a footnote that the plan declares as "带*的为累计数".
    Star,
}

impl CumulativeStyle {
    /// Reads a plan file's `cumulative_marker` declaration: `[]`, `[　]`, `〔〕` or `*`.
    pub fn from_declaration(s: &str) -> Option<CumulativeStyle> {
        let stripped: String = s.chars().filter(|c| !is_space(*c)).collect();
        match stripped.as_str() {
            "[]" | "［］" => Some(CumulativeStyle::SquareBrackets),
            "〔〕" => Some(CumulativeStyle::TortoiseBrackets),
            "*" | "＊" => Some(CumulativeStyle::Star),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CumulativeStyle::SquareBrackets => "[]",
            CumulativeStyle::TortoiseBrackets => "〔〕",
            CumulativeStyle::Star => "*",
        }
    }
}

/// Qualitative targets that are decided on a coverage rate or a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qualitative {
    /// 应保尽保 — everyone eligible is covered: coverage of the eligible population = 100 %.
    AllEligible,
    /// 全覆盖 — full coverage: coverage = 100 %.
    FullCoverage,
    /// 所有 — every unit (all counties, all townships …): share of units = 100 %.
    All,
    /// 配齐 — fully staffed or equipped: share of units with the full complement = 100 %.
    FullyEquipped,
    /// 动态清零 — kept at zero (zero-employment households, school drop-outs): count = 0.
    Zero,
}

impl Qualitative {
    pub fn as_str(self) -> &'static str {
        match self {
            Qualitative::AllEligible => "all_eligible",
            Qualitative::FullCoverage => "full_coverage",
            Qualitative::All => "all",
            Qualitative::FullyEquipped => "fully_equipped",
            Qualitative::Zero => "zero",
        }
    }

    /// The comparison and quantity that decide "achieved": coverage ≥ 100 %, or a count ≤ 0.
    pub fn rule(self) -> (Comparison, f64) {
        match self {
            Qualitative::Zero => (Comparison::Le, 0.0),
            _ => (Comparison::Ge, 100.0),
        }
    }

    fn from_text(s: &str) -> Option<Qualitative> {
        Some(match s {
            "应保尽保" => Qualitative::AllEligible,
            "全覆盖" | "实现全覆盖" | "基本全覆盖" => Qualitative::FullCoverage,
            "所有" => Qualitative::All,
            "配齐" => Qualitative::FullyEquipped,
            "动态清零" | "实现动态清零" | "清零" => Qualitative::Zero,
            _ => return None,
        })
    }
}

/// A reference series that a target asks to reach (supplied as data, not known to the grammar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reference {
    /// 达到全国平均水平 — the national average.
    National,
    /// 达到西部平均水平 — the average of the western provinces.
    Western,
}

impl Reference {
    pub fn as_str(self) -> &'static str {
        match self {
            Reference::National => "national",
            Reference::Western => "western",
        }
    }
}

/// A number with its comparison and window, e.g. `≥ 95 %` as a level or `= 200` as a five-year sum.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub comparison: Comparison,
    pub value: f64,
    pub window: Window,
    /// The cumulative marker as written, when the window is cumulative because of one.
    pub marker: Option<CumulativeStyle>,
    /// The unit written inside the cell (`%`, `‰`, `万人次` …), if any.
    pub unit: Option<String>,
}

/// Two values in one cell (`96.7/97.68`), one per named series (e.g. 广播 / 电视).
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub comparison: Comparison,
    pub values: [f64; 2],
    pub unit: Option<String>,
}

/// What a cell means.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An empty cell.
    Empty,
    /// `—`, `——`, `--`: not applicable (no figure for that year).
    NotApplicable,
    Quantity(Quantity),
    Pair(Pair),
    Qualitative(Qualitative),
    Reference(Reference),
}

/// One parsed cell: the raw text exactly as written and its meaning.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    raw: String,
    value: Value,
}

/// The outcome of judging an observation against a target.
#[derive(Debug, Clone, PartialEq)]
pub enum Achievement {
    Achieved,
    NotAchieved,
    /// The target cannot be judged with what was given; the reason says why.
    NotAssessable(&'static str),
}

/// What was observed, in the shape the target needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Observed {
    /// One value (for a cumulative target: the running sum over the plan years).
    One(f64),
    /// Two values for a paired target, in the order of the plan's `series`.
    Two([f64; 2]),
}

impl Cell {
    /// A cell from its raw text and an already-known meaning (used by tests and by loaders that override).
    pub fn new(raw: impl Into<String>, value: Value) -> Cell {
        Cell {
            raw: raw.into(),
            value,
        }
    }

    /// The text exactly as written in the source document.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    /// A short name of the cell's kind: `empty`, `not_applicable`, `level`, `cumulative`, `per_year`, `pair`,
    /// `all_eligible`, `full_coverage`, `all`, `fully_equipped`, `zero`, `reference`.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Empty => "empty",
            Value::NotApplicable => "not_applicable",
            Value::Quantity(q) => q.window.as_str(),
            Value::Pair(_) => "pair",
            Value::Qualitative(q) => q.as_str(),
            Value::Reference(_) => "reference",
        }
    }

    /// The comparison that decides "achieved" for an indicator of the given direction, if the cell has one.
    pub fn comparison(&self, direction: Direction) -> Option<Comparison> {
        match &self.value {
            Value::Quantity(q) => Some(q.comparison),
            Value::Pair(p) => Some(p.comparison),
            Value::Qualitative(q) => Some(q.rule().0),
            Value::Reference(_) => Some(Comparison::Eq.effective(direction)),
            Value::Empty | Value::NotApplicable => None,
        }
    }

    /// The single number of the cell, if it has exactly one (qualitative targets give their implied 100 or 0).
    pub fn number(&self) -> Option<f64> {
        match &self.value {
            Value::Quantity(q) => Some(q.value),
            Value::Qualitative(q) => Some(q.rule().1),
            _ => None,
        }
    }

    /// The `k`-th value (0 or 1) of a paired cell as a level cell of its own, keeping the raw text of the pair.
    /// `None` for cells that are not pairs or for `k > 1`.
    pub fn series(&self, k: usize) -> Option<Cell> {
        match &self.value {
            Value::Pair(p) => p.values.get(k).map(|&v| Cell {
                raw: self.raw.clone(),
                value: Value::Quantity(Quantity {
                    comparison: p.comparison,
                    value: v,
                    window: Window::Level,
                    marker: None,
                    unit: p.unit.clone(),
                }),
            }),
            _ => None,
        }
    }

    /// Whether the cell is a five-year cumulative quantity.
    pub fn is_cumulative(&self) -> bool {
        matches!(&self.value, Value::Quantity(q) if q.window == Window::Cumulative)
    }

    /// The same cell with its window changed (used when the indicator says the target is a per-year flow).
    pub fn with_window(mut self, window: Window) -> Cell {
        if let Value::Quantity(q) = &mut self.value {
            q.window = window;
        }
        self
    }

    /// Decides whether `observed` meets this target for an indicator of `direction`.
    ///
    /// `reference` is the value of the reference series (national or western average) in the same year, needed
    /// only by [`Value::Reference`] targets. Qualitative coverage targets read `observed` as a percentage;
    /// 动态清零 reads it as a count.
    pub fn achieved(
        &self,
        direction: Direction,
        observed: Observed,
        reference: Option<f64>,
    ) -> Achievement {
        match (&self.value, observed) {
            (Value::Empty, _) => Achievement::NotAssessable("no target"),
            (Value::NotApplicable, _) => Achievement::NotAssessable("target not applicable"),
            (Value::Quantity(q), Observed::One(v)) => {
                bool_to(q.comparison.effective(direction).holds(v, q.value))
            }
            (Value::Pair(p), Observed::Two(vs)) => {
                let c = p.comparison.effective(direction);
                bool_to(c.holds(vs[0], p.values[0]) && c.holds(vs[1], p.values[1]))
            }
            (Value::Qualitative(q), Observed::One(v)) => {
                let (c, t) = q.rule();
                bool_to(c.holds(v, t))
            }
            (Value::Reference(_), Observed::One(v)) => match reference {
                Some(r) => bool_to(Comparison::Eq.effective(direction).holds(v, r)),
                None => Achievement::NotAssessable("reference series missing"),
            },
            (Value::Pair(_), Observed::One(_)) => {
                Achievement::NotAssessable("paired target needs one value per series")
            }
            (_, Observed::Two(_)) => {
                Achievement::NotAssessable("two values given for a single-valued target")
            }
        }
    }
}

fn bool_to(b: bool) -> Achievement {
    if b {
        Achievement::Achieved
    } else {
        Achievement::NotAchieved
    }
}

/// A cell the grammar cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read {raw:?}: {reason} (at character {position})")]
pub struct ParseError {
    /// The cell exactly as given.
    pub raw: String,
    /// Why it was rejected.
    pub reason: String,
    /// 0-based character position in the white-space-free, half-width form of the cell where reading stopped.
    pub position: usize,
}

/// Options for [`parse`].
#[derive(Debug, Clone, Default)]
pub struct ParseOptions<'a> {
    /// The indicator's declared unit (`%`, `个`, `万人次` …). When given, a unit written inside the cell must agree
    /// with it.
    pub unit: Option<&'a str>,
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{00a0}' || c == '\u{200b}' || c == '\u{feff}'
}

/// Removes all white space and folds full-width ASCII forms (`０-９`, `％`, `＞`, `．`, `［］`…) to half-width.
pub fn normalize(raw: &str) -> String {
    raw.chars()
        .filter(|c| !is_space(*c))
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '≧' => '≥',
            '≦' => '≤',
            '﹪' => '%',
            _ => c,
        })
        .collect()
}

const DASHES: &[char] = &['—', '-', '–', '―', '─', '－'];

/// Verbs that may stand before a quantity, with the comparison they imply (None: a level to reach).
/// Longer phrases come first so that `不低于` is not read as `低于`.
const PREFIXES: &[(&str, Option<Comparison>)] = &[
    ("不低于", Some(Comparison::Ge)),
    ("不少于", Some(Comparison::Ge)),
    ("不小于", Some(Comparison::Ge)),
    ("不高于", Some(Comparison::Le)),
    ("不超过", Some(Comparison::Le)),
    ("不多于", Some(Comparison::Le)),
    ("不大于", Some(Comparison::Le)),
    ("控制在", Some(Comparison::Le)),
    ("稳定在", None),
    ("保持在", None),
    ("逐步达到", None),
    ("力争达到", None),
    ("提高到", None),
    ("提高至", None),
    ("提升到", None),
    ("提升至", None),
    ("增加到", None),
    ("增加至", None),
    ("增长到", None),
    ("降低到", None),
    ("降低至", None),
    ("下降到", None),
    ("下降至", None),
    ("减少到", None),
    ("降至", None),
    ("达到", None),
    ("力争", None),
    ("保持", None),
    ("达", None),
    ("建有", None),
    ("建成", None),
    ("设有", None),
    ("至少", Some(Comparison::Ge)),
    ("超过", Some(Comparison::Gt)),
    ("高于", Some(Comparison::Gt)),
    ("大于", Some(Comparison::Gt)),
    ("低于", Some(Comparison::Lt)),
    ("小于", Some(Comparison::Lt)),
    (">=", Some(Comparison::Ge)),
    ("<=", Some(Comparison::Le)),
    ("≥", Some(Comparison::Ge)),
    ("≤", Some(Comparison::Le)),
    (">", Some(Comparison::Gt)),
    ("<", Some(Comparison::Lt)),
];

/// Words after a quantity, with the comparison they imply.
const SUFFIXES: &[(&str, Comparison)] = &[
    ("及以上", Comparison::Ge),
    ("以上", Comparison::Ge),
    ("及以下", Comparison::Le),
    ("以下", Comparison::Le),
    ("以内", Comparison::Le),
    ("左右", Comparison::Eq),
];

/// Multipliers that may stand before a unit word (万人次 = 万 × 人次). They are part of the unit: the grammar
/// keeps the number as written.
const UNIT_MULTIPLIERS: &[&str] = &["万", "亿", "千", "百"];

/// Unit words known to the grammar, longest first where one is a prefix of another.
const UNIT_WORDS: &[&str] = &[
    "平方米",
    "人次",
    "床位",
    "公里",
    "千米",
    "小时",
    "分钟",
    "个",
    "人",
    "名",
    "张",
    "家",
    "所",
    "岁",
    "年",
    "次",
    "套",
    "户",
    "元",
    "米",
    "天",
    "床",
    "种",
    "项",
    "座",
    "处",
    "间",
    "册",
    "件",
    "类",
    "条",
    "支",
    "台",
    "辆",
    "场",
    "批",
    "队",
];

/// Parses one cell as written in a plan.
///
/// # Errors
/// A [`ParseError`] with the raw text and the position where reading failed, for any text that is not one of the
/// forms listed in the module documentation, and for a unit in the cell that disagrees with `options.unit`.
pub fn parse(raw: &str, options: &ParseOptions<'_>) -> Result<Cell, ParseError> {
    let s = normalize(raw);
    let value = parse_normalized(raw, &s, options)?;
    Ok(Cell {
        raw: raw.to_string(),
        value,
    })
}

fn err(raw: &str, position: usize, reason: impl Into<String>) -> ParseError {
    ParseError {
        raw: raw.to_string(),
        reason: reason.into(),
        position,
    }
}

fn parse_normalized(raw: &str, s: &str, options: &ParseOptions<'_>) -> Result<Value, ParseError> {
    if s.is_empty() {
        return Ok(Value::Empty);
    }
    if s.chars().all(|c| DASHES.contains(&c)) {
        return Ok(Value::NotApplicable);
    }
    if let Some(q) = Qualitative::from_text(s) {
        return Ok(Value::Qualitative(q));
    }
    match s {
        "达到全国平均水平" | "全国平均水平" | "达到全国平均" | "不低于全国平均水平" =>
        {
            return Ok(Value::Reference(Reference::National));
        }
        "达到西部平均水平" | "西部平均水平" | "达到西部平均" | "不低于西部平均水平" =>
        {
            return Ok(Value::Reference(Reference::Western));
        }
        _ => {}
    }
    let chars: Vec<char> = s.chars().collect();
    let mut p = Reader {
        raw,
        chars: &chars,
        pos: 0,
    };

    let mut window = Window::Level;
    if p.eat("每年") {
        window = Window::PerYear;
    }
    // A cumulative bracket may wrap the whole quantity: `[200]`, `〔>30〕`.
    let mut marker = None;
    let mut end = chars.len();
    if let Some(&first) = chars.get(p.pos) {
        let close = match first {
            '[' => Some(']'),
            '〔' => Some('〕'),
            '【' => Some('】'),
            _ => None,
        };
        if let Some(close) = close {
            if chars.last() != Some(&close) || end - p.pos < 2 {
                return Err(err(
                    raw,
                    p.pos,
                    format!("bracket '{first}' is not closed by '{close}'"),
                ));
            }
            if first == '【' {
                return Err(err(
                    raw,
                    p.pos,
                    "【】 is not a cumulative marker any seed plan declares",
                ));
            }
            marker = Some(if first == '[' {
                CumulativeStyle::SquareBrackets
            } else {
                CumulativeStyle::TortoiseBrackets
            });
            p.pos += 1;
            end -= 1;
        }
    }
    if marker.is_none() {
        if chars.get(p.pos) == Some(&'*') {
            marker = Some(CumulativeStyle::Star);
            p.pos += 1;
        } else if chars.last() == Some(&'*') {
            marker = Some(CumulativeStyle::Star);
            end -= 1;
        }
    }
    if marker.is_some() {
        if window == Window::PerYear {
            return Err(err(
                raw,
                0,
                "a per-year flow (每年) cannot also be a five-year cumulative value",
            ));
        }
        window = Window::Cumulative;
    }
    let body = Reader {
        raw,
        chars: &chars[..end],
        pos: p.pos,
    };
    let parsed = parse_quantity(body, options)?;
    Ok(match parsed {
        Parsed::One(comparison, value, unit) => Value::Quantity(Quantity {
            comparison,
            value,
            window,
            marker,
            unit,
        }),
        Parsed::Two(comparison, values, unit) => {
            if marker.is_some() || window != Window::Level {
                return Err(err(
                    raw,
                    0,
                    "a paired value cannot be cumulative or per-year",
                ));
            }
            Value::Pair(Pair {
                comparison,
                values,
                unit,
            })
        }
    })
}

enum Parsed {
    One(Comparison, f64, Option<String>),
    Two(Comparison, [f64; 2], Option<String>),
}

struct Reader<'a> {
    raw: &'a str,
    chars: &'a [char],
    pos: usize,
}

impl Reader<'_> {
    fn rest_starts_with(&self, word: &str) -> bool {
        word.chars()
            .enumerate()
            .all(|(k, w)| self.chars.get(self.pos + k) == Some(&w))
    }

    fn eat(&mut self, word: &str) -> bool {
        if self.rest_starts_with(word) {
            self.pos += word.chars().count();
            true
        } else {
            false
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn number(&mut self) -> Option<f64> {
        let start = self.pos;
        let mut i = self.pos;
        if matches!(self.chars.get(i), Some('+') | Some('-')) {
            i += 1;
        }
        let digits_start = i;
        while matches!(self.chars.get(i), Some(c) if c.is_ascii_digit()) {
            i += 1;
        }
        if i == digits_start {
            return None;
        }
        if self.chars.get(i) == Some(&'.')
            && matches!(self.chars.get(i + 1), Some(c) if c.is_ascii_digit())
        {
            i += 1;
            while matches!(self.chars.get(i), Some(c) if c.is_ascii_digit()) {
                i += 1;
            }
        }
        let text: String = self.chars[start..i].iter().collect();
        let v = text.parse::<f64>().ok()?;
        self.pos = i;
        Some(v)
    }

    fn unit(&mut self) -> Option<String> {
        let start = self.pos;
        if self.eat("%") || self.eat("‰") || self.eat("‱") {
            return Some(self.chars[start..self.pos].iter().collect());
        }
        for m in UNIT_MULTIPLIERS {
            if self.eat(m) {
                break;
            }
        }
        let mut found = false;
        for w in UNIT_WORDS {
            if self.eat(w) {
                found = true;
                break;
            }
        }
        if !found {
            // A bare multiplier (`55万`) is a unit of its own.
            if self.pos == start {
                return None;
            }
        }
        // `万户(套)`: an alternative unit word in parentheses.
        if found && self.rest_starts_with("(") {
            let save = self.pos;
            self.pos += 1;
            let inner = UNIT_WORDS.iter().any(|w| self.eat(w));
            if !(inner && self.eat(")")) {
                self.pos = save;
            }
        }
        // `人/10万`, `个/千人`: a per-population unit.
        if found && self.rest_starts_with("/") {
            let save = self.pos;
            self.pos += 1;
            let _ = self.number();
            let mut tail = false;
            for m in UNIT_MULTIPLIERS {
                if self.eat(m) {
                    tail = true;
                    break;
                }
            }
            for w in UNIT_WORDS {
                if self.eat(w) {
                    tail = true;
                    break;
                }
            }
            if !tail {
                self.pos = save;
            }
        }
        Some(self.chars[start..self.pos].iter().collect())
    }
}

fn parse_quantity(mut p: Reader<'_>, options: &ParseOptions<'_>) -> Result<Parsed, ParseError> {
    let raw = p.raw;
    // Verbs before the number; several may stack (力争达到, 控制在 …).
    let mut prefix: Option<Comparison> = None;
    loop {
        let mut matched = false;
        for (word, cmp) in PREFIXES {
            if p.eat(word) {
                matched = true;
                if let Some(c) = cmp {
                    if prefix.is_some_and(|old| old != *c) {
                        return Err(err(
                            raw,
                            p.pos,
                            format!("two contradicting comparisons before the number ('{word}')"),
                        ));
                    }
                    prefix = Some(*c);
                }
                break;
            }
        }
        if !matched {
            break;
        }
    }
    let first_at = p.pos;
    let Some(first) = p.number() else {
        return Err(err(raw, first_at, "expected a number"));
    };
    let mut unit = p.unit();
    let mut second = None;
    if p.eat("/") {
        let at = p.pos;
        match p.number() {
            Some(v) => second = Some(v),
            None => return Err(err(raw, at, "expected a second number after '/'")),
        }
        let unit2 = p.unit();
        if unit.is_some() && unit2.is_some() && unit != unit2 {
            return Err(err(
                raw,
                at,
                "the two values of a pair have different units",
            ));
        }
        unit = unit.or(unit2);
    }
    let mut suffix: Option<Comparison> = None;
    for (word, cmp) in SUFFIXES {
        if p.eat(word) {
            suffix = Some(*cmp);
            break;
        }
    }
    if !p.at_end() {
        let rest: String = p.chars[p.pos..].iter().collect();
        return Err(err(
            raw,
            p.pos,
            format!("unexpected text '{rest}' after the number"),
        ));
    }
    let comparison = match (prefix, suffix) {
        (None, None) => Comparison::Eq,
        (Some(c), None) => c,
        (None, Some(c)) => c,
        (Some(a), Some(b)) => {
            // 控制在5%以内 (≤, ≤) and 不低于90%以上 agree; 超过…以上 tightens ≥ to >.
            match (a, b) {
                (a, b) if a == b => a,
                (Comparison::Gt, Comparison::Ge) => Comparison::Gt,
                (Comparison::Lt, Comparison::Le) => Comparison::Lt,
                (a, Comparison::Eq) => a,
                _ => {
                    return Err(err(
                        raw,
                        first_at,
                        "the words before and after the number contradict each other",
                    ));
                }
            }
        }
    };
    if let (Some(declared), Some(written)) = (options.unit, unit.as_deref()) {
        if !units_agree(declared, written) {
            return Err(err(
                raw,
                first_at,
                format!(
                    "the cell's unit '{written}' differs from the indicator's unit '{declared}'"
                ),
            ));
        }
    }
    Ok(match second {
        Some(b) => Parsed::Two(comparison, [first, b], unit),
        None => Parsed::One(comparison, first, unit),
    })
}

/// Whether a unit written in a cell agrees with the indicator's declared unit. White space, full-width forms and
/// parenthesised glosses (`万套(户)`) are ignored.
pub fn units_agree(declared: &str, written: &str) -> bool {
    let base = |u: &str| -> String {
        let n = normalize(u);
        match n.find('(') {
            Some(i) => n[..i].to_string(),
            None => n,
        }
    };
    let d = base(declared);
    let w = base(written);
    d == w || d.is_empty()
}

impl fmt::Display for Cell {
    /// The fixture notation of `docs/plan-format.md`: `level >= 70`, `cumulative = 200`, `pair = 96.7/97.68`,
    /// `all_eligible`, `reference national`, `na`, `empty`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Value::Empty => write!(f, "empty"),
            Value::NotApplicable => write!(f, "na"),
            Value::Quantity(q) => {
                write!(
                    f,
                    "{} {} {}",
                    q.window.as_str(),
                    q.comparison.symbol(),
                    fmt_num(q.value)
                )
            }
            Value::Pair(p) => write!(
                f,
                "pair {} {}/{}",
                p.comparison.symbol(),
                fmt_num(p.values[0]),
                fmt_num(p.values[1])
            ),
            Value::Qualitative(q) => write!(f, "{}", q.as_str()),
            Value::Reference(r) => write!(f, "reference {}", r.as_str()),
        }
    }
}

/// Shortest decimal form of a number (`4.5`, `100`, `-0.2`).
pub fn fmt_num(v: f64) -> String {
    format!("{v}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(raw: &str) -> String {
        match parse(raw, &ParseOptions::default()) {
            Ok(c) => c.to_string(),
            Err(e) => format!("error: {}", e.reason),
        }
    }

    #[test]
    fn seed_forms() {
        let cases = [
            ("4.5", "level = 4.5"),
            ("70以上", "level >= 70"),
            (">50", "level > 50"),
            (">95%", "level > 95"),
            ("≥90%", "level >= 90"),
            ("<5.5", "level < 5.5"),
            ("8.5以下", "level <= 8.5"),
            ("控制在5.5%以内", "level <= 5.5"),
            ("不低于80%", "level >= 80"),
            ("100%", "level = 100"),
            ("应保尽保", "all_eligible"),
            ("应保 尽保", "all_eligible"),
            ("达到全国平均水平", "reference national"),
            ("达到西部平均水平", "reference western"),
            ("[200]", "cumulative = 200"),
            ("[　200]", "cumulative = 200"),
            ("〔200〕", "cumulative = 200"),
            ("200*", "cumulative = 200"),
            ("96.7/97.68", "pair = 96.7/97.68"),
            ("——", "na"),
            ("—", "na"),
            ("--", "na"),
            ("", "empty"),
            ("动态清零", "zero"),
            ("配齐", "fully_equipped"),
            ("所有", "all"),
            ("至少1", "level >= 1"),
            ("至少1家", "level >= 1"),
            ("至少建有1家", "level >= 1"),
            ("19万户（套）", "level = 19"),
            ("全覆盖", "full_coverage"),
            ("稳定在95%以上", "level >= 95"),
            ("提高到55", "level = 55"),
            ("达到90%以上", "level >= 90"),
            ("80万人次以上", "level >= 80"),
            ("每年30万人次以上", "per_year >= 30"),
            ("-1.06", "level = -1.06"),
            ("１２．５％", "level = 12.5"),
        ];
        for (raw, want) in cases {
            assert_eq!(show(raw), want, "cell {raw:?}");
        }
    }

    #[test]
    fn rejects_unknown_text() {
        for raw in [
            "大幅提高",
            "95%%",
            "[200",
            "以上",
            "70以上以下",
            "1/",
            "明显提升",
            "8.5%。以下",
        ] {
            assert!(
                parse(raw, &ParseOptions::default()).is_err(),
                "{raw:?} should be rejected"
            );
        }
        let e = parse("95以上左", &ParseOptions::default()).err();
        assert_eq!(e.map(|e| e.position), Some(4));
    }

    #[test]
    fn unit_must_agree() {
        let opts = ParseOptions { unit: Some("个") };
        assert!(parse("4.5个", &opts).is_ok());
        assert!(parse("4.5", &opts).is_ok());
        assert!(parse("4.5张", &opts).is_err());
        let opts = ParseOptions {
            unit: Some("万套(户)"),
        };
        assert!(parse("[70万套]", &opts).is_ok());
    }

    #[test]
    fn achievement_by_direction() {
        let p = |s: &str| {
            parse(s, &ParseOptions::default()).unwrap_or_else(|_| Cell::new(s, Value::Empty))
        };
        use Achievement::*;
        assert_eq!(
            p("95").achieved(Direction::Increase, Observed::One(96.15), None),
            Achieved
        );
        assert_eq!(
            p("<4.2").achieved(Direction::Decrease, Observed::One(3.75), None),
            Achieved
        );
        assert_eq!(
            p("14").achieved(Direction::Decrease, Observed::One(15.9), None),
            NotAchieved
        );
        assert_eq!(
            p("应保尽保").achieved(Direction::Increase, Observed::One(100.0), None),
            Achieved
        );
        assert_eq!(
            p("动态清零").achieved(Direction::Decrease, Observed::One(0.0), None),
            Achieved
        );
        assert_eq!(
            p("达到全国平均水平").achieved(Direction::Decrease, Observed::One(12.42), Some(16.9)),
            Achieved
        );
        assert_eq!(
            p("达到全国平均水平").achieved(Direction::Increase, Observed::One(74.02), None),
            NotAssessable("reference series missing")
        );
        assert_eq!(
            p("99/99").achieved(Direction::Increase, Observed::Two([99.0, 99.0]), None),
            Achieved
        );
        assert_eq!(
            p("99/99").achieved(Direction::Increase, Observed::Two([95.45, 99.0]), None),
            NotAchieved
        );
    }
}
