//! `minsheng catalogue check|show|diff` and `minsheng entitle run|explain|test|synth`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail};
use minsheng_core::diag::Diagnostic;
use minsheng_entitle::blocks::Source;
use minsheng_entitle::catalogue::{self, Catalogue, Context};
use minsheng_entitle::regions::RegionIndex;
use minsheng_entitle::registry::{self, OnError, Registry};
use minsheng_entitle::run::{self, Ids, Recipients};
use minsheng_entitle::{cases, date, explain, shipped, synth};
use serde_json::json;

use crate::Format;
use crate::output::text_table;
use crate::progress::Bar;

fn read(path: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))
}

fn print_diags(diags: &[Diagnostic]) {
    let mut err = std::io::stderr().lock();
    for d in diags.iter().take(200) {
        let _ = writeln!(err, "{d}");
    }
    if diags.len() > 200 {
        let _ = writeln!(err, "… and {} more problem(s)", diags.len() - 200);
    }
}

/// A catalogue by shipped id or TOML path (its `extends` resolved among the shipped catalogues and the files
/// `<id>.toml` beside it). Diagnostics are printed; `None` when it does not load.
pub fn load_catalogue(spec: &str, regions: &RegionIndex) -> anyhow::Result<Option<Catalogue>> {
    let (file, text) = match shipped::text(spec) {
        Some(ft) => ft,
        None => {
            if !Path::new(spec).exists() {
                bail!(
                    "{spec:?} is neither a shipped catalogue ({}) nor a file",
                    shipped::CATALOGUES
                        .iter()
                        .map(|c| c.0)
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            (spec.to_string(), read(spec)?)
        }
    };
    let dir = Path::new(&file)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let resolve = move |id: &str| -> Option<(String, String)> {
        shipped::text(id).or_else(|| {
            let p = dir.join(format!("{id}.toml"));
            std::fs::read_to_string(&p)
                .ok()
                .map(|t| (p.to_string_lossy().into_owned(), t))
        })
    };
    let ctx = Context {
        regions,
        resolve: &resolve,
        seed: &shipped::seed,
    };
    let (cat, diags) = catalogue::load(&file, &text, &ctx);
    print_diags(&diags);
    Ok(cat)
}

pub fn check(out: &mut dyn Write, specs: &[String]) -> anyhow::Result<ExitCode> {
    let regions = RegionIndex::shipped();
    let specs: Vec<String> = if specs.is_empty() {
        shipped::CATALOGUES
            .iter()
            .map(|c| c.0.to_string())
            .collect()
    } else {
        specs.to_vec()
    };
    let mut bad = 0;
    for s in &specs {
        match load_catalogue(s, &regions)? {
            Some(c) => {
                let quotes: usize = c.items.iter().map(|i| i.sources.len()).sum::<usize>()
                    + c.params.iter().map(|p| p.sources.len()).sum::<usize>();
                let per_region = c.params.iter().filter(|p| p.set_per_region).count();
                writeln!(
                    out,
                    "{s}: {} items, {} parameters ({per_region} set per region), {quotes} seed quotes checked, 0 errors",
                    c.items.len(),
                    c.params.len()
                )?;
            }
            None => {
                bad += 1;
                writeln!(out, "{s}: does not load (problems above)")?;
            }
        }
    }
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn show(out: &mut dyn Write, spec: &str, format: Format) -> anyhow::Result<ExitCode> {
    let regions = RegionIndex::shipped();
    let Some(c) = load_catalogue(spec, &regions)? else {
        return Ok(ExitCode::from(1));
    };
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &c)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record([
                "id",
                "name",
                "name_en",
                "domain",
                "category",
                "tier",
                "object",
                "content",
                "standard",
                "funding",
                "lead",
                "unit",
                "rule",
                "amount",
                "defined_in",
                "sources",
            ])?;
            for i in &c.items {
                let src: Vec<String> = i
                    .sources
                    .iter()
                    .map(|s| format!("{}:{}", s.seed, s.line))
                    .collect();
                w.write_record([
                    i.id.as_str(),
                    &i.name,
                    &i.name_en,
                    &i.domain,
                    &i.category,
                    &i.tier,
                    &i.object,
                    &i.content,
                    &i.standard,
                    &i.funding,
                    &i.lead,
                    if i.unit == catalogue::Unit::Household {
                        "household"
                    } else {
                        "person"
                    },
                    &i.rule_text,
                    i.amount_text.as_deref().unwrap_or(""),
                    &i.defined_in,
                    &src.join(" "),
                ])?;
            }
            w.flush()?;
        }
        Format::Table => {
            writeln!(
                out,
                "{} — {} ({}), region {}, version {}, effective {}",
                c.id, c.name, c.name_en, c.region_code, c.version, c.effective
            )?;
            if c.lineage.len() > 1 {
                writeln!(out, "cascade: {}", c.lineage.join(" ← "))?;
            }
            let rows: Vec<Vec<String>> = c
                .items
                .iter()
                .map(|i| {
                    vec![
                        i.id.clone(),
                        i.name.clone(),
                        i.domain.clone(),
                        i.object.clone(),
                        i.lead.clone(),
                        i.rule_text.clone(),
                    ]
                })
                .collect();
            text_table(
                out,
                &[
                    "项目 item",
                    "名称 name",
                    "领域 domain",
                    "服务对象 who",
                    "牵头单位 lead",
                    "规则 rule",
                ],
                &rows,
                60,
            )?;
            writeln!(out)?;
            let rows: Vec<Vec<String>> = c
                .params
                .iter()
                .map(|p| {
                    let v = if p.set_per_region && p.values.is_empty() {
                        "各地确定 set per region".to_string()
                    } else {
                        p.values
                            .iter()
                            .map(|v| {
                                format!(
                                    "{} {} ({} from {})",
                                    minsheng_entitle::expr::num(v.value),
                                    p.unit,
                                    v.region_code,
                                    v.from
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("; ")
                    };
                    vec![p.id.clone(), p.name.clone(), v]
                })
                .collect();
            text_table(
                out,
                &["参数 parameter", "名称 name", "取值 values"],
                &rows,
                80,
            )?;
            for w in &c.withdrawn {
                writeln!(out, "withdrawn {} by {}: {}", w.item, w.by, w.reason)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn diff(out: &mut dyn Write, a: &str, b: &str, format: Format) -> anyhow::Result<ExitCode> {
    let regions = RegionIndex::shipped();
    let (Some(ca), Some(cb)) = (load_catalogue(a, &regions)?, load_catalogue(b, &regions)?) else {
        return Ok(ExitCode::from(1));
    };
    let changes = catalogue::diff(&ca, &cb);
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &changes)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record(["kind", "id", "name", "field", "before", "after"])?;
            for c in &changes {
                w.write_record([&c.kind, &c.id, &c.name, &c.field, &c.before, &c.after])?;
            }
            w.flush()?;
        }
        Format::Table => {
            writeln!(
                out,
                "{} ({}) → {} ({}): {} change(s)",
                ca.id,
                ca.version,
                cb.id,
                cb.version,
                changes.len()
            )?;
            let rows: Vec<Vec<String>> = changes
                .iter()
                .map(|c| {
                    let kind = match c.kind.as_str() {
                        "added" => "新增 added",
                        "removed" => "删除 removed",
                        "withdrawn" => "撤销 withdrawn",
                        "changed" => "修改 changed",
                        "raised" => "提高 raised",
                        "lowered" => "降低 lowered",
                        k => k,
                    };
                    vec![
                        kind.to_string(),
                        c.id.clone(),
                        c.name.clone(),
                        c.field.clone(),
                        c.before.clone(),
                        c.after.clone(),
                    ]
                })
                .collect();
            text_table(
                out,
                &[
                    "变化 change",
                    "id",
                    "名称 name",
                    "字段 field",
                    "原 before",
                    "现 after",
                ],
                &rows,
                50,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The arguments of `entitle run`.
pub struct RunArgs<'a> {
    pub catalogue: &'a str,
    pub registry: &'a str,
    pub recipients: Option<&'a str>,
    pub params: Option<&'a str>,
    pub date: &'a str,
    pub out: &'a str,
    pub on_error: OnError,
    pub reveal_ids: bool,
    pub lists: run::Lists,
    pub format: Format,
}

/// The persons file of a registry argument (a directory holding `persons.csv`, or the file itself).
fn persons_path(registry: &str) -> PathBuf {
    let p = Path::new(registry);
    if p.is_dir() {
        let csv = p.join("persons.csv");
        let parquet = p.join("persons.parquet");
        if !csv.exists() && parquet.exists() {
            parquet
        } else {
            csv
        }
    } else {
        p.to_path_buf()
    }
}

/// A file beside the persons file (`recipients.csv`, `parameters.csv`) when the registry is a directory.
fn beside(registry: &str, name: &str) -> Option<PathBuf> {
    let p = Path::new(registry);
    let f = p.join(name);
    (p.is_dir() && f.exists()).then_some(f)
}

struct Loaded {
    catalogue: Catalogue,
    registry: Registry,
    regions: RegionIndex,
    recipients: Recipients,
    at: i32,
    /// Seconds spent reading the persons file and the recipients file.
    read_s: (f64, f64),
}

/// What `run` and `explain` read.
pub struct Inputs<'a> {
    pub catalogue: &'a str,
    pub registry: &'a str,
    pub recipients: Option<&'a str>,
    pub params: Option<&'a str>,
    pub date: &'a str,
}

fn load_all(
    i: &Inputs<'_>,
    on_error: OnError,
    quarantine_dir: Option<&Path>,
    bar: &Bar,
) -> anyhow::Result<Result<Loaded, ExitCode>> {
    let (catalogue, registry, recipients, params, date_s) =
        (i.catalogue, i.registry, i.recipients, i.params, i.date);
    let Some(at) = date::parse(date_s) else {
        bail!("--date {date_s:?} is not a date YYYY-MM-DD");
    };
    let regions = RegionIndex::shipped();
    let Some(mut cat) = load_catalogue(catalogue, &regions)? else {
        return Ok(Err(ExitCode::from(1)));
    };
    let params_file = params
        .map(PathBuf::from)
        .or_else(|| beside(registry, "parameters.csv"));
    if let Some(pf) = &params_file {
        let name = pf.to_string_lossy().into_owned();
        if let Err(d) = run::read_params(&name, &read(&name)?, &mut cat, &regions) {
            print_diags(&d);
            eprintln!("{} problem(s) in {name}; nothing was computed", d.len());
            return Ok(Err(ExitCode::from(1)));
        }
    }
    bar.update("read registry", 0, 3);
    let t0 = Instant::now();
    let path = persons_path(registry);
    let name = path.to_string_lossy().into_owned();
    let loaded = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
    {
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read {name}"))?;
        minsheng_entitle::parquet_in::read_persons_parquet(&name, bytes, &regions, on_error)
    } else {
        registry::read_persons_from(&name, Source::File(&path), &regions, on_error)
    };
    if !loaded.problems.is_empty() {
        print_diags(&loaded.problems);
        match on_error {
            OnError::Refuse => {
                let rows = loaded.problems.iter().any(|d| d.line > 0);
                eprintln!(
                    "{} problem(s) in {name}; nothing was computed{}",
                    loaded.problems.len(),
                    if rows {
                        " (use --on-error quarantine to set the bad rows aside)"
                    } else {
                        ""
                    }
                );
                return Ok(Err(ExitCode::from(1)));
            }
            OnError::Quarantine => {
                let dir = quarantine_dir.unwrap_or(Path::new("."));
                std::fs::create_dir_all(dir)?;
                let q = dir.join("quarantine.csv");
                let mut w = csv::Writer::from_path(&q)?;
                w.write_record(["line", "reasons", "row"])?;
                for b in &loaded.quarantined {
                    w.write_record([b.line.to_string(), b.reasons.join("; "), b.text.clone()])?;
                }
                w.flush()?;
                eprintln!(
                    "{} row(s) with problems set aside in {} ({} problem(s)); {} persons kept",
                    loaded.quarantined.len(),
                    q.display(),
                    loaded.problems.len(),
                    loaded.registry.persons.len()
                );
            }
        }
    }
    let reg = loaded.registry;
    let t_persons = t0.elapsed().as_secs_f64();
    bar.update("read recipients", 1, 3);
    let rec_file = recipients
        .map(PathBuf::from)
        .or_else(|| beside(registry, "recipients.csv"));
    let recipients = match rec_file {
        Some(rf) => {
            let name = rf.to_string_lossy().into_owned();
            match run::read_recipients_from(&name, Source::File(&rf), &cat, &reg) {
                Ok(r) => r,
                Err(d) => {
                    print_diags(&d);
                    eprintln!("{} problem(s) in {name}; nothing was computed", d.len());
                    return Ok(Err(ExitCode::from(1)));
                }
            }
        }
        None => Recipients {
            by_item: vec![Vec::new(); cat.items.len()],
            rows: 0,
        },
    };
    Ok(Ok(Loaded {
        catalogue: cat,
        registry: reg,
        regions,
        recipients,
        at,
        read_s: (t_persons, t0.elapsed().as_secs_f64() - t_persons),
    }))
}

pub fn run_cmd(out: &mut dyn Write, a: &RunArgs<'_>) -> anyhow::Result<ExitCode> {
    let t0 = Instant::now();
    let bar = Bar::new("应保尽保 entitle");
    let outdir = Path::new(a.out);
    let inputs = Inputs {
        catalogue: a.catalogue,
        registry: a.registry,
        recipients: a.recipients,
        params: a.params,
        date: a.date,
    };
    let l = match load_all(&inputs, a.on_error, Some(outdir), &bar)? {
        Ok(l) => l,
        Err(code) => {
            bar.finish();
            return Ok(code);
        }
    };
    let t_read = t0.elapsed();
    let outcome = run::run(
        &l.catalogue,
        &l.registry,
        &l.regions,
        &l.recipients,
        l.at,
        &|k, n| bar.update("rules", k, n),
    );
    let t_eval = t0.elapsed() - t_read;
    bar.update("write", 0, 1);
    let t_write = Instant::now();
    let ids = if a.reveal_ids {
        Ids::Revealed
    } else {
        Ids::Masked
    };
    let written = run::write(
        outdir,
        &l.catalogue,
        &l.registry,
        &l.regions,
        &outcome,
        ids,
        a.lists,
    )
    .with_context(|| format!("cannot write into {}", outdir.display()))?;
    let t_write = t_write.elapsed();
    bar.finish();
    let province = l.catalogue.region_code.clone();
    let rows: Vec<Vec<String>> = l
        .catalogue
        .items
        .iter()
        .zip(&outcome.items)
        .map(|(item, o)| {
            let cov = outcome
                .coverage
                .iter()
                .find(|c| c.item == item.id && c.region == province)
                .and_then(|c| c.coverage_pct);
            vec![
                item.id.clone(),
                item.name.clone(),
                o.entitled.len().to_string(),
                (o.entitled.len() - o.missed.len()).to_string(),
                o.missed.len().to_string(),
                o.wrong.len().to_string(),
                o.undetermined.len().to_string(),
                cov.map_or_else(|| "—".into(), |c| format!("{c:.2}%")),
            ]
        })
        .collect();
    match a.format {
        Format::Json => {
            let items: Vec<serde_json::Value> = l
                .catalogue
                .items
                .iter()
                .zip(&outcome.items)
                .map(|(item, o)| {
                    json!({
                        "item": item.id, "name": item.name, "unit": item.unit,
                        "entitled": o.entitled.len(), "served": o.entitled.len() - o.missed.len(),
                        "missed": o.missed.len(), "wrong": o.wrong.len(), "undetermined": o.undetermined.len(),
                        "receiving": o.receiving.len(),
                    })
                })
                .collect();
            let v = json!({
                "catalogue": l.catalogue.id, "date": date::format(l.at), "persons": l.registry.persons.len(),
                "households": l.registry.households.len(), "recipient_rows": l.recipients.rows,
                "items": items, "coverage": outcome.coverage,
                "files": written.iter().map(|p| p.to_string_lossy().into_owned()).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)?;
        }
        _ => {
            writeln!(
                out,
                "{} persons in {} households, catalogue {} ({} items), on {}; read persons {:.2} s, recipients {:.2} s, rules {:.2} s, write {:.2} s, total {:.2} s",
                l.registry.persons.len(),
                l.registry.households.len(),
                l.catalogue.id,
                l.catalogue.items.len(),
                date::format(l.at),
                l.read_s.0,
                l.read_s.1,
                t_eval.as_secs_f64(),
                t_write.as_secs_f64(),
                t0.elapsed().as_secs_f64()
            )?;
            text_table(
                out,
                &[
                    "项目 item",
                    "名称 name",
                    "应享 entitled",
                    "已享 served",
                    "漏保 missed",
                    "错保 wrong",
                    "无法判定 undetermined",
                    "覆盖率 coverage",
                ],
                &rows,
                40,
            )?;
            writeln!(
                out,
                "citizen ids {} in the files",
                if a.reveal_ids { "REVEALED" } else { "masked" }
            )?;
            for p in &written {
                writeln!(out, "wrote {}", p.display())?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn explain_cmd(
    out: &mut dyn Write,
    inputs: &Inputs<'_>,
    person: &str,
    item: Option<&str>,
    reveal: bool,
) -> anyhow::Result<ExitCode> {
    let bar = Bar::new("explain");
    let l = match load_all(inputs, OnError::Refuse, None, &bar)? {
        Ok(l) => l,
        Err(code) => {
            bar.finish();
            return Ok(code);
        }
    };
    bar.finish();
    let Some(p) = l.registry.find(person) else {
        bail!("person {person:?} is not in the registry");
    };
    if let Some(i) = item
        && l.catalogue.item(i).is_none()
    {
        bail!("item {i:?} is not in catalogue {}", l.catalogue.id);
    }
    let (text, _) = explain::explain(&l.catalogue, &l.registry, &l.regions, l.at, p, item, reveal);
    out.write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

pub fn test_cmd(
    out: &mut dyn Write,
    files: &[String],
    catalogue: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let regions = RegionIndex::shipped();
    let mut cache: Vec<(String, Catalogue)> = Vec::new();
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut files: Vec<String> = files.to_vec();
    // A directory stands for the .yaml files below it.
    let mut i = 0;
    while i < files.len() {
        let p = PathBuf::from(&files[i]);
        if p.is_dir() {
            files.remove(i);
            let mut found = Vec::new();
            collect_yaml(&p, &mut found);
            found.sort();
            for f in found.into_iter().rev() {
                files.insert(i, f.to_string_lossy().into_owned());
            }
        } else {
            i += 1;
        }
    }
    for f in &files {
        let cases = match cases::parse(&read(f)?) {
            Ok(c) => c,
            Err(e) => {
                writeln!(out, "FAIL {f}: {e}")?;
                failed += 1;
                continue;
            }
        };
        // Default catalogue: --catalogue, else the directory name when it is a shipped id, else the default.
        let dir_id = Path::new(f)
            .parent()
            .and_then(|d| d.file_name())
            .map(|d| d.to_string_lossy().into_owned())
            .filter(|d| shipped::text(d).is_some());
        for case in &cases {
            let spec = case
                .catalogue
                .clone()
                .or_else(|| catalogue.map(str::to_string))
                .or_else(|| dir_id.clone())
                .unwrap_or_else(|| shipped::DEFAULT.to_string());
            if !cache.iter().any(|(s, _)| *s == spec) {
                match load_catalogue(&spec, &regions)? {
                    Some(c) => cache.push((spec.clone(), c)),
                    None => {
                        writeln!(
                            out,
                            "FAIL {f}: {}: catalogue {spec} does not load",
                            case.name
                        )?;
                        failed += 1;
                        continue;
                    }
                }
            }
            let Some((_, cat)) = cache.iter().find(|(s, _)| *s == spec) else {
                continue;
            };
            let r = cases::run_case(case, cat, &regions);
            if r.failures.is_empty() {
                passed += 1;
            } else {
                failed += 1;
                writeln!(out, "FAIL {f}: {}", r.name)?;
                for m in &r.failures {
                    writeln!(out, "    {m}")?;
                }
            }
        }
    }
    writeln!(
        out,
        "{} file(s), {passed} case(s) passed, {failed} failed",
        files.len()
    )?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_yaml(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

pub fn synth_cmd(
    out: &mut dyn Write,
    catalogue: &str,
    people: usize,
    seed: u64,
    date_s: &str,
    dir: &str,
) -> anyhow::Result<ExitCode> {
    let Some(at) = date::parse(date_s) else {
        bail!("--date {date_s:?} is not a date YYYY-MM-DD");
    };
    let regions = RegionIndex::shipped();
    let Some(cat) = load_catalogue(catalogue, &regions)? else {
        return Ok(ExitCode::from(1));
    };
    let bar = Bar::new("SYNTHETIC synth");
    bar.update("persons", 0, 3);
    let opts = synth::Options { people, seed, at };
    let (reg, values) = synth::generate(&opts, &cat, &regions);
    bar.update("recipients", 1, 3);
    let mut with_values = cat.clone();
    for (id, v) in &values {
        if let Some(k) = with_values.param_index(id) {
            with_values.params[k].values.push(v.clone());
        }
    }
    let rec = synth::recipients(&with_values, &reg, &regions, at, seed);
    bar.update("write", 2, 3);
    let written = synth::write(Path::new(dir), &reg, &regions, &values, &rec, &opts, &cat)
        .with_context(|| format!("cannot write into {dir}"))?;
    bar.finish();
    writeln!(
        out,
        "SYNTHETIC registry: {} persons in {} households, {} recipient rows, {} parameter values",
        reg.persons.len(),
        reg.households.len(),
        rec.len(),
        values.len()
    )?;
    for p in written {
        writeln!(out, "wrote {}", p.display())?;
    }
    Ok(ExitCode::SUCCESS)
}
