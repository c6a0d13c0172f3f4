//! 人员与家庭登记 — the persons and households registry, read from CSV into columns and validated.
//!
//! `persons.csv` has the columns of `docs/catalogue-format.md` (any order, extra columns ignored). Files without
//! double quotes are parsed in parallel chunks split at line ends; a file with quotes is parsed by the `csv`
//! crate in one pass. Every problem is a [`Diagnostic`] with the file, the line (the header is line 1), the
//! column number and a message naming the column. Cross-row problems (duplicate person ids, one citizen id on two
//! rows or in two households) are found after parsing by sorting hashes.
//!
//! With [`OnError::Refuse`] any problem refuses the whole file; with [`OnError::Quarantine`] the bad rows are set
//! aside (returned with their reasons, for a quarantine file) and the good rows are kept.

use minsheng_core::diag::{Diagnostic, Severity};
use rayon::prelude::*;
use rustc_hash::FxHasher;
use std::hash::Hasher;

use crate::citizen;
use crate::date;
use crate::fields::{FLAGS, HukouType, Sex, flag_bit};
use crate::regions::RegionIndex;

/// Strings stored end to end (ids of millions of persons without a `String` each).
#[derive(Debug, Clone, Default)]
pub struct Strings {
    buf: String,
    ends: Vec<usize>,
}

impl Strings {
    /// Room for `n` strings of `bytes` bytes in all.
    pub fn with_capacity(n: usize, bytes: usize) -> Strings {
        Strings {
            buf: String::with_capacity(bytes),
            ends: Vec::with_capacity(n),
        }
    }

    pub fn push(&mut self, s: &str) {
        self.buf.push_str(s);
        self.end();
    }

    /// The buffer, to write the text of the next string into; [`Strings::end`] closes that string.
    pub(crate) fn text_mut(&mut self) -> &mut String {
        &mut self.buf
    }

    /// Closes the string written since the last one ended.
    pub(crate) fn end(&mut self) {
        self.ends.push(self.buf.len());
    }

    /// The bytes of all strings.
    pub(crate) fn bytes(&self) -> usize {
        self.buf.len()
    }

    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.buf.get(start..self.ends[i]).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn extend(&mut self, other: &Strings) {
        let base = self.buf.len();
        self.buf.push_str(&other.buf);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }

    fn select(&self, keep: &[bool]) -> Strings {
        let mut out = Strings::default();
        for (i, &k) in keep.iter().enumerate() {
            if k {
                out.push(self.get(i));
            }
        }
        out
    }
}

/// The persons of a registry, one column per field.
#[derive(Debug, Clone, Default)]
pub struct Persons {
    pub id: Strings,
    pub citizen: Vec<[u8; 18]>,
    pub birth: Vec<i32>,
    /// 0 = M, 1 = F.
    pub sex: Vec<u8>,
    /// 0 = urban, 1 = rural.
    pub hukou_type: Vec<u8>,
    /// Region indices ([`RegionIndex`]).
    pub hukou_region: Vec<u32>,
    pub residence_region: Vec<u32>,
    pub residence_since: Vec<i32>,
    pub disability_category: Vec<u8>,
    pub disability_grade: Vec<u8>,
    /// Bits of [`FLAGS`].
    pub flags: Vec<u32>,
    /// Household index ([`Households`]).
    pub household: Vec<u32>,
    pub income: Vec<f64>,
    /// The line of the source file each person came from.
    pub line: Vec<u32>,
    household_key: Strings,
}

/// One person to add to [`Persons`] (the synthetic generator, the YAML cases).
#[derive(Debug, Clone)]
pub struct PersonRecord<'a> {
    pub id: &'a str,
    pub citizen: [u8; 18],
    pub birth: i32,
    pub sex: u8,
    pub hukou_type: u8,
    pub hukou_region: u32,
    pub residence_region: u32,
    pub residence_since: i32,
    pub disability_category: u8,
    pub disability_grade: u8,
    pub flags: u32,
    pub household: &'a str,
    pub income: f64,
    pub line: u32,
}

impl Persons {
    /// Appends a person (households are assigned by [`Registry::from_persons`]).
    pub fn push(&mut self, r: &PersonRecord<'_>) {
        self.id.push(r.id);
        self.citizen.push(r.citizen);
        self.birth.push(r.birth);
        self.sex.push(r.sex);
        self.hukou_type.push(r.hukou_type);
        self.hukou_region.push(r.hukou_region);
        self.residence_region.push(r.residence_region);
        self.residence_since.push(r.residence_since);
        self.disability_category.push(r.disability_category);
        self.disability_grade.push(r.disability_grade);
        self.flags.push(r.flags);
        self.household.push(0);
        self.income.push(r.income);
        self.line.push(r.line);
        self.household_key.push(r.household);
    }

