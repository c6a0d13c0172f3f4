//! Persons registries in Parquet (`persons.parquet`): the columns are read with the `parquet` crate's column API
//! (no Arrow), turned into the text each cell would have in a CSV file (dates as `YYYY-MM-DD`, numbers in decimal,
//! null as empty), and then checked by the same reader as a CSV file, so that both formats accept and refuse
//! exactly the same values. A problem's `line` is the row number in the file (the first row is 1).
//!
//! Accepted column types: strings (BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY), INT32/INT64 (plain, DATE, TIMESTAMP: the
//! date in UTC), FLOAT/DOUBLE, BOOLEAN; nulls where the column is optional. Nested and repeated columns and INT96
//! timestamps are refused with the column's name. Compression: uncompressed, snappy (pyarrow's default) and lz4.
//! The decoder runs behind `catch_unwind`: a file the decoder cannot handle is reported, never a crash.

use std::fmt::Write as _;

use minsheng_core::diag::Diagnostic;
use parquet::basic::{ConvertedType, LogicalType, TimeUnit, Type as Physical};
use parquet::column::reader::ColumnReader;
use parquet::file::reader::{FileReader, SerializedFileReader};
use rayon::prelude::*;

use crate::date;
use crate::regions::RegionIndex;
use crate::registry::{Loaded, OPTIONAL, OnError, REQUIRED, Strings, read_persons};
use crate::run::{error, push_field};

/// Rows decoded per call of the column reader.
const BATCH: usize = 65_536;

/// How one column's values become text.
#[derive(Clone, Copy)]
enum As {
    Text,
    Int,
    Date,
    /// Timestamp in units per day.
    Timestamp(i64),
    Float,
    Bool,
}

/// Reads a Parquet persons file; see the module documentation.
pub fn read_persons_parquet(
    file: &str,
    data: Vec<u8>,
    regions: &RegionIndex,
    on_error: OnError,
) -> Loaded {
    // The `parquet` crate can panic on a corrupt file (fuzzing found assertions in its bit reader): the panic is
    // caught, and its message, kept by a quiet hook while decoding, goes into the problem instead of stderr.
    static LAST_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let p = info.payload();
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(msg);
        }
    }));
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| to_csv(file, data)));
    std::panic::set_hook(previous);
    let text = match decoded {
        Ok(Ok(text)) => text,
        Ok(Err(problems)) => {
            return Loaded {
                problems,
                ..Loaded::default()
            };
        }
        Err(_) => {
            let why = LAST_PANIC
                .lock()
                .ok()
                .and_then(|mut l| l.take())
                .unwrap_or_default();
            return Loaded {
                problems: vec![error(
                    file,
                    0,
                    0,
                    "bad-parquet",
                    format!(
                        "the Parquet decoder failed on this file (corrupt or unsupported): {why}"
                    ),
                )],
                ..Loaded::default()
            };
        }
    };
    let mut loaded = read_persons(file, &text, regions, on_error);
    // CSV line n (the header is line 1) is Parquet row n − 1.
    for d in &mut loaded.problems {
        d.line = d.line.saturating_sub(1);
    }
    for b in &mut loaded.quarantined {
        b.line = b.line.saturating_sub(1);
    }
    loaded
}

/// The file as the CSV text of the columns a persons file may have.
fn to_csv(file: &str, data: Vec<u8>) -> Result<String, Vec<Diagnostic>> {
    let bad = |m: String| vec![error(file, 0, 0, "bad-parquet", m)];
    let reader = SerializedFileReader::new(bytes::Bytes::from(data))
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr();
    // The columns we read: (position in the file, name, how to print).
    let mut cols: Vec<(usize, String, As)> = Vec::new();
    for (i, c) in schema.columns().iter().enumerate() {
        let name = c.path().string();
        if !REQUIRED.contains(&name.as_str()) && !OPTIONAL.contains(&name.as_str()) {
            continue;
        }
        if c.max_rep_level() > 0 || c.path().parts().len() > 1 {
            return Err(bad(format!(
                "column {name:?} is nested or repeated; a persons file has flat columns"
            )));
        }
        let logical = c.logical_type_ref();
        let converted = c.converted_type();
        let how = match c.physical_type() {
            Physical::BYTE_ARRAY | Physical::FIXED_LEN_BYTE_ARRAY => As::Text,
            Physical::BOOLEAN => As::Bool,
            Physical::FLOAT | Physical::DOUBLE => As::Float,
            Physical::INT32 | Physical::INT64 => match (logical, converted) {
                (Some(LogicalType::Date), _) | (_, ConvertedType::DATE) => As::Date,
                (Some(LogicalType::Timestamp(t)), _) => As::Timestamp(match t.unit {
                    TimeUnit::MILLIS => 86_400_000,
                    TimeUnit::MICROS => 86_400_000_000,
                    TimeUnit::NANOS => 86_400_000_000_000,
                }),
                (_, ConvertedType::TIMESTAMP_MILLIS) => As::Timestamp(86_400_000),
                (_, ConvertedType::TIMESTAMP_MICROS) => As::Timestamp(86_400_000_000),
                _ => As::Int,
            },
            Physical::INT96 => {
                return Err(bad(format!(
                    "column {name:?} holds INT96 timestamps (a legacy type); write dates as DATE or text"
                )));
            }
        };
        cols.push((i, name, how));
    }
    // Row groups are decoded in parallel, each into the CSV text of its rows.
    let header: Vec<&str> = cols.iter().map(|c| c.1.as_str()).collect();
    let parts: Vec<Result<String, Vec<Diagnostic>>> = (0..meta.num_row_groups())
        .into_par_iter()
        .map(|g| {
            let group = reader
                .get_row_group(g)
                .map_err(|e| bad(format!("row group {g}: {e}")))?;
            let rows = usize::try_from(group.metadata().num_rows()).unwrap_or(0);
            let first_row: usize = (0..g)
                .map(|k| usize::try_from(meta.row_group(k).num_rows()).unwrap_or(0))
                .sum();
            let mut cells: Vec<Cells> = Vec::with_capacity(cols.len());
            for (k, (i, name, how)) in cols.iter().enumerate() {
                let column = group
                    .get_column_reader(*i)
                    .map_err(|e| bad(format!("column {name:?}: {e}")))?;
                let mut c = Cells {
                    cells: Strings::with_capacity(rows, rows * 8),
                    not_utf8: None,
                };
                read_column(column, rows, *how, &mut c)
                    .map_err(|e| bad(format!("column {name:?}, row group {g}: {e}")))?;
                if let Some(r) = c.not_utf8 {
                    return Err(vec![error(
                        file,
                        first_row + r + 1,
                        k + 1,
                        "bad-text",
                        format!("{name}: the value is not UTF-8 text"),
                    )]);
                }
                if c.cells.len() != rows {
                    return Err(bad(format!(
                        "column {name:?} has {} values in row group {g}, which has {rows} rows",
                        c.cells.len()
                    )));
                }
                cells.push(c);
            }
            let mut text =
                String::with_capacity(cells.iter().map(|c| c.cells.bytes() + rows).sum());
            for r in 0..rows {
                for (k, c) in cells.iter().enumerate() {
                    if k > 0 {
                        text.push(',');
                    }
                    push_field(&mut text, c.cells.get(r));
                }
                text.push('\n');
            }
            Ok(text)
        })
        .collect();
    let mut text = header.join(",");
    text.push('\n');
    for p in parts {
        text.push_str(&p?);
    }
    Ok(text)
}

