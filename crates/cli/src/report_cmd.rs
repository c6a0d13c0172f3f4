//! `minsheng report` — the evaluation report of a plan as a self-contained HTML page and, optionally, an XLSX
//! workbook with the same tables.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow};
use minsheng_core::plan::Plan;
use minsheng_core::region::{Level, RegionCode, RegionTable};
use minsheng_monitor::evaluate::evaluate;
use minsheng_monitor::observations::Observation;
use minsheng_monitor::regional::{Panel, Scope, composite, equalize_all};
use minsheng_report::{CompositeSection, EqualizationSection, Input};

use crate::data;
use crate::evaluate_cmd::options;
use crate::plan_cmd::{find_plan, regions};

pub struct Args<'a> {
    pub plan: &'a str,
    /// Observation files (CSV or XLSX), as for `evaluate`.
    pub data: &'a [String],
    pub year: i32,
    pub kind: Option<&'a str>,
    pub region: Option<&'a str>,
    /// The HTML file to write.
    pub out: &'a str,
    /// The XLSX file to write, if any.
    pub xlsx: Option<&'a str>,
}

/// Writes `bytes` to `path` and returns the absolute path written.
fn write_file(path: &str, bytes: &[u8]) -> anyhow::Result<String> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {path}"))?;
    let abs = std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .with_context(|| format!("cannot resolve {path}"))?;
    Ok(abs.display().to_string())
}

/// The data files' names for the report's header (`a.csv, b.xlsx#Sheet1`).
fn data_label(paths: &[String]) -> String {
    paths
        .iter()
        .map(|p| {
            Path::new(p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The equalization sections (every indicator, every series) and the composite index across the finest level of
/// regions under `region` that has data in `year`: counties if any county has a value, else prefectures.
fn regional_sections(
    plan: &Plan,
    observations: &[Observation],
    regions: &RegionTable,
    region: RegionCode,
    year: i32,
) -> (Vec<EqualizationSection>, Option<CompositeSection>) {
    let panel = Panel::new(observations);
    for level in [Level::County, Level::Prefecture] {
        let scope = Scope {
            year,
            level,
            within: region,
        };
        let sections: Vec<EqualizationSection> = equalize_all(plan, &panel, regions, scope)
            .into_iter()
            .flatten()
            .filter(|e| e.stats.n >= 2)
            .map(|e| EqualizationSection {
                code: match &e.series {
                    Some(s) => format!("{}/{s}", e.code),
                    None => e.code.clone(),
                },
                name: match &e.series {
                    Some(s) => format!("{}（{s}）", e.name),
                    None => e.name.clone(),
                },
                unit: e.unit,
                level,
                year,
                stats: e.stats,
                values: e.values,
                target: e.target,
                synthetic: e.synthetic,
            })
            .collect();
        if sections.is_empty() {
            continue;
        }
        let composite = composite(plan, &panel, regions, scope)
            .ok()
            .filter(|c| c.scores.len() >= 2)
            .map(|c| CompositeSection {
                level,
                year,
                weights: c.weights,
                scores: c.scores.iter().map(|s| (s.0, s.1)).collect(),
                stats: c.stats,
                synthetic: c.synthetic,
            });
        return (sections, composite);
    }
    (Vec::new(), None)
}

pub fn run(out: &mut dyn Write, a: &Args<'_>) -> anyhow::Result<ExitCode> {
    let regions = regions()?;
    let plan = find_plan(a.plan, &regions)?;
    let (options, references) = options(&plan, &regions, a.year, a.kind, a.region)?;
    let region = options.region.or(plan.region).ok_or_else(|| {
        anyhow!(
            "plan {} names no region: pass --region CODE for the region judged",
            plan.id
        )
    })?;
    let mut err = std::io::stderr().lock();
    let Some(loaded) = data::load(&mut err, a.data, &plan, &regions)? else {
        return Ok(ExitCode::from(1));
    };
    let records = evaluate(&plan, &loaded.observations, &references, &options);
    let (equalization, composite) =
        regional_sections(&plan, &loaded.observations, &regions, region, a.year);
    let input = Input {
        plan: &plan,
        kind: options.kind,
        year: a.year,
        region,
        records: &records,
        observations: &loaded.observations,
        regions: &regions,
        thresholds: options.thresholds,
        equalization: &equalization,
        composite: composite.as_ref(),
        data_label: data_label(a.data),
        synthetic: loaded.synthetic,
        generated_by: format!("minsheng {}", env!("CARGO_PKG_VERSION")),
    };
    let html = minsheng_report::html(&input);
    let html_path = write_file(a.out, html.as_bytes())?;
    writeln!(out, "wrote {html_path}")?;
    if let Some(path) = a.xlsx {
        let bytes = minsheng_report::xlsx(&input)?;
        let xlsx_path = write_file(path, &bytes)?;
        writeln!(out, "wrote {xlsx_path}")?;
    }
    Ok(ExitCode::SUCCESS)
}
