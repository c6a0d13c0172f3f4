//! 精准匹配 — a registry against a catalogue on a date: who is entitled to each item, who receives it, the gaps
//! (漏保: entitled, not receiving; 错保: receiving, not entitled), the undetermined (a parameter has no value for
//! their region), and coverage per region.
//!
//! Coverage of an item in a region = served / entitled × 100, where served = entitled and receiving. Regions are
//! the residence regions of the units and every region above them (sums, never averages of rates). Items linked
//! to a plan indicator also give its two data elements per residence region, which `minsheng evaluate` rolls up.

use std::io::Write;

use minsheng_core::diag::{Diagnostic, Severity};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::blocks::{BLOCK, Blocks, Input, Source};
use crate::catalogue::{Catalogue, Item, Unit};
use crate::date;
use crate::expr::{Ctx, Kind, Node, Program, Val, params_of};
use crate::regions::RegionIndex;
use crate::registry::{Part, Record, Registry, for_each_record, split_chunks};

/// An error at a place of a file.
pub(crate) fn error(
    file: &str,
    line: usize,
    column: usize,
    code: &'static str,
    message: String,
) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        file: file.to_string(),
        line,
        column,
        code,
        message,
    }
}

/// A CSV reader and the header names it has read.
type Headed<'t> = (csv::Reader<&'t [u8]>, Vec<String>);

/// A CSV reader past its header (byte-order mark dropped, names trimmed).
fn open_csv<'t>(file: &str, text: &'t str) -> Result<Headed<'t>, Vec<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    match rdr.headers() {
        Ok(h) => {
            let header = h.iter().map(|s| s.trim().to_string()).collect();
            Ok((rdr, header))
        }
        Err(e) => Err(vec![error(
            file,
            1,
            0,
            "malformed-csv",
            format!("cannot read the header: {e}"),
        )]),
    }
}

/// Listings read from a part of a recipients file: the persons per item, and the problems found.
type Listed = (Vec<Vec<u32>>, Vec<Diagnostic>);

/// Who receives which item today (`recipients.csv`: `item,person_id`, optionally `since`).
#[derive(Debug, Clone, Default)]
pub struct Recipients {
    /// Per item of the catalogue (same order), the persons listed.
    pub by_item: Vec<Vec<u32>>,
    pub rows: usize,
}

/// Reads a recipients file against a registry and a catalogue. Unknown items and persons are errors with line
/// and column; a person listed twice for one item is an error (at the later line, naming the earlier one). A file
/// without double quotes is parsed in parallel chunks; one with quotes by the `csv` crate.
pub fn read_recipients(
    file: &str,
    text: &str,
    catalogue: &Catalogue,
    registry: &Registry,
) -> Result<Recipients, Vec<Diagnostic>> {
    read_recipients_bytes(file, text.as_bytes(), catalogue, registry)
}

/// As [`read_recipients`], from the file's bytes.
pub fn read_recipients_bytes(
    file: &str,
    bytes: &[u8],
    catalogue: &Catalogue,
    registry: &Registry,
) -> Result<Recipients, Vec<Diagnostic>> {
    read_recipients_from(file, Source::Bytes(bytes), catalogue, registry)
}

