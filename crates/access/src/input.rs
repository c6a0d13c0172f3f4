//! Reading tables people give us: a long cost file (`demand,site,cost`, as spopt's examples use) and a demand
//! file (id in the first column, a weight column).
//!
//! Every reader gathers all problems, each with file, row, column and reason, and returns nothing when there is
//! an error (never a half-read table).

use std::fmt;

use rustc_hash::FxHashMap;

use crate::matrix::{CostMatrix, MatrixError};

/// One problem in one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file as the user named it.
    pub file: String,
    /// 1-based row; the header is row 1 in a CSV. 0 for a problem with the whole file.
    pub row: usize,
    /// The column's name (empty when the problem is with the whole row or file).
    pub column: String,
    pub reason: String,
}

impl Problem {
    pub fn new(file: &str, row: usize, column: &str, reason: impl Into<String>) -> Problem {
        Problem {
            file: file.to_string(),
            row,
            column: column.to_string(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.row > 0 {
            write!(f, ":{}", self.row)?;
        }
        if !self.column.is_empty() {
            write!(f, " [{}]", self.column)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Stop collecting after this many problems (a wholly wrong file would otherwise print millions of lines).
pub const MAX_PROBLEMS: usize = 200;

/// Which columns of a long cost file hold what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostColumns {
    pub demand: String,
    pub site: String,
    pub cost: String,
}

impl Default for CostColumns {
    fn default() -> CostColumns {
        CostColumns {
            demand: "demand".into(),
            site: "site".into(),
            cost: "cost".into(),
        }
    }
}

/// A CSV reader over `text` (a leading byte-order mark is dropped), and the header.
fn reader<'a>(file: &str, text: &'a str) -> Result<(csv::Reader<&'a [u8]>, Vec<String>), Problem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| Problem::new(file, 1, "", format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect::<Vec<_>>();
    if header.iter().all(String::is_empty) {
        return Err(Problem::new(file, 1, "", "the file is empty (no header)"));
    }
    Ok((rdr, header))
}

fn column(file: &str, header: &[String], name: &str) -> Result<usize, Problem> {
    header.iter().position(|h| h == name).ok_or_else(|| {
        Problem::new(
            file,
            1,
            name,
            format!(
                "no column named {name:?} (the header has: {})",
                header.join(", ")
            ),
        )
    })
}

/// Parses a cost or weight: a finite number ≥ 0.
fn non_negative(cell: &str) -> Result<f64, String> {
    let t = cell.trim();
    if t.is_empty() {
        return Err("empty; a number ≥ 0 is needed".into());
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        Ok(v) => Err(format!("{v} is not a finite number ≥ 0")),
        Err(_) => Err(format!("{t:?} is not a number")),
    }
}

/// Reads a long cost file: one row per reachable (demand, site) pair. Ids keep the order in which they first
/// appear; pairs not listed are unreachable. A pair listed twice, an empty id, a cost that is not a finite number
/// ≥ 0, a missing column or a malformed row is a problem.
pub fn read_costs(file: &str, text: &str, cols: &CostColumns) -> Result<CostMatrix, Vec<Problem>> {
    let (mut rdr, header) = reader(file, text).map_err(|p| vec![p])?;
    let mut problems = Vec::new();
    let idx: Vec<usize> = [&cols.demand, &cols.site, &cols.cost]
        .iter()
        .filter_map(|name| match column(file, &header, name) {
            Ok(i) => Some(i),
            Err(p) => {
                problems.push(p);
                None
            }
        })
        .collect();
    if idx.len() < 3 {
        return Err(problems);
    }
    let (di, si, ci) = (idx[0], idx[1], idx[2]);
    let mut demand_ids: Vec<String> = Vec::new();
    let mut site_ids: Vec<String> = Vec::new();
    let mut demand_of: FxHashMap<String, u32> = FxHashMap::default();
    let mut site_of: FxHashMap<String, u32> = FxHashMap::default();
    let mut entries = Vec::new();
    // Long files usually list one demand point's (or site's) rows together: remember the last id of each.
    let mut last_d: Option<(String, u32)> = None;
    let mut last_s: Option<(String, u32)> = None;
    let mut rec = csv::StringRecord::new();
    let mut row = 1;
    loop {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        row += 1;
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                problems.push(Problem::new(file, row, "", format!("malformed CSV: {e}")));
                if e.is_io_error() {
                    break;
                }
                continue;
            }
        }
        let get = |j: usize| rec.get(j).map(str::trim);
        let (Some(d), Some(s), Some(c)) = (get(di), get(si), get(ci)) else {
            problems.push(Problem::new(
                file,
                row,
                "",
                format!("{} cells, the header has {}", rec.len(), header.len()),
            ));
            continue;
        };
        let mut ok = true;
        if d.is_empty() {
            problems.push(Problem::new(file, row, &cols.demand, "empty id"));
            ok = false;
        }
        if s.is_empty() {
            problems.push(Problem::new(file, row, &cols.site, "empty id"));
            ok = false;
        }
        let cost = match non_negative(c) {
            Ok(v) => v,
            Err(reason) => {
                problems.push(Problem::new(file, row, &cols.cost, reason));
                ok = false;
                0.0
            }
        };
        if !ok {
            continue;
        }
        let dn = cached(d, &mut last_d, &mut demand_of, &mut demand_ids);
        let sn = cached(s, &mut last_s, &mut site_of, &mut site_ids);
        entries.push((dn, sn, cost));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if entries.is_empty() {
        return Err(vec![Problem::new(file, 0, "", "no cost rows")]);
    }
    CostMatrix::from_entries(demand_ids, site_ids, entries).map_err(|e| match e {
        MatrixError::Duplicate { demand, site } => {
            duplicate_rows(file, text, &header, cols, &demand, &site)
        }
        e => vec![Problem::new(file, 0, "", e.to_string())],
    })
}

/// The problem of a pair listed twice, with both rows (found again by a second pass; only on this error).
fn duplicate_rows(
    file: &str,
    text: &str,
    header: &[String],
    cols: &CostColumns,
    demand: &str,
    site: &str,
) -> Vec<Problem> {
    let pos = |name: &str| header.iter().position(|h| h == name);
    let (Some(di), Some(si)) = (pos(&cols.demand), pos(&cols.site)) else {
        return vec![Problem::new(
            file,
            0,
            "",
            format!("demand {demand:?} and site {site:?} listed twice"),
        )];
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let rows: Vec<usize> = rdr
        .records()
        .enumerate()
        .filter_map(|(i, r)| {
            let r = r.ok()?;
            (r.get(di).map(str::trim) == Some(demand) && r.get(si).map(str::trim) == Some(site))
                .then_some(i + 2)
        })
        .collect();
    let (first, again) = (
        rows.first().copied().unwrap_or(0),
        rows.get(1).copied().unwrap_or(0),
    );
    vec![Problem::new(
        file,
        again,
        "",
        format!("demand {demand:?} and site {site:?} already listed at row {first}"),
    )]
}

fn cached(
    id: &str,
    last: &mut Option<(String, u32)>,
    of: &mut FxHashMap<String, u32>,
    ids: &mut Vec<String>,
) -> u32 {
    if let Some((l, i)) = last {
        if l == id {
            return *i;
        }
    }
    let i = intern(id, of, ids);
    *last = Some((id.to_string(), i));
    i
}

fn intern(id: &str, of: &mut FxHashMap<String, u32>, ids: &mut Vec<String>) -> u32 {
    if let Some(&i) = of.get(id) {
        return i;
    }
    let i = ids.len() as u32;
    ids.push(id.to_string());
    of.insert(id.to_string(), i);
    i
}

/// Reads a demand file: the id in the first column, the weight in `weight_col`. Ids must be unique and weights
/// finite numbers ≥ 0.
pub fn read_weights(
    file: &str,
    text: &str,
    weight_col: &str,
) -> Result<Vec<(String, f64)>, Vec<Problem>> {
    read_weights_by(file, text, None, weight_col)
}

/// [`read_weights`] with the id in the column named `id_col` (`None`: the first column).
pub fn read_weights_by(
    file: &str,
    text: &str,
    id_col: Option<&str>,
    weight_col: &str,
) -> Result<Vec<(String, f64)>, Vec<Problem>> {
    let (mut rdr, header) = reader(file, text).map_err(|p| vec![p])?;
    let wi = column(file, &header, weight_col).map_err(|p| vec![p])?;
    let ii = match id_col {
        Some(name) => column(file, &header, name).map_err(|p| vec![p])?,
        None => 0,
    };
    let id_name = header.get(ii).cloned().unwrap_or_default();
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut seen: FxHashMap<String, usize> = FxHashMap::default();
    for (i, rec) in rdr.records().enumerate() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let row = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(Problem::new(file, row, "", format!("malformed CSV: {e}")));
                continue;
            }
        };
        let id = rec.get(ii).map(str::trim).unwrap_or("");
        let Some(w) = rec.get(wi) else {
            problems.push(Problem::new(
                file,
                row,
                "",
                format!("{} cells, the header has {}", rec.len(), header.len()),
            ));
            continue;
        };
        if id.is_empty() {
            problems.push(Problem::new(file, row, &id_name, "empty id"));
            continue;
        }
        match non_negative(w) {
            Ok(v) => {
                if let Some(first) = seen.insert(id.to_string(), row) {
                    problems.push(Problem::new(
                        file,
                        row,
                        &id_name,
                        format!("{id:?} already listed at row {first}"),
                    ));
                } else {
                    out.push((id.to_string(), v));
                }
            }
            Err(reason) => problems.push(Problem::new(file, row, weight_col, reason)),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if out.is_empty() {
        return Err(vec![Problem::new(file, 0, "", "no demand rows")]);
    }
    Ok(out)
}

/// Puts the matrix's demand points in the demand file's order and returns the weights aligned with them.
///
/// A demand point of the demand file absent from the cost file reaches no site (it stays, uncovered). A demand id
/// of the cost file absent from the demand file is a problem of the cost file (its weight is unknown).
pub fn align_demand(
    costs_file: &str,
    matrix: &CostMatrix,
    weights: &[(String, f64)],
) -> Result<(CostMatrix, Vec<f64>), Vec<Problem>> {
    let index: FxHashMap<&str, u32> = weights
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i as u32))
        .collect();
    let mut problems = Vec::new();
    let mut new_of_old = Vec::with_capacity(matrix.n_demand());
    for id in matrix.demand_ids() {
        match index.get(id.as_str()) {
            Some(&i) => new_of_old.push(i),
            None => {
                if problems.len() < MAX_PROBLEMS {
                    problems.push(Problem::new(
                        costs_file,
                        0,
                        "",
                        format!(
                            "demand {id:?} is not in the demand file, so its weight is unknown"
                        ),
                    ));
                }
                new_of_old.push(u32::MAX);
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut entries = Vec::with_capacity(matrix.n_entries());
    for (old, &new) in new_of_old.iter().enumerate() {
        let (sites, costs) = matrix.by_demand(old);
        entries.extend(sites.iter().zip(costs).map(|(&s, &c)| (new, s, c)));
    }
    let ids = weights.iter().map(|(id, _)| id.clone()).collect();
    let m = CostMatrix::from_entries(ids, matrix.site_ids().to_vec(), entries)
        .map_err(|e| vec![Problem::new(costs_file, 0, "", e.to_string())])?;
    Ok((m, weights.iter().map(|(_, w)| *w).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_long_costs_and_aligns_weights() -> Result<(), Vec<Problem>> {
        let m = read_costs(
            "c.csv",
            "\u{feff}site,demand,cost\nA,t2,3\nA,t1,1.5\nB,t1,2\n",
            &CostColumns::default(),
        )?;
        assert_eq!(m.demand_ids(), ["t2", "t1"]);
        assert_eq!(m.site_ids(), ["A", "B"]);
        let w = read_weights("d.csv", "id,pop\nt1,10\nt2,20\nt3,5\n", "pop")?;
        let (m, w) = align_demand("c.csv", &m, &w)?;
        assert_eq!(m.demand_ids(), ["t1", "t2", "t3"]);
        assert_eq!(w, [10.0, 20.0, 5.0]);
        assert_eq!(m.by_demand(0), (&[0u32, 1][..], &[1.5, 2.0][..]));
        assert_eq!(m.by_demand(2).0.len(), 0);
        Ok(())
    }

    #[test]
    fn every_problem_with_row_and_column() {
        let text = "demand,site,cost\nt1,A,1\n,B,1\nt2,B,-3\nt3,C,abc\nt4\n";
        let Err(p) = read_costs("c.csv", text, &CostColumns::default()) else {
            unreachable!("bad file accepted")
        };
        let got: Vec<(usize, &str)> = p.iter().map(|p| (p.row, p.column.as_str())).collect();
        assert_eq!(got, [(3, "demand"), (4, "cost"), (5, "cost"), (6, "")]);
        let text = "demand,site,cost\nt1,A,1\nt2,A,2\nt1,B,1\nt1,A,3\n";
        let Err(p) = read_costs("c.csv", text, &CostColumns::default()) else {
            unreachable!("duplicate accepted")
        };
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].row, 5);
        assert!(p[0].reason.contains("row 2"), "{}", p[0].reason);
        let Err(p) = read_costs("c.csv", "a,b\n1,2\n", &CostColumns::default()) else {
            unreachable!("bad header accepted")
        };
        assert_eq!(p.len(), 3);
        assert_eq!(
            p[0].to_string(),
            "c.csv:1 [demand]: no column named \"demand\" (the header has: a, b)"
        );
        let Err(p) = read_weights("d.csv", "id,pop\nx,1\nx,2\ny,\n", "pop") else {
            unreachable!("bad weights accepted")
        };
        assert_eq!(p.len(), 2);
        let Err(p) = align_demand(
            "c.csv",
            &CostMatrix::from_dense(vec!["z".into()], vec!["A".into()], &[1.0])
                .unwrap_or_else(|_| unreachable!()),
            &[("y".into(), 1.0)],
        ) else {
            unreachable!("unknown demand accepted")
        };
        assert!(p[0].reason.contains("\"z\""));
    }
}
