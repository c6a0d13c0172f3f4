//! 基本公共服务清单 — the services catalogue: loading, checking, cascading and comparing (format:
//! `docs/catalogue-format.md`).
//!
//! Loading gathers every problem with its file, line and column: TOML syntax, unknown keys, missing attributes,
//! duplicate ids, parameters without a value where the seeds give one, quotes not on their seed line, and every
//! rule error (the column points inside the rule). A child catalogue (`extends`) is merged with its parent:
//! items are inherited, overridden only with `override = true`, withdrawn only with a reason.

use std::collections::BTreeMap;

use minsheng_core::diag::{Diagnostic, LineIndex, Severity};
use minsheng_core::target::normalize;
use serde::Deserialize;
use toml::Spanned;

use crate::date;
use crate::expr::{self, Checked, ParamDecl, Scope, Ty};
use crate::regions::RegionIndex;

/// The nine domains (九个领域) of the plans.
pub const DOMAINS: [&str; 9] = [
    "幼有所育",
    "学有所教",
    "劳有所得",
    "病有所医",
    "老有所养",
    "住有所居",
    "弱有所扶",
    "优军服务保障",
    "文体服务保障",
];

/// A citation of a seed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Source {
    pub seed: String,
    pub line: usize,
    pub end_line: usize,
    pub quote: String,
}

/// A value of a parameter from a date on, for a region.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParamValue {
    /// Region index.
    #[serde(skip)]
    pub region: u32,
    pub region_code: String,
    pub from: String,
    #[serde(skip)]
    pub from_day: i32,
    pub value: f64,
    /// Where the value comes from (a seed citation, a parameters file and line).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Param {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub unit: String,
    pub kind: String,
    pub set_per_region: bool,
    pub values: Vec<ParamValue>,
    pub sources: Vec<Source>,
    pub note: String,
}

impl Param {
    /// The value for a region at a date: the most specific region on the chain that has one, the latest `from`
    /// not after the date.
    pub fn value_at(&self, region: u32, at: i32, regions: &RegionIndex) -> Option<f64> {
        for r in regions.chain(region) {
            let best = self
                .values
                .iter()
                .filter(|v| v.region == r && v.from_day <= at)
                .max_by_key(|v| v.from_day);
            if let Some(v) = best {
                return Some(v.value);
            }
        }
        None
    }
}

/// Whom an item's rule decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Person,
    Household,
}

/// The plan indicator an item's coverage feeds: its data elements for the entitled and the served.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorLink {
    pub plan: String,
    pub code: String,
    pub eligible: String,
    pub served: String,
}

/// One service item.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Item {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub domain: String,
    pub category: String,
    pub tier: String,
    pub object: String,
    pub content: String,
    pub standard: String,
    pub funding: String,
    pub funding_split: BTreeMap<String, f64>,
    pub lead: String,
    pub unit: Unit,
    pub rule_text: String,
    #[serde(skip)]
    pub rule: Checked,
    pub amount_text: Option<String>,
    #[serde(skip)]
    pub amount: Option<Checked>,
    pub indicator: Option<IndicatorLink>,
    pub sources: Vec<Source>,
    pub note: String,
    /// The catalogue (id) that defined the item last (itself, or the parent it is inherited from).
    pub defined_in: String,
    /// The file and line of that definition.
    pub file: String,
    pub line: usize,
}

/// An item withdrawn by a child catalogue, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Withdrawal {
    pub item: String,
    pub reason: String,
    pub by: String,
}

/// A loaded, checked catalogue (its parent chain merged in).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Catalogue {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub region_code: String,
    #[serde(skip)]
    pub region: u32,
    pub version: String,
    pub effective: String,
    pub plan: Option<String>,
    /// The chain of catalogue ids from this one up to the root.
    pub lineage: Vec<String>,
    pub params: Vec<Param>,
    pub items: Vec<Item>,
    pub withdrawn: Vec<Withdrawal>,
}

impl Catalogue {
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    pub fn param_index(&self, id: &str) -> Option<usize> {
        self.params.iter().position(|p| p.id == id)
    }

