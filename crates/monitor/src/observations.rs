//! 观测值 — tidy observations (`indicator,region,year,value` + optional columns) read and validated against a plan.
//!
//! Every problem is reported with its row (the header is row 1), column and reason, all at once; the caller keeps
//! nothing when there is any error ([`read_csv`] returns the observations only when there is none).
//!
//! Columns: `indicator`, `region`, `year`, `value` are required. `series` names one series of a paired indicator.
//! `source`, `raw`, `note`, `unit`, `status` are kept as attributes. Any other column is a disaggregation
//! (`urban_rural`, `sex`, …); a blank cell there means the total, as in Open SDG.

use std::collections::{BTreeMap, HashMap};

use minsheng_core::diag::Severity;
use minsheng_core::plan::Plan;
use minsheng_core::region::{RegionCode, RegionTable};
use minsheng_core::target::Window;

/// One observation.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub indicator: String,
    pub region: RegionCode,
    pub year: i32,
    pub value: f64,
    /// The series of a paired indicator (e.g. 广播), if any.
    pub series: Option<String>,
    /// Disaggregation column → value; only non-blank cells (blank = total).
    pub disaggregation: BTreeMap<String, String>,
    pub source: Option<String>,
    /// The 1-based row of the file it came from.
    pub row: usize,
}

impl Observation {
    /// Whether this is the headline (total) figure: no disaggregation.
    pub fn is_total(&self) -> bool {
        self.disaggregation.is_empty()
    }
}

/// One problem in an observations file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub severity: Severity,
    /// 1-based row; the header is row 1.
    pub row: usize,
    /// The column's name (empty for a whole-row problem).
    pub column: String,
    pub reason: String,
}

/// Indicator, region, year, series and disaggregation: what makes an observation unique.
type ObservationKey = (
    String,
    RegionCode,
    i32,
    Option<String>,
    BTreeMap<String, String>,
);
/// An observation key without the year: one time series.
type SeriesKey = (String, RegionCode, Option<String>, BTreeMap<String, String>);

const REQUIRED: [&str; 4] = ["indicator", "region", "year", "value"];
const ATTRIBUTES: [&str; 6] = ["series", "source", "raw", "note", "unit", "status"];