/// As [`read_recipients`], from a file or bytes read in blocks of whole lines (checked to be UTF-8 part by part;
/// once a block holds a double quote, the rest is read whole and parsed by the `csv` crate).
pub fn read_recipients_from(
    file: &str,
    src: Source<'_>,
    catalogue: &Catalogue,
    registry: &Registry,
) -> Result<Recipients, Vec<Diagnostic>> {
    let diag = |line, column, code, message| error(file, line, column, code, message);
    let io_error = |e: std::io::Error| vec![diag(0, 0, "io", format!("cannot read the file: {e}"))];
    let mut laps = crate::timings::Laps::new("read_recipients");
    let mut blocks = Blocks::new(Input::open(src).map_err(io_error)?, BLOCK);
    let header_bytes = blocks.header().map_err(io_error)?;
    let Ok(header_text) = std::str::from_utf8(&header_bytes) else {
        return Err(vec![diag(
            1,
            0,
            "not-utf8",
            "the header is not UTF-8 text".into(),
        )]);
    };
    let (_, header) = open_csv(file, header_text)?;
    let (Some(ic), Some(pc)) = (
        header.iter().position(|h| h == "item"),
        header.iter().position(|h| h == "person_id"),
    ) else {
        return Err(vec![diag(
            1,
            0,
            "missing-column",
            format!(
                "a recipients file needs the columns item, person_id; the header has: {}",
                header.join(", ")
            ),
        )]);
    };
    let index: FxHashMap<&str, u32> = catalogue
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.id.as_str(), i as u32))
        .collect();
    let n_items = catalogue.items.len();
    let width_problem = |line: usize, cells: usize| {
        diag(
            line,
            0,
            "row-width",
            format!("{cells} cells, the header has {}", header.len()),
        )
    };
    let ctx = ListCtx {
        catalogue,
        registry,
        index: &index,
        file,
        item_col: ic + 1,
        person_col: pc + 1,
    };
    // One reader per part: the persons listed per item, in file order.
    let read_part = |part: &Part<'_>, quoted: bool| -> Listed {
        let mut l = Listing::new(n_items);
        for_each_record(part, header.len(), quoted, |line, found| {
            let line = line as usize;
            match found {
                Record::Cells(cells) => match (cells.get(ic), cells.get(pc)) {
                    (Some(item), Some(pid)) => l.check(line, item, pid, &ctx),
                    _ => l.problems.push(width_problem(line, cells.len())),
                },
                Record::NotUtf8 => {
                    l.problems
                        .push(diag(line, 0, "not-utf8", crate::registry::NOT_UTF8.into()))
                }
                Record::Malformed(m) => l.problems.push(diag(line, 0, "malformed-csv", m)),
            }
        });
        (l.by_item, l.problems)
    };
    let mut by_item: Vec<Vec<u32>> = vec![Vec::new(); n_items];
    let mut problems = Vec::new();
    let mut lines = 0;
    loop {
        blocks.lines_were(lines);
        let Some((first, block)) = blocks.next().map_err(io_error)? else {
            break;
        };
        let parts: Vec<Listed> = if memchr::memchr(b'"', block).is_some() {
            let (_, rest) = blocks.rest().map_err(io_error)?;
            let whole = Part {
                first_line: first,
                lines: 0,
                text: rest,
            };
            vec![read_part(&whole, true)]
        } else {
            let parts = split_chunks(block, first);
            lines = parts.iter().map(|p| p.lines).sum();
            parts
                .par_iter()
                .map(|part| read_part(part, false))
                .collect()
        };
        let mut lists = Vec::with_capacity(parts.len());
        for (l, p) in parts {
            lists.push(l);
            problems.extend(p);
        }
        by_item.par_iter_mut().enumerate().for_each(|(i, all)| {
            for l in &lists {
                if let Some(l) = l.get(i) {
                    all.extend_from_slice(l);
                }
            }
        });
    }
    drop(blocks);
    laps.lap("parse");
    // Per item, persons listed twice are found by sorting (a list already in ascending order, as exports
    // usually are, is checked in one pass).
    let twice: Vec<Vec<u32>> = by_item
        .par_iter_mut()
        .map(|v| {
            if !v.windows(2).all(|w| w[0] < w[1]) {
                v.par_sort_unstable();
            }
            let mut twice: Vec<u32> = v
                .windows(2)
                .filter(|w| w[0] == w[1])
                .map(|w| w[0])
                .collect();
            twice.dedup();
            v.dedup();
            twice
        })
        .collect();
    let rows = by_item.iter().map(Vec::len).sum::<usize>();
    let twice: Vec<(u32, u32)> = twice
        .iter()
        .enumerate()
        .flat_map(|(i, t)| t.iter().map(move |&p| (i as u32, p)))
        .collect();
    if !twice.is_empty() {
        problems.extend(duplicates(src, &twice, &ctx, ic, pc).map_err(io_error)?);
    }
    laps.lap("group");
    if problems.is_empty() {
        Ok(Recipients { by_item, rows })
    } else {
        problems.sort_by_key(|d| (d.line, d.column));
        Err(problems)
    }
}

/// What a listing check reads.
struct ListCtx<'a> {
    catalogue: &'a Catalogue,
    registry: &'a Registry,
    index: &'a FxHashMap<&'a str, u32>,
    file: &'a str,
    item_col: usize,
    person_col: usize,
}

/// The persons listed per item in one part of a recipients file.
struct Listing {
    by_item: Vec<Vec<u32>>,
    problems: Vec<Diagnostic>,
    /// The item and person of the previous row (rows of one item are usually together, persons ascending).
    last: Option<(u32, u32)>,
    /// Where the next person look-up starts ([`Registry::find_from`]).
    cursor: usize,
}

impl Listing {
    fn new(n_items: usize) -> Listing {
        Listing {
            by_item: vec![Vec::new(); n_items],
            problems: Vec::new(),
            last: None,
            cursor: 0,
        }
    }

    /// The item and person of a row, or the problem with the row.
    fn resolve(
        &self,
        line: usize,
        item: &str,
        pid: &str,
        c: &ListCtx<'_>,
    ) -> Result<(u32, u32, usize), Diagnostic> {
        let (item, pid) = (
            crate::registry::trimmed(item),
            crate::registry::trimmed(pid),
        );
        let same = self.last.map(|l| l.0).filter(|&l| {
            c.catalogue
                .items
                .get(l as usize)
                .is_some_and(|it| it.id == item)
        });
        let Some(i) = same.or_else(|| c.index.get(item).copied()) else {
            return Err(error(
                c.file,
                line,
                c.item_col,
                "unknown-item",
                format!("item {item:?} is not in catalogue {}", c.catalogue.id),
            ));
        };
        let Some((p, cursor)) = c.registry.find_from(pid, self.cursor) else {
            return Err(error(
                c.file,
                line,
                c.person_col,
                "unknown-person",
                format!("person_id {pid:?} is not in the registry"),
            ));
        };
        Ok((i, p as u32, cursor))
    }