    /// The value of every parameter for every region at a date (`None` where none applies).
    pub fn resolve_params(&self, at: i32, regions: &RegionIndex) -> Vec<Vec<Option<f64>>> {
        self.params
            .iter()
            .map(|p| {
                (0..regions.len() as u32)
                    .map(|r| p.value_at(r, at, regions))
                    .collect()
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The file as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    catalogue: Spanned<RawHead>,
    #[serde(default)]
    param: Vec<Spanned<RawParam>>,
    #[serde(default)]
    item: Vec<Spanned<RawItem>>,
    #[serde(default)]
    withdraw: Vec<Spanned<RawWithdraw>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHead {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    name_en: String,
    region: Spanned<String>,
    version: String,
    effective: Spanned<String>,
    #[serde(default)]
    plan: Option<String>,
    #[serde(default)]
    extends: Option<Spanned<String>>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawSource {
    seed: Spanned<String>,
    line: Spanned<usize>,
    #[serde(default)]
    end_line: Option<usize>,
    quote: Spanned<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawValue {
    value: f64,
    from: Spanned<String>,
    #[serde(default)]
    region: Option<Spanned<String>>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawParam {
    id: Spanned<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    name_en: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    set_per_region: Option<bool>,
    #[serde(default)]
    values: Vec<Spanned<RawValue>>,
    #[serde(default)]
    sources: Vec<RawSource>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: Spanned<String>,
    #[serde(default)]
    r#override: bool,
    name: Option<String>,
    name_en: Option<String>,
    domain: Option<Spanned<String>>,
    category: Option<String>,
    tier: Option<Spanned<String>>,
    object: Option<String>,
    content: Option<String>,
    standard: Option<String>,
    funding: Option<String>,
    funding_split: Option<BTreeMap<String, f64>>,
    lead: Option<String>,
    unit: Option<Spanned<String>>,
    rule: Option<Spanned<String>>,
    amount: Option<Spanned<String>>,
    indicator: Option<IndicatorLink>,
    sources: Option<Vec<RawSource>>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWithdraw {
    item: Spanned<String>,
    #[serde(default)]
    reason: String,
}

/// Where catalogues come from: the text of a catalogue by id (for `extends`), and the seeds for quotes.
pub struct Context<'a> {
    pub regions: &'a RegionIndex,
    /// `(file name, text)` of the catalogue with this id.
    pub resolve: &'a dyn Fn(&str) -> Option<(String, String)>,
    /// The text of a seed named as in the plans (`seeds/…`).
    pub seed: &'a dyn Fn(&str) -> Option<String>,
}

struct Sink<'t> {
    file: String,
    index: LineIndex<'t>,
    diags: Vec<Diagnostic>,
}

impl Sink<'_> {
    fn at(&mut self, offset: usize, code: &'static str, message: String) {
        let (line, column) = self.index.position(offset);
        self.diags.push(Diagnostic {
            severity: Severity::Error,
            file: self.file.clone(),
            line,
            column,
            code,
            message,
        });
    }
}

/// A stage of merging: an item not yet checked, with where it was written.
#[derive(Clone)]
struct Pending {
    raw: RawItem,
    defined_in: String,
    file: String,
    /// Byte offset of the rule (or the item) in its file, and that file's text, for positions.
    text_at: usize,
    line: usize,
}

/// One parsed file of the chain.
struct Layer {
    file: String,
    text: String,
    raw: RawFile,
}

/// Loads a catalogue and its parents. Returns the catalogue when there is no error, and every diagnostic.
pub fn load(file: &str, text: &str, ctx: &Context<'_>) -> (Option<Catalogue>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    // The chain: this file, its parent, the parent's parent …
    let mut layers: Vec<Layer> = Vec::new();
    let mut next: Option<(String, String)> = Some((file.to_string(), text.to_string()));
    while let Some((f, t)) = next.take() {
        let parsed: Result<RawFile, toml::de::Error> = toml::from_str(&t);
        match parsed {
            Ok(raw) => {
                if let Some(parent) = &raw.catalogue.get_ref().extends {
                    let pid = parent.get_ref().clone();
                    if layers
                        .iter()
                        .any(|l| l.raw.catalogue.get_ref().id.get_ref() == &pid)
                        || raw.catalogue.get_ref().id.get_ref() == &pid
                    {
                        let mut sink = sink(&f, &t);
                        sink.at(
                            parent.span().start,
                            "extends-cycle",
                            format!("catalogue {pid:?} extends itself"),
                        );
                        diags.extend(sink.diags);
                    } else {
                        match (ctx.resolve)(&pid) {
                            Some(found) => next = Some(found),
                            None => {
                                let mut sink = sink(&f, &t);
                                sink.at(
                                    parent.span().start,
                                    "unknown-parent",
                                    format!("extends {pid:?}, which is neither a shipped catalogue nor a file beside this one"),
                                );
                                diags.extend(sink.diags);
                            }
                        }
                    }
                }
                layers.push(Layer {
                    file: f,
                    text: t,
                    raw,
                });
            }
            Err(e) => {
                let mut sink = sink(&f, &t);
                let offset = e.span().map_or(0, |s| s.start);
                sink.at(offset, "toml", e.message().to_string());
                diags.extend(sink.diags);
            }
        }
    }
    if !diags.is_empty() || layers.is_empty() {
        return (None, diags);
    }
    // Merge from the root down.
    let mut params: Vec<(Param, String, usize)> = Vec::new(); // param, file, offset of its id
    let mut items: Vec<Pending> = Vec::new();
    let mut withdrawn: Vec<Withdrawal> = Vec::new();
    let mut parent_region: Option<u32> = None;
    let mut lineage = Vec::new();
    let n_layers = layers.len();
    for (depth, layer) in layers.iter().rev().enumerate() {
        let mut sink = sink(&layer.file, &layer.text);
        let head = layer.raw.catalogue.get_ref();
        let cid = head.id.get_ref().clone();
        lineage.insert(0, cid.clone());
        let region = match ctx.regions.index_of(head.region.get_ref()) {
            Some(r) => r,
            None => {
                sink.at(
                    head.region.span().start,
                    "unknown-region",
                    format!(
                        "region {:?} is not a known GB/T 2260 code",
                        head.region.get_ref()
                    ),
                );
                0
            }
        };
        if let Some(pr) = parent_region
            && (region == pr || !ctx.regions.within(region, pr))
        {
            sink.at(
                head.region.span().start,
                "region-not-below-parent",
                format!(
                    "region {} is not below the parent catalogue's region {}",
                    head.region.get_ref(),
                    ctx.regions.code(pr)
                ),
            );
        }
        parent_region = Some(region);
        if date::parse(head.effective.get_ref()).is_none() {
            sink.at(
                head.effective.span().start,
                "bad-date",
                format!(
                    "effective {:?} is not a date YYYY-MM-DD",
                    head.effective.get_ref()
                ),
            );
        }
        if !valid_id(head.id.get_ref(), '-') {
            sink.at(
                head.id.span().start,
                "bad-id",
                format!("catalogue id {:?} must be [a-z0-9-]", head.id.get_ref()),
            );
        }
        // Parameters.
        let mut seen_params: Vec<String> = Vec::new();
        for sp in &layer.raw.param {
            let p = sp.get_ref();
            let pid = p.id.get_ref().clone();
            if seen_params.contains(&pid) {
                sink.at(
                    p.id.span().start,
                    "duplicate-id",
                    format!("parameter {pid:?} is declared twice"),
                );
                continue;
            }
            seen_params.push(pid.clone());
            let values = check_values(&mut sink, &p.values, region, ctx, &layer.file);
            if let Some(existing) = params.iter_mut().find(|(q, _, _)| q.id == pid) {
                // A child adds values for its region (and may not redeclare the rest).
                if p.name.is_some() || p.kind.is_some() || p.unit.is_some() {
                    sink.at(
                        p.id.span().start,
                        "redeclared-param",
                        format!("parameter {pid:?} is declared by the parent: a child gives only `values`"),
                    );
                }
                existing.0.values.extend(values);
                continue;
            }
            if depth > 0 && p.name.is_none() {
                sink.at(
                    p.id.span().start,
                    "unknown-param",
                    format!("parameter {pid:?} is not declared by the parent"),
                );
                continue;
            }
            if !valid_id(&pid, '_') {
                sink.at(
                    p.id.span().start,
                    "bad-id",
                    format!("parameter id {pid:?} must be [a-z][a-z0-9_]*"),
                );
            }
            let kind = p
                .kind
                .as_ref()
                .map_or("number".to_string(), |k| k.get_ref().clone());
            if !matches!(kind.as_str(), "number" | "date") {
                let at = p
                    .kind
                    .as_ref()
                    .map_or(p.id.span().start, |k| k.span().start);
                sink.at(
                    at,
                    "bad-kind",
                    format!("kind {kind:?}: parameters are number or date"),
                );
            }
            let set_per_region = p.set_per_region.unwrap_or(false);
            if !set_per_region && values.is_empty() {
                sink.at(
                    p.id.span().start,
                    "param-without-value",
                    format!("parameter {pid:?} has no value: give `values` (citing the seed) or set set_per_region = true"),
                );
            }
            if set_per_region && p.values.iter().any(|v| v.get_ref().region.is_none()) {
                sink.at(
                    p.id.span().start,
                    "invented-value",
                    format!("parameter {pid:?} is set per region but gives a value for the whole catalogue region"),
                );
            }
            let sources = check_sources(&mut sink, &p.sources, ctx);
            if !set_per_region && !values.is_empty() && sources.is_empty() && depth == 0 {
                sink.at(
                    p.id.span().start,
                    "no-source",
                    format!("parameter {pid:?} has values but cites no seed line"),
                );
            }
            params.push((
                Param {
                    id: pid,
                    name: p.name.clone().unwrap_or_default(),
                    name_en: p.name_en.clone().unwrap_or_default(),
                    unit: p.unit.clone().unwrap_or_default(),
                    kind,
                    set_per_region,
                    values,
                    sources,
                    note: p.note.clone().unwrap_or_default(),
                },
                layer.file.clone(),
                p.id.span().start,
            ));
        }
        // Items.
        let mut seen_items: Vec<String> = Vec::new();
        for si in &layer.raw.item {
            let it = si.get_ref();
            let iid = it.id.get_ref().clone();
            if seen_items.contains(&iid) {
                sink.at(
                    it.id.span().start,
                    "duplicate-id",
                    format!("item {iid:?} appears twice in this file"),
                );
                continue;
            }
            seen_items.push(iid.clone());
            let line = sink.index.position(si.span().start).0;
            let text_at = it
                .rule
                .as_ref()
                .map_or(it.id.span().start, |r| r.span().start);
            match items.iter().position(|p| p.raw.id.get_ref() == &iid) {
                Some(k) if it.r#override => {
                    let merged = overlay(&items[k].raw, it);
                    items[k] = Pending {
                        raw: merged,
                        defined_in: cid.clone(),
                        file: layer.file.clone(),
                        text_at,
                        line,
                    };
                }
                Some(_) => sink.at(
                    it.id.span().start,
                    "silent-replacement",
                    format!("item {iid:?} exists in the parent catalogue: write override = true to change it"),
                ),
                None if it.r#override => sink.at(
                    it.id.span().start,
                    "nothing-to-override",
                    format!("item {iid:?} has override = true, but no parent catalogue has it"),
                ),
                None => {
                    if !valid_id(&iid, '-') {
                        sink.at(it.id.span().start, "bad-id", format!("item id {iid:?} must be [a-z][a-z0-9-]*"));
                    }
                    items.push(Pending {
                        raw: it.clone(),
                        defined_in: cid.clone(),
                        file: layer.file.clone(),
                        text_at,
                        line,
                    });
                }
            }
        }
        for sw in &layer.raw.withdraw {
            let w = sw.get_ref();
            let iid = w.item.get_ref();
            if w.reason.trim().is_empty() {
                sink.at(
                    w.item.span().start,
                    "withdraw-without-reason",
                    format!("withdrawing {iid:?} needs a reason"),
                );
                continue;
            }
            match items.iter().position(|p| p.raw.id.get_ref() == iid) {
                Some(k) if depth > 0 => {
                    items.remove(k);
                    withdrawn.push(Withdrawal {
                        item: iid.clone(),
                        reason: w.reason.clone(),
                        by: cid.clone(),
                    });
                }
                _ => sink.at(
                    w.item.span().start,
                    "unknown-item",
                    format!("withdraws {iid:?}, which no parent catalogue has"),
                ),
            }
        }
        diags.extend(sink.diags);
        let _ = n_layers;
    }
    // Check every item against the final parameter list.
    let decls: Vec<ParamDecl> = params
        .iter()
        .map(|(p, _, _)| ParamDecl {
            id: p.id.clone(),
            ty: if p.kind == "date" { Ty::Date } else { Ty::Num },
        })
        .collect();
    let scope = Scope {
        params: &decls,
        regions: ctx.regions,
    };
    let mut checked = Vec::new();
    for p in &items {
        let layer_text = layers
            .iter()
            .find(|l| l.file == p.file)
            .map_or("", |l| l.text.as_str());
        let mut sink = sink(&p.file, layer_text);
        if let Some(item) = check_item(&mut sink, p, &scope, ctx) {
            checked.push(item);
        }
        diags.extend(sink.diags);
    }
    let head = layers[0].raw.catalogue.get_ref();
    if !diags.is_empty() {
        return (None, diags);
    }
    (
        Some(Catalogue {
            id: head.id.get_ref().clone(),
            name: head.name.clone(),
            name_en: head.name_en.clone(),
            region_code: head.region.get_ref().clone(),
            region: parent_region.unwrap_or(0),
            version: head.version.clone(),
            effective: head.effective.get_ref().clone(),
            plan: head.plan.clone(),
            lineage,
            params: params.into_iter().map(|(p, _, _)| p).collect(),
            items: checked,
            withdrawn,
        }),
        diags,
    )
}

fn sink<'t>(file: &str, text: &'t str) -> Sink<'t> {
    Sink {
        file: file.to_string(),
        index: LineIndex::new(text),
        diags: Vec::new(),
    }
}

fn valid_id(s: &str, sep: char) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == sep)
}

