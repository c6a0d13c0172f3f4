//! 观测值 — tidy observations (`indicator,region,year,value` + optional columns) read and validated against a plan,
//! from CSV ([`read_csv`]) or a sheet of an XLSX workbook ([`read_xlsx`]).
//!
//! Every problem is reported with its row (in a CSV the header is row 1; in a sheet rows are numbered as the
//! spreadsheet shows them), column and reason, all at once; the caller keeps nothing when there is any error (both
//! readers return the observations only when there is none). Both readers turn the file into a header and rows of
//! text cells and share every check and message; only reading the file itself differs.
//!
//! Columns: `indicator`, `region`, `year`, `value` are required; `indicator` names an indicator or a data element
//! of the plan (elements are counts, never negative). `series` names one series of a paired indicator.
//! `source`, `raw`, `note`, `unit`, `status` are kept as attributes. Any other column is a disaggregation
//! (`urban_rural`, `sex`, …); a blank cell there means the total, as in Open SDG.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, XlsxError};
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
    /// The 1-based row of the file it came from (the spreadsheet's row number for a sheet).
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
    /// 1-based row (in a CSV the header is row 1; in a sheet, the spreadsheet's row number); 0 for a problem with
    /// the whole workbook (it cannot be opened, or the sheet is missing or empty).
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
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => {
            return (
                None,
                vec![error(1, "", format!("cannot read the header: {e}"))],
            );
        }
    };
    let rows = rdr.records().enumerate().map(|(i, rec)| {
        let number = i + 2;
        match rec {
            Ok(rec) => Row {
                number,
                cells: Some(rec.iter().map(|c| Some(c.to_string())).collect()),
                problems: Vec::new(),
            },
            Err(e) => Row {
                number,
                cells: None,
                problems: vec![error(number, "", format!("malformed CSV: {e}"))],
            },
        }
    });
    validate(header, 1, rows, plan, regions, Vec::new())
}

/// Reads and validates the observations of one sheet of an XLSX workbook for `plan`: the sheet named `sheet`, or
/// the first sheet.
///
/// The first row holding a value is the header, and the table starts at the leftmost column holding a value; rows
/// are numbered as the spreadsheet shows them (a table starting at row 3 has its header at row 3), and rows without
/// a value are skipped like blank lines in a CSV. Cells are read as text: numbers in Rust's shortest round-trip form
/// (`2020`, `96.15`), strings as written, blank cells as blank; date, time, TRUE/FALSE and error cells, and values
/// right of the header's last column, are problems. Then every check of [`read_csv`] applies with the same
/// messages. A workbook that cannot be opened, or a missing, empty or damaged sheet, is one problem at row 0.
///
/// The sheet is read cell by cell and only cells holding a value are kept (not calamine's dense `Range`), so a
/// stray value far from the table (say at `XFD1048576`) costs one cell of memory, not the sheet's whole area.
pub fn read_xlsx(
    bytes: &[u8],
    sheet: Option<&str>,
    plan: &Plan,
    regions: &RegionTable,
) -> (Option<Vec<Observation>>, Vec<Problem>) {
    // calamine 0.35 overflows (a panic with overflow checks on) on absurd cell references in a damaged sheet; such a
    // workbook is one problem like any other that cannot be read.
    let read = std::panic::catch_unwind(|| xlsx_cells(bytes, sheet)).unwrap_or_else(|_| {
        Err(
            "cannot read the workbook: the XLSX reader failed on it (the file is damaged)"
                .to_string(),
        )
    });
    let (name, cells) = match read {
        Ok(c) => c,
        Err(reason) => return (None, vec![error(0, "", reason)]),
    };
    let (Some(&((top, _), _)), Some(left)) = (cells.first(), cells.iter().map(|c| c.0.1).min())
    else {
        return (None, vec![error(0, "", format!("sheet '{name}' is empty"))]);
    };
    // Spreadsheet numbering: row 1 is the sheet's first row.
    let number = |row: u32| row as usize + 1;
    let reference = |row: u32, col: u32| format!("{}{}", column_letters(col as usize), number(row));
    let header_end = cells.partition_point(|c| c.0.0 == top);
    let (header_cells, data) = cells.split_at(header_end);
    let width = header_cells
        .iter()
        .map(|c| (c.0.1 - left) as usize + 1)
        .max()
        .unwrap_or(0);
    let mut problems = Vec::new();
    let mut header = vec![String::new(); width];
    for ((row, col), value) in header_cells {
        match xlsx_text(value) {
            Ok(text) => header[(col - left) as usize] = text,
            Err(kind) => problems.push(error(
                number(*row),
                "",
                format!(
                    "the header cell {} is {kind}; column names are text",
                    reference(*row, *col)
                ),
            )),
        }
    }
    let names: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    let rows = data.chunk_by(|a, b| a.0.0 == b.0.0).map(|chunk| {
        let n = chunk.first().map_or(0, |c| number(c.0.0));
        let mut cells = vec![Some(String::new()); width];
        let mut inside = false;
        let mut problems = Vec::new();
        for ((r, col), value) in chunk {
            let k = (col - left) as usize;
            let Some(slot) = cells.get_mut(k) else {
                problems.push(error(
                    n,
                    "",
                    format!(
                        "cell {} holds a value but the header has no column there",
                        reference(*r, *col)
                    ),
                ));
                continue;
            };
            inside = true;
            *slot = match xlsx_text(value) {
                Ok(text) => Some(text),
                Err(kind) => {
                    let name = names.get(k).map_or("", String::as_str);
                    let expected = if name == "year" || name == "value" {
                        "a number"
                    } else {
                        "text"
                    };
                    problems.push(error(
                        n,
                        name,
                        format!("{kind} where {expected} is expected"),
                    ));
                    None
                }
            };
        }
        Row {
            number: n,
            // A row with values only right of the table is blank as far as the table goes.
            cells: inside.then_some(cells),
            problems,
        }
    });
    validate(header, number(top), rows, plan, regions, problems)
}