/// The text of a column's cells, and the first row whose bytes are not UTF-8.
struct Cells {
    cells: Strings,
    not_utf8: Option<usize>,
}

/// Appends `rows` values of one column chunk as text (empty for null).
fn read_column(column: ColumnReader, rows: usize, how: As, out: &mut Cells) -> Result<(), String> {
    let mut defs: Vec<i16> = Vec::new();
    macro_rules! typed {
        ($r:expr, $show:expr) => {{
            let mut r = $r;
            let mut left = rows;
            while left > 0 {
                let mut values = Vec::new();
                defs.clear();
                let (records, _, _) = r
                    .read_records(left.min(BATCH), Some(&mut defs), None, &mut values)
                    .map_err(|e| e.to_string())?;
                if records == 0 {
                    return Err(format!("{left} row(s) missing"));
                }
                let mut it = values.into_iter();
                if defs.is_empty() {
                    // A required column: one value per row.
                    for v in it.by_ref().take(records) {
                        $show(v, &mut *out);
                        out.cells.end();
                    }
                } else {
                    let max = defs.iter().copied().max().unwrap_or(0);
                    for &d in defs.iter().take(records) {
                        if d == max
                            && let Some(v) = it.next()
                        {
                            $show(v, &mut *out);
                        }
                        out.cells.end();
                    }
                }
                left -= records;
            }
            Ok(())
        }};
    }
    let int = |v: i64, out: &mut Cells| {
        let days = match how {
            As::Date => i32::try_from(v).ok(),
            As::Timestamp(per_day) => i32::try_from(v.div_euclid(per_day)).ok(),
            _ => None,
        };
        match days {
            Some(d) => {
                let (y, m, dd) = date::civil_from_days(d);
                let _ = write!(out.cells.text_mut(), "{y:04}-{m:02}-{dd:02}");
            }
            None => {
                let _ = write!(out.cells.text_mut(), "{v}");
            }
        }
    };
    let float = |v: f64, out: &mut Cells| {
        if v.fract() == 0.0 && v.abs() < 1e15 {
            let _ = write!(out.cells.text_mut(), "{v:.0}");
        } else {
            let _ = write!(out.cells.text_mut(), "{v}");
        }
    };
    let text = |b: &[u8], out: &mut Cells| match std::str::from_utf8(b) {
        Ok(s) => out.cells.text_mut().push_str(s),
        Err(_) => {
            if out.not_utf8.is_none() {
                out.not_utf8 = Some(out.cells.len());
            }
        }
    };
    match column {
        ColumnReader::BoolColumnReader(r) => typed!(r, |v: bool, o: &mut Cells| o
            .cells
            .text_mut()
            .push_str(if v { "true" } else { "false" })),
        ColumnReader::Int32ColumnReader(r) => {
            typed!(r, |v: i32, o: &mut Cells| int(i64::from(v), o))
        }
        ColumnReader::Int64ColumnReader(r) => typed!(r, |v: i64, o: &mut Cells| int(v, o)),
        ColumnReader::FloatColumnReader(r) => {
            typed!(r, |v: f32, o: &mut Cells| float(f64::from(v), o))
        }
        ColumnReader::DoubleColumnReader(r) => typed!(r, |v: f64, o: &mut Cells| float(v, o)),
        ColumnReader::ByteArrayColumnReader(r) => {
            typed!(r, |v: parquet::data_type::ByteArray, o: &mut Cells| text(
                v.data(),
                o
            ))
        }
        ColumnReader::FixedLenByteArrayColumnReader(r) => {
            typed!(r, |v: parquet::data_type::FixedLenByteArray,
                       o: &mut Cells| text(v.data(), o))
        }
        ColumnReader::Int96ColumnReader(_) => Err("INT96 values are not read".into()),
    }
}