/// A child's override on top of the parent's item: keys the child gives replace the parent's.
fn overlay(parent: &RawItem, child: &RawItem) -> RawItem {
    let mut m = parent.clone();
    macro_rules! take {
        ($($f:ident),*) => { $( if child.$f.is_some() { m.$f = child.$f.clone(); } )* };
    }
    take!(
        name,
        name_en,
        domain,
        category,
        tier,
        object,
        content,
        standard,
        funding,
        funding_split,
        lead,
        unit,
        rule,
        amount,
        indicator,
        sources,
        note
    );
    m
}

fn check_values(
    sink: &mut Sink<'_>,
    values: &[Spanned<RawValue>],
    default_region: u32,
    ctx: &Context<'_>,
    file: &str,
) -> Vec<ParamValue> {
    let mut out = Vec::new();
    for sv in values {
        let v = sv.get_ref();
        let region = match &v.region {
            None => Some(default_region),
            Some(r) => {
                let found = ctx.regions.index_of(r.get_ref());
                if found.is_none() {
                    sink.at(
                        r.span().start,
                        "unknown-region",
                        format!("region {:?} is not a known code", r.get_ref()),
                    );
                }
                found
            }
        };
        let from = date::parse(v.from.get_ref());
        if from.is_none() {
            sink.at(
                v.from.span().start,
                "bad-date",
                format!("from {:?} is not a date YYYY-MM-DD", v.from.get_ref()),
            );
        }
        if !v.value.is_finite() {
            sink.at(
                sv.span().start,
                "bad-value",
                "the value is not a finite number".into(),
            );
        }
        if let (Some(region), Some(from)) = (region, from) {
            let line = sink.index.position(sv.span().start).0;
            out.push(ParamValue {
                region,
                region_code: ctx.regions.code(region),
                from: date::format(from),
                from_day: from,
                value: v.value,
                source: format!("{file}:{line}"),
            });
        }
    }
    out
}

