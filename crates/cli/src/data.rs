//! Observation files for the commands that read data: CSV or XLSX, one or several, validated all at once, then
//! rolled up the region hierarchy (county data → prefectures → province) as the plan declares.

use std::collections::HashMap;
use std::io::Write;

use anyhow::Context as _;
use minsheng_core::diag::Severity;
use minsheng_core::plan::Plan;
use minsheng_core::region::RegionTable;
use minsheng_core::shipped;
use minsheng_monitor::observations::{Observation, Problem, read_csv, read_xlsx};
use minsheng_monitor::panel::is_synthetic_source;
use minsheng_monitor::rollup::rollup;

/// The line printed above any table that rests on SYNTHETIC data.
pub const SYNTHETIC_NOTE: &str =
    "SYNTHETIC — 含合成数据，仅供演示 (contains synthetic data, for demonstration only)";

/// Observations read, checked and rolled up.
pub struct Loaded {
    /// The files' observations followed by the values computed by roll-up.
    pub observations: Vec<Observation>,
    /// How many of them were computed by roll-up.
    pub computed: usize,
    /// Whether any observation is SYNTHETIC (its source says so).
    pub synthetic: bool,
}

/// Reads a file from disk, or the shipped copy when the path names one (`data/observations/…`).
fn read_bytes(path: &str) -> anyhow::Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(b) => Ok(b),
        Err(e) => shipped::observations(path)
            .map(|t| t.as_bytes().to_vec())
            .ok_or(e)
            .with_context(|| format!("cannot read {path}")),
    }
}

fn is_xlsx(path: &str) -> bool {
    let lower = path.to_lowercase();
    lower.ends_with(".xlsx") || lower.ends_with(".xlsm")
}

/// Reads every file in `paths` (CSV, or XLSX by extension; `file.xlsx#Sheet` names a sheet), prints every problem
/// as `file:row:column: severity: reason` on `err`, and returns the observations only when no file has an error.
/// Observations repeated across files are errors too. Nothing is kept from any file when one has an error.
///
/// # Errors
/// A file that cannot be read (IO), as opposed to a file with bad content (`Ok(None)`).
pub fn load(
    err: &mut dyn Write,
    paths: &[String],
    plan: &Plan,
    regions: &RegionTable,
) -> anyhow::Result<Option<Loaded>> {
    let mut all: Vec<Observation> = Vec::new();
    let mut errors = 0;
    let mut origin: Vec<usize> = Vec::new();
    for (f, spec) in paths.iter().enumerate() {
        let (path, sheet) = match spec.split_once('#') {
            Some((p, s)) if is_xlsx(p) => (p, Some(s)),
            _ => (spec.as_str(), None),
        };
        let bytes = read_bytes(path)?;
        let (obs, problems): (Option<Vec<Observation>>, Vec<Problem>) = if is_xlsx(path) {
            read_xlsx(&bytes, sheet, plan, regions)
        } else {
            match String::from_utf8(bytes) {
                Ok(text) => read_csv(&text, plan, regions),
                Err(e) => (
                    None,
                    vec![Problem {
                        severity: Severity::Error,
                        row: 0,
                        column: String::new(),
                        reason: format!("not UTF-8 text ({e}); save the file as UTF-8 CSV or XLSX"),
                    }],
                ),
            }
        };
        for p in &problems {
            writeln!(
                err,
                "{path}:{}:{}: {}: {}",
                p.row,
                p.column,
                p.severity.as_str(),
                p.reason
            )?;
        }
        errors += problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        if let Some(obs) = obs {
            origin.extend(std::iter::repeat_n(f, obs.len()));
            all.extend(obs);
        }
    }
    // The same observation in two files.
    let mut seen: HashMap<_, usize> = HashMap::new();
    for (i, o) in all.iter().enumerate() {
        let key = (
            o.indicator.as_str(),
            o.region,
            o.year,
            o.series.as_deref(),
            &o.disaggregation,
        );
        if let Some(first) = seen.insert(key, i) {
            if origin[first] != origin[i] {
                writeln!(
                    err,
                    "{}:{}:: error: duplicate of {}:{} (same indicator, region, year, series and disaggregation)",
                    paths[origin[i]], o.row, paths[origin[first]], all[first].row
                )?;
                errors += 1;
            }
        }
    }
    if errors > 0 {
        writeln!(err, "{errors} errors; nothing was imported")?;
        return Ok(None);
    }
    let rolled = rollup(plan, &all, regions);
    for m in &rolled.mismatches {
        writeln!(
            err,
            "warning: {} {} {}: reported {} but the child regions give {} (the reported value is used)",
            m.code, m.region, m.year, m.reported, m.computed
        )?;
    }
    let computed = rolled.computed.len();
    all.extend(rolled.computed);
    let synthetic = all.iter().any(|o| is_synthetic_source(o.source.as_deref()));
    Ok(Some(Loaded {
        observations: all,
        computed,
        synthetic,
    }))
}
