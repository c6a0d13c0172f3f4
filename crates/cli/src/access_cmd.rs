//! `minsheng access fca` — floating-catchment accessibility (FCA, 2SFCA, E2SFCA, 3SFCA, cumulative
//! opportunities, nearest supply) on a long cost file, with PySAL `access` semantics.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::ValueEnum;
use minsheng_access::fca::{self, Weight};
use minsheng_access::input::{CostColumns, read_weights};
use serde_json::{Map, Value as Json};

use crate::Format;
use crate::output::{csv_table, text_table};
use crate::site_cmd::{load_costs, problems};

/// A floating-catchment measure.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Measure {
    /// Supply within reach over demand within reach (needs `--neighbors`).
    Fca,
    /// Two-step floating catchment (2SFCA).
    #[value(name = "2sfca")]
    TwoStage,
    /// Enhanced 2SFCA (step weights; default 10:1, 20:0.68, 30:0.22).
    #[value(name = "e2sfca")]
    Enhanced,
    /// Three-step floating catchment (3SFCA; default steps 10:0.962, 20:0.704, 30:0.377, 60:0.042).
    #[value(name = "3sfca")]
    ThreeStage,
    /// Cumulative opportunities: Σ supply × weight within reach (access' weighted catchment).
    Catchment,
    /// The cost to the cheapest site with supply.
    Nearest,
}

impl Measure {
    fn name(self) -> &'static str {
        match self {
            Measure::Fca => "fca",
            Measure::TwoStage => "2sfca",
            Measure::Enhanced => "e2sfca",
            Measure::ThreeStage => "3sfca",
            Measure::Catchment => "catchment",
            Measure::Nearest => "nearest",
        }
    }
}

/// The distance-decay weight.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WeightKind {
    /// Every pair within reach weighs 1 (E2SFCA and 3SFCA use their default steps).
    None,
    /// `(max(cost, min_dist) / scale)^alpha`.
    Gravity,
    /// `exp(−cost² / 2σ²)`.
    Gaussian,
    /// A step function (`--steps 10:1,20:0.68,30:0.22`).
    Step,
}

pub struct FcaArgs<'a> {
    pub costs: &'a str,
    pub columns: CostColumns,
    pub demand: &'a str,
    /// The demand file's id column (`None`: the first).
    pub id_col: Option<&'a str>,
    pub weight_col: &'a str,
    pub supply: &'a str,
    pub supply_col: &'a str,
    pub neighbors: Option<&'a str>,
    pub measures: &'a [Measure],
    pub weight: WeightKind,
    pub scale: f64,
    pub alpha: f64,
    pub min_dist: f64,
    pub sigma: Option<f64>,
    pub steps: Option<&'a str>,
    pub max_cost: Option<f64>,
    pub normalize: bool,
    pub format: Format,
}

fn parse_steps(text: &str) -> anyhow::Result<Vec<(f64, f64)>> {
    text.split(',')
        .map(|pair| {
            let (b, w) = pair
                .split_once(':')
                .with_context(|| format!("step {pair:?}: write bound:weight, e.g. 10:1"))?;
            Ok((
                b.trim()
                    .parse()
                    .with_context(|| format!("step bound {b:?}"))?,
                w.trim()
                    .parse()
                    .with_context(|| format!("step weight {w:?}"))?,
            ))
        })
        .collect()
}

fn weight(a: &FcaArgs<'_>) -> anyhow::Result<Option<Weight>> {
    Ok(match a.weight {
        WeightKind::None => None,
        WeightKind::Gravity => Some(Weight::gravity(a.scale, a.alpha, a.min_dist)?),
        WeightKind::Gaussian => Some(Weight::gaussian(
            a.sigma.context("--weight gaussian needs --sigma")?,
        )?),
        WeightKind::Step => Some(Weight::step(&parse_steps(
            a.steps
                .context("--weight step needs --steps, e.g. 10:1,20:0.68,30:0.22")?,
        )?)?),
    })
}