fn check_sources(sink: &mut Sink<'_>, sources: &[RawSource], ctx: &Context<'_>) -> Vec<Source> {
    let mut out = Vec::new();
    for s in sources {
        let seed = s.seed.get_ref();
        let from = *s.line.get_ref();
        let to = s.end_line.unwrap_or(from);
        let quote = normalize(s.quote.get_ref());
        match (ctx.seed)(seed) {
            None => sink.at(
                s.seed.span().start,
                "source-document",
                format!("seed {seed:?} not found (write seeds/0NN_….txt as the plans do)"),
            ),
            Some(text) => {
                let idx = LineIndex::new(&text);
                let mut lines = String::new();
                let mut beyond = false;
                for l in from..=to {
                    match idx.line(l) {
                        Some(t) => lines.push_str(t),
                        None => beyond = true,
                    }
                }
                if from == 0 || to < from || beyond {
                    sink.at(
                        s.line.span().start,
                        "source-line",
                        format!(
                            "line {from}..={to} is not in {seed} ({} lines)",
                            idx.line_count()
                        ),
                    );
                } else if quote.is_empty() || !normalize(&lines).contains(&quote) {
                    sink.at(
                        s.quote.span().start,
                        "source-mismatch",
                        format!(
                            "quote {:?} is not on line {from} of {seed}",
                            s.quote.get_ref()
                        ),
                    );
                }
            }
        }
        out.push(Source {
            seed: seed.clone(),
            line: from,
            end_line: to,
            quote: s.quote.get_ref().clone(),
        });
    }
    out
}