    fn check(&mut self, line: usize, item: &str, pid: &str, c: &ListCtx<'_>) {
        match self.resolve(line, item, pid, c) {
            Ok((i, p, cursor)) => {
                if let Some(v) = self.by_item.get_mut(i as usize) {
                    v.push(p);
                }
                self.last = Some((i, p));
                self.cursor = cursor;
            }
            Err(d) => self.problems.push(d),
        }
    }
}

/// The problems of persons listed twice for an item: each later listing, naming the first one's line (a second
/// pass over the file, only when there are such persons).
fn duplicates(
    src: Source<'_>,
    twice: &[(u32, u32)],
    ctx: &ListCtx<'_>,
    ic: usize,
    pc: usize,
) -> std::io::Result<Vec<Diagnostic>> {
    let wanted: rustc_hash::FxHashSet<(u32, u32)> = twice.iter().copied().collect();
    let mut first: FxHashMap<(u32, u32), usize> = FxHashMap::default();
    let mut out = Vec::new();
    let mut all = Vec::new();
    std::io::Read::read_to_end(&mut src.open()?, &mut all)?;
    let text = String::from_utf8_lossy(&all);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rec = csv::StringRecord::new();
    let mut l = Listing::new(0);
    loop {
        let line = rdr.position().line() as usize;
        let Ok(true) = rdr.read_record(&mut rec) else {
            break;
        };
        let line = line.max(2);
        let (Some(item), Some(pid)) = (rec.get(ic), rec.get(pc)) else {
            continue;
        };
        let Ok((i, p, cursor)) = l.resolve(line, item, pid, ctx) else {
            continue;
        };
        let key = (i, p);
        l.last = Some(key);
        l.cursor = cursor;
        if !wanted.contains(&key) {
            continue;
        }
        match first.get(&key) {
            None => {
                first.insert(key, line);
            }
            Some(&at) => out.push(error(
                ctx.file,
                line,
                pc + 1,
                "duplicate-recipient",
                format!(
                    "person {:?} is listed twice for item {:?} (also on line {at})",
                    ctx.registry.persons.id.get(key.1 as usize),
                    ctx.catalogue
                        .items
                        .get(key.0 as usize)
                        .map_or("", |it| it.id.as_str())
                ),
            )),
        }
    }
    Ok(out)
}

/// Reads a parameters file (`param,region,from,value`, optional `source`) into the catalogue's parameters.
pub fn read_params(
    file: &str,
    text: &str,
    catalogue: &mut Catalogue,
    regions: &RegionIndex,
) -> Result<usize, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let diag = |line, column, code, message| error(file, line, column, code, message);
    let (mut rdr, header) = open_csv(file, text)?;
    let col = |n: &str| header.iter().position(|h| h == n);
    let (Some(pc), Some(rc), Some(fc), Some(vc)) =
        (col("param"), col("region"), col("from"), col("value"))
    else {
        return Err(vec![diag(
            1,
            0,
            "missing-column",
            format!(
                "a parameters file needs param, region, from, value; the header has: {}",
                header.join(", ")
            ),
        )]);
    };
    let sc = col("source");
    let mut added = Vec::new();
    for (k, rec) in rdr.records().enumerate() {
        let line = k + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(diag(
                    line,
                    0,
                    "malformed-csv",
                    format!("malformed CSV: {e}"),
                ));
                continue;
            }
        };
        let get = |i: usize| rec.get(i).map_or("", str::trim);
        let Some(p) = catalogue.param_index(get(pc)) else {
            problems.push(diag(
                line,
                pc + 1,
                "unknown-param",
                format!(
                    "parameter {:?} is not declared by catalogue {}",
                    get(pc),
                    catalogue.id
                ),
            ));
            continue;
        };
        let Some(region) = regions.index_of(get(rc)) else {
            problems.push(diag(
                line,
                rc + 1,
                "unknown-region",
                format!("region {:?} is not a known code", get(rc)),
            ));
            continue;
        };
        let Some(from) = date::parse(get(fc)) else {
            problems.push(diag(
                line,
                fc + 1,
                "bad-date",
                format!("from {:?} is not a date YYYY-MM-DD", get(fc)),
            ));
            continue;
        };
        let value = match get(vc).parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                problems.push(diag(
                    line,
                    vc + 1,
                    "bad-value",
                    format!("value {:?} is not a number", get(vc)),
                ));
                continue;
            }
        };
        let source = sc
            .map(|c| get(c).to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("{file}:{line}"));
        added.push((p, region, from, value, source));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let n = added.len();
    for (p, region, from, value, source) in added {
        let values = &mut catalogue.params[p].values;
        values.retain(|v| !(v.region == region && v.from_day == from));
        values.push(crate::catalogue::ParamValue {
            region,
            region_code: regions.code(region),
            from: date::format(from),
            from_day: from,
            value,
            source,
        });
    }
    Ok(n)
}

