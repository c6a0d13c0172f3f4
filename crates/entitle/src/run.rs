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
use rustc_hash::{FxHashMap, FxHashSet};

use crate::catalogue::{Catalogue, Item, Unit};
use crate::citizen;
use crate::date;
use crate::expr::{Checked, Ctx, Kind, Node, Program, Val, params_of};
use crate::regions::RegionIndex;
use crate::registry::Registry;

/// An error at a place of a file.
fn error(
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

/// Who receives which item today (`recipients.csv`: `item,person_id`, optionally `since`).
#[derive(Debug, Clone, Default)]
pub struct Recipients {
    /// Per item of the catalogue (same order), the persons listed.
    pub by_item: Vec<Vec<u32>>,
    pub rows: usize,
}

/// Reads a recipients file against a registry and a catalogue. Unknown items and persons are errors with line
/// and column; a person listed twice for one item is an error.
pub fn read_recipients(
    file: &str,
    text: &str,
    catalogue: &Catalogue,
    registry: &Registry,
) -> Result<Recipients, Vec<Diagnostic>> {
    let mut out = Recipients {
        by_item: vec![Vec::new(); catalogue.items.len()],
        rows: 0,
    };
    let mut problems = Vec::new();
    let diag = |line, column, code, message| error(file, line, column, code, message);
    let (mut rdr, header) = open_csv(file, text)?;
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
    let index: FxHashMap<&str, usize> = catalogue
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.id.as_str(), i))
        .collect();
    let mut seen: FxHashSet<(usize, u32)> = FxHashSet::default();
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
        let (Some(item), Some(pid)) = (rec.get(ic), rec.get(pc)) else {
            problems.push(diag(
                line,
                0,
                "row-width",
                format!("{} cells, the header has {}", rec.len(), header.len()),
            ));
            continue;
        };
        let (item, pid) = (item.trim(), pid.trim());
        let Some(&i) = index.get(item) else {
            problems.push(diag(
                line,
                ic + 1,
                "unknown-item",
                format!("item {item:?} is not in catalogue {}", catalogue.id),
            ));
            continue;
        };
        let Some(p) = registry.find(pid) else {
            problems.push(diag(
                line,
                pc + 1,
                "unknown-person",
                format!("person_id {pid:?} is not in the registry"),
            ));
            continue;
        };
        if !seen.insert((i, p as u32)) {
            problems.push(diag(
                line,
                pc + 1,
                "duplicate-recipient",
                format!("person {pid:?} is listed twice for item {item:?}"),
            ));
            continue;
        }
        out.by_item[i].push(p as u32);
        out.rows += 1;
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
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
    pub missing_params: Vec<String>,
    /// Per unit of `entitled`, the amount (元/月) when the item has one.
    pub amounts: Vec<f64>,
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
}