fn check_item(
    sink: &mut Sink<'_>,
    p: &Pending,
    scope: &Scope<'_>,
    ctx: &Context<'_>,
) -> Option<Item> {
    let it = &p.raw;
    let iid = it.id.get_ref().clone();
    let at = it.id.span().start;
    let mut missing = Vec::new();
    for (key, present) in [
        ("name", it.name.is_some()),
        ("domain", it.domain.is_some()),
        ("object", it.object.is_some()),
        ("content", it.content.is_some()),
        ("standard", it.standard.is_some()),
        ("funding", it.funding.is_some()),
        ("lead", it.lead.is_some()),
        ("rule", it.rule.is_some()),
        (
            "sources",
            it.sources.as_ref().is_some_and(|s| !s.is_empty()),
        ),
    ] {
        if !present {
            missing.push(key);
        }
    }
    if !missing.is_empty() {
        sink.at(
            at,
            "missing-key",
            format!(
                "item {iid:?} lacks {} (write \"\" where the seeds say nothing)",
                missing.join(", ")
            ),
        );
    }
    if let Some(d) = &it.domain
        && !DOMAINS.contains(&d.get_ref().as_str())
    {
        sink.at(
            d.span().start,
            "bad-domain",
            format!(
                "domain {:?} is not one of {}",
                d.get_ref(),
                DOMAINS.join(" ")
            ),
        );
    }
    let tier = it
        .tier
        .as_ref()
        .map_or("basic".to_string(), |t| t.get_ref().clone());
    if !matches!(tier.as_str(), "basic" | "inclusive") {
        let at = it.tier.as_ref().map_or(at, |t| t.span().start);
        sink.at(
            at,
            "bad-tier",
            format!("tier {tier:?} is basic or inclusive"),
        );
    }
    let unit = match it.unit.as_ref().map(|u| u.get_ref().as_str()) {
        None | Some("person") => Unit::Person,
        Some("household") => Unit::Household,
        Some(other) => {
            let at = it.unit.as_ref().map_or(at, |u| u.span().start);
            sink.at(
                at,
                "bad-unit",
                format!("unit {other:?} is person or household"),
            );
            Unit::Person
        }
    };
    let sources = check_sources(sink, it.sources.as_deref().unwrap_or(&[]), ctx);
    let rule = it
        .rule
        .as_ref()
        .and_then(|r| compile(sink, r, scope, Ty::Bool, &iid, "rule"));
    let amount = match &it.amount {
        Some(a) => Some(compile(sink, a, scope, Ty::Num, &iid, "amount")?),
        None => None,
    };
    let _ = p.text_at;
    Some(Item {
        id: iid,
        name: it.name.clone().unwrap_or_default(),
        name_en: it.name_en.clone().unwrap_or_default(),
        domain: it
            .domain
            .as_ref()
            .map(|d| d.get_ref().clone())
            .unwrap_or_default(),
        category: it.category.clone().unwrap_or_default(),
        tier,
        object: it.object.clone().unwrap_or_default(),
        content: it.content.clone().unwrap_or_default(),
        standard: it.standard.clone().unwrap_or_default(),
        funding: it.funding.clone().unwrap_or_default(),
        funding_split: it.funding_split.clone().unwrap_or_default(),
        lead: it.lead.clone().unwrap_or_default(),
        unit,
        rule_text: it
            .rule
            .as_ref()
            .map(|r| r.get_ref().clone())
            .unwrap_or_default(),
        rule: rule?,
        amount_text: it.amount.as_ref().map(|a| a.get_ref().clone()),
        amount,
        indicator: it.indicator.clone(),
        sources,
        note: it.note.clone().unwrap_or_default(),
        defined_in: p.defined_in.clone(),
        file: p.file.clone(),
        line: p.line,
    })
}