/// The most rows and columns a sheet can have (Excel's limits: row 1,048,576, column XFD).
const SHEET_ROWS: u32 = 1 << 20;
const SHEET_COLUMNS: u32 = 1 << 14;

/// A sheet's cells holding a value, by 0-based (row, column), in order.
type SheetCells = Vec<((u32, u32), Data)>;

/// Opens the workbook and reads the cells of the wanted sheet holding a value (blank strings count as blank),
/// in row and column order, with the sheet's name; or says why not.
fn xlsx_cells(bytes: &[u8], sheet: Option<&str>) -> Result<(String, SheetCells), String> {
    let mut book = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| format!("cannot open the workbook as XLSX: {e}"))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) if names.iter().any(|n| n == s) => s.to_string(),
        Some(s) => {
            return Err(format!(
                "the workbook has no sheet '{s}' (sheets: {})",
                names.join(", ")
            ));
        }
        None => names
            .first()
            .cloned()
            .ok_or_else(|| "the workbook has no sheets".to_string())?,
    };
    let unreadable = |e: XlsxError| format!("cannot read sheet '{name}': {e}");
    let mut reader = book.worksheet_cells_reader(&name).map_err(unreadable)?;
    let mut cells = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let (row, col) = cell.get_position();
        let value = Data::from(cell.get_value().clone());
        if matches!(&value, Data::Empty) || matches!(&value, Data::String(s) if s.is_empty()) {
            continue;
        }
        if row >= SHEET_ROWS || col >= SHEET_COLUMNS {
            return Err(format!(
                "sheet '{name}' is damaged: a cell lies at row {}, column {}, beyond a sheet's {SHEET_ROWS} rows and {SHEET_COLUMNS} columns",
                u64::from(row) + 1,
                u64::from(col) + 1
            ));
        }
        cells.push(((row, col), value));
    }
    cells.sort_by_key(|c| c.0);
    Ok((name, cells))
}

/// A spreadsheet cell as text, or what kind of cell it is when it has no faithful text.
fn xlsx_text(cell: &Data) -> Result<String, String> {
    match cell {
        Data::Empty => Ok(String::new()),
        Data::String(s) => Ok(s.clone()),
        Data::Float(v) => Ok(format!("{v}")),
        Data::Int(v) => Ok(v.to_string()),
        Data::Bool(b) => Err(format!(
            "a TRUE/FALSE cell ({})",
            if *b { "TRUE" } else { "FALSE" }
        )),
        Data::DateTime(d) if d.is_duration() => {
            Err(format!("a duration cell ({} days)", d.as_f64()))
        }
        Data::DateTime(d) => {
            let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
            Err(if (h, mi, s) == (0, 0, 0) {
                format!("a date cell ({y:04}-{mo:02}-{day:02})")
            } else {
                format!("a date cell ({y:04}-{mo:02}-{day:02} {h:02}:{mi:02}:{s:02})")
            })
        }
        Data::DateTimeIso(s) => Err(format!("a date cell ({s})")),
        Data::DurationIso(s) => Err(format!("a duration cell ({s})")),
        Data::Error(e) => Err(format!("an error cell ({e})")),
    }
}

