//! `minsheng site lscp|mclp|pmedian|pcenter` — where new facilities should go (选址), on a long cost file.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use minsheng_access::input::{CostColumns, Problem, align_demand, read_costs, read_weights_by};
use minsheng_access::matrix::CostMatrix;
use minsheng_access::site::{Method, Model, Options, Progress, Solution, Status, solve};

use crate::output::text_table;
use crate::progress::Bar;

/// The arguments every siting model shares.
pub struct Args<'a> {
    pub model: Model,
    pub costs: &'a str,
    pub columns: CostColumns,
    pub demand: Option<&'a str>,
    /// The demand file's id column (`None`: the first).
    pub id_col: Option<&'a str>,
    pub weight_col: &'a str,
    pub existing: Option<&'a str>,
    pub capacity: Option<&'a str>,
    pub capacity_col: &'a str,
    pub method: Method,
    pub time_limit: Option<f64>,
    pub json: bool,
}

fn read(path: &str) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
    String::from_utf8(bytes).with_context(|| format!("{path} is not UTF-8 text"))
}

/// Prints problems on standard error; returns exit code 1.
pub fn problems(problems: &[Problem]) -> ExitCode {
    let mut err = std::io::stderr().lock();
    for p in problems {
        let _ = writeln!(err, "{p}");
    }
    let _ = writeln!(err, "{} problem(s); nothing was computed", problems.len());
    ExitCode::from(1)
}

/// A value, or every problem found in the input that should have held it.
pub type Checked<T> = Result<T, Vec<Problem>>;

/// The cost matrix and demand weights: from the cost file alone (every weight 1) or aligned with a demand file.
pub fn load_costs(
    costs: &str,
    columns: &CostColumns,
    demand: Option<&str>,
    id_col: Option<&str>,
    weight_col: &str,
) -> anyhow::Result<Checked<(CostMatrix, Vec<f64>)>> {
    let text = read(costs)?;
    let matrix = match read_costs(costs, &text, columns) {
        Ok(m) => m,
        Err(p) => return Ok(Err(p)),
    };
    let Some(demand) = demand else {
        let n = matrix.n_demand();
        return Ok(Ok((matrix, vec![1.0; n])));
    };
    let dtext = read(demand)?;
    let weights = match read_weights_by(demand, &dtext, id_col, weight_col) {
        Ok(w) => w,
        Err(p) => return Ok(Err(p)),
    };
    Ok(align_demand(costs, &matrix, &weights))
}

/// Site ids from the first column of a CSV file (a first line that is not a site id is a header).
fn site_list(
    path: &str,
    matrix: &CostMatrix,
    value_col: Option<&str>,
) -> anyhow::Result<Checked<Vec<(usize, f64)>>> {
    let text = read(path)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let index = matrix.site_index();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut value_at: Option<usize> = None;
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(Problem::new(path, row, "", format!("malformed CSV: {e}")));
                continue;
            }
        };
        let id = rec.get(0).map(str::trim).unwrap_or("");
        if row == 1 && !index.contains_key(id) {
            // A header.
            if let Some(col) = value_col {
                match rec.iter().position(|h| h.trim() == col) {
                    Some(j) => value_at = Some(j),
                    None => problems.push(Problem::new(
                        path,
                        1,
                        col,
                        format!("no column named {col:?}"),
                    )),
                }
            }
            continue;
        }
        let Some(&s) = index.get(id) else {
            problems.push(Problem::new(
                path,
                row,
                "",
                format!("{id:?} is not a site of the cost file"),
            ));
            continue;
        };
        let value = match (value_col, value_at) {
            (None, _) => 0.0,
            (Some(col), Some(j)) => match rec.get(j).map(str::trim).map(str::parse::<f64>) {
                Some(Ok(v)) if v.is_finite() && v >= 0.0 => v,
                _ => {
                    problems.push(Problem::new(path, row, col, "not a number ≥ 0"));
                    continue;
                }
            },
            (Some(col), None) => {
                problems.push(Problem::new(
                    path,
                    row,
                    col,
                    "the file has no header naming the column",
                ));
                continue;
            }
        };
        if out.iter().any(|&(x, _)| x == s) {
            problems.push(Problem::new(path, row, "", format!("{id:?} listed twice")));
            continue;
        }
        out.push((s, value));
    }
    Ok(if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    })
}

