//! `minsheng plan …`, `minsheng target parse`, `minsheng region …`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use minsheng_core::diag::{Diagnostic, Severity};
use minsheng_core::plan::{self, Context, Indicator, Plan};
use minsheng_core::region::{Level, RegionTable};
use minsheng_core::shipped;
use minsheng_core::target::{self, Cell, Direction, ParseOptions, Value};
use serde_json::{Value as Json, json};

use crate::Format;
use crate::output::{csv_table, text_table};

pub fn regions() -> anyhow::Result<RegionTable> {
    shipped::regions().map_err(|errs| {
        let first = errs.first().map(|e| e.to_string()).unwrap_or_default();
        anyhow!(
            "the shipped region table has {} problems, first: {first}",
            errs.len()
        )
    })
}

/// Loads a plan file from disk: its source document is looked up beside it, then among the shipped seeds.
fn load_file(path: &str, regions: &RegionTable) -> anyhow::Result<(Option<Plan>, Vec<Diagnostic>)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    let dir = Path::new(path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let source = move |name: &str| -> Option<String> {
        std::fs::read_to_string(dir.join(name))
            .ok()
            .or_else(|| shipped::seed(name).map(str::to_string))
    };
    let ctx = Context {
        regions: Some(regions),
        source: &source,
    };
    Ok(plan::load(path, &text, &ctx))
}

fn shipped_plans(regions: &RegionTable) -> anyhow::Result<Vec<Plan>> {
    let mut plans = Vec::new();
    for ((plan, diags), file) in shipped::plans(regions).into_iter().zip(shipped::PLANS) {
        match plan {
            Some(p) => plans.push(p),
            None => {
                let first = diags
                    .iter()
                    .find(|d| d.severity == Severity::Error)
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                bail!("the shipped plan {} does not load: {first}", file.file)
            }
        }
    }
    Ok(plans)
}

pub fn list(out: &mut dyn Write, format: Format) -> anyhow::Result<ExitCode> {
    let regions = regions()?;
    let plans = shipped_plans(&regions)?;
    let header = [
        "id",
        "name",
        "name_en",
        "region",
        "base_year",
        "target_year",
        "table",
        "indicators",
        "binding",
    ];
    let rows: Vec<Vec<String>> = plans
        .iter()
        .map(|p| {
            vec![
                p.id.clone(),
                p.name.clone(),
                p.name_en.clone(),
                p.region.map(|r| r.to_string()).unwrap_or_default(),
                p.base_year.to_string(),
                p.target_year.to_string(),
                match p.table {
                    plan::TableStatus::Surviving => "surviving".into(),
                    plan::TableStatus::Lost => "lost (prose targets)".into(),
                },
                p.indicators.len().to_string(),
                p.indicators
                    .iter()
                    .filter(|i| i.attribute == plan::Attribute::Binding)
                    .count()
                    .to_string(),
            ]
        })
        .collect();
    emit(out, format, &header, &rows, 40)?;
    Ok(ExitCode::SUCCESS)
}