/// The outcome for one item.
#[derive(Debug, Clone, Default)]
pub struct ItemOutcome {
    /// Units (persons, or households for household items) entitled.
    pub entitled: Vec<u32>,
    /// Units receiving the item.
    pub receiving: Vec<u32>,
    /// Entitled, not receiving (漏保).
    pub missed: Vec<u32>,
    /// Receiving, not entitled (错保).
    pub wrong: Vec<u32>,
    /// Units that cannot be decided, with the parameters that have no value for them.
    pub undetermined: Vec<u32>,
    /// The parameters (indices into the catalogue's) the rule reads that have no value in some region where
    /// persons of the registry live.
    pub missing_params: Vec<usize>,
    /// Per unit of `entitled`, the amount (元/月) when the item has one.
    pub amounts: Vec<f64>,
    /// Per unit of `wrong`, the conditions of the rule that fail (`; `-separated).
    pub wrong_reasons: Vec<String>,
}

/// Coverage of one item in one region.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Coverage {
    pub item: String,
    pub region: String,
    pub region_name: String,
    pub level: String,
    pub entitled: u64,
    pub served: u64,
    pub missed: u64,
    pub wrong: u64,
    pub undetermined: u64,
    /// served / entitled × 100 (`None` when nobody is entitled).
    pub coverage_pct: Option<f64>,
}

/// A run's results.
pub struct Outcome {
    pub at: i32,
    pub items: Vec<ItemOutcome>,
    pub coverage: Vec<Coverage>,
    /// The residence region of each household (its first member's), computed once for the run, the
    /// observations and the files.
    hh_region: Vec<u32>,
}

impl Outcome {
    /// The residence region of a unit of an item.
    fn region_of(&self, reg: &Registry, item: &Item, u: u32) -> u32 {
        match item.unit {
            Unit::Person => reg.persons.residence_region[u as usize],
            Unit::Household => self.hh_region[u as usize],
        }
    }
}

/// The residence region of a unit (a household's is its first member's).
pub fn unit_region(item: &Item, reg: &Registry, u: u32) -> u32 {
    match item.unit {
        Unit::Person => reg.persons.residence_region[u as usize],
        Unit::Household => {
            let m = reg.households.members(u as usize);
            m.first()
                .map_or(0, |&p| reg.persons.residence_region[p as usize])
        }
    }
}

/// The residence region of every household (its first member's), computed once per run.
fn household_regions(reg: &Registry) -> Vec<u32> {
    (0..reg.households.len())
        .into_par_iter()
        .map(|h| {
            reg.households
                .members(h)
                .first()
                .map_or(0, |&p| reg.persons.residence_region[p as usize])
        })
        .collect()
}

/// What a run computes once and every item reads.
struct Shared<'c, 'a> {
    ctx: &'c Ctx<'a>,
    /// Residence region of each household.
    hh_region: Vec<u32>,
    /// Regions where at least one person of the registry lives.
    present: Vec<bool>,
}

impl Shared<'_, '_> {
    fn region_of(&self, item: &Item, u: u32) -> u32 {
        match item.unit {
            Unit::Person => self.ctx.reg.persons.residence_region[u as usize],
            Unit::Household => self.hh_region[u as usize],
        }
    }

    fn units(&self, item: &Item) -> usize {
        match item.unit {
            Unit::Person => self.ctx.reg.persons.len(),
            Unit::Household => self.ctx.reg.households.len(),
        }
    }
}