/// The spreadsheet letters of a 0-based column index (0 → A, 26 → AA).
fn column_letters(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(char::from(b'A' + (index % 26) as u8));
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.iter().rev().collect()
}

/// A data row as a reader found it, before validation.
struct Row {
    /// The row's 1-based number in the file.
    number: usize,
    /// Each cell's text; `None` where the reader could not read the cell (it says why in `problems`). `None` for
    /// the whole row when there is nothing to check (a malformed CSV record, a sheet row with no value in the table).
    cells: Option<Vec<Option<String>>>,
    /// What the reader found wrong in the row; such a row is still checked, but never kept.
    problems: Vec<Problem>,
}

fn error(row: usize, column: &str, reason: String) -> Problem {
    Problem {
        severity: Severity::Error,
        row,
        column: column.to_string(),
        reason,
    }
}

/// The checks shared by every format: a header (at row `header_row`) and data rows, with the problems the reader
/// already found.
fn validate(
    header: Vec<String>,
    header_row: usize,
    rows: impl Iterator<Item = Row>,
    plan: &Plan,
    regions: &RegionTable,
    mut problems: Vec<Problem>,
) -> (Option<Vec<Observation>>, Vec<Problem>) {
    let mut err =
        |row: usize, column: &str, reason: String| problems.push(error(row, column, reason));
    let header: Vec<String> = header.iter().map(|c| c.trim().to_string()).collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    for r in REQUIRED {
        if col(r).is_none() {
            err(
                header_row,
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
    for rec in rows {
        let row = rec.number;
        let mut ok = rec.problems.is_empty();
        for p in rec.problems {
            err(p.row, &p.column, p.reason);
        }
        let Some(rec) = rec.cells else {
            continue;
        };
        if rec.len() != header.len() {
            err(
                row,
                "",
                format!("{} cells, the header has {}", rec.len(), header.len()),
            );
            continue;
        }
        // `None`: the reader could not read the cell and has said so; its checks are skipped.
        let cell = |k: usize| rec.get(k).and_then(|c| c.as_deref()).map(str::trim);
        let code_cell = cell(ci);
        let code = code_cell.unwrap_or_default().to_string();
        let indicator = code_cell.and_then(|c| indicators.get(c).copied());
        let element = code_cell.and_then(|c| plan.element(c));
        if code_cell.is_some() && indicator.is_none() && element.is_none() {
            err(
                row,
                "indicator",
                format!(
                    "unknown indicator or data element '{code}' in plan {}",
                    plan.id
                ),
            );
            ok = false;
        }
        let region = match cell(cr).map(|c| regions.lookup(c)) {
            Some(Ok(r)) => Some(r.code),
            Some(Err(e)) => {
                err(row, "region", e);
                ok = false;
                None
            }
            None => None,
        };
        let year = cell(cy).and_then(|text| match text.parse::<i32>() {
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
                err(row, "year", format!("'{text}' is not a year"));
                ok = false;
                None
            }
        });
        let value = cell(cv).and_then(|text| match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                err(row, "value", format!("'{text}' is not a number"));
                ok = false;
                None
            }
        });
        // `None`: the series cell could not be read; `Some(None)`: no series.
        let series_cell: Option<Option<String>> = match cs {
            Some(k) => cell(k).map(|s| Some(s).filter(|s| !s.is_empty()).map(str::to_string)),
            None => Some(None),
        };
        if let (Some(Some(s)), Some(_)) = (&series_cell, element) {
            err(
                row,
                "series",
                format!("data element {code} has no series, but the row names '{s}'"),
            );
            ok = false;
        }
        if element.is_some() {
            if let Some(v) = value.filter(|v| *v < 0.0) {
                err(
                    row,
                    "value",
                    format!("{v} is below zero for the count {code}"),
                );
                ok = false;
            }
        }
        if let Some(ind) = indicator {
            match (&series_cell, ind.series.is_empty()) {
                (Some(Some(s)), false) if !ind.series.contains(s) => {
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
                (Some(Some(s)), true) => {
                    err(
                        row,
                        "series",
                        format!("{code} has no series, but the row names '{s}'"),
                    );
                    ok = false;
                }
                (Some(None), false) => {
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
            .filter_map(|(k, name)| {
                cell(*k)
                    .filter(|c| !c.is_empty())
                    .map(|c| (name.clone(), c.to_string()))
            })
            .collect();
        let (true, Some(region), Some(year), Some(value), Some(series)) =
            (ok, region, year, value, series_cell)
        else {
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
            source: csrc
                .and_then(cell)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
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
