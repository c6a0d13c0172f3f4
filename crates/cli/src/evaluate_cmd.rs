//! `minsheng evaluate` — a plan judged against an observations file at a year.

use std::io::Write;
use std::process::ExitCode;

use anyhow::anyhow;
use minsheng_core::plan::Plan;
use minsheng_core::region::RegionTable;
use minsheng_core::shipped;
use minsheng_monitor::evaluate::{Kind, Options, References, evaluate};
use minsheng_monitor::progress::Thresholds;
use serde_json::json;

use crate::Format;
use crate::data;
use crate::output::text_table;
use crate::plan_cmd::{find_plan, regions};

pub struct Args<'a> {
    pub plan: &'a str,
    pub data: &'a [String],
    pub year: i32,
    pub kind: Option<&'a str>,
    pub region: Option<&'a str>,
    pub format: Format,
}

/// The options of an evaluation from `--year`, `--kind` (default: final in or after the target year, else
/// annual) and `--region` (checked against the region table), with the shipped reference figures.
///
/// # Errors
/// An unknown kind or region.
pub fn options(
    plan: &Plan,
    regions: &RegionTable,
    year: i32,
    kind: Option<&str>,
    region: Option<&str>,
) -> anyhow::Result<(Options, References)> {
    let kind = match kind {
        Some(k) => {
            Kind::parse(k).ok_or_else(|| anyhow!("kind '{k}' must be annual, midterm or final"))?
        }
        None if year >= plan.target_year => Kind::Final,
        None => Kind::Annual,
    };
    let region = match region {
        Some(r) => Some(regions.lookup(r).map_err(|e| anyhow!(e))?.code),
        None => None,
    };
    let references = References::from_csv(shipped::REFERENCE_NATIONAL)
        .map_err(|e| anyhow!("the shipped reference table is malformed: {e:?}"))?;
    let options = Options {
        year,
        kind,
        region,
        thresholds: Thresholds::default(),
    };
    Ok((options, references))
}

pub fn run(out: &mut dyn Write, a: &Args<'_>) -> anyhow::Result<ExitCode> {
    let regions = regions()?;
    let plan = find_plan(a.plan, &regions)?;
    let mut err = std::io::stderr().lock();
    let Some(loaded) = data::load(&mut err, a.data, &plan, &regions)? else {
        return Ok(ExitCode::from(1));
    };
    let obs = &loaded.observations;
    let (options, references) = options(&plan, &regions, a.year, a.kind, a.region)?;
    let kind = options.kind;
    let records = evaluate(&plan, obs, &references, &options);
    match a.format {
        Format::Json => {
            let recs: Vec<serde_json::Value> = records
                .iter()
                .map(|r| {
                    json!({
                        "code": r.code,
                        "name": r.name,
                        "series": r.series,
                        "attribute": r.attribute.as_str(),
                        "status": r.status().as_str(),
                        "time_share": r.judgement.time_share,
                        "completion": r.judgement.completion,
                        "value": r.value,
                        "target": r.target_raw,
                        "target_value": r.judgement.target_value,
                        "reference": r.reference.map(|(y, v)| json!({"year": y, "value": v})),
                        "projected": r.projected,
                        "projected_cagr": r.projected_cagr,
                        "sdg_status": r.sdg.map(|x| x.0.as_str()),
                        "sdg_score": r.sdg.and_then(|x| x.1),
                        "will_miss": r.will_miss,
                        "warning": r.warning().map(|w| w.as_str()),
                        "reason": r.judgement.reason_zh,
                        "reason_en": r.judgement.reason_en,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &recs)?;
            writeln!(out)?;
        }
        _ => {
            if loaded.synthetic {
                writeln!(out, "{}", data::SYNTHETIC_NOTE)?;
            }
            if loaded.computed > 0 {
                writeln!(
                    out,
                    "{} values computed by roll-up from child regions (Σ elements, ratios, weighted means)",
                    loaded.computed
                )?;
            }
            writeln!(
                out,
                "{} — {} {} ({}), {}",
                plan.name,
                kind.zh(),
                a.year,
                kind.as_str(),
                plan.id
            )?;
            let rows: Vec<Vec<String>> = records
                .iter()
                .map(|r| {
                    vec![
                        match &r.series {
                            Some(s) => format!("{}/{s}", r.code),
                            None => r.code.clone(),
                        },
                        r.name.clone(),
                        r.attribute.as_str().into(),
                        r.target_raw.clone(),
                        r.value.map(|v| format!("{v}")).unwrap_or_default(),
                        r.judgement
                            .completion
                            .map(|c| format!("{:.0}%", c * 100.0))
                            .unwrap_or_default(),
                        format!("{} {}", r.status().zh(), r.status().as_str()),
                        r.warning()
                            .map(|w| w.as_str().to_string())
                            .unwrap_or_default(),
                        r.judgement.reason_zh.clone(),
                    ]
                })
                .collect();
            text_table(
                out,
                &[
                    "code",
                    "指标 indicator",
                    "属性",
                    "目标 target",
                    "实际 value",
                    "完成度",
                    "状态 status",
                    "预警",
                    "原因 reason",
                ],
                &rows,
                30,
            )?;
            let count = |s: &str| records.iter().filter(|r| r.status().as_str() == s).count();
            writeln!(
                out,
                "{} records: {} achieved, {} on track, {} lagging, {} seriously lagging, {} regressing, {} not assessable; {} red, {} yellow",
                records.len(),
                count("achieved"),
                count("on_track"),
                count("lagging"),
                count("seriously_lagging"),
                count("regressing"),
                count("not_assessable"),
                records
                    .iter()
                    .filter(|r| r.warning().map(|w| w.as_str()) == Some("red"))
                    .count(),
                records
                    .iter()
                    .filter(|r| r.warning().map(|w| w.as_str()) == Some("yellow"))
                    .count(),
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