/// The unit index (person or household) of each person for an item.
fn unit_of(item: &Item, reg: &Registry, p: u32) -> u32 {
    match item.unit {
        Unit::Person => p,
        Unit::Household => reg.persons.household[p as usize],
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

/// Evaluates every item for every person at a date.
pub fn run(
    catalogue: &Catalogue,
    reg: &Registry,
    regions: &RegionIndex,
    recipients: &Recipients,
    at: i32,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Outcome {
    let params = catalogue.resolve_params(at, regions);
    let ctx = Ctx::new(reg, regions, at, catalogue.region, params);
    let n_items = catalogue.items.len();
    let mut items = Vec::with_capacity(n_items);
    for (k, item) in catalogue.items.iter().enumerate() {
        progress(k, n_items);
        items.push(evaluate_item(
            &ctx,
            item,
            recipients.by_item.get(k).map_or(&[][..], Vec::as_slice),
        ));
    }
    progress(n_items, n_items);
    let coverage = coverage(catalogue, reg, regions, &items);
    Outcome {
        at,
        items,
        coverage,
    }
}

fn evaluate_item(ctx: &Ctx<'_>, item: &Item, listed: &[u32]) -> ItemOutcome {
    let reg = ctx.reg;
    let n = reg.persons.len();
    let entitled_person = Program::new(ctx, &item.rule).bools();
    // Undetermined: a parameter the rule (or amount) reads has no value for the person's region.
    let mut used = params_of(&item.rule.root);
    if let Some(a) = &item.amount {
        used.extend(params_of(&a.root));
    }
    used.sort_unstable();
    used.dedup();
    let missing_region: Vec<bool> = (0..ctx.regions.len())
        .map(|r| used.iter().any(|&p| ctx.params[p][r].is_none()))
        .collect();
    let undetermined_person: Vec<bool> = reg
        .persons
        .residence_region
        .par_iter()
        .map(|&r| missing_region[r as usize])
        .collect();
    let missing_params: Vec<String> = used
        .iter()
        .filter(|&&p| {
            reg.persons
                .residence_region
                .iter()
                .any(|&r| ctx.params[p][r as usize].is_none())
        })
        .map(|&p| p.to_string())
        .collect();
    // Units: a household is entitled when a member is, undetermined when a member is.
    let n_units = match item.unit {
        Unit::Person => n,
        Unit::Household => reg.households.len(),
    };
    let mut entitled = vec![false; n_units];
    let mut undetermined = vec![false; n_units];
    for p in 0..n {
        let u = unit_of(item, reg, p as u32) as usize;
        if undetermined_person[p] {
            undetermined[u] = true;
        } else if entitled_person[p] {
            entitled[u] = true;
        }
    }
    for u in 0..n_units {
        if undetermined[u] {
            entitled[u] = false;
        }
    }
    let mut receiving = vec![false; n_units];
    for &p in listed {
        receiving[unit_of(item, reg, p) as usize] = true;
    }
    let idx = |v: &[bool]| -> Vec<u32> {
        v.iter()
            .enumerate()
            .filter(|(_, b)| **b)
            .map(|(i, _)| i as u32)
            .collect()
    };
    let missed: Vec<bool> = (0..n_units).map(|u| entitled[u] && !receiving[u]).collect();
    let wrong: Vec<bool> = (0..n_units)
        .map(|u| receiving[u] && !entitled[u] && !undetermined[u])
        .collect();
    let entitled_units = idx(&entitled);
    let amounts = match &item.amount {
        Some(a) => {
            let per_person = Program::new(ctx, a).numbers();
            let first = first_person_of(item, reg, &entitled_units);
            first.iter().map(|&p| per_person[p as usize]).collect()
        }
        None => Vec::new(),
    };
    ItemOutcome {
        entitled: entitled_units,
        receiving: idx(&receiving),
        missed: idx(&missed),
        wrong: idx(&wrong),
        undetermined: idx(&undetermined),
        missing_params,
        amounts,
    }
}

/// The person that stands for each unit (itself, or the household's first entitled member).
fn first_person_of(item: &Item, reg: &Registry, units: &[u32]) -> Vec<u32> {
    match item.unit {
        Unit::Person => units.to_vec(),
        Unit::Household => units
            .iter()
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

fn coverage(
    catalogue: &Catalogue,
    reg: &Registry,
    regions: &RegionIndex,
    items: &[ItemOutcome],
) -> Vec<Coverage> {
    let mut out = Vec::new();
    for (item, o) in catalogue.items.iter().zip(items) {
        // [entitled, served, missed, wrong, undetermined] per region, the unit's region and all above.
        let mut acc: FxHashMap<u32, [u64; 5]> = FxHashMap::default();
        let receiving: FxHashSet<u32> = o.receiving.iter().copied().collect();
        let mut add = |u: u32, k: usize| {
            for r in regions.chain(unit_region(item, reg, u)) {
                acc.entry(r).or_default()[k] += 1;
            }
        };
        for &u in &o.entitled {
            add(u, 0);
            if receiving.contains(&u) {
                add(u, 1);
            }
        }
        for &u in &o.missed {
            add(u, 2);
        }
        for &u in &o.wrong {
            add(u, 3);
        }
        for &u in &o.undetermined {
            add(u, 4);
        }
        let mut rows: Vec<(u32, [u64; 5])> = acc.into_iter().collect();
        rows.sort_by_key(|(r, _)| regions.code(*r));
        for (r, c) in rows {
            out.push(Coverage {
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
            });
        }
    }
    out
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
        let receiving: FxHashSet<u32> = o.receiving.iter().copied().collect();
        let mut per: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
        // Every region where the registry has units of this item counts, entitled or not.
        for u in 0..match item.unit {
            Unit::Person => reg.persons.len(),
            Unit::Household => reg.households.len(),
        } as u32
        {
            per.entry(regions.code(unit_region(item, reg, u)))
                .or_default();
        }
        for &u in &o.entitled {
            let e = per
                .entry(regions.code(unit_region(item, reg, u)))
                .or_default();
            e.0 += 1;
            if receiving.contains(&u) {
                e.1 += 1;
            }
        }
        let src = format!(
            "minsheng entitle run: catalogue {} item {} on {}",
            catalogue.id,
            item.id,
            date::format(outcome.at)
        );
        for (region, (e, served)) in per {
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

fn cid(reg: &Registry, p: u32, ids: Ids) -> String {
    let c = &reg.persons.citizen[p as usize];
    match ids {
        Ids::Masked => citizen::mask(c),
        Ids::Revealed => String::from_utf8_lossy(c).into_owned(),
    }
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
fn failing(ctx: &Ctx<'_>, item: &Item, persons: &[u32]) -> Vec<String> {
    let parts: Vec<Checked> = conjuncts(&item.rule.root)
        .into_iter()
        .map(|n| Checked {
            root: n.clone(),
            slots: item.rule.slots,
        })
        .collect();
    let programs: Vec<Program<'_, '_>> = parts.iter().map(|c| Program::new(ctx, c)).collect();
    persons
        .iter()
        .map(|&p| {
            parts
                .iter()
                .zip(&programs)
                .filter(|(_, prog)| matches!(prog.trace(p as usize).0, Val::Bool(ref v) if v.first() == Some(&false)))
                .map(|(c, _)| item.rule_text.get(c.root.span.start..c.root.span.end).unwrap_or("").to_string())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes the run's files into `dir`: `entitled.csv`, `missed.csv` (漏保), `wrong.csv` (错保), `undetermined.csv`,
/// `coverage.csv`, `observations.csv`. Returns the paths written.
pub fn write(
    dir: &std::path::Path,
    catalogue: &Catalogue,
    reg: &Registry,
    regions: &RegionIndex,
    outcome: &Outcome,
    ids: Ids,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let params = catalogue.resolve_params(outcome.at, regions);
    let ctx = Ctx::new(reg, regions, outcome.at, catalogue.region, params);
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
    let row = |item: &Item, u: u32| -> String {
        let p = person_of(item, u);
        let unit = match item.unit {
            Unit::Person => "person",
            Unit::Household => "household",
        };
        format!(
            "{},{},{unit},{},{},{},{}",
            item.id,
            csv_field(&item.name),
            csv_field(reg.persons.id.get(p as usize)),
            cid(reg, p, ids),
            csv_field(
                reg.households
                    .id
                    .get(reg.persons.household[p as usize] as usize)
            ),
            regions.code(unit_region(item, reg, u))
        )
    };
    let mut open = |name: &str| -> std::io::Result<std::io::BufWriter<std::fs::File>> {
        let path = dir.join(name);
        written.push(path.clone());
        Ok(std::io::BufWriter::new(std::fs::File::create(path)?))
    };
    let mut f = open("entitled.csv")?;
    writeln!(f, "{head},amount")?;
    for (item, o) in catalogue.items.iter().zip(&outcome.items) {
        for (k, &u) in o.entitled.iter().enumerate() {
            let amount = o
                .amounts
                .get(k)
                .map_or_else(String::new, |&a| crate::expr::num(a));
            writeln!(f, "{},{amount}", row(item, u))?;
        }
    }
    f.flush()?;
    let mut f = open("missed.csv")?;
    writeln!(f, "{head}")?;
    for (item, o) in catalogue.items.iter().zip(&outcome.items) {
        for &u in &o.missed {
            writeln!(f, "{}", row(item, u))?;
        }
    }
    f.flush()?;
    let mut f = open("wrong.csv")?;
    writeln!(f, "{head},failed_conditions")?;
    for (item, o) in catalogue.items.iter().zip(&outcome.items) {
        let persons: Vec<u32> = o.wrong.iter().map(|&u| person_of(item, u)).collect();
        let why = failing(&ctx, item, &persons);
        for (&u, w) in o.wrong.iter().zip(why) {
            writeln!(f, "{},{}", row(item, u), csv_field(&w))?;
        }
    }
    f.flush()?;
    let mut f = open("undetermined.csv")?;
    writeln!(f, "{head},parameters_without_value")?;
    for (item, o) in catalogue.items.iter().zip(&outcome.items) {
        let names: Vec<&str> = o
            .missing_params
            .iter()
            .filter_map(|k| k.parse::<usize>().ok())
            .filter_map(|k| catalogue.params.get(k).map(|p| p.id.as_str()))
            .collect();
        for &u in &o.undetermined {
            writeln!(f, "{},{}", row(item, u), names.join(";"))?;
        }
    }
    f.flush()?;
    let mut f = open("coverage.csv")?;
    writeln!(
        f,
        "item,region,region_name,level,entitled,served,missed,wrong,undetermined,coverage_pct"
    )?;
    for c in &outcome.coverage {
        writeln!(
            f,
            "{},{},{},{},{},{},{},{},{},{}",
            c.item,
            c.region,
            csv_field(&c.region_name),
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
    let mut f = open("observations.csv")?;
    f.write_all(observations(catalogue, reg, regions, outcome).as_bytes())?;
    f.flush()?;
    Ok(written)
}