    /// The household id each person was given.
    pub fn household_key(&self, i: usize) -> &str {
        self.household_key.get(i)
    }
}

impl Persons {
    pub fn len(&self) -> usize {
        self.birth.len()
    }

    pub fn is_empty(&self) -> bool {
        self.birth.is_empty()
    }

    /// Room for `n` persons whose ids and household ids take about `id_bytes` and `hh_bytes` bytes.
    fn with_capacity(n: usize, id_bytes: usize, hh_bytes: usize) -> Persons {
        Persons {
            id: Strings::with_capacity(n, id_bytes),
            citizen: Vec::with_capacity(n),
            birth: Vec::with_capacity(n),
            sex: Vec::with_capacity(n),
            hukou_type: Vec::with_capacity(n),
            hukou_region: Vec::with_capacity(n),
            residence_region: Vec::with_capacity(n),
            residence_since: Vec::with_capacity(n),
            disability_category: Vec::with_capacity(n),
            disability_grade: Vec::with_capacity(n),
            flags: Vec::with_capacity(n),
            household: Vec::with_capacity(n),
            income: Vec::with_capacity(n),
            line: Vec::with_capacity(n),
            household_key: Strings::with_capacity(n, hh_bytes),
        }
    }

    /// The persons of several parts end to end, the columns copied in parallel.
    fn concat(parts: Vec<Persons>) -> Persons {
        fn cat<T: Copy + Send + Sync>(
            parts: &[Persons],
            f: impl Fn(&Persons) -> &Vec<T>,
        ) -> Vec<T> {
            let mut v = Vec::with_capacity(parts.iter().map(|p| f(p).len()).sum());
            for p in parts {
                v.extend_from_slice(f(p));
            }
            v
        }
        fn strings(parts: &[Persons], f: impl Fn(&Persons) -> &Strings) -> Strings {
            let mut s = Strings::default();
            for p in parts {
                s.extend(f(p));
            }
            s
        }
        if parts.len() == 1 {
            return parts.into_iter().next().unwrap_or_default();
        }
        let p = &parts[..];
        let ((id, household_key), ((citizen, birth), (flags, income))) = rayon::join(
            || {
                rayon::join(
                    || strings(p, |x| &x.id),
                    || strings(p, |x| &x.household_key),
                )
            },
            || {
                rayon::join(
                    || rayon::join(|| cat(p, |x| &x.citizen), || cat(p, |x| &x.birth)),
                    || rayon::join(|| cat(p, |x| &x.flags), || cat(p, |x| &x.income)),
                )
            },
        );
        let ((sex, hukou_type), ((hukou_region, residence_region), (residence_since, line))) =
            rayon::join(
                || rayon::join(|| cat(p, |x| &x.sex), || cat(p, |x| &x.hukou_type)),
                || {
                    rayon::join(
                        || {
                            rayon::join(
                                || cat(p, |x| &x.hukou_region),
                                || cat(p, |x| &x.residence_region),
                            )
                        },
                        || rayon::join(|| cat(p, |x| &x.residence_since), || cat(p, |x| &x.line)),
                    )
                },
            );
        Persons {
            id,
            citizen,
            birth,
            sex,
            hukou_type,
            hukou_region,
            residence_region,
            residence_since,
            disability_category: cat(p, |x| &x.disability_category),
            disability_grade: cat(p, |x| &x.disability_grade),
            flags,
            household: cat(p, |x| &x.household),
            income,
            line,
            household_key,
        }
    }

    fn select(&self, keep: &[bool]) -> Persons {
        fn sel<T: Copy>(v: &[T], keep: &[bool]) -> Vec<T> {
            v.iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(x, _)| *x)
                .collect()
        }
        Persons {
            id: self.id.select(keep),
            citizen: sel(&self.citizen, keep),
            birth: sel(&self.birth, keep),
            sex: sel(&self.sex, keep),
            hukou_type: sel(&self.hukou_type, keep),
            hukou_region: sel(&self.hukou_region, keep),
            residence_region: sel(&self.residence_region, keep),
            residence_since: sel(&self.residence_since, keep),
            disability_category: sel(&self.disability_category, keep),
            disability_grade: sel(&self.disability_grade, keep),
            flags: sel(&self.flags, keep),
            household: sel(&self.household, keep),
            income: sel(&self.income, keep),
            line: sel(&self.line, keep),
            household_key: self.household_key.select(keep),
        }
    }
}

/// Households: the members of each in compressed rows.
#[derive(Debug, Clone, Default)]
pub struct Households {
    pub id: Strings,
    pub start: Vec<u32>,
    pub members: Vec<u32>,
}