/// Parses and checks a rule written in a TOML string; errors point into the string (its opening quote + 1 +
/// the column inside the rule, exact for strings without escapes).
fn compile(
    sink: &mut Sink<'_>,
    text: &Spanned<String>,
    scope: &Scope<'_>,
    want: Ty,
    item: &str,
    key: &str,
) -> Option<Checked> {
    let rule = text.get_ref();
    let base = text.span().start + 1;
    let errors = match expr::parse(rule) {
        Ok(e) => match expr::check(&e, scope, want) {
            Ok(c) => return Some(c),
            Err(errs) => errs,
        },
        Err(e) => vec![e],
    };
    for e in errors {
        sink.at(
            base + e.span.start,
            "rule",
            format!("item {item:?}, {key} `{rule}`: {}", e.message),
        );
    }
    None
}

// ---------------------------------------------------------------------------------------------------------------
// Comparing two versions.

/// One difference between two catalogues.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Change {
    /// `added`, `removed`, `withdrawn`, `changed`, `raised`, `lowered`, `param-added`, `param-removed`,
    /// `value-added`, `value-removed`.
    pub kind: String,
    /// The item or parameter id.
    pub id: String,
    pub name: String,
    /// The attribute changed (for `changed`), or the parameter's region and date.
    pub field: String,
    pub before: String,
    pub after: String,
}