/// Evaluates every item for every person at a date.
pub fn run(
    catalogue: &Catalogue,
    reg: &Registry,
    regions: &RegionIndex,
    recipients: &Recipients,
    at: i32,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Outcome {
    let mut laps = crate::timings::Laps::new("run");
    let params = catalogue.resolve_params(at, regions);
    let ctx = Ctx::new(reg, regions, at, catalogue.region, params);
    laps.lap("ctx");
    let mut present = vec![false; regions.len()];
    for &r in &reg.persons.residence_region {
        if let Some(x) = present.get_mut(r as usize) {
            *x = true;
        }
    }
    let shared = Shared {
        ctx: &ctx,
        hh_region: household_regions(reg),
        present,
    };
    let n_items = catalogue.items.len();
    // Items side by side (each also parallel inside): one item's sequential steps leave a core to another's.
    let done = std::sync::atomic::AtomicUsize::new(0);
    progress(0, n_items);
    let items: Vec<ItemOutcome> = catalogue
        .items
        .par_iter()
        .enumerate()
        .with_max_len(1)
        .map(|(k, item)| {
            let mut item_laps = crate::timings::Laps::new("item");
            let o = evaluate_item(
                &shared,
                item,
                recipients.by_item.get(k).map_or(&[][..], Vec::as_slice),
            );
            item_laps.lap(&item.id);
            let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(d, n_items);
            o
        })
        .collect();
    progress(n_items, n_items);
    laps.lap("items");
    let coverage = coverage(catalogue, &shared, &items);
    laps.lap("coverage");
    Outcome {
        at,
        items,
        coverage,
        hh_region: shared.hh_region,
    }
}

/// Per person: whether the rule cannot be decided because a parameter it reads has no value for the person's
/// residence region at the date (`None`: nobody).
///
/// Three-valued (Kleene) logic at the top level of the rule: a rule `a and b and c` is false for a person as soon
/// as one condition that reads no missing parameter is false, whatever the missing parameter would say; it is
/// undetermined only when every such condition holds and some condition reads a parameter without value for the
/// person's region. Inside one condition a missing parameter makes the whole condition unknown.
fn undetermined_persons(
    sh: &Shared<'_, '_>,
    prog: &Program<'_, '_>,
    item: &Item,
    used: &[usize],
) -> Option<Vec<bool>> {
    let ctx = sh.ctx;
    let p = &ctx.reg.persons;
    let missing = |params: &[usize]| -> Vec<bool> {
        (0..ctx.regions.len())
            .map(|r| params.iter().any(|&k| ctx.params[k][r].is_none()))
            .collect()
    };
    let missing_any = missing(used);
    if !missing_any
        .iter()
        .zip(&sh.present)
        .any(|(m, present)| *m && *present)
    {
        return None;
    }
    let mut undetermined: Vec<bool> = p
        .residence_region
        .par_iter()
        .map(|&r| missing_any[r as usize])
        .collect();
    for c in conjuncts(&item.rule.root) {
        let miss = missing(&params_of(c));
        let value = prog.part(c).bools();
        undetermined
            .par_iter_mut()
            .zip(value.par_iter().zip(p.residence_region.par_iter()))
            .for_each(|(u, (&v, &r))| {
                if !v && !miss[r as usize] {
                    *u = false;
                }
            });
    }
    Some(undetermined)
}

fn evaluate_item(sh: &Shared<'_, '_>, item: &Item, listed: &[u32]) -> ItemOutcome {
    let ctx = sh.ctx;
    let reg = ctx.reg;
    let prog = Program::new(ctx, &item.rule);
    let entitled_person = prog.bools();
    // Only the rule's parameters decide; an amount whose parameter has no value is left empty.
    let used = params_of(&item.rule.root);
    let undetermined_person = undetermined_persons(sh, &prog, item, &used);
    let missing_params: Vec<usize> = used
        .into_iter()
        .filter(|&k| {
            ctx.params[k]
                .iter()
                .zip(&sh.present)
                .any(|(v, present)| v.is_none() && *present)
        })
        .collect();
    let mut receiving = vec![false; sh.units(item)];
    for &p in listed {
        let u = match item.unit {
            Unit::Person => p,
            Unit::Household => reg.persons.household[p as usize],
        };
        if let Some(r) = receiving.get_mut(u as usize) {
            *r = true;
        }
    }
    // A unit is entitled when it (or, for a household, any member) is entitled for certain; otherwise it is
    // undetermined when it (or any member) is undetermined. One parallel pass gives the five lists.
    let undetermined_of = |p: usize| undetermined_person.as_ref().is_some_and(|u| u[p]);
    let decide = |u: usize| -> (bool, bool) {
        match item.unit {
            Unit::Person => {
                let und = undetermined_of(u);
                (entitled_person[u] && !und, und)
            }
            Unit::Household => {
                let m = reg.households.members(u);
                let e = m
                    .iter()
                    .any(|&p| entitled_person[p as usize] && !undetermined_of(p as usize));
                (e, !e && m.iter().any(|&p| undetermined_of(p as usize)))
            }
        }
    };
    const STEP: usize = 1 << 16;
    let parts: Vec<[Vec<u32>; 5]> = receiving
        .par_chunks(STEP)
        .enumerate()
        .map(|(c, chunk)| {
            let mut out: [Vec<u32>; 5] = Default::default();
            for (i, &rec) in chunk.iter().enumerate() {
                let u = c * STEP + i;
                let (e, und) = decide(u);
                let u32_ = u as u32;
                if e {
                    out[0].push(u32_);
                    if !rec {
                        out[2].push(u32_);
                    }
                } else if rec && !und {
                    out[3].push(u32_);
                }
                if rec {
                    out[1].push(u32_);
                }
                if und {
                    out[4].push(u32_);
                }
            }
            out
        })
        .collect();
    let gather = |k: usize| -> Vec<u32> {
        let mut v = Vec::with_capacity(parts.iter().map(|p| p[k].len()).sum());
        for p in &parts {
            v.extend_from_slice(&p[k]);
        }
        v
    };
    let (entitled_units, receiving, missed, wrong, undetermined) =
        (gather(0), gather(1), gather(2), gather(3), gather(4));
    drop(parts);

    let amounts = match &item.amount {
        Some(a) => {
            let first = first_person_of(item, reg, &entitled_units);
            Program::new(ctx, a).numbers_for(&first)
        }
        None => Vec::new(),
    };
    let wrong_reasons = failing(&prog, item, &first_person_of(item, reg, &wrong));
    ItemOutcome {
        entitled: entitled_units,
        receiving,
        missed,
        wrong,
        undetermined,
        missing_params,
        amounts,
        wrong_reasons,
    }
}

/// The person that stands for each unit (itself, or the household's first member).
fn first_person_of(item: &Item, reg: &Registry, units: &[u32]) -> Vec<u32> {
    match item.unit {
        Unit::Person => units.to_vec(),
        Unit::Household => units
            .par_iter()
            .map(|&h| {
                reg.households
                    .members(h as usize)
                    .first()
                    .copied()
                    .unwrap_or(0)
            })
            .collect(),
    }
}

/// The values two ascending lists share.
fn common(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Sums per region index: each unit counts in its residence region, then every region's counts are added to all
/// regions above it.
fn per_region<const K: usize>(
    regions: &RegionIndex,
    lists: [&[u32]; K],
    region_of: impl Fn(u32) -> u32 + Sync,
) -> Vec<[u64; K]> {
    let mut acc = vec![[0u64; K]; regions.len()];
    for (k, list) in lists.iter().enumerate() {
        for &u in *list {
            if let Some(a) = acc.get_mut(region_of(u) as usize) {
                a[k] += 1;
            }
        }
    }
    let own = acc.clone();
    for (r, c) in own.iter().enumerate() {
        if c.iter().all(|&x| x == 0) {
            continue;
        }
        for up in regions.chain(r as u32).skip(1) {
            if let Some(a) = acc.get_mut(up as usize) {
                for k in 0..K {
                    a[k] += c[k];
                }
            }
        }
    }
    acc
}

fn coverage(catalogue: &Catalogue, sh: &Shared<'_, '_>, items: &[ItemOutcome]) -> Vec<Coverage> {
    let regions = sh.ctx.regions;
    let per_item: Vec<Vec<Coverage>> = catalogue
        .items
        .par_iter()
        .zip(items)
        .map(|(item, o)| {
            let served = common(&o.entitled, &o.receiving);
            // [entitled, served, missed, wrong, undetermined] per region, the unit's region and all above.
            let acc = per_region(
                regions,
                [&o.entitled, &served, &o.missed, &o.wrong, &o.undetermined],
                |u| sh.region_of(item, u),
            );
            let mut rows: Vec<(u32, [u64; 5])> = acc
                .into_iter()
                .enumerate()
                .filter(|(_, c)| c.iter().any(|&x| x > 0))
                .map(|(r, c)| (r as u32, c))
                .collect();
            rows.sort_by_key(|(r, _)| regions.code(*r));
            rows.into_iter()
                .map(|(r, c)| Coverage {
                    item: item.id.clone(),
                    region: regions.code(r),
                    region_name: regions.name(r).to_string(),
                    level: regions.level(r).map_or("", |l| l.as_str()).to_string(),
                    entitled: c[0],
                    served: c[1],
                    missed: c[2],
                    wrong: c[3],
                    undetermined: c[4],
                    coverage_pct: (c[0] > 0).then(|| c[1] as f64 / c[0] as f64 * 100.0),
                })
                .collect()
        })
        .collect();
    per_item.concat()
}

/// The observations for the monitoring engine: for each item linked to a plan indicator, its `eligible` and
/// `served` data elements per residence region (the finest level the registry has; the monitor rolls them up).
pub fn observations(
    catalogue: &Catalogue,
    reg: &Registry,
    regions: &RegionIndex,
    outcome: &Outcome,
) -> String {
    let year = date::civil_from_days(outcome.at).0;
    let mut s = String::from("indicator,region,year,value,source\n");
    for (item, o) in catalogue.items.iter().zip(&outcome.items) {
        let Some(link) = &item.indicator else {
            continue;
        };
        let region_of = |u: u32| outcome.region_of(reg, item, u);
        // Every region where the registry has units of this item counts, entitled or not.
        let mut units = vec![false; regions.len()];
        match item.unit {
            Unit::Person => reg.persons.residence_region.iter(),
            Unit::Household => outcome.hh_region.iter(),
        }
        .for_each(|&r| {
            if let Some(x) = units.get_mut(r as usize) {
                *x = true;
            }
        });
        let served = common(&o.entitled, &o.receiving);
        let mut count = vec![(0u64, 0u64); regions.len()];
        for &u in &o.entitled {
            if let Some(c) = count.get_mut(region_of(u) as usize) {
                c.0 += 1;
            }
        }
        for &u in &served {
            if let Some(c) = count.get_mut(region_of(u) as usize) {
                c.1 += 1;
            }
        }
        let src = format!(
            "minsheng entitle run: catalogue {} item {} on {}",
            catalogue.id,
            item.id,
            date::format(outcome.at)
        );
        let mut rows: Vec<(String, (u64, u64))> = (0..regions.len())
            .filter(|&r| units[r])
            .map(|r| (regions.code(r as u32), count[r]))
            .collect();
        rows.sort();
        for (region, (e, served)) in rows {
            s.push_str(&format!("{},{region},{year},{e},{src}\n", link.eligible));
            s.push_str(&format!("{},{region},{year},{served},{src}\n", link.served));
        }
    }
    s
}

/// How citizen ids appear in outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    Masked,
    Revealed,
}

/// The rule's top-level conditions (`a and b and c` → a, b, c).
pub fn conjuncts(n: &Node) -> Vec<&Node> {
    match &n.kind {
        Kind::Bin(crate::expr::parse::BinOp::And, a, b) => {
            let mut v = conjuncts(a);
            v.extend(conjuncts(b));
            v
        }
        _ => vec![n],
    }
}

/// The conditions of an item's rule that fail for each of the given persons (for 错保 lists).
fn failing(prog: &Program<'_, '_>, item: &Item, persons: &[u32]) -> Vec<String> {
    if persons.is_empty() {
        return Vec::new();
    }
    let parts: Vec<&Node> = conjuncts(&item.rule.root);
    let programs: Vec<Program<'_, '_>> = parts.iter().map(|c| prog.part(c)).collect();
    persons
        .par_iter()
        .map(|&p| {
            parts
                .iter()
                .zip(&programs)
                .filter(|(_, prog)| matches!(prog.value_at(p as usize), Val::Bool(ref v) if v.first() == Some(&false)))
                .map(|(c, _)| item.rule_text.get(c.span.start..c.span.end).unwrap_or("").to_string())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect()
}

/// Appends a CSV cell (quoted when it holds a comma, a quote or a line break).
pub(crate) fn push_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// Which person lists [`write`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lists {
    pub entitled: bool,
    pub missed: bool,
    pub wrong: bool,
    pub undetermined: bool,
}

impl Lists {
    pub const ALL: Lists = Lists {
        entitled: true,
        missed: true,
        wrong: true,
        undetermined: true,
    };
}

/// Text buffers handed back by the writing thread, for the next rows (a province's lists are gigabytes: fresh
/// buffers for all of them would cost more than formatting them).
#[derive(Default)]
struct Pool(std::sync::Mutex<Vec<String>>);

impl Pool {
    fn take(&self, capacity: usize) -> String {
        let reused = self.0.lock().ok().and_then(|mut v| v.pop());
        match reused {
            Some(mut s) => {
                s.clear();
                s
            }
            None => String::with_capacity(capacity),
        }
    }

    fn give(&self, s: String) {
        if let Ok(mut v) = self.0.lock()
            && v.len() < 256
        {
            v.push(s);
        }
    }
}

/// Formats rows `range` of item `k`'s list into text blocks: `(k, range, pool)`.
type FormatRows<'a> = dyn Fn(usize, std::ops::Range<usize>, &Pool) -> Vec<String> + Sync + 'a;

/// Writes the rows of every item into `f`: `each(k, range, pool)` formats the rows `range` of item `k`'s list
/// (`len(k)` rows), in groups of 65,536 rows, while a thread of its own writes the groups before and gives their
/// buffers back.
fn write_items(
    f: &mut std::io::BufWriter<std::fs::File>,
    n_items: usize,
    len: &(dyn Fn(usize) -> usize + Sync),
    each: &FormatRows<'_>,
) -> std::io::Result<()> {
    const GROUP: usize = 1 << 16;
    let pool = Pool::default();
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<String>>(2);
        let pool = &pool;
        let writer = scope.spawn(move || -> std::io::Result<()> {
            for blocks in rx {
                for b in blocks {
                    f.write_all(b.as_bytes())?;
                    pool.give(b);
                }
            }
            Ok(())
        });
        'items: for k in 0..n_items {
            let n = len(k);
            let mut start = 0;
            while start < n {
                let end = (start + GROUP).min(n);
                if tx.send(each(k, start..end, pool)).is_err() {
                    break 'items;
                }
                start = end;
            }
        }
        drop(tx);
        writer
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the writing thread stopped")))
    })
}