impl Households {
    pub fn len(&self) -> usize {
        self.id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    pub fn members(&self, h: usize) -> &[u32] {
        let (a, b) = (self.start[h] as usize, self.start[h + 1] as usize);
        &self.members[a..b]
    }
}

/// A registry: persons, their households, and a lookup from person id to index.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub persons: Persons,
    pub households: Households,
    /// `(hash of person id, index)` sorted, for [`Registry::find`].
    lookup: Vec<(u64, u32)>,
    /// `dir[b]` is the first position in `lookup` whose hash has the top bits `b` (the hashes are uniform, so a
    /// look-up scans about one entry instead of a binary search over millions).
    dir: Vec<u32>,
    dir_shift: u32,
    /// Whether the person ids are in strictly ascending order (byte order).
    ids_sorted: bool,
}

/// What to do with bad rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// Any problem refuses the file: nothing is read.
    Refuse,
    /// Bad rows are set aside with their reasons; the rest is read.
    Quarantine,
}

/// A row set aside: its line, its text and every reason.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRow {
    pub line: u32,
    pub text: String,
    pub reasons: Vec<String>,
}

/// The outcome of reading a registry.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub registry: Registry,
    /// Every problem (errors refuse the file in [`OnError::Refuse`] mode).
    pub problems: Vec<Diagnostic>,
    /// Rows set aside ([`OnError::Quarantine`]), in file order.
    pub quarantined: Vec<BadRow>,
    /// Columns of the file that no field reads.
    pub ignored_columns: Vec<String>,
}