/// Reads and validates tidy observation CSV text for `plan`.
///
/// Returns the observations when there is no error (warnings may accompany them), and every problem found.
pub fn read_csv(
    text: &str,
    plan: &Plan,
    regions: &RegionTable,
) -> (Option<Vec<Observation>>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut err = |row: usize, column: &str, reason: String| {
        problems.push(Problem {
            severity: Severity::Error,
            row,
            column: column.to_string(),
            reason,
        })
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_string()).collect(),
        Err(e) => {
            err(1, "", format!("cannot read the header: {e}"));
            return (None, problems);
        }
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    for r in REQUIRED {
        if col(r).is_none() {
            err(
                1,
                r,
                format!(
                    "required column '{r}' is missing (header: {})",
                    header.join(",")
                ),
            );
        }
    }
    let (Some(ci), Some(cr), Some(cy), Some(cv)) =
        (col("indicator"), col("region"), col("year"), col("value"))
    else {
        return (None, problems);
    };
    let cs = col("series");
    let csrc = col("source");
    let disagg_cols: Vec<(usize, String)> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            !REQUIRED.contains(&h.as_str()) && !ATTRIBUTES.contains(&h.as_str()) && !h.is_empty()
        })
        .map(|(i, h)| (i, h.clone()))
        .collect();

    let indicators: HashMap<&str, &minsheng_core::plan::Indicator> = plan
        .indicators
        .iter()
        .map(|i| (i.code.as_str(), i))
        .collect();
    let mut out = Vec::new();
    let mut seen: HashMap<ObservationKey, usize> = HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                err(row, "", format!("malformed CSV: {e}"));
                continue;
            }
        };
        if rec.len() != header.len() {
            err(
                row,
                "",
                format!("{} cells, the header has {}", rec.len(), header.len()),
            );
            continue;
        }
        let cell = |k: usize| rec.get(k).unwrap_or("").trim();
        let mut ok = true;
        let code = cell(ci).to_string();
        let indicator = indicators.get(code.as_str()).copied();
        if indicator.is_none() {
            err(
                row,
                "indicator",
                format!("unknown indicator '{code}' in plan {}", plan.id),
            );
            ok = false;
        }
        let region = match regions.lookup(cell(cr)) {
            Ok(r) => Some(r.code),
            Err(e) => {
                err(row, "region", e);
                ok = false;
                None
            }
        };
        let year = match cell(cy).parse::<i32>() {
            Ok(y) if (plan.base_year..=plan.target_year).contains(&y) => Some(y),
            Ok(y) => {
                err(
                    row,
                    "year",
                    format!(
                        "year {y} is outside the plan ({}–{})",
                        plan.base_year, plan.target_year
                    ),
                );
                ok = false;
                None
            }
            Err(_) => {
                err(row, "year", format!("'{}' is not a year", cell(cy)));
                ok = false;
                None
            }
        };
        let value = match cell(cv).parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                err(row, "value", format!("'{}' is not a number", cell(cv)));
                ok = false;
                None
            }
        };
        let series = cs.map(cell).filter(|s| !s.is_empty()).map(str::to_string);
        if let Some(ind) = indicator {
            match (&series, ind.series.is_empty()) {
                (Some(s), false) if !ind.series.contains(s) => {
                    err(
                        row,
                        "series",
                        format!(
                            "'{s}' is not a series of {code} ({})",
                            ind.series.join(", ")
                        ),
                    );
                    ok = false;
                }
                (Some(s), true) => {
                    err(
                        row,
                        "series",
                        format!("{code} has no series, but the row names '{s}'"),
                    );
                    ok = false;
                }
                (None, false) => {
                    err(
                        row,
                        "series",
                        format!(
                            "{code} is paired: name its series ({})",
                            ind.series.join(", ")
                        ),
                    );
                    ok = false;
                }
                _ => {}
            }
            if let Some(v) = value {
                let percent = ind.unit.trim() == "%";
                let growth = ind.window == Some(Window::PerYear);
                if percent && !growth && !(0.0..=100.0).contains(&v) {
                    err(row, "value", format!("{v} is a percentage outside 0–100"));
                    ok = false;
                } else if !percent && !growth && v < 0.0 {
                    err(
                        row,
                        "value",
                        format!("{v} is below zero for a count or level in '{}'", ind.unit),
                    );
                    ok = false;
                }
            }
        }
        let disaggregation: BTreeMap<String, String> = disagg_cols
            .iter()
            .filter(|(k, _)| !cell(*k).is_empty())
            .map(|(k, name)| (name.clone(), cell(*k).to_string()))
            .collect();
        let (true, Some(region), Some(year), Some(value)) = (ok, region, year, value) else {
            continue;
        };
        let key = (
            code.clone(),
            region,
            year,
            series.clone(),
            disaggregation.clone(),
        );
        if let Some(first) = seen.insert(key, row) {
            err(
                row,
                "",
                format!(
                    "duplicate of row {first} (same indicator, region, year, series and disaggregation)"
                ),
            );
            continue;
        }
        out.push(Observation {
            indicator: code,
            region,
            year,
            value,
            series,
            disaggregation,
            source: csrc.map(cell).filter(|s| !s.is_empty()).map(str::to_string),
            row,
        });
    }
    outlier_warnings(&out, &mut problems);
    problems.sort_by_key(|p| p.row);
    let failed = problems.iter().any(|p| p.severity == Severity::Error);
    (if failed { None } else { Some(out) }, problems)
}

/// Warns about values more than 3 standard deviations from the mean of the other values of the same series
/// (same indicator, region, series and disaggregation), when that series has at least 4 other values.
fn outlier_warnings(obs: &[Observation], problems: &mut Vec<Problem>) {
    let mut groups: BTreeMap<SeriesKey, Vec<&Observation>> = BTreeMap::new();
    for o in obs {
        groups
            .entry((
                o.indicator.clone(),
                o.region,
                o.series.clone(),
                o.disaggregation.clone(),
            ))
            .or_default()
            .push(o);
    }
    for members in groups.values().filter(|m| m.len() >= 5) {
        for o in members {
            let others: Vec<f64> = members
                .iter()
                .filter(|x| x.row != o.row)
                .map(|x| x.value)
                .collect();
            let n = others.len() as f64;
            let mean = others.iter().sum::<f64>() / n;
            let sd = (others.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            if sd > 0.0 && (o.value - mean).abs() > 3.0 * sd {
                problems.push(Problem {
                    severity: Severity::Warning,
                    row: o.row,
                    column: "value".into(),
                    reason: format!(
                        "{} is an outlier against the region's own series (mean of the other years {:.4}, z = {:.1})",
                        o.value,
                        mean,
                        (o.value - mean) / sd
                    ),
                });
            }
        }
    }
}
