//! `minsheng equalize` — one indicator (or the composite index) across the prefectures or counties of a region.

use std::io::Write;
use std::process::ExitCode;

use anyhow::anyhow;
use minsheng_core::region::{Level, RegionTable};
use minsheng_monitor::equalize::Equalization;
use minsheng_monitor::regional::{Panel, Scope, composite, equalize_indicator};
use serde_json::{Value as Json, json};

use crate::Format;
use crate::data;
use crate::output::{csv_table, text_table};
use crate::plan_cmd::{find_plan, regions};

pub struct Args<'a> {
    pub plan: &'a str,
    pub data: &'a [String],
    /// An indicator code, or `composite` for the plan's composite attainment index.
    pub indicator: &'a str,
    pub series: Option<&'a str>,
    pub year: i32,
    pub level: &'a str,
    pub region: Option<&'a str>,
    pub format: Format,
}

fn name(regions: &RegionTable, code: minsheng_core::region::RegionCode) -> String {
    regions
        .get(code)
        .map_or_else(String::new, |r| r.name.clone())
}

fn fmt(v: f64) -> String {
    if v.abs() >= 1000.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.4}")
    }
}

/// The statistics as (key, 中文, English, value) rows.
fn stat_rows(s: &Equalization, regions: &RegionTable) -> Vec<(&'static str, &'static str, String)> {
    let opt = |v: Option<f64>| v.map(fmt).unwrap_or_else(|| "—".into());
    let region = |id: &str| {
        minsheng_core::region::RegionCode::parse(id)
            .ok()
            .map(|c| format!("{id} {}", name(regions, c)))
            .unwrap_or_else(|| id.to_string())
    };
    vec![
        ("n", "单位数 units", s.n.to_string()),
        ("mean", "均值 mean", fmt(s.mean)),
        (
            "weighted_mean",
            "人口加权均值 population-weighted mean",
            fmt(s.weighted_mean),
        ),
        ("sd", "标准差 standard deviation", fmt(s.sd)),
        ("cv", "差异系数 coefficient of variation", fmt(s.cv)),
        (
            "weighted_cv",
            "加权差异系数 weighted CV (Williamson)",
            fmt(s.weighted_cv),
        ),
        ("gini", "基尼系数 Gini", fmt(s.gini)),
        (
            "weighted_gini",
            "加权基尼系数 weighted Gini",
            fmt(s.weighted_gini),
        ),
        ("theil_t", "泰尔指数 Theil T", fmt(s.theil_t)),
        (
            "theil_between",
            "组间 between parents",
            opt(s.theil_between),
        ),
        ("theil_within", "组内 within parents", opt(s.theil_within)),
        (
            "max",
            "最大值 max",
            format!("{} ({})", fmt(s.max), region(&s.max_id)),
        ),
        (
            "min",
            "最小值 min",
            format!("{} ({})", fmt(s.min), region(&s.min_id)),
        ),
        ("max_min_ratio", "极值比 max/min", opt(s.max_min_ratio)),
        (
            "share_meeting",
            "达标率 share meeting the target",
            s.share_meeting
                .map(|x| format!("{:.1}%", x * 100.0))
                .unwrap_or_else(|| "—".into()),
        ),
    ]
}

fn stats_json(s: &Equalization) -> Json {
    json!({
        "n": s.n,
        "mean": s.mean,
        "weighted_mean": s.weighted_mean,
        "sd": s.sd,
        "cv": s.cv,
        "weighted_cv": s.weighted_cv,
        "gini": s.gini,
        "weighted_gini": s.weighted_gini,
        "theil_t": s.theil_t,
        "theil_between": s.theil_between,
        "theil_within": s.theil_within,
        "max": s.max,
        "min": s.min,
        "max_min_ratio": s.max_min_ratio,
        "max_region": s.max_id,
        "min_region": s.min_id,
        "share_meeting": s.share_meeting,
    })
}