fn hash(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

impl Registry {
    /// The index of a person by id, trying `hint` first (a file that lists persons in registry order finds each
    /// one at the position after the previous one, without hashing).
    ///
    /// When the registry's ids are in ascending order (as a database export usually is) and `id` comes after the
    /// hint, the search gallops forward from the hint: a recipients file sorted the same way is read with
    /// look-ups near the previous one instead of random probes over the whole table.
    pub fn find_near(&self, id: &str, hint: usize) -> Option<usize> {
        let ids = &self.persons.id;
        let n = ids.len();
        if hint < n {
            match ids.get(hint).cmp(id) {
                std::cmp::Ordering::Equal => return Some(hint),
                std::cmp::Ordering::Less if self.ids_sorted => {
                    // Gallop: find a step past `id`, then search the last step.
                    let (mut lo, mut step) = (hint, 1usize);
                    let hi = loop {
                        let at = lo + step;
                        if at >= n {
                            break n;
                        }
                        match ids.get(at).cmp(id) {
                            std::cmp::Ordering::Equal => return Some(at),
                            std::cmp::Ordering::Less => {
                                lo = at;
                                step *= 2;
                            }
                            std::cmp::Ordering::Greater => break at,
                        }
                    };
                    let (mut a, mut b) = (lo + 1, hi);
                    while a < b {
                        let m = a + (b - a) / 2;
                        match ids.get(m).cmp(id) {
                            std::cmp::Ordering::Equal => return Some(m),
                            std::cmp::Ordering::Less => a = m + 1,
                            std::cmp::Ordering::Greater => b = m,
                        }
                    }
                    return None;
                }
                _ => {}
            }
        }
        self.find(id)
    }

    /// The index of a person by id.
    pub fn find(&self, id: &str) -> Option<usize> {
        let h = hash(id);
        let b = (h >> self.dir_shift) as usize;
        let (Some(&lo), Some(&hi)) = (self.dir.get(b), self.dir.get(b + 1)) else {
            return None;
        };
        let bucket = self.lookup.get(lo as usize..hi as usize).unwrap_or(&[]);
        let at = bucket.partition_point(|&(x, _)| x < h);
        bucket[at..]
            .iter()
            .take_while(|&&(x, _)| x == h)
            .map(|&(_, i)| i as usize)
            .find(|&i| self.persons.id.get(i) == id)
    }

    /// Builds a registry from persons (assigns households, the id lookup). Used by the reader, the YAML cases and
    /// the synthetic generator.
    pub fn from_persons(persons: Persons) -> Registry {
        Registry::from_persons_sorted(persons, None)
    }

    /// As [`Registry::from_persons`], with the `(hash of person id, index)` pairs already sorted when the caller
    /// has them (the reader sorts them to find duplicate ids).
    fn from_persons_sorted(mut persons: Persons, by_id: Option<Vec<(u64, u32)>>) -> Registry {
        let n = persons.len();
        // Households in order of first appearance. Members are usually on consecutive rows: group runs of equal
        // consecutive keys first, then runs with the same key (a household whose rows are apart).
        let keys = &persons.household_key;
        let run_starts: Vec<u32> = {
            let mut v = Vec::with_capacity(n / 2 + 1);
            for i in 0..n {
                if i == 0 || keys.get(i) != keys.get(i - 1) {
                    v.push(i as u32);
                }
            }
            v
        };
        let mut keyed: Vec<(u64, u32)> = run_starts
            .par_iter()
            .enumerate()
            .map(|(r, &i)| (hash(keys.get(i as usize)), r as u32))
            .collect();
        keyed.par_sort_unstable();
        // The first run of each run's household (by position: runs are in row order).
        let mut first_run = vec![u32::MAX; run_starts.len()];
        for g in keyed.chunk_by(|a, b| a.0 == b.0) {
            // Within one hash, group by the actual key (collisions are rare).
            for (a, &(_, ra)) in g.iter().enumerate() {
                if first_run[ra as usize] != u32::MAX {
                    continue;
                }
                first_run[ra as usize] = ra;
                let ka = keys.get(run_starts[ra as usize] as usize);
                for &(_, rb) in &g[a + 1..] {
                    if first_run[rb as usize] == u32::MAX
                        && keys.get(run_starts[rb as usize] as usize) == ka
                    {
                        first_run[rb as usize] = ra.min(rb);
                    }
                }
            }
        }
        drop(keyed);
        // Every person's first member (the first row of the first run of its household).
        let mut first_of = vec![0u32; n];
        for (r, &start) in run_starts.iter().enumerate() {
            let end = run_starts.get(r + 1).map_or(n, |&e| e as usize);
            let f = run_starts[first_run[r] as usize];
            first_of[start as usize..end].fill(f);
        }
        // Number households by their first member's position.
        let mut index_of_first = vec![u32::MAX; n];
        let mut households = Households::default();
        for &f in &first_of {
            let f = f as usize;
            if index_of_first[f] == u32::MAX {
                index_of_first[f] = households.id.len() as u32;
                households.id.push(persons.household_key.get(f));
            }
        }
        let nh = households.id.len();
        persons.household = (0..n)
            .map(|p| index_of_first[first_of[p] as usize])
            .collect();
        let mut start = vec![0u32; nh + 1];
        for &h in &persons.household {
            start[h as usize + 1] += 1;
        }
        for h in 0..nh {
            start[h + 1] += start[h];
        }
        let mut fill = start.clone();
        let mut members = vec![0u32; n];
        for (p, &h) in persons.household.iter().enumerate() {
            members[fill[h as usize] as usize] = p as u32;
            fill[h as usize] += 1;
        }
        households.start = start;
        households.members = members;
        let lookup = by_id.unwrap_or_else(|| {
            let mut v: Vec<(u64, u32)> = (0..n)
                .into_par_iter()
                .map(|i| (hash(persons.id.get(i)), i as u32))
                .collect();
            v.par_sort_unstable();
            v
        });
        let bits = (usize::BITS - n.leading_zeros()).clamp(1, 30);
        let dir_shift = 64 - bits;
        let mut dir = vec![0u32; (1usize << bits) + 1];
        for &(h, _) in &lookup {
            dir[(h >> dir_shift) as usize + 1] += 1;
        }
        for b in 1..dir.len() {
            dir[b] += dir[b - 1];
        }
        let ids_sorted = (1..n)
            .into_par_iter()
            .all(|i| persons.id.get(i - 1) < persons.id.get(i));
        Registry {
            persons,
            households,
            lookup,
            dir,
            dir_shift,
            ids_sorted,
        }
    }
}

/// The columns a persons file must have.
pub const REQUIRED: [&str; 8] = [
    "person_id",
    "citizen_id",
    "birth_date",
    "sex",
    "hukou_type",
    "hukou_region",
    "residence_region",
    "household_id",
];
/// Columns that may be left out (empty = default).
pub const OPTIONAL: [&str; 5] = [
    "residence_since",
    "disability_category",
    "disability_grade",
    "flags",
    "income",
];

/// Column positions in a file.
#[derive(Debug, Clone, Copy)]
struct Cols {
    at: [usize; 13],
    width: usize,
}

const NONE: usize = usize::MAX;

/// A row-level problem found while parsing: line, column number (1-based, 0 = whole row), code, message.
type RowProblem = (u32, usize, &'static str, String);

struct Chunk {
    persons: Persons,
    problems: Vec<RowProblem>,
    /// Lines with problems (not kept in the persons).
    bad: Vec<u32>,
}

/// Reads a persons CSV.
pub fn read_persons(file: &str, text: &str, regions: &RegionIndex, on_error: OnError) -> Loaded {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut loaded = Loaded::default();
    let diag = |line: u32, column: usize, code: &'static str, message: String| Diagnostic {
        severity: Severity::Error,
        file: file.to_string(),
        line: line as usize,
        column,
        code,
        message,
    };
    let header_end = text.find('\n').unwrap_or(text.len());
    let header_line = text.get(..header_end).unwrap_or("").trim_end_matches('\r');
    if header_line.trim().is_empty() {
        loaded.problems.push(diag(
            1,
            0,
            "empty-file",
            "the file is empty (no header)".into(),
        ));
        return loaded;
    }
    let header: Vec<String> = split_fields(header_line)
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut at = [NONE; 13];
    for (k, name) in REQUIRED.iter().chain(OPTIONAL.iter()).enumerate() {
        if let Some(i) = header.iter().position(|h| h == name) {
            at[k] = i;
        } else if k < REQUIRED.len() {
            loaded.problems.push(diag(
                1,
                0,
                "missing-column",
                format!(
                    "no column {name:?} (a persons file needs: {}; the header has: {})",
                    REQUIRED.join(", "),
                    header.join(", ")
                ),
            ));
        }
    }
    if !loaded.problems.is_empty() {
        return loaded;
    }
    loaded.ignored_columns = header
        .iter()
        .filter(|h| !REQUIRED.contains(&h.as_str()) && !OPTIONAL.contains(&h.as_str()))
        .cloned()
        .collect();
    let cols = Cols {
        at,
        width: header.len(),
    };
    let body = text.get(header_end + 1..).unwrap_or("");
    let chunks: Vec<Chunk> = if body.contains('"') {
        vec![parse_quoted(body, cols, regions, 2)]
    } else {
        split_chunks(body)
            .into_par_iter()
            .map(|part| parse_plain(&part, cols, regions))
            .collect()
    };
    let mut problems: Vec<RowProblem> = Vec::new();
    let mut bad_lines: Vec<u32> = Vec::new();
    let mut parts = Vec::with_capacity(chunks.len());
    for c in chunks {
        parts.push(c.persons);
        problems.extend(c.problems);
        bad_lines.extend(c.bad);
    }
    let mut persons = Persons::concat(parts);
    let mut by_id = Some(cross_row(&persons, &mut problems, &mut bad_lines));
    problems.sort_by_key(|p| (p.0, p.1));
    loaded.problems = problems
        .iter()
        .map(|(l, c, code, m)| diag(*l, *c, code, m.clone()))
        .collect();
    if !bad_lines.is_empty() {
        bad_lines.sort_unstable();
        bad_lines.dedup();
        match on_error {
            OnError::Refuse => return loaded,
            OnError::Quarantine => {
                let lines = line_texts(body, 2, &bad_lines);
                let mut by_line: rustc_hash::FxHashMap<u32, Vec<String>> = Default::default();
                for (l, c, _, m) in &problems {
                    let col = if *c > 0 {
                        header.get(c - 1).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    };
                    by_line.entry(*l).or_default().push(if col.is_empty() {
                        m.clone()
                    } else {
                        format!("{col}: {m}")
                    });
                }
                loaded.quarantined = bad_lines
                    .iter()
                    .zip(lines)
                    .map(|(&line, text)| BadRow {
                        line,
                        text,
                        reasons: by_line.remove(&line).unwrap_or_default(),
                    })
                    .collect();
                let bad: rustc_hash::FxHashSet<u32> = bad_lines.iter().copied().collect();
                let keep: Vec<bool> = persons.line.iter().map(|l| !bad.contains(l)).collect();
                persons = persons.select(&keep);
                by_id = None;
            }
        }
    }
    loaded.registry = Registry::from_persons_sorted(persons, by_id);
    loaded
}

/// The texts of the given (sorted) lines of `body`, whose first line is `first`.
fn line_texts(body: &str, first: u32, lines: &[u32]) -> Vec<String> {
    let mut out = Vec::with_capacity(lines.len());
    let mut want = lines.iter().peekable();
    for (i, l) in body.split('\n').enumerate() {
        let n = first + i as u32;
        while want.peek().is_some_and(|&&w| w < n) {
            want.next();
            out.push(String::new());
        }
        if want.peek().is_some_and(|&&w| w == n) {
            want.next();
            out.push(l.trim_end_matches('\r').to_string());
        }
        if want.peek().is_none() {
            break;
        }
    }
    while out.len() < lines.len() {
        out.push(String::new());
    }
    out
}

/// A piece of a CSV body cut at a line end: the line number of its first line, its number of line feeds, its text.
pub(crate) struct Part<'t> {
    pub first_line: u32,
    pub lines: u32,
    pub text: &'t str,
}