/// What changed from `a` to `b`: items added, removed (withdrawn, with the reason) or changed attribute by
/// attribute; parameter values raised or lowered per region and date.
pub fn diff(a: &Catalogue, b: &Catalogue) -> Vec<Change> {
    let mut out = Vec::new();
    let ch =
        |kind: &str, id: &str, name: &str, field: &str, before: String, after: String| Change {
            kind: kind.into(),
            id: id.into(),
            name: name.into(),
            field: field.into(),
            before,
            after,
        };
    for ia in &a.items {
        match b.item(&ia.id) {
            None => {
                let reason = b
                    .withdrawn
                    .iter()
                    .find(|w| w.item == ia.id)
                    .map(|w| format!("withdrawn by {}: {}", w.by, w.reason));
                let kind = if reason.is_some() {
                    "withdrawn"
                } else {
                    "removed"
                };
                out.push(ch(
                    kind,
                    &ia.id,
                    &ia.name,
                    "",
                    ia.standard.clone(),
                    reason.unwrap_or_default(),
                ));
            }
            Some(ib) => {
                let fields: [(&str, String, String); 12] = [
                    ("name", ia.name.clone(), ib.name.clone()),
                    ("domain", ia.domain.clone(), ib.domain.clone()),
                    ("tier", ia.tier.clone(), ib.tier.clone()),
                    ("object", ia.object.clone(), ib.object.clone()),
                    ("content", ia.content.clone(), ib.content.clone()),
                    ("standard", ia.standard.clone(), ib.standard.clone()),
                    ("funding", ia.funding.clone(), ib.funding.clone()),
                    (
                        "funding_split",
                        format!("{:?}", ia.funding_split),
                        format!("{:?}", ib.funding_split),
                    ),
                    ("lead", ia.lead.clone(), ib.lead.clone()),
                    ("unit", format!("{:?}", ia.unit), format!("{:?}", ib.unit)),
                    ("rule", ia.rule_text.clone(), ib.rule_text.clone()),
                    (
                        "amount",
                        ia.amount_text.clone().unwrap_or_default(),
                        ib.amount_text.clone().unwrap_or_default(),
                    ),
                ];
                for (f, x, y) in fields {
                    if x != y {
                        out.push(ch("changed", &ia.id, &ib.name, f, x, y));
                    }
                }
            }
        }
    }
    for ib in &b.items {
        if a.item(&ib.id).is_none() {
            out.push(ch(
                "added",
                &ib.id,
                &ib.name,
                "",
                String::new(),
                ib.standard.clone(),
            ));
        }
    }
    for pa in &a.params {
        let Some(pb) = b.params.iter().find(|p| p.id == pa.id) else {
            out.push(ch(
                "param-removed",
                &pa.id,
                &pa.name,
                "",
                String::new(),
                String::new(),
            ));
            continue;
        };
        for va in &pa.values {
            let key = format!("{} from {}", va.region_code, va.from);
            match pb
                .values
                .iter()
                .find(|vb| vb.region == va.region && vb.from_day == va.from_day)
            {
                None => out.push(ch(
                    "value-removed",
                    &pa.id,
                    &pa.name,
                    &key,
                    fmt(va.value),
                    String::new(),
                )),
                Some(vb) if vb.value > va.value => out.push(ch(
                    "raised",
                    &pa.id,
                    &pa.name,
                    &key,
                    fmt(va.value),
                    fmt(vb.value),
                )),
                Some(vb) if vb.value < va.value => out.push(ch(
                    "lowered",
                    &pa.id,
                    &pa.name,
                    &key,
                    fmt(va.value),
                    fmt(vb.value),
                )),
                Some(_) => {}
            }
        }
        for vb in &pb.values {
            if !pa
                .values
                .iter()
                .any(|va| va.region == vb.region && va.from_day == vb.from_day)
            {
                // A new value from a later date for the same region raises or lowers the standard from then on.
                let earlier = pa
                    .values
                    .iter()
                    .filter(|va| va.region == vb.region && va.from_day < vb.from_day)
                    .max_by_key(|va| va.from_day);
                let key = format!("{} from {}", vb.region_code, vb.from);
                let kind = match earlier {
                    Some(e) if vb.value > e.value => "raised",
                    Some(e) if vb.value < e.value => "lowered",
                    _ => "value-added",
                };
                out.push(ch(
                    kind,
                    &pb.id,
                    &pb.name,
                    &key,
                    earlier.map(|e| fmt(e.value)).unwrap_or_default(),
                    fmt(vb.value),
                ));
            }
        }
    }
    for pb in &b.params {
        if !a.params.iter().any(|p| p.id == pb.id) {
            out.push(ch(
                "param-added",
                &pb.id,
                &pb.name,
                "",
                String::new(),
                String::new(),
            ));
        }
    }
    out
}

fn fmt(v: f64) -> String {
    crate::expr::num(v)
}
