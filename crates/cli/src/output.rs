//! Rendering of tables: aligned text (CJK-aware widths), CSV, JSON.

use std::io::Write;

use unicode_width::UnicodeWidthStr;

/// Writes rows as an aligned text table with a header and a rule. Cells wider than `max` display columns are cut
/// with an ellipsis.
pub fn text_table(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
    max: usize,
) -> std::io::Result<()> {
    let cut = |s: &str| -> String {
        let one_line = s.replace('\n', " ");
        if one_line.width() <= max {
            return one_line;
        }
        let mut w = 0;
        let mut t = String::new();
        for c in one_line.chars() {
            let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if w + cw + 1 > max {
                break;
            }
            w += cw;
            t.push(c);
        }
        t.push('…');
        t
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| cut(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for r in &cells {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.width());
            }
        }
    }
    let line = |out: &mut dyn Write, row: &[String]| -> std::io::Result<()> {
        let mut s = String::new();
        for (i, c) in row.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            s.push_str(c);
            if i + 1 < row.len() {
                s.push_str(&" ".repeat(w.saturating_sub(c.width()) + 2));
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    line(out, &head)?;
    let total: usize = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    writeln!(out, "{}", "─".repeat(total))?;
    for r in &cells {
        line(out, r)?;
    }
    Ok(())
}

/// Writes rows as CSV with a header.
pub fn csv_table(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header)?;
    for r in rows {
        w.write_record(r)?;
    }
    w.flush()?;
    Ok(())
}