/// Splits the body into about 4 × threads pieces at line ends, each with the line number of its first line.
pub(crate) fn split_chunks(body: &str) -> Vec<Part<'_>> {
    let n = (rayon::current_num_threads() * 4).max(1);
    let target = (body.len() / n).max(1 << 16);
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = body.as_bytes();
    while start < bytes.len() {
        let mut end = (start + target).min(bytes.len());
        while end < bytes.len() && bytes[end - 1] != b'\n' {
            end += 1;
        }
        parts.push(body.get(start..end).unwrap_or(""));
        start = end;
    }
    // Line numbers: count the newlines of the earlier parts.
    let counts: Vec<u32> = parts
        .par_iter()
        .map(|p| p.bytes().filter(|&b| b == b'\n').count() as u32)
        .collect();
    let mut line = 2u32;
    parts
        .into_iter()
        .zip(counts)
        .map(|(text, lines)| {
            let first_line = line;
            line += lines;
            Part {
                first_line,
                lines,
                text,
            }
        })
        .collect()
}

fn split_fields(line: &str) -> Vec<&str> {
    line.split(',').collect()
}

fn parse_plain(part: &Part<'_>, cols: Cols, regions: &RegionIndex) -> Chunk {
    // Size the columns from the first line so that they do not grow (and copy) while parsing.
    let rows = part.lines as usize + 1;
    let first = part.text.split('\n').next().unwrap_or("");
    let cell = |k: usize| {
        first
            .split(',')
            .nth(cols.at[k])
            .map_or(16, |c| c.trim().len() + 2)
    };
    let mut chunk = Chunk {
        persons: Persons::with_capacity(rows, rows * cell(0), rows * cell(7)),
        problems: Vec::new(),
        bad: Vec::new(),
    };
    for_each_row(part.text, part.first_line, cols.width, |fields, line| {
        row(fields, line, cols, regions, &mut chunk);
    });
    chunk
}