pub fn fca(out: &mut dyn Write, a: &FcaArgs<'_>) -> anyhow::Result<ExitCode> {
    let w = weight(a)?;
    let (matrix, demand) =
        match load_costs(a.costs, &a.columns, Some(a.demand), a.id_col, a.weight_col)? {
            Ok(x) => x,
            Err(p) => return Ok(problems(&p)),
        };
    let text =
        std::fs::read_to_string(a.supply).with_context(|| format!("cannot read {}", a.supply))?;
    let supply_rows = match read_weights(a.supply, &text, a.supply_col) {
        Ok(s) => s,
        Err(p) => return Ok(problems(&p)),
    };
    let of: std::collections::HashMap<&str, f64> = supply_rows
        .iter()
        .map(|(id, v)| (id.as_str(), *v))
        .collect();
    let mut missing = Vec::new();
    let supply: Vec<f64> = matrix
        .site_ids()
        .iter()
        .map(|id| {
            of.get(id.as_str()).copied().unwrap_or_else(|| {
                missing.push(minsheng_access::Problem::new(
                    a.supply,
                    0,
                    a.supply_col,
                    format!("site {id:?} of the cost file has no supply row"),
                ));
                f64::NAN
            })
        })
        .collect();
    if !missing.is_empty() {
        return Ok(problems(&missing));
    }
    let neighbors = match a.neighbors {
        None => None,
        Some(path) => match load_costs(path, &a.columns, None, None, "")? {
            Ok((m, _)) => Some(m),
            Err(p) => return Ok(problems(&p)),
        },
    };
    let mut columns: Vec<(&'static str, Vec<f64>)> = Vec::new();
    for &m in a.measures {
        let wr = w.as_ref();
        let values = match m {
            Measure::TwoStage => fca::two_stage_fca(&matrix, &demand, &supply, a.max_cost, wr)?,
            Measure::Enhanced => {
                fca::enhanced_two_stage_fca(&matrix, &demand, &supply, a.max_cost, wr)?
            }
            Measure::ThreeStage => fca::three_stage_fca(&matrix, &demand, &supply, a.max_cost, wr)?,
            Measure::Catchment => fca::weighted_catchment(&matrix, &supply, a.max_cost, wr)?,
            Measure::Nearest => fca::nearest_supply_cost(&matrix, &supply)?,
            Measure::Fca => {
                let n = neighbors
                    .as_ref()
                    .context("--measure fca needs --neighbors (costs between demand locations)")?;
                fca::fca_ratio(n, &matrix, &demand, &supply, a.max_cost, wr)?
            }
        };
        let values = if a.normalize && m != Measure::Nearest {
            fca::normalize(&values, &demand)
        } else {
            values
        };
        columns.push((m.name(), values));
    }
    let ids = matrix.demand_ids();
    match a.format {
        Format::Json => {
            let rows: Vec<Json> = ids
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let mut o = Map::new();
                    o.insert("demand".into(), Json::from(id.as_str()));
                    o.insert("weight".into(), Json::from(demand[i]));
                    for (name, v) in &columns {
                        // NaN (no site within reach) and ∞ are null in JSON.
                        o.insert((*name).into(), Json::from(v[i]));
                    }
                    Json::Object(o)
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
        }
        Format::Csv | Format::Table => {
            let mut header = vec!["demand", "weight"];
            header.extend(columns.iter().map(|(n, _)| *n));
            let full = |v: f64| {
                if v.is_nan() {
                    String::new()
                } else {
                    format!("{v}")
                }
            };
            let rows: Vec<Vec<String>> = ids
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let mut r = vec![id.clone(), format!("{}", demand[i])];
                    r.extend(columns.iter().map(|(_, v)| full(v[i])));
                    r
                })
                .collect();
            if a.format == Format::Csv {
                csv_table(out, &header, &rows)?;
            } else {
                text_table(out, &header, &rows, 24)?;
                writeln!(
                    out,
                    "(empty: no site within reach · 空值：可达范围内无设施)"
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