fn emit(
    out: &mut dyn Write,
    format: Format,
    header: &[&str],
    rows: &[Vec<String>],
    max: usize,
) -> anyhow::Result<()> {
    match format {
        Format::Table => text_table(out, header, rows, max)?,
        Format::Csv => csv_table(out, header, rows)?,
        Format::Json => {
            let recs: Vec<Json> = rows
                .iter()
                .map(|r| {
                    Json::Object(
                        header
                            .iter()
                            .zip(r)
                            .map(|(h, v)| (h.to_string(), json!(v)))
                            .collect(),
                    )
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &recs)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

pub fn check(out: &mut dyn Write, files: &[String], format: Format) -> anyhow::Result<ExitCode> {
    let regions = regions()?;
    let mut results = Vec::new();
    if files.is_empty() {
        for ((plan, diags), f) in shipped::plans(&regions).into_iter().zip(shipped::PLANS) {
            results.push((f.file.to_string(), plan, diags));
        }
    } else {
        for f in files {
            match load_file(f, &regions) {
                Ok((plan, diags)) => results.push((f.clone(), plan, diags)),
                Err(e) => results.push((
                    f.clone(),
                    None,
                    vec![Diagnostic {
                        severity: Severity::Error,
                        file: f.clone(),
                        line: 0,
                        column: 0,
                        code: "io",
                        message: format!("{e:#}"),
                    }],
                )),
            }
        }
    }
    let (mut errors, mut warnings) = (0, 0);
    for (file, plan, diags) in &results {
        for d in diags {
            match d.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
            }
            match format {
                Format::Json => writeln!(
                    out,
                    "{}",
                    json!({"file": d.file, "line": d.line, "column": d.column, "severity": d.severity.as_str(), "code": d.code, "message": d.message})
                )?,
                _ => writeln!(out, "{d}")?,
            }
        }
        if format != Format::Json {
            match plan {
                Some(p) => writeln!(
                    out,
                    "{file}: ok — {} ({} indicators)",
                    p.id,
                    p.indicators.len()
                )?,
                None => writeln!(out, "{file}: FAILED")?,
            }
        }
    }
    if format != Format::Json {
        writeln!(
            out,
            "{} files, {errors} errors, {warnings} warnings",
            results.len()
        )?;
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The JSON form of one cell: `{year, raw, kind, comparison, value, …}`.
pub fn cell_json(cell: &Cell, year: i32, direction: Direction) -> Json {
    let value = match cell.value() {
        Value::Quantity(q) => json!(q.value),
        Value::Pair(p) => json!(p.values),
        Value::Qualitative(q) => json!(q.rule().1),
        _ => Json::Null,
    };
    let mut m = json!({
        "year": year,
        "raw": cell.raw(),
        "kind": cell.kind(),
        "comparison": cell.comparison(direction).map(|c| c.symbol()),
        "value": value,
        "reading": cell.to_string(),
    });
    if let (Value::Reference(r), Some(obj)) = (cell.value(), m.as_object_mut()) {
        obj.insert("reference".into(), json!(r.as_str()));
    }
    if let (Some(c), Some(obj)) = (cell.comparison(direction), m.as_object_mut()) {
        obj.insert("achieved_if".into(), json!(c.effective(direction).symbol()));
    }
    m
}

fn indicator_json(p: &Plan, i: &Indicator) -> Json {
    let mut m = json!({
        "code": i.code,
        "seq": i.seq,
        "origin": i.origin.as_str(),
        "name": i.name,
        "name_en": i.name_en,
        "domain": i.domain.as_str(),
        "domain_zh": i.domain.zh(),
        "category": i.category,
        "unit": i.unit,
        "attribute": i.attribute.as_str(),
        "attribute_zh": i.attribute.zh(),
        "cumulative": i.cumulative(),
        "direction": i.direction.as_str(),
        "province_added": i.province_added,
        "baseline": cell_json(&i.baseline, p.base_year, i.direction),
        "target": cell_json(&i.target, p.target_year, i.direction),
        "series": i.series,
        "source_document": p.source_document,
        "source_line": i.source_line,
        "source_end_line": i.source_end_line,
        "note": i.note,
    });
    if let (Some(a), Some(obj)) = (&i.actual, m.as_object_mut()) {
        obj.insert("actual".into(), cell_json(a, p.target_year, i.direction));
    }
    if let (Some(w), Some(obj)) = (i.window, m.as_object_mut()) {
        obj.insert("window".into(), json!(w.as_str()));
    }
    if let (false, Some(obj)) = (i.extra.is_empty(), m.as_object_mut()) {
        obj.insert("extra".into(), json!(i.extra));
    }
    m
}

pub fn find_plan(id_or_path: &str, regions: &RegionTable) -> anyhow::Result<Plan> {
    if Path::new(id_or_path).is_file() {
        let (plan, diags) = load_file(id_or_path, regions)?;
        return plan.ok_or_else(|| {
            let errs: Vec<String> = diags
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| d.to_string())
                .collect();
            anyhow!(
                "{} has {} errors (run `minsheng plan check {id_or_path}`):\n{}",
                id_or_path,
                errs.len(),
                errs.join("\n")
            )
        });
    }
    let plans = shipped_plans(regions)?;
    let ids: Vec<String> = plans.iter().map(|p| p.id.clone()).collect();
    plans
        .into_iter()
        .find(|p| p.id == id_or_path)
        .ok_or_else(|| {
            anyhow!(
                "no plan '{id_or_path}': not a file, and not a shipped plan ({})",
                ids.join(", ")
            )
        })
}

pub fn show(out: &mut dyn Write, id: &str, format: Format) -> anyhow::Result<ExitCode> {
    let regions = regions()?;
    let p = find_plan(id, &regions)?;
    match format {
        Format::Json => {
            let recs: Vec<Json> = p.indicators.iter().map(|i| indicator_json(&p, i)).collect();
            serde_json::to_writer_pretty(&mut *out, &recs)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let header = [
                "code",
                "name",
                "name_en",
                "domain",
                "category",
                "unit",
                "attribute",
                "cumulative",
                "direction",
                "province_added",
                "baseline_year",
                "baseline_raw",
                "baseline_kind",
                "baseline_comparison",
                "baseline_value",
                "target_year",
                "target_raw",
                "target_kind",
                "target_comparison",
                "target_value",
                "actual_raw",
                "actual_kind",
                "actual_value",
                "series",
                "source_line",
                "note",
            ];
            let num = |c: &Cell| -> String {
                match c.value() {
                    Value::Quantity(q) => target::fmt_num(q.value),
                    Value::Pair(p) => format!(
                        "{}/{}",
                        target::fmt_num(p.values[0]),
                        target::fmt_num(p.values[1])
                    ),
                    Value::Qualitative(q) => target::fmt_num(q.rule().1),
                    _ => String::new(),
                }
            };
            let rows: Vec<Vec<String>> = p
                .indicators
                .iter()
                .map(|i| {
                    let cmp = |c: &Cell| {
                        c.comparison(i.direction)
                            .map(|x| x.symbol().to_string())
                            .unwrap_or_default()
                    };
                    vec![
                        i.code.clone(),
                        i.name.clone(),
                        i.name_en.clone(),
                        i.domain.as_str().into(),
                        i.category.clone(),
                        i.unit.clone(),
                        i.attribute.as_str().into(),
                        i.cumulative().to_string(),
                        i.direction.as_str().into(),
                        i.province_added.to_string(),
                        p.base_year.to_string(),
                        i.baseline.raw().into(),
                        i.baseline.kind().into(),
                        cmp(&i.baseline),
                        num(&i.baseline),
                        p.target_year.to_string(),
                        i.target.raw().into(),
                        i.target.kind().into(),
                        cmp(&i.target),
                        num(&i.target),
                        i.actual
                            .as_ref()
                            .map(|a| a.raw().to_string())
                            .unwrap_or_default(),
                        i.actual
                            .as_ref()
                            .map(|a| a.kind().to_string())
                            .unwrap_or_default(),
                        i.actual.as_ref().map(num).unwrap_or_default(),
                        i.series.join("/"),
                        i.source_line.to_string(),
                        i.note.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            csv_table(out, &header, &rows)?;
        }
        Format::Table => {
            writeln!(
                out,
                "{} — {} ({}–{}), {}",
                p.name, p.name_en, p.base_year, p.target_year, p.source_document
            )?;
            for n in &p.notes {
                writeln!(out, "  note: {n}")?;
            }
            writeln!(out)?;
            let has_actual = p.indicators.iter().any(|i| i.actual.is_some());
            let mut header = vec![
                "code",
                "指标 indicator",
                "领域 domain",
                "单位",
                "属性",
                "基期 base",
                "目标 target",
                "reading",
            ];
            if has_actual {
                header.push("实际 actual");
            }
            header.push("line");
            let rows: Vec<Vec<String>> = p
                .indicators
                .iter()
                .map(|i| {
                    let mut r = vec![
                        format!("{}{}", i.code, if i.province_added { " **" } else { "" }),
                        i.name.clone(),
                        i.domain.zh().into(),
                        i.unit.clone(),
                        i.attribute.zh().into(),
                        i.baseline.raw().into(),
                        i.target.raw().into(),
                        i.target.to_string(),
                    ];
                    if has_actual {
                        r.push(
                            i.actual
                                .as_ref()
                                .map(|a| a.raw().to_string())
                                .unwrap_or_default(),
                        );
                    }
                    r.push(i.source_line.to_string());
                    r
                })
                .collect();
            text_table(out, &header, &rows, 34)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn parse_target(
    out: &mut dyn Write,
    text: &str,
    unit: Option<&str>,
) -> anyhow::Result<ExitCode> {
    match target::parse(text, &ParseOptions { unit }) {
        Ok(cell) => {
            let mut j = cell_json(&cell, 0, Direction::Increase);
            if let Some(obj) = j.as_object_mut() {
                obj.remove("year");
                obj.remove("achieved_if");
                if let Value::Quantity(q) = cell.value() {
                    obj.insert("window".into(), json!(q.window.as_str()));
                    obj.insert("unit".into(), json!(q.unit.as_deref().or(unit)));
                    obj.insert("marker".into(), json!(q.marker.map(|m| m.as_str())));
                }
                if let Some(c) = cell.comparison(Direction::Increase) {
                    obj.insert(
                        "achieved_if".into(),
                        json!({
                            "increase": c.effective(Direction::Increase).symbol(),
                            "decrease": c.effective(Direction::Decrease).symbol(),
                        }),
                    );
                }
            }
            serde_json::to_writer_pretty(&mut *out, &j)?;
            writeln!(out)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let mut err = std::io::stderr().lock();
            writeln!(err, "error: {e}")?;
            Ok(ExitCode::from(1))
        }
    }
}

pub fn region_list(
    out: &mut dyn Write,
    parent: Option<&str>,
    level: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let t = regions()?;
    let parent = match parent {
        Some(p) => Some(t.lookup(p).map_err(|e| anyhow!(e))?.code),
        None => None,
    };
    let level = match level {
        Some(l) => Some(
            Level::parse(l)
                .ok_or_else(|| anyhow!("level '{l}' must be province, prefecture or county"))?,
        ),
        None => None,
    };
    let rows: Vec<Vec<String>> = t
        .iter()
        .filter(|r| parent.is_none_or(|p| r.parent == Some(p)))
        .filter(|r| level.is_none_or(|l| r.level == l))
        .map(|r| {
            vec![
                r.code.to_string(),
                r.name.clone(),
                r.level.as_str().into(),
                r.parent.map(|p| p.to_string()).unwrap_or_default(),
                r.point.map(|p| format!("{}", p.0)).unwrap_or_default(),
                r.point.map(|p| format!("{}", p.1)).unwrap_or_default(),
            ]
        })
        .collect();
    emit(
        out,
        format,
        &["code", "name", "level", "parent", "lon", "lat"],
        &rows,
        40,
    )?;
    Ok(ExitCode::SUCCESS)
}

pub fn region_show(out: &mut dyn Write, code: &str) -> anyhow::Result<ExitCode> {
    let t = regions()?;
    let r = t.lookup(code).map_err(|e| anyhow!(e))?;
    let mut chain = vec![r.name.clone()];
    let mut cur = r.parent;
    while let Some(c) = cur {
        match t.get(c) {
            Some(p) => {
                chain.push(p.name.clone());
                cur = p.parent;
            }
            None => break,
        }
    }
    chain.reverse();
    writeln!(
        out,
        "{} {} ({}) — {}",
        r.code,
        r.name,
        r.level.as_str(),
        chain.join(" › ")
    )?;
    if let Some((x, y)) = r.point {
        writeln!(out, "point: {x}, {y} (GCJ-02, see data/regions/SOURCES.md)")?;
    }
    let n = t.children(r.code).count();
    if n > 0 {
        writeln!(out, "{n} direct subdivisions")?;
    }
    Ok(ExitCode::SUCCESS)
}