pub fn run(out: &mut dyn Write, a: &Args<'_>) -> anyhow::Result<ExitCode> {
    let regions = regions()?;
    let plan = find_plan(a.plan, &regions)?;
    let level = match Level::parse(a.level) {
        Some(l @ (Level::Prefecture | Level::County)) => l,
        _ => return Err(anyhow!("level '{}' must be prefecture or county", a.level)),
    };
    let within = match a.region {
        Some(r) => regions.lookup(r).map_err(|e| anyhow!(e))?.code,
        None => plan
            .region
            .ok_or_else(|| anyhow!("plan {} has no region: give --region", plan.id))?,
    };
    let mut err = std::io::stderr().lock();
    let Some(loaded) = data::load(&mut err, a.data, &plan, &regions)? else {
        return Ok(ExitCode::from(1));
    };
    let panel = Panel::new(&loaded.observations);
    let scope = Scope {
        year: a.year,
        level,
        within,
    };
    let synthetic_note = data::SYNTHETIC_NOTE;

    if a.indicator == "composite" {
        let c = composite(&plan, &panel, &regions, scope).map_err(|e| anyhow!(e))?;
        let rows: Vec<Vec<String>> = c
            .scores
            .iter()
            .map(|(r, s, cov)| {
                vec![
                    r.to_string(),
                    name(&regions, *r),
                    format!("{s:.2}"),
                    format!("{:.0}%", cov * 100.0),
                ]
            })
            .collect();
        match a.format {
            Format::Json => {
                let j = json!({
                    "plan": plan.id,
                    "index": plan.composite.as_ref().map(|x| x.name.clone()),
                    "year": a.year,
                    "level": level.as_str(),
                    "within": within.to_string(),
                    "synthetic": c.synthetic,
                    "weights": c.weights.iter().map(|(code, n, w)| json!({"indicator": code, "name": n, "weight": w})).collect::<Vec<_>>(),
                    "scores": c.scores.iter().map(|(r, s, cov)| json!({"region": r.to_string(), "name": name(&regions, *r), "index": s, "coverage": cov})).collect::<Vec<_>>(),
                    "equalization": c.stats.as_ref().map(stats_json),
                });
                serde_json::to_writer_pretty(&mut *out, &j)?;
                writeln!(out)?;
            }
            Format::Csv => csv_table(out, &["region", "name", "index", "coverage"], &rows)?,
            Format::Table => {
                if c.synthetic {
                    writeln!(out, "{synthetic_note}")?;
                }
                writeln!(
                    out,
                    "{} — {} {} {} {} ({} regions)",
                    plan.composite
                        .as_ref()
                        .map_or("综合指数", |x| x.name.as_str()),
                    within,
                    name(&regions, within),
                    level.as_str(),
                    a.year,
                    c.scores.len()
                )?;
                text_table(
                    out,
                    &["code", "地区 region", "指数 index", "覆盖 coverage"],
                    &rows,
                    30,
                )?;
                if let Some(s) = &c.stats {
                    let st: Vec<Vec<String>> = stat_rows(s, &regions)
                        .into_iter()
                        .map(|(_, l, v)| vec![l.to_string(), v])
                        .collect();
                    text_table(out, &["统计量 statistic", "值 value"], &st, 50)?;
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }

    let e = equalize_indicator(&plan, &panel, &regions, a.indicator, a.series, scope)
        .map_err(|e| anyhow!(e))?;
    let rows: Vec<Vec<String>> = e
        .values
        .iter()
        .map(|(r, v)| {
            let meets = e
                .target
                .map(|t| match plan.indicator(&e.code).map(|i| i.direction) {
                    Some(minsheng_core::target::Direction::Decrease) => *v <= t,
                    _ => *v >= t,
                });
            vec![
                r.to_string(),
                name(&regions, *r),
                format!("{v}"),
                match meets {
                    Some(true) => "是 yes".into(),
                    Some(false) => "否 no".into(),
                    None => String::new(),
                },
            ]
        })
        .collect();
    match a.format {
        Format::Json => {
            let j = json!({
                "plan": plan.id,
                "code": e.code,
                "name": e.name,
                "series": e.series,
                "unit": e.unit,
                "year": e.year,
                "level": level.as_str(),
                "within": within.to_string(),
                "weighted": e.weighted,
                "synthetic": e.synthetic,
                "target": e.target,
                "statistics": stats_json(&e.stats),
                "groups": e.stats.groups.iter().map(|g| json!({"parent": g.id, "n": g.n, "weighted_mean": g.weighted_mean, "share": g.share, "theil_t": g.theil_t})).collect::<Vec<_>>(),
                "values": e.values.iter().map(|(r, v)| json!({"region": r.to_string(), "name": name(&regions, *r), "value": v})).collect::<Vec<_>>(),
                "missing": e.missing.iter().map(ToString::to_string).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(&mut *out, &j)?;
            writeln!(out)?;
        }
        Format::Csv => csv_table(out, &["region", "name", "value", "meets_target"], &rows)?,
        Format::Table => {
            if e.synthetic {
                writeln!(out, "{synthetic_note}")?;
            }
            writeln!(
                out,
                "{} {}{} — {} {} {}, {} {} ({} weights)",
                e.code,
                e.name,
                e.series
                    .as_deref()
                    .map(|s| format!(" / {s}"))
                    .unwrap_or_default(),
                within,
                name(&regions, within),
                level.as_str(),
                e.year,
                e.unit,
                if e.weighted { "population" } else { "equal" }
            )?;
            let st: Vec<Vec<String>> = stat_rows(&e.stats, &regions)
                .into_iter()
                .map(|(_, l, v)| vec![l.to_string(), v])
                .collect();
            text_table(out, &["统计量 statistic", "值 value"], &st, 50)?;
            writeln!(out)?;
            let shown: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    if let Ok(v) = r[2].parse::<f64>() {
                        r[2] = fmt(v);
                    }
                    r
                })
                .collect();
            text_table(
                out,
                &["code", "地区 region", "值 value", "达标 meets"],
                &shown,
                30,
            )?;
            if !e.missing.is_empty() {
                writeln!(
                    out,
                    "{} regions without a value: {}",
                    e.missing.len(),
                    e.missing
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