/// Calls `f` with the cells and the line number of every non-empty row of an unquoted CSV part, in one pass over
/// the bytes: cells end at commas, rows at line feeds (both ASCII, so every cut is on a character boundary; a
/// carriage return before the line feed is dropped).
pub(crate) fn for_each_row<'t>(
    part: &'t str,
    first_line: u32,
    width: usize,
    mut f: impl FnMut(&[&'t str], u32),
) {
    let mut fields: Vec<&str> = Vec::with_capacity(width);
    let bytes = part.as_bytes();
    let (mut line, mut row_start, mut cell_start) = (first_line, 0usize, 0usize);
    for i in 0..=bytes.len() {
        let b = bytes.get(i).copied().unwrap_or(b'\n');
        if b == b',' {
            fields.push(part.get(cell_start..i).unwrap_or(""));
            cell_start = i + 1;
        } else if b == b'\n' {
            let end = if i > row_start && bytes.get(i - 1) == Some(&b'\r') {
                i - 1
            } else {
                i
            };
            if end > row_start {
                fields.push(part.get(cell_start..end.max(cell_start)).unwrap_or(""));
                f(&fields, line);
            }
            fields.clear();
            line += 1;
            row_start = i + 1;
            cell_start = i + 1;
        }
    }
}

/// A cell without surrounding white space (checked cheaply: most cells have none).
pub(crate) fn trimmed(s: &str) -> &str {
    let plain = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii_graphic());
    if plain(s.as_bytes().first()) && plain(s.as_bytes().last()) {
        s
    } else {
        s.trim()
    }
}

fn parse_quoted(body: &str, cols: Cols, regions: &RegionIndex, first_line: u32) -> Chunk {
    let mut chunk = Chunk {
        persons: Persons::default(),
        problems: Vec::new(),
        bad: Vec::new(),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut rec = csv::StringRecord::new();
    loop {
        let line = rdr
            .position()
            .line()
            .saturating_add(u64::from(first_line) - 1) as u32;
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                if rec.len() == 1 && rec.get(0).is_some_and(str::is_empty) {
                    continue;
                }
                let fields: Vec<&str> = rec.iter().collect();
                row(&fields, line, cols, regions, &mut chunk);
            }
            Err(e) => {
                chunk
                    .problems
                    .push((line, 0, "malformed-csv", format!("malformed CSV: {e}")));
                chunk.bad.push(line);
                break;
            }
        }
    }
    chunk
}

