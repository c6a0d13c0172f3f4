//! `minsheng synth` — SYNTHETIC county observations calibrated to a plan's provincial figures.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow};
use minsheng_monitor::synth::{Options, synthesize, to_csv};

use crate::plan_cmd::{find_plan, regions};

pub struct Args<'a> {
    pub plan: &'a str,
    pub seed: u64,
    /// Comma-separated years or a range `2020-2023`; default the base year through the target year.
    pub years: Option<&'a str>,
    pub population: Option<f64>,
    pub out: Option<&'a str>,
}

fn parse_years(s: &str) -> anyhow::Result<Vec<i32>> {
    let mut years = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (i32, i32) = (
                    a.trim()
                        .parse()
                        .with_context(|| format!("'{a}' is not a year"))?,
                    b.trim()
                        .parse()
                        .with_context(|| format!("'{b}' is not a year"))?,
                );
                if b < a {
                    return Err(anyhow!("year range {part} runs backwards"));
                }
                years.extend(a..=b);
            }
            None => years.push(
                part.parse()
                    .with_context(|| format!("'{part}' is not a year"))?,
            ),
        }
    }
    if years.is_empty() {
        return Err(anyhow!("no years in '{s}'"));
    }
    Ok(years)
}

pub fn run(out: &mut dyn Write, a: &Args<'_>) -> anyhow::Result<ExitCode> {
    let regions = regions()?;
    let plan = find_plan(a.plan, &regions)?;
    let years = match a.years {
        Some(y) => parse_years(y)?,
        None => (plan.base_year..=plan.target_year).collect(),
    };
    let obs = synthesize(
        &plan,
        &regions,
        &Options {
            seed: a.seed,
            years,
            population: a.population,
        },
    )
    .map_err(|e| anyhow!(e))?;
    let counties: std::collections::BTreeSet<_> = obs.iter().map(|o| o.region).collect();
    let csv = to_csv(&obs);
    match a.out {
        Some(path) => {
            std::fs::write(path, csv).with_context(|| format!("cannot write {path}"))?;
            let shown = std::fs::canonicalize(path)
                .map_or_else(|_| path.to_string(), |p| p.display().to_string());
            writeln!(
                out,
                "wrote {} SYNTHETIC observations for {} counties to {shown}",
                obs.len(),
                counties.len()
            )?;
        }
        None => out.write_all(csv.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