/// Writes the run's files into `dir`: the person lists asked for (`entitled.csv`, `missed.csv` (漏保), `wrong.csv`
/// (错保), `undetermined.csv`), `coverage.csv` and `observations.csv`. Returns the paths written. Rows are formatted in parallel blocks and
/// written in order.
pub fn write(
    dir: &std::path::Path,
    catalogue: &Catalogue,
    reg: &Registry,
    regions: &RegionIndex,
    outcome: &Outcome,
    ids: Ids,
    lists: Lists,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let params = catalogue.resolve_params(outcome.at, regions);
    let codes: Vec<String> = (0..regions.len() as u32).map(|r| regions.code(r)).collect();
    let mut written = Vec::new();
    let person_of = |item: &Item, u: u32| -> u32 {
        match item.unit {
            Unit::Person => u,
            Unit::Household => reg
                .households
                .members(u as usize)
                .first()
                .copied()
                .unwrap_or(0),
        }
    };
    let head = "item,item_name,unit,person_id,citizen_id,household_id,residence_region";
    // One row without its line end; `extra` is called with the unit's position in its list.
    let row = |out: &mut String, item: &Item, name: &str, u: u32| {
        let p = person_of(item, u) as usize;
        out.push_str(&item.id);
        out.push(',');
        out.push_str(name);
        out.push_str(match item.unit {
            Unit::Person => ",person,",
            Unit::Household => ",household,",
        });
        push_field(out, reg.persons.id.get(p));
        out.push(',');
        let c = &reg.persons.citizen[p];
        match ids {
            Ids::Masked => crate::citizen::push_masked(out, c),
            Ids::Revealed => out.push_str(std::str::from_utf8(c).unwrap_or("")),
        }
        out.push(',');
        push_field(
            out,
            reg.households.id.get(reg.persons.household[p] as usize),
        );
        out.push(',');
        let r = outcome.region_of(reg, item, u);
        out.push_str(codes.get(r as usize).map_or("", String::as_str));
    };
    // Rows of one list (`list` starts at position `offset` of the item's list), formatted in parallel blocks into
    // buffers taken from the pool the writing thread gives back.
    let rows = |item: &Item,
                list: &[u32],
                offset: usize,
                extra: &(dyn Fn(&mut String, usize) + Sync),
                pool: &Pool|
     -> Vec<String> {
        const STEP: usize = 1 << 12;
        let mut name = String::new();
        push_field(&mut name, &item.name);
        list.par_chunks(STEP)
            .enumerate()
            .map(|(c, chunk)| {
                let mut out = pool.take(chunk.len() * 110);
                for (i, &u) in chunk.iter().enumerate() {
                    row(&mut out, item, &name, u);
                    extra(&mut out, offset + c * STEP + i);
                    out.push('\n');
                }
                out
            })
            .collect()
    };
    let mut open = |name: &str| -> std::io::Result<std::io::BufWriter<std::fs::File>> {
        let path = dir.join(name);
        written.push(path.clone());
        Ok(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(path)?,
        ))
    };
    // One list file: per item the units `pick` gives, each row ended by `extra(item, text, position in the
    // item's list)`.
    let list_file = |f: &mut std::io::BufWriter<std::fs::File>,
                     pick: &(dyn Fn(&ItemOutcome) -> &[u32] + Sync),
                     extra: &(dyn Fn(usize, &mut String, usize) + Sync)|
     -> std::io::Result<()> {
        let len = |k: usize| pick(&outcome.items[k]).len();
        write_items(f, catalogue.items.len(), &len, &|k, range, pool| {
            let list = pick(&outcome.items[k]).get(range.clone()).unwrap_or(&[]);
            let extra = |out: &mut String, i: usize| extra(k, out, i);
            rows(&catalogue.items[k], list, range.start, &extra, pool)
        })?;
        f.flush()
    };
    let mut laps = crate::timings::Laps::new("write");
    if lists.entitled {
        let mut f = open("entitled.csv")?;
        writeln!(f, "{head},amount")?;
        list_file(&mut f, &|o| &o.entitled, &|k, out, i| {
            out.push(',');
            if let Some(&a) = outcome.items[k].amounts.get(i).filter(|a| a.is_finite()) {
                out.push_str(&crate::expr::num(a));
            }
        })?;
    }
    laps.lap("entitled");
    if lists.missed {
        let mut f = open("missed.csv")?;
        writeln!(f, "{head}")?;
        list_file(&mut f, &|o| &o.missed, &|_, _, _| {})?;
    }
    laps.lap("missed");
    if lists.wrong {
        let mut f = open("wrong.csv")?;
        writeln!(f, "{head},failed_conditions")?;
        list_file(&mut f, &|o| &o.wrong, &|k, out, i| {
            out.push(',');
            let reasons = &outcome.items[k].wrong_reasons;
            push_field(out, reasons.get(i).map_or("", String::as_str));
        })?;
    }
    laps.lap("wrong");
    if lists.undetermined {
        let mut f = open("undetermined.csv")?;
        writeln!(f, "{head},parameters_without_value")?;
        // Per unit, the parameters without value in its own region.
        list_file(&mut f, &|o| &o.undetermined, &|k, out, i| {
            let (item, o) = (&catalogue.items[k], &outcome.items[k]);
            out.push(',');
            let r = o
                .undetermined
                .get(i)
                .map_or(0, |&u| outcome.region_of(reg, item, u)) as usize;
            let mut first = true;
            for &p in &o.missing_params {
                if params
                    .get(p)
                    .and_then(|v| v.get(r))
                    .is_some_and(Option::is_none)
                {
                    if !first {
                        out.push(';');
                    }
                    first = false;
                    out.push_str(catalogue.params.get(p).map_or("", |x| x.id.as_str()));
                }
            }
        })?;
    }
    laps.lap("undetermined");
    let mut f = open("coverage.csv")?;
    writeln!(
        f,
        "item,region,region_name,level,entitled,served,missed,wrong,undetermined,coverage_pct"
    )?;
    let mut name = String::new();
    for c in &outcome.coverage {
        name.clear();
        push_field(&mut name, &c.region_name);
        writeln!(
            f,
            "{},{},{},{},{},{},{},{},{},{}",
            c.item,
            c.region,
            name,
            c.level,
            c.entitled,
            c.served,
            c.missed,
            c.wrong,
            c.undetermined,
            c.coverage_pct
                .map_or_else(String::new, |p| format!("{p:.4}"))
        )?;
    }
    f.flush()?;
    laps.lap("coverage");
    let mut f = open("observations.csv")?;
    f.write_all(observations(catalogue, reg, regions, outcome).as_bytes())?;
    f.flush()?;
    laps.lap("observations");
    Ok(written)
}