/// Parses and checks one row into the chunk.
fn row(f: &[&str], line: u32, cols: Cols, regions: &RegionIndex, chunk: &mut Chunk) {
    let before = chunk.problems.len();
    let mut problem = |col: usize, code: &'static str, msg: String| {
        // An absent optional column (NONE) wraps to column 0, "the whole row".
        chunk.problems.push((line, col.wrapping_add(1), code, msg));
    };
    if f.len() != cols.width {
        chunk.problems.push((
            line,
            0,
            "row-width",
            format!("{} cells, the header has {}", f.len(), cols.width),
        ));
        chunk.bad.push(line);
        return;
    }
    let get = |k: usize| -> &str {
        let i = cols.at[k];
        if i == NONE {
            return "";
        }
        trimmed(f[i])
    };
    let col = |k: usize| cols.at[k];
    let id = get(0);
    if id.is_empty() {
        problem(col(0), "empty-id", "person_id is empty".into());
    }
    let birth = date::parse(get(2));
    if birth.is_none() {
        problem(
            col(2),
            "bad-date",
            format!("birth_date {:?} is not a date YYYY-MM-DD", get(2)),
        );
    }
    let sex = Sex::parse(get(3));
    if sex.is_none() {
        problem(
            col(3),
            "bad-sex",
            format!("sex {:?} is not M/F (男/女, 1/2)", get(3)),
        );
    }
    let mut cid = [b'0'; 18];
    match citizen::validate(get(1)) {
        Ok((id18, id_birth, male)) => {
            cid = id18;
            if let Some(b) = birth
                && b != id_birth
            {
                problem(
                    col(1),
                    "id-birth-mismatch",
                    format!(
                        "citizen_id says born {}, birth_date says {}",
                        date::format(id_birth),
                        date::format(b)
                    ),
                );
            }
            if let Some(s) = sex
                && (s == Sex::M) != male
            {
                problem(
                    col(1),
                    "id-sex-mismatch",
                    format!(
                        "citizen_id's sequence code is {} ({}), sex says {}",
                        if male { "odd" } else { "even" },
                        if male { "male" } else { "female" },
                        Sex::label(s as u32)
                    ),
                );
            }
        }
        Err(e) => problem(
            col(1),
            "bad-citizen-id",
            format!("citizen_id {:?} {e}", get(1)),
        ),
    }
    let hukou_type = HukouType::parse(get(4));
    if hukou_type.is_none() {
        problem(
            col(4),
            "bad-hukou-type",
            format!("hukou_type {:?} is not urban/rural (城镇/农村)", get(4)),
        );
    }
    let mut region = |k: usize, name: &str| -> u32 {
        match regions.index_of(get(k)) {
            Some(r) => r,
            None => {
                chunk.problems.push((
                    line,
                    col(k).wrapping_add(1),
                    "unknown-region",
                    format!("{name} {:?} is not a known GB/T 2260 region code", get(k)),
                ));
                0
            }
        }
    };
    let hukou_region = region(5, "hukou_region");
    let residence_region = region(6, "residence_region");
    let mut problem = |col: usize, code: &'static str, msg: String| {
        // An absent optional column (NONE) wraps to column 0, "the whole row".
        chunk.problems.push((line, col.wrapping_add(1), code, msg));
    };
    let household = get(7);
    if household.is_empty() {
        problem(col(7), "empty-household", "household_id is empty".into());
    }
    let since = match get(8) {
        "" => birth.unwrap_or(0),
        s => match date::parse(s) {
            Some(d) => {
                if birth.is_some_and(|b| d < b) {
                    problem(
                        col(8),
                        "bad-date",
                        format!("residence_since {s} is before the birth date"),
                    );
                }
                d
            }
            None => {
                problem(
                    col(8),
                    "bad-date",
                    format!("residence_since {s:?} is not a date YYYY-MM-DD"),
                );
                0
            }
        },
    };
    let small = |k: usize,
                 max: u8,
                 what: &str,
                 problem: &mut dyn FnMut(usize, &'static str, String)|
     -> u8 {
        match get(k) {
            "" => 0,
            s => match s.parse::<u8>() {
                Ok(v) if v <= max => v,
                _ => {
                    problem(
                        col(k),
                        "bad-value",
                        format!("{what} {s:?} is not an integer 0–{max}"),
                    );
                    0
                }
            },
        }
    };
    let category = small(9, 7, "disability_category", &mut problem);
    let grade = small(10, 4, "disability_grade", &mut problem);
    if (category == 0) != (grade == 0) {
        problem(
            col(10),
            "bad-value",
            format!(
                "disability_category {category} and disability_grade {grade} disagree (both 0, or both set)"
            ),
        );
    }
    let mut flags = 0u32;
    for flag in get(11).split(';').map(str::trim).filter(|s| !s.is_empty()) {
        match flag_bit(flag) {
            Some(b) => flags |= b,
            None => problem(
                col(11),
                "unknown-flag",
                format!(
                    "unknown flag {flag:?} (known: {})",
                    FLAGS.iter().map(|f| f.0).collect::<Vec<_>>().join(", ")
                ),
            ),
        }
    }
    let income = match get(12) {
        "" => 0.0,
        s => match s.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => v,
            _ => {
                problem(
                    col(12),
                    "bad-value",
                    format!("income {s:?} is not a number ≥ 0"),
                );
                0.0
            }
        },
    };
    if chunk.problems.len() > before {
        chunk.bad.push(line);
        return;
    }
    let p = &mut chunk.persons;
    p.id.push(id);
    p.citizen.push(cid);
    p.birth.push(birth.unwrap_or(0));
    p.sex.push(sex.map_or(0, |s| s as u8));
    p.hukou_type.push(hukou_type.map_or(0, |h| h as u8));
    p.hukou_region.push(hukou_region);
    p.residence_region.push(residence_region);
    p.residence_since.push(since);
    p.disability_category.push(category);
    p.disability_grade.push(grade);
    p.flags.push(flags);
    p.household.push(0);
    p.income.push(income);
    p.line.push(line);
    p.household_key.push(household);
}