pub fn run(out: &mut dyn Write, a: &Args<'_>) -> anyhow::Result<ExitCode> {
    let (matrix, weights) = match load_costs(a.costs, &a.columns, a.demand, a.id_col, a.weight_col)?
    {
        Ok(x) => x,
        Err(p) => return Ok(problems(&p)),
    };
    let existing: Vec<usize> = match a.existing {
        None => Vec::new(),
        Some(path) => match site_list(path, &matrix, None)? {
            Ok(v) => v.into_iter().map(|(s, _)| s).collect(),
            Err(p) => return Ok(problems(&p)),
        },
    };
    let capacities: Option<Vec<f64>> = match a.capacity {
        None => None,
        Some(path) => match site_list(path, &matrix, Some(a.capacity_col))? {
            Ok(v) => {
                // Sites not listed have no capacity.
                let mut caps = vec![0.0; matrix.n_sites()];
                for (s, c) in v {
                    caps[s] = c;
                }
                Some(caps)
            }
            Err(p) => return Ok(problems(&p)),
        },
    };
    let bar = Bar::new(&format!("{} 选址", a.model.name()));
    let report = |p: Progress| bar.update(p.stage, p.done, p.total);
    let options = Options {
        method: a.method,
        existing: &existing,
        capacities: capacities.as_deref(),
        time_limit: a.time_limit.map(Duration::from_secs_f64),
        progress: Some(&report),
    };
    let solution = solve(&matrix, &weights, a.model, &options);
    bar.finish();
    let solution = solution?;
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &solution)?;
        writeln!(out)?;
    } else {
        print_table(out, &solution)?;
    }
    Ok(if solution.status == Status::Infeasible {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn num(v: f64) -> String {
    if !v.is_finite() {
        "—".into()
    } else if v.abs() >= 1000.0 || v == v.trunc() {
        format!("{v:.1}")
    } else {
        format!("{v:.4}")
    }
}

fn print_table(out: &mut dyn Write, s: &Solution) -> anyhow::Result<()> {
    let status = match s.status {
        Status::Optimal => "最优 optimal",
        Status::Feasible => "可行 feasible (not proven optimal)",
        Status::Infeasible => "无解 infeasible",
    };
    writeln!(out, "模型 model      {} ({})", s.model, s.method)?;
    writeln!(out, "状态 status     {status}")?;
    if let Some(r) = &s.reason {
        writeln!(out, "原因 reason     {r}")?;
    }
    if s.status == Status::Infeasible {
        return Ok(());
    }
    writeln!(out, "目标 objective  {}", num(s.objective))?;
    writeln!(
        out,
        "界 bound        {}   gap {:.4}%",
        num(s.bound),
        s.gap * 100.0
    )?;
    writeln!(
        out,
        "覆盖 covered    {} of {} weight ({:.4}%), {:.4}% of demand points; {} point(s) uncovered",
        num(s.covered_weight),
        num(s.total_weight),
        s.covered_weight_pct,
        s.coverage_pct,
        s.uncovered.len()
    )?;
    writeln!(out, "平均成本 mean cost {}", num(s.mean_cost))?;
    writeln!(out)?;
    let rows: Vec<Vec<String>> = s
        .sites
        .iter()
        .zip(&s.load)
        .map(|(id, load)| {
            let kind = if s.existing.contains(id) {
                "现有 existing"
            } else {
                "新建 new"
            };
            let n = s.assignment.iter().filter(|(_, site)| site == id).count();
            vec![id.clone(), kind.to_string(), n.to_string(), num(*load)]
        })
        .collect();
    text_table(
        out,
        &[
            "站点 site",
            "类型 kind",
            "服务点数 demand points",
            "服务量 weight served",
        ],
        &rows,
        40,
    )?;
    Ok(())
}