/// Duplicate person ids; one citizen id on two rows (in two households, or twice in one).
/// Cross-row checks; returns the `(hash of person id, index)` pairs sorted (the registry's look-up table).
fn cross_row(p: &Persons, problems: &mut Vec<RowProblem>, bad: &mut Vec<u32>) -> Vec<(u64, u32)> {
    let n = p.len();
    let mut by_id: Vec<(u64, u32)> = (0..n)
        .into_par_iter()
        .map(|i| (hash(p.id.get(i)), i as u32))
        .collect();
    by_id.par_sort_unstable();
    for w in groups(&by_id) {
        let mut seen: Vec<u32> = Vec::new();
        for &(_, i) in w {
            let i = i as usize;
            if let Some(&first) = seen.iter().find(|&&f| p.id.get(f as usize) == p.id.get(i)) {
                problems.push((
                    p.line[i],
                    1,
                    "duplicate-person",
                    format!(
                        "person_id {:?} is also on line {}",
                        p.id.get(i),
                        p.line[first as usize]
                    ),
                ));
                bad.push(p.line[i]);
                bad.push(p.line[first as usize]);
            } else {
                seen.push(i as u32);
            }
        }
    }
    // Sorted by (hash of the id, position): equal ids are adjacent, in file order, behind equal hashes.
    let mut by_citizen: Vec<(u64, u32)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut h = FxHasher::default();
            h.write(&p.citizen[i]);
            (h.finish(), i as u32)
        })
        .collect();
    by_citizen.par_sort_unstable();
    // Within a run of equal hashes, group equal ids (collisions of different ids are rare).
    let mut k = 0;
    while k < by_citizen.len() {
        let mut end = k + 1;
        while end < by_citizen.len() && by_citizen[end].0 == by_citizen[k].0 {
            end += 1;
        }
        if end > k + 1 {
            by_citizen[k..end].sort_by_key(|&(_, i)| (p.citizen[i as usize], i));
        }
        k = end;
    }
    let same = |a: &(u64, u32), b: &(u64, u32)| p.citizen[a.1 as usize] == p.citizen[b.1 as usize];
    let mut i = 0;
    while i < by_citizen.len() {
        let mut j = i + 1;
        while j < by_citizen.len() && same(&by_citizen[j], &by_citizen[i]) {
            j += 1;
        }
        if j > i + 1 {
            let first = by_citizen[i].1 as usize;
            for &(_, k) in &by_citizen[i + 1..j] {
                let k = k as usize;
                let (code, what) = if p.household_key.get(k) != p.household_key.get(first) {
                    (
                        "two-households",
                        format!(
                            "citizen_id {} is in household {:?} here and in household {:?} on line {}: a person belongs to one household",
                            citizen::mask(&p.citizen[k]),
                            p.household_key.get(k),
                            p.household_key.get(first),
                            p.line[first]
                        ),
                    )
                } else {
                    (
                        "duplicate-citizen",
                        format!(
                            "citizen_id {} is also on line {}",
                            citizen::mask(&p.citizen[k]),
                            p.line[first]
                        ),
                    )
                };
                problems.push((p.line[k], 2, code, what));
                bad.push(p.line[k]);
                bad.push(p.line[first]);
            }
        }
        i = j;
    }
    by_id
}

/// Runs of equal hashes.
fn groups(sorted: &[(u64, u32)]) -> impl Iterator<Item = &[(u64, u32)]> {
    sorted.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1)
}
