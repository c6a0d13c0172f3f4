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

use crate::blocks::{BLOCK, Blocks, Input, Source};
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

    /// The bytes of string `i` (for comparisons and hashes: no character-boundary checks).
    pub(crate) fn bytes_of(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.buf.as_bytes().get(start..self.ends[i]).unwrap_or(&[])
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

    fn reserve(&mut self, n: usize, bytes: usize) {
        self.ends.reserve(n.saturating_sub(self.ends.len()));
        self.buf.reserve(bytes.saturating_sub(self.buf.len()));
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

    /// Room for `n` persons whose ids take about `id_bytes` bytes (reserved, not touched: pages are given by
    /// the system when first written).
    fn reserve(&mut self, n: usize, id_bytes: usize) {
        fn r<T>(v: &mut Vec<T>, n: usize) {
            v.reserve_exact(n.saturating_sub(v.len()));
        }
        r(&mut self.citizen, n);
        r(&mut self.birth, n);
        r(&mut self.sex, n);
        r(&mut self.hukou_type, n);
        r(&mut self.hukou_region, n);
        r(&mut self.residence_region, n);
        r(&mut self.residence_since, n);
        r(&mut self.disability_category, n);
        r(&mut self.disability_grade, n);
        r(&mut self.flags, n);
        r(&mut self.household, n);
        r(&mut self.income, n);
        r(&mut self.line, n);
        self.id.reserve(n, id_bytes);
        self.household_key.reserve(n, id_bytes);
    }

    /// Extends the fixed-width columns to `n` rows of zeros (the strings are appended separately), the columns
    /// and the rows of each written in parallel (the first write to fresh pages is the costly part).
    fn grow(&mut self, n: usize) {
        fn g<T: Copy + Send + Sync>(v: &mut Vec<T>, n: usize, x: T) {
            let add = n.saturating_sub(v.len());
            v.par_extend(rayon::iter::repeat_n(x, add));
        }
        rayon::join(
            || {
                rayon::join(
                    || g(&mut self.citizen, n, [0; 18]),
                    || {
                        g(&mut self.birth, n, 0);
                        g(&mut self.sex, n, 0);
                        g(&mut self.hukou_type, n, 0);
                        g(&mut self.hukou_region, n, 0);
                        g(&mut self.residence_region, n, 0);
                    },
                )
            },
            || {
                rayon::join(
                    || {
                        g(&mut self.residence_since, n, 0);
                        g(&mut self.disability_category, n, 0);
                        g(&mut self.disability_grade, n, 0);
                        g(&mut self.flags, n, 0);
                    },
                    || {
                        g(&mut self.household, n, 0);
                        g(&mut self.income, n, 0.0);
                        g(&mut self.line, n, 0);
                    },
                )
            },
        );
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
    /// `(hash of person id, index)` sorted, for [`Registry::find`] (empty when the ids ascend: they are searched
    /// by bisection).
    lookup: Vec<(u64, u32)>,
    /// `dir[b]` is the first position in `lookup` whose hash has the top bits `b` (the hashes are uniform, so a
    /// look-up scans about one entry instead of a binary search over millions).
    dir: Vec<u32>,
    dir_shift: u32,
    /// Whether the person ids are in strictly ascending order (byte order).
    ids_sorted: bool,
    /// When no id is longer than 15 bytes: the ids as numbers that sort as the ids do ([`short_key`]), in
    /// ascending order, for look-ups by galloping over numbers. Person `i`'s key is `short_keys[i]` when the ids
    /// ascend in the file; otherwise `order` gives the person at each position.
    short_keys: Vec<u128>,
    order: Vec<u32>,
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
    hash_bytes(s.as_bytes())
}

/// How person ids are found: ids in strictly ascending byte order (as a database export usually is) cannot
/// repeat and are searched by bisection; others by their hashes, sorted (equal ids adjacent behind equal hashes).
struct IdIndex {
    sorted: bool,
    /// `(hash of person id, index)` sorted (empty when `sorted`).
    by_hash: Vec<(u64, u32)>,
}

impl IdIndex {
    fn of(p: &Persons) -> IdIndex {
        let ids = &p.id;
        let sorted = (1..ids.len())
            .into_par_iter()
            .all(|i| cmp_id(ids.bytes_of(i - 1), ids.bytes_of(i)) == std::cmp::Ordering::Less);
        let by_hash = if sorted {
            Vec::new()
        } else {
            sort_pairs(
                (0..ids.len())
                    .into_par_iter()
                    .map(|i| (hash_bytes(ids.bytes_of(i)), i as u32))
                    .collect(),
            )
        };
        IdIndex { sorted, by_hash }
    }
}

/// An id of at most 15 bytes as a number that orders as the id's bytes do: the bytes big-endian, padded with
/// zeros, then the length in the lowest byte (so that `"AB"` < `"AB\0"`); equal numbers, equal ids.
fn short_key(id: &[u8]) -> Option<u128> {
    if id.len() > 15 {
        return None;
    }
    let mut b = [0u8; 16];
    b[..id.len()].copy_from_slice(id);
    b[15] = id.len() as u8;
    Some(u128::from_be_bytes(b))
}

/// Gallops forward from `hint` (whose item sorts before the one sought) over `n` sorted items for the one that
/// `cmp` finds equal: steps of 1, 2, 4 … past it, then a binary search in the last step.
fn gallop(n: usize, hint: usize, cmp: impl Fn(usize) -> std::cmp::Ordering) -> Option<usize> {
    let (mut lo, mut step) = (hint, 1usize);
    let hi = loop {
        let at = lo + step;
        if at >= n {
            break n;
        }
        match cmp(at) {
            std::cmp::Ordering::Equal => return Some(at),
            std::cmp::Ordering::Less => {
                lo = at;
                step *= 2;
            }
            std::cmp::Ordering::Greater => break at,
        }
    };
    bisect(lo + 1, hi, cmp)
}

/// Binary search in positions `a..b` of a sorted sequence for the one that `cmp` finds equal.
fn bisect(mut a: usize, mut b: usize, cmp: impl Fn(usize) -> std::cmp::Ordering) -> Option<usize> {
    while a < b {
        let m = a + (b - a) / 2;
        match cmp(m) {
            std::cmp::Ordering::Equal => return Some(m),
            std::cmp::Ordering::Less => a = m + 1,
            std::cmp::Ordering::Greater => b = m,
        }
    }
    None
}

/// Byte order of two ids, eight bytes at a time (ids are short: this beats a call to `memcmp`).
#[inline]
fn cmp_id(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let (mut a, mut b) = (a, b);
    while let (Some((x, ra)), Some((y, rb))) =
        (a.split_first_chunk::<8>(), b.split_first_chunk::<8>())
    {
        if x != y {
            return u64::from_be_bytes(*x).cmp(&u64::from_be_bytes(*y));
        }
        (a, b) = (ra, rb);
    }
    a.cmp(b)
}

fn hash_bytes(s: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(s);
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
            if !self.short_keys.is_empty() && self.order.is_empty() {
                // Every id is short: compare numbers, not strings.
                let key = short_key(id.as_bytes())?;
                let keys = &self.short_keys;
                return match keys[hint].cmp(&key) {
                    std::cmp::Ordering::Equal => Some(hint),
                    std::cmp::Ordering::Less => gallop(n, hint, |i| keys[i].cmp(&key)),
                    std::cmp::Ordering::Greater => self.find(id),
                };
            }
            match cmp_id(ids.bytes_of(hint), id.as_bytes()) {
                std::cmp::Ordering::Equal => return Some(hint),
                std::cmp::Ordering::Less if self.ids_sorted => {
                    return gallop(n, hint, |i| cmp_id(ids.bytes_of(i), id.as_bytes()));
                }
                _ => {}
            }
        }
        self.find(id)
    }

    /// The person at a position of the ascending short keys.
    fn person_at(&self, at: usize) -> Option<usize> {
        if self.order.is_empty() {
            Some(at)
        } else {
            self.order.get(at).map(|&p| p as usize)
        }
    }

    /// The index of a person by id, and the cursor for the next look-up: a file that lists persons in ascending
    /// id order (a recipients file sorted by id, whatever the registry's order) finds each one near the previous
    /// one. Start with a cursor of 0.
    pub fn find_from(&self, id: &str, cursor: usize) -> Option<(usize, usize)> {
        if self.short_keys.is_empty() {
            let p = self.find_near(id, cursor)?;
            return Some((p, p + 1));
        }
        let key = short_key(id.as_bytes())?;
        let keys = &self.short_keys;
        let at = match keys.get(cursor).map(|k| k.cmp(&key)) {
            Some(std::cmp::Ordering::Equal) => Some(cursor),
            Some(std::cmp::Ordering::Less) => gallop(keys.len(), cursor, |i| keys[i].cmp(&key)),
            _ => keys.binary_search(&key).ok(),
        }?;
        Some((self.person_at(at)?, at + 1))
    }

    /// The index of a person by id.
    pub fn find(&self, id: &str) -> Option<usize> {
        if !self.short_keys.is_empty() {
            let key = short_key(id.as_bytes())?;
            let at = self.short_keys.binary_search(&key).ok()?;
            return self.person_at(at);
        }
        if self.ids_sorted {
            let ids = &self.persons.id;
            return bisect(0, ids.len(), |i| cmp_id(ids.bytes_of(i), id.as_bytes()));
        }
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
            .find(|&i| self.persons.id.bytes_of(i) == id.as_bytes())
    }

    /// Builds a registry from persons (assigns households, the id lookup). Used by the reader, the YAML cases and
    /// the synthetic generator.
    pub fn from_persons(persons: Persons) -> Registry {
        Registry::from_persons_sorted(persons, None, None)
    }

    /// As [`Registry::from_persons`], with the id index and the households when the caller has them (the
    /// reader builds them to find duplicate ids, beside the cross-row checks).
    fn from_persons_sorted(
        mut persons: Persons,
        ids: Option<IdIndex>,
        grouped: Option<(Households, Vec<u32>)>,
    ) -> Registry {
        let n = persons.len();
        let mut laps = crate::timings::Laps::new("registry");
        let (households, household) = grouped.unwrap_or_else(|| group_households(&persons));
        persons.household = household;
        laps.lap("households");
        let IdIndex {
            sorted: ids_sorted,
            by_hash: lookup,
        } = ids.unwrap_or_else(|| IdIndex::of(&persons));
        let bits = (usize::BITS - n.leading_zeros()).clamp(1, 30);
        let dir_shift = 64 - bits;
        let dir = if ids_sorted {
            Vec::new()
        } else {
            let mut dir = vec![0u32; (1usize << bits) + 1];
            for &(h, _) in &lookup {
                dir[(h >> dir_shift) as usize + 1] += 1;
            }
            for b in 1..dir.len() {
                dir[b] += dir[b - 1];
            }
            dir
        };
        laps.lap("lookup");
        let all_short = (0..n)
            .into_par_iter()
            .all(|i| persons.id.bytes_of(i).len() <= 15);
        let (short_keys, order): (Vec<u128>, Vec<u32>) = if !all_short || n == 0 {
            (Vec::new(), Vec::new())
        } else if ids_sorted {
            let keys = (0..n)
                .into_par_iter()
                .map(|i| short_key(persons.id.bytes_of(i)).unwrap_or(u128::MAX))
                .collect();
            (keys, Vec::new())
        } else {
            // Ids in another order: the keys sorted, with the person at each position.
            let pairs: Vec<(u128, u32)> = (0..n)
                .into_par_iter()
                .map(|i| {
                    (
                        short_key(persons.id.bytes_of(i)).unwrap_or(u128::MAX),
                        i as u32,
                    )
                })
                .collect();
            let (lo, hi) = pairs
                .par_iter()
                .fold(|| (u128::MAX, 0), |(a, b), &(k, _)| (a.min(k), b.max(k)))
                .reduce(|| (u128::MAX, 0), |x, y| (x.0.min(y.0), x.1.max(y.1)));
            // The top 64 of the bits in which the keys differ order them for the buckets.
            let lz = (hi - lo).leading_zeros();
            let top = |k: u128| (((k - lo) << lz) >> 64) as u64;
            let pairs = bucket_sort(pairs, |p| top(p.0));
            pairs.into_par_iter().unzip()
        };
        laps.lap("ids_sorted");
        Registry {
            persons,
            households,
            lookup,
            dir,
            dir_shift,
            ids_sorted,
            short_keys,
            order,
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

/// Reads a persons CSV.
pub fn read_persons(file: &str, text: &str, regions: &RegionIndex, on_error: OnError) -> Loaded {
    read_persons_bytes(file, text.as_bytes(), regions, on_error)
}

/// Reads a persons CSV from its bytes.
pub fn read_persons_bytes(
    file: &str,
    bytes: &[u8],
    regions: &RegionIndex,
    on_error: OnError,
) -> Loaded {
    read_persons_from(file, Source::Bytes(bytes), regions, on_error)
}

/// Reads a persons CSV from a file or bytes, in blocks of whole lines: each block is cut into parts parsed in
/// parallel straight into the registry's columns. The text is checked to be UTF-8 part by part; a line that is
/// not UTF-8 is a problem of that line. Once a block holds a double quote, the rest of the file is read whole and
/// parsed by the `csv` crate (a quoted cell may hold a line end).
pub fn read_persons_from(
    file: &str,
    src: Source<'_>,
    regions: &RegionIndex,
    on_error: OnError,
) -> Loaded {
    let mut loaded = Loaded::default();
    let diag = |line: u32, column: usize, code: &'static str, message: String| Diagnostic {
        severity: Severity::Error,
        file: file.to_string(),
        line: line as usize,
        column,
        code,
        message,
    };
    let io_error = |e: std::io::Error| {
        let mut l = Loaded::default();
        l.problems
            .push(diag(0, 0, "io", format!("cannot read the file: {e}")));
        l
    };
    let mut blocks = match Input::open(src) {
        Ok(r) => Blocks::new(r, BLOCK),
        Err(e) => return io_error(e),
    };
    let header_bytes = match blocks.header() {
        Ok(h) => h,
        Err(e) => return io_error(e),
    };
    let Ok(header_line) = std::str::from_utf8(&header_bytes) else {
        loaded.problems.push(diag(
            1,
            0,
            "not-utf8",
            "the header is not UTF-8 text".into(),
        ));
        return loaded;
    };
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
    let mut laps = crate::timings::Laps::new("read_persons");
    let mut acc = Acc {
        persons: Persons::default(),
        problems: Vec::new(),
        bad: Vec::new(),
        holes: 0,
        size: src.size(),
    };
    loop {
        let block = match blocks.next() {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) => return io_error(e),
        };
        if memchr::memchr(b'"', block.1).is_some() {
            // Quoted cells from here on: the rest of the file in one piece, through the csv crate.
            let first = block.0;
            let (_, rest) = match blocks.rest() {
                Ok(r) => r,
                Err(e) => return io_error(e),
            };
            parse_quoted(rest, cols, regions, first, &mut acc);
            break;
        }
        let lines = parse_plain(block.1, block.0, cols, regions, &mut acc);
        blocks.lines_were(lines);
    }
    drop(blocks);
    let Acc {
        mut persons,
        mut problems,
        bad: mut bad_lines,
        holes,
        ..
    } = acc;
    if holes > 0 {
        let keep: Vec<bool> = persons.line.par_iter().map(|&l| l != 0).collect();
        persons = persons.select(&keep);
    }
    laps.lap("parse");
    // The cross-row checks and the households at once (the households are grouped again if rows are set aside).
    let (ids, grouped) = rayon::join(
        || cross_row(&persons, &mut problems, &mut bad_lines),
        || group_households(&persons),
    );
    let (mut ids, mut grouped) = (Some(ids), Some(grouped));
    laps.lap("cross_row+households");
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
                let lines = match crate::blocks::line_texts(src, &bad_lines) {
                    Ok(l) => l,
                    Err(e) => return io_error(e),
                };
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
                ids = None;
                grouped = None;
            }
        }
    }
    loaded.registry = Registry::from_persons_sorted(persons, ids, grouped);
    laps.lap("registry");
    loaded
}

/// What the blocks of a persons file add up to.
struct Acc {
    persons: Persons,
    problems: Vec<RowProblem>,
    bad: Vec<u32>,
    /// Rows without a person (blank lines, bad rows): their `line` stays 0.
    holes: usize,
    /// The file's size, to reserve the columns once from the first block's rows.
    size: Option<u64>,
}

/// A piece of a CSV body cut at a line end: the line number of its first line, its number of line feeds, its text.
pub(crate) struct Part<'t> {
    pub first_line: u32,
    pub lines: u32,
    pub text: &'t [u8],
}

impl Part<'_> {
    /// The number of rows the part can hold: its lines, and a last line without a line feed.
    fn rows(&self) -> usize {
        self.lines as usize + usize::from(self.text.last().is_some_and(|&b| b != b'\n'))
    }

    /// The part as text, with the lines that are not UTF-8 (sorted; empty when the part is valid). Such lines
    /// are shown with U+FFFD in the text and must be reported, not read.
    pub(crate) fn utf8(&self) -> (std::borrow::Cow<'_, str>, Vec<u32>) {
        match std::str::from_utf8(self.text) {
            Ok(t) => (std::borrow::Cow::Borrowed(t), Vec::new()),
            Err(_) => {
                let invalid = self
                    .text
                    .split(|&b| b == b'\n')
                    .enumerate()
                    .filter(|(_, l)| std::str::from_utf8(l).is_err())
                    .map(|(i, _)| self.first_line + i as u32)
                    .collect();
                (String::from_utf8_lossy(self.text), invalid)
            }
        }
    }
}

/// The problem of a line that is not UTF-8.
pub(crate) const NOT_UTF8: &str = "the line is not UTF-8 text";

/// Splits the body into about 8 × threads pieces at line ends, each with the line number of its first line.
pub(crate) fn split_chunks(body: &[u8], first_line: u32) -> Vec<Part<'_>> {
    let n = (rayon::current_num_threads() * 8).max(1);
    let target = (body.len() / n).max(1 << 16);
    let mut parts = Vec::new();
    let mut start = 0;
    while start < body.len() {
        let from = (start + target).min(body.len());
        let end = memchr::memchr(b'\n', body.get(from.saturating_sub(1)..).unwrap_or(&[]))
            .map_or(body.len(), |k| from.saturating_sub(1) + k + 1);
        parts.push(body.get(start..end).unwrap_or(&[]));
        start = end;
    }
    // Line numbers: count the newlines of the earlier parts.
    let counts: Vec<u32> = parts
        .par_iter()
        .map(|p| memchr::memchr_iter(b'\n', p).count() as u32)
        .collect();
    let mut line = first_line;
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

/// The fixed-width columns of one part's rows, written in place by the parser.
struct Slots<'a> {
    citizen: &'a mut [[u8; 18]],
    birth: &'a mut [i32],
    sex: &'a mut [u8],
    hukou_type: &'a mut [u8],
    hukou_region: &'a mut [u32],
    residence_region: &'a mut [u32],
    residence_since: &'a mut [i32],
    disability_category: &'a mut [u8],
    disability_grade: &'a mut [u8],
    flags: &'a mut [u32],
    income: &'a mut [f64],
    line: &'a mut [u32],
}

impl<'a> Slots<'a> {
    /// The columns of `p` from row `from` on.
    fn of(p: &'a mut Persons, from: usize) -> Slots<'a> {
        Slots {
            citizen: &mut p.citizen[from..],
            birth: &mut p.birth[from..],
            sex: &mut p.sex[from..],
            hukou_type: &mut p.hukou_type[from..],
            hukou_region: &mut p.hukou_region[from..],
            residence_region: &mut p.residence_region[from..],
            residence_since: &mut p.residence_since[from..],
            disability_category: &mut p.disability_category[from..],
            disability_grade: &mut p.disability_grade[from..],
            flags: &mut p.flags[from..],
            income: &mut p.income[from..],
            line: &mut p.line[from..],
        }
    }

    /// The first `n` rows, and the rest.
    fn split_at(self, n: usize) -> (Slots<'a>, Slots<'a>) {
        let n = n.min(self.line.len());
        let (citizen, citizen_rest) = self.citizen.split_at_mut(n);
        let (birth, birth_rest) = self.birth.split_at_mut(n);
        let (sex, sex_rest) = self.sex.split_at_mut(n);
        let (hukou_type, hukou_type_rest) = self.hukou_type.split_at_mut(n);
        let (hukou_region, hukou_region_rest) = self.hukou_region.split_at_mut(n);
        let (residence_region, residence_region_rest) = self.residence_region.split_at_mut(n);
        let (residence_since, residence_since_rest) = self.residence_since.split_at_mut(n);
        let (disability_category, disability_category_rest) =
            self.disability_category.split_at_mut(n);
        let (disability_grade, disability_grade_rest) = self.disability_grade.split_at_mut(n);
        let (flags, flags_rest) = self.flags.split_at_mut(n);
        let (income, income_rest) = self.income.split_at_mut(n);
        let (line, line_rest) = self.line.split_at_mut(n);
        (
            Slots {
                citizen,
                birth,
                sex,
                hukou_type,
                hukou_region,
                residence_region,
                residence_since,
                disability_category,
                disability_grade,
                flags,
                income,
                line,
            },
            Slots {
                citizen: citizen_rest,
                birth: birth_rest,
                sex: sex_rest,
                hukou_type: hukou_type_rest,
                hukou_region: hukou_region_rest,
                residence_region: residence_region_rest,
                residence_since: residence_since_rest,
                disability_category: disability_category_rest,
                disability_grade: disability_grade_rest,
                flags: flags_rest,
                income: income_rest,
                line: line_rest,
            },
        )
    }

    /// Writes a person into row `k` of the part (`false` when the part has no such row).
    fn set(&mut self, k: usize, r: &PersonRecord<'_>) -> bool {
        if k >= self.line.len() {
            return false;
        }
        self.citizen[k] = r.citizen;
        self.birth[k] = r.birth;
        self.sex[k] = r.sex;
        self.hukou_type[k] = r.hukou_type;
        self.hukou_region[k] = r.hukou_region;
        self.residence_region[k] = r.residence_region;
        self.residence_since[k] = r.residence_since;
        self.disability_category[k] = r.disability_category;
        self.disability_grade[k] = r.disability_grade;
        self.flags[k] = r.flags;
        self.income[k] = r.income;
        self.line[k] = r.line;
        true
    }
}

/// What one part gives besides the columns it wrote.
#[derive(Default)]
struct PartOut {
    id: Strings,
    household_key: Strings,
    problems: Vec<RowProblem>,
    bad: Vec<u32>,
    holes: usize,
}

/// Parses an unquoted block: parts in parallel, each writing its rows straight into the registry's columns
/// (extended once per block); blank lines and bad rows leave holes that are closed at the end. Returns the
/// block's number of line feeds.
fn parse_plain(
    body: &[u8],
    first_line: u32,
    cols: Cols,
    regions: &RegionIndex,
    acc: &mut Acc,
) -> u32 {
    let parts = split_chunks(body, first_line);
    let lines = parts.iter().map(|p| p.lines).sum();
    let sizes: Vec<usize> = parts.iter().map(Part::rows).collect();
    let add: usize = sizes.iter().sum();
    let p = &mut acc.persons;
    let base = p.line.len();
    if base == 0 {
        // Reserve for the whole file from this block's bytes per row.
        let rows = acc.size.map_or(add, |size| {
            let per_row = (body.len() as f64 / add.max(1) as f64).max(1.0);
            ((size as f64 / per_row) * 1.02) as usize + 1024
        });
        // Ids and household ids of about a tenth of a row each (strings grow if longer).
        let per_row = body.len() / add.max(1);
        p.reserve(rows.max(add), rows.max(add) * (per_row / 8 + 2));
    }
    p.grow(base + add);
    // One piece of the new rows per part.
    let mut slots = Vec::with_capacity(parts.len());
    let mut rest = Slots::of(p, base);
    for &n in &sizes {
        let (piece, tail) = rest.split_at(n);
        slots.push(piece);
        rest = tail;
    }
    let outs: Vec<PartOut> = parts
        .par_iter()
        .zip(slots)
        .map(|(part, mut slots)| parse_part(part, &mut slots, cols, regions))
        .collect();
    let (id, household_key) = (&mut p.id, &mut p.household_key);
    rayon::join(
        || outs.iter().for_each(|o| id.extend(&o.id)),
        || {
            outs.iter()
                .for_each(|o| household_key.extend(&o.household_key))
        },
    );
    for o in outs {
        acc.problems.extend(o.problems);
        acc.bad.extend(o.bad);
        acc.holes += o.holes;
    }
    lines
}

/// Parses one part into its slots.
fn parse_part(
    part: &Part<'_>,
    slots: &mut Slots<'_>,
    cols: Cols,
    regions: &RegionIndex,
) -> PartOut {
    let rows = slots.line.len();
    // Size the strings from the first line so that they do not grow (and copy) while parsing.
    let first_end = memchr::memchr(b'\n', part.text).unwrap_or(part.text.len());
    let first = std::str::from_utf8(part.text.get(..first_end).unwrap_or(&[])).unwrap_or("");
    let cell = |k: usize| {
        first
            .split(',')
            .nth(cols.at[k])
            .map_or(16, |c| c.trim().len() + 2)
    };
    let mut out = PartOut {
        id: Strings::with_capacity(rows, rows * cell(0)),
        household_key: Strings::with_capacity(rows, rows * cell(7)),
        ..PartOut::default()
    };
    let pad = |out: &mut PartOut, to: usize| {
        while out.id.len() < to {
            out.id.push("");
            out.household_key.push("");
            out.holes += 1;
        }
    };
    for_each_record(part, cols.width, false, |line, found| {
        let k = line.saturating_sub(part.first_line) as usize;
        pad(&mut out, k);
        let Record::Cells(fields) = found else {
            out.problems.push((line, 0, "not-utf8", NOT_UTF8.into()));
            out.bad.push(line);
            return;
        };
        if let Some(r) = row(fields, line, cols, regions, &mut out.problems, &mut out.bad)
            && slots.set(k, &r)
        {
            out.id.push(r.id);
            out.household_key.push(r.household);
        }
    });
    pad(&mut out, rows);
    out
}

/// Calls `f` with the cells and the line number of every non-empty row of an unquoted CSV part: rows end at line
/// feeds, cells at commas (both ASCII, so every cut is on a character boundary; a carriage return before the line
/// feed is dropped).
pub(crate) fn for_each_row<'t>(
    part: &'t str,
    first_line: u32,
    width: usize,
    mut f: impl FnMut(&[&'t str], u32),
) {
    let mut fields: Vec<&str> = Vec::with_capacity(width);
    let bytes = part.as_bytes();
    let mut line = first_line;
    let mut start = 0usize;
    while start < bytes.len() {
        let nl = memchr::memchr(b'\n', bytes.get(start..).unwrap_or(&[]))
            .map_or(bytes.len(), |k| start + k);
        let end = if nl > start && bytes.get(nl - 1) == Some(&b'\r') {
            nl - 1
        } else {
            nl
        };
        if end > start {
            let row = bytes.get(start..end).unwrap_or(&[]);
            let mut cell = start;
            for c in memchr::memchr_iter(b',', row) {
                fields.push(part.get(cell..start + c).unwrap_or(""));
                cell = start + c + 1;
            }
            fields.push(part.get(cell..end).unwrap_or(""));
            f(&fields, line);
            fields.clear();
        }
        line += 1;
        start = nl + 1;
    }
}

/// What [`for_each_record`] finds on a line.
pub(crate) enum Record<'r, 't> {
    /// The cells of a non-empty row.
    Cells(&'r [&'t str]),
    /// The row holds bytes that are not UTF-8.
    NotUtf8,
    /// A quoted part that the `csv` crate cannot read from here on (reading stops).
    Malformed(String),
}

/// Calls `f` with the line number and what is found on every non-empty row of a part: cut by hand when it has
/// no quotes (`for_each_row`), by the `csv` crate when it has. Lines that are not UTF-8 are reported, not read
/// (a quoted record is not read when any of its lines is not).
pub(crate) fn for_each_record(
    part: &Part<'_>,
    width: usize,
    quoted: bool,
    mut f: impl FnMut(u32, Record<'_, '_>),
) {
    let (text, invalid) = part.utf8();
    // Whether a line in `line..next` is not UTF-8.
    let spoilt = |line: u32, next: u32| {
        let k = invalid.partition_point(|&l| l < line);
        invalid.get(k).is_some_and(|&l| l < next.max(line + 1))
    };
    if !quoted {
        for_each_row(&text, part.first_line, width, |cells, line| {
            f(
                line,
                if spoilt(line, line + 1) {
                    Record::NotUtf8
                } else {
                    Record::Cells(cells)
                },
            )
        });
        return;
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rec = csv::StringRecord::new();
    let at = |pos: u64| (pos as u32).saturating_add(part.first_line.saturating_sub(1));
    loop {
        let line = at(rdr.position().line());
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                if rec.len() == 1 && rec.get(0).is_some_and(str::is_empty) {
                    continue;
                }
                // The record spans its first line up to the next record's.
                if spoilt(line, at(rdr.position().line())) {
                    f(line, Record::NotUtf8);
                    continue;
                }
                let cells: Vec<&str> = rec.iter().collect();
                f(line, Record::Cells(&cells));
            }
            Err(e) => {
                f(line, Record::Malformed(format!("malformed CSV: {e}")));
                break;
            }
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

/// Parses a body with quoted cells with the `csv` crate, in one pass.
fn parse_quoted(body: &[u8], cols: Cols, regions: &RegionIndex, first_line: u32, acc: &mut Acc) {
    let whole = Part {
        first_line,
        lines: 0,
        text: body,
    };
    let Acc {
        persons,
        problems,
        bad,
        ..
    } = acc;
    for_each_record(&whole, cols.width, true, |line, found| match found {
        Record::Cells(fields) => {
            if let Some(r) = row(fields, line, cols, regions, problems, bad) {
                persons.push(&r);
            }
        }
        Record::NotUtf8 => {
            problems.push((line, 0, "not-utf8", NOT_UTF8.into()));
            bad.push(line);
        }
        Record::Malformed(m) => {
            problems.push((line, 0, "malformed-csv", m));
            bad.push(line);
        }
    });
}

/// Parses and checks one row: the person, or `None` with the row's problems pushed and its line marked bad.
fn row<'t>(
    f: &[&'t str],
    line: u32,
    cols: Cols,
    regions: &RegionIndex,
    problems: &mut Vec<RowProblem>,
    bad: &mut Vec<u32>,
) -> Option<PersonRecord<'t>> {
    let before = problems.len();
    let mut problem = |col: usize, code: &'static str, msg: String| {
        // An absent optional column (NONE) wraps to column 0, "the whole row".
        problems.push((line, col.wrapping_add(1), code, msg));
    };
    if f.len() != cols.width {
        problem(
            NONE,
            "row-width",
            format!("{} cells, the header has {}", f.len(), cols.width),
        );
        bad.push(line);
        return None;
    }
    let get = |k: usize| -> &'t str {
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
                problem(
                    col(k),
                    "unknown-region",
                    format!("{name} {:?} is not a known GB/T 2260 region code", get(k)),
                );
                0
            }
        }
    };
    let hukou_region = region(5, "hukou_region");
    let residence_region = region(6, "residence_region");
    let household = get(7);
    if household.is_empty() {
        problem(col(7), "empty-household", "household_id is empty".into());
    }
    let since = match get(8) {
        "" => birth.unwrap_or(0),
        // Most people live where they were born: the same text is the same date.
        s if s == get(2) && birth.is_some() => birth.unwrap_or(0),
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
        // Whole amounts (the usual case) without the float parser; exact below 2^53.
        s if s.len() <= 15 && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.bytes().fold(0u64, |v, b| v * 10 + u64::from(b - b'0')) as f64
        }
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
    if problems.len() > before {
        bad.push(line);
        return None;
    }
    Some(PersonRecord {
        id,
        citizen: cid,
        birth: birth.unwrap_or(0),
        sex: sex.map_or(0, |s| s as u8),
        hukou_type: hukou_type.map_or(0, |h| h as u8),
        hukou_region,
        residence_region,
        residence_since: since,
        disability_category: category,
        disability_grade: grade,
        flags,
        household,
        income,
        line,
    })
}

/// Duplicate person ids; one citizen id on two rows (in two households, or twice in one).
/// Cross-row checks; returns the id index they built (the registry's look-up table).
fn cross_row(p: &Persons, problems: &mut Vec<RowProblem>, bad: &mut Vec<u32>) -> IdIndex {
    let n = p.len();
    let ids = IdIndex::of(p);
    for w in groups(&ids.by_hash) {
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
    // A citizen id is 17 digits and a check character: as a number (digits × 11 + check) it is an exact key.
    // The numbers alone, sorted, tell whether any id is on two rows (usually none); only then are the rows found.
    let keys: Vec<u64> = bucket_sort(
        (0..n)
            .into_par_iter()
            .map(|i| citizen_key(&p.citizen[i]))
            .collect(),
        |&k| k,
    );
    let twice = keys.par_windows(2).any(|w| w[0] == w[1]);
    drop(keys);
    if !twice {
        return ids;
    }
    // Equal ids adjacent once sorted, in file order (the position breaks ties).
    let by_citizen: Vec<(u64, u32)> = sort_pairs(
        (0..n)
            .into_par_iter()
            .map(|i| (citizen_key(&p.citizen[i]), i as u32))
            .collect(),
    );
    let same = |a: &(u64, u32), b: &(u64, u32)| a.0 == b.0;
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
    ids
}

/// Runs of equal hashes.
fn groups(sorted: &[(u64, u32)]) -> impl Iterator<Item = &[(u64, u32)]> {
    sorted.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1)
}

/// The exact number of a citizen id (17 digits × 11 + the check character, X = 10): equal numbers, equal ids.
fn citizen_key(id: &[u8; 18]) -> u64 {
    let digits = id[..17]
        .iter()
        .fold(0u64, |k, &d| k * 10 + u64::from(d.wrapping_sub(b'0') % 10));
    let check = match id[17] {
        b'X' | b'x' => 10,
        d => u64::from(d.wrapping_sub(b'0') % 10),
    };
    digits * 11 + check
}

/// Sorts `(key, position)` pairs whose keys spread evenly over their range of values (hashes, citizen ids): one
/// pass scatters them into buckets by the top bits of the key, then the buckets (a few dozen pairs each) are
/// sorted on their own, in parallel. Keys that do not spread are still sorted right, only slower.
pub(crate) fn sort_pairs(v: Vec<(u64, u32)>) -> Vec<(u64, u32)> {
    bucket_sort(v, |x| x.0)
}

/// Sorts values by scattering them into buckets by the top bits of `key` (which must order as the values do
/// where it differs), then sorting each bucket on its own, in parallel.
fn bucket_sort<T: Copy + Ord + Send + Sync + Default>(
    mut v: Vec<T>,
    key: impl Fn(&T) -> u64 + Sync,
) -> Vec<T> {
    let n = v.len();
    if n < 1 << 16 {
        v.par_sort_unstable();
        return v;
    }
    let (lo, hi) = v
        .par_iter()
        .fold(
            || (u64::MAX, 0),
            |(a, b), x| {
                let k = key(x);
                (a.min(k), b.max(k))
            },
        )
        .reduce(|| (u64::MAX, 0), |x, y| (x.0.min(y.0), x.1.max(y.1)));
    let span = hi - lo;
    let bits = (usize::BITS - (n / 32).leading_zeros()).clamp(1, 24);
    let used = u64::BITS - span.leading_zeros();
    let shift = used.saturating_sub(bits);
    let buckets = ((span >> shift) + 1) as usize;
    let bucket = |k: u64| ((k - lo) >> shift) as usize;
    let mut start = vec![0usize; buckets + 1];
    for x in &v {
        start[bucket(key(x)) + 1] += 1;
    }
    for b in 0..buckets {
        start[b + 1] += start[b];
    }
    let mut out = vec![T::default(); n];
    let mut fill = start.clone();
    for &x in &v {
        let b = bucket(key(&x));
        out[fill[b]] = x;
        fill[b] += 1;
    }
    drop(v);
    let mut pieces = Vec::with_capacity(buckets);
    let mut rest = &mut out[..];
    for b in 0..buckets {
        let (head, tail) = rest.split_at_mut(start[b + 1] - start[b]);
        pieces.push(head);
        rest = tail;
    }
    pieces
        .into_par_iter()
        .with_min_len(256)
        .for_each(|piece| piece.sort_unstable());
    out
}

/// Households in order of first appearance, and each person's household. Members are usually on consecutive rows:
/// runs of equal consecutive keys are found first (in parallel); when no two runs share a key (the usual case) the
/// runs are the households, otherwise runs with the same key are joined (a household whose rows are apart).
fn group_households(persons: &Persons) -> (Households, Vec<u32>) {
    let n = persons.len();
    let keys = &persons.household_key;
    const STEP: usize = 1 << 16;
    let run_starts: Vec<u32> = (0..n.div_ceil(STEP))
        .into_par_iter()
        .map(|c| {
            let (lo, hi) = (c * STEP, ((c + 1) * STEP).min(n));
            (lo..hi)
                .filter(|&i| i == 0 || keys.bytes_of(i) != keys.bytes_of(i - 1))
                .map(|i| i as u32)
                .collect::<Vec<u32>>()
        })
        .flatten_iter()
        .collect();
    let keyed: Vec<(u64, u32)> = sort_pairs(
        run_starts
            .par_iter()
            .enumerate()
            .map(|(r, &i)| (hash_bytes(keys.bytes_of(i as usize)), r as u32))
            .collect(),
    );
    // The first run of each run's household (by position: runs are in row order).
    let mut first_run: Vec<u32> = (0..run_starts.len() as u32).collect();
    let mut joined = false;
    for g in keyed.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        // Within one hash, group by the actual key (collisions are rare); runs sorted by position.
        for (a, &(_, ra)) in g.iter().enumerate() {
            if first_run[ra as usize] != ra {
                continue;
            }
            let ka = keys.bytes_of(run_starts[ra as usize] as usize);
            for &(_, rb) in &g[a + 1..] {
                if first_run[rb as usize] == rb
                    && keys.bytes_of(run_starts[rb as usize] as usize) == ka
                {
                    first_run[rb as usize] = ra;
                    joined = true;
                }
            }
        }
    }
    drop(keyed);
    let run_end = |r: usize| run_starts.get(r + 1).map_or(n, |&e| e as usize);
    if !joined {
        // Every run is a household: members in row order.
        let mut id = Strings::with_capacity(run_starts.len(), 0);
        for &st in &run_starts {
            id.push(keys.get(st as usize));
        }
        // Each person's run, by chunks: the first run by binary search, then a walk.
        let mut household = vec![0u32; n];
        const CHUNK: usize = 1 << 14;
        household
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, out)| {
                let lo = c * CHUNK;
                let mut r = run_starts
                    .partition_point(|&st| st as usize <= lo)
                    .saturating_sub(1);
                for (k, h) in out.iter_mut().enumerate() {
                    while run_starts
                        .get(r + 1)
                        .is_some_and(|&st| st as usize <= lo + k)
                    {
                        r += 1;
                    }
                    *h = r as u32;
                }
            });
        let mut start = run_starts.clone();
        start.push(n as u32);
        let members = (0..n as u32).into_par_iter().collect();
        return (Households { id, start, members }, household);
    }
    // Every person's first member (the first row of the first run of its household).
    let mut first_of = vec![0u32; n];
    for (r, &start) in run_starts.iter().enumerate() {
        let f = run_starts[first_run[r] as usize];
        first_of[start as usize..run_end(r)].fill(f);
    }
    // Number households by their first member's position.
    let mut index_of_first = vec![u32::MAX; n];
    let mut households = Households::default();
    for &f in &first_of {
        let f = f as usize;
        if index_of_first[f] == u32::MAX {
            index_of_first[f] = households.id.len() as u32;
            households.id.push(keys.get(f));
        }
    }
    let nh = households.id.len();
    let household: Vec<u32> = (0..n)
        .map(|p| index_of_first[first_of[p] as usize])
        .collect();
    let mut start = vec![0u32; nh + 1];
    for &h in &household {
        start[h as usize + 1] += 1;
    }
    for h in 0..nh {
        start[h + 1] += start[h];
    }
    let mut fill = start.clone();
    let mut members = vec![0u32; n];
    for (p, &h) in household.iter().enumerate() {
        members[fill[h as usize] as usize] = p as u32;
        fill[h as usize] += 1;
    }
    households.start = start;
    households.members = members;
    (households, household)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator for the property checks below.
    fn lcg(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *state >> 11
    }

    #[test]
    fn short_keys_order_as_the_ids() {
        let mut s = 3u64;
        let alphabet = b"\0P0123456789Xa\xff";
        for _ in 0..20_000 {
            let mut make = || -> Vec<u8> {
                let n = (lcg(&mut s) % 16) as usize;
                (0..n)
                    .map(|_| alphabet[(lcg(&mut s) % alphabet.len() as u64) as usize])
                    .collect()
            };
            let (a, b) = (make(), make());
            let (Some(ka), Some(kb)) = (short_key(&a), short_key(&b)) else {
                panic!("short ids have keys");
            };
            assert_eq!(ka.cmp(&kb), a.cmp(&b), "{a:?} {b:?}");
        }
        assert_eq!(short_key(&[b'x'; 16]), None);
    }

    #[test]
    fn cmp_id_is_byte_order() {
        let mut s = 7u64;
        let alphabet = b"P0123456789-_Xa\xff";
        for _ in 0..20_000 {
            let mut make = || -> Vec<u8> {
                let n = (lcg(&mut s) % 20) as usize;
                (0..n)
                    .map(|_| alphabet[(lcg(&mut s) % alphabet.len() as u64) as usize])
                    .collect()
            };
            let (a, b) = (make(), make());
            assert_eq!(cmp_id(&a, &b), a.cmp(&b), "{a:?} {b:?}");
            assert_eq!(cmp_id(&a, &a), std::cmp::Ordering::Equal);
        }
    }

    #[test]
    fn sort_pairs_sorts_like_sort_unstable() {
        let mut s = 11u64;
        for (n, spread) in [
            (100_000usize, u64::MAX),
            (70_000, 1000),
            (80_000, 0),
            (200, u64::MAX),
        ] {
            let v: Vec<(u64, u32)> = (0..n)
                .map(|i| {
                    let k = lcg(&mut s);
                    (if spread == 0 { 42 } else { k % spread.max(1) }, i as u32)
                })
                .collect();
            let mut want = v.clone();
            want.sort_unstable();
            assert_eq!(sort_pairs(v), want, "n {n}, spread {spread}");
        }
        let ends = vec![(u64::MAX, 1), (0, 2), (u64::MAX, 0)];
        let mut many = ends.repeat(30_000);
        let got = sort_pairs(many.clone());
        many.sort_unstable();
        assert_eq!(got, many);
    }

    #[test]
    fn citizen_keys_are_exact() {
        let a = *b"11010519491231002X";
        let mut b = a;
        b[17] = b'0';
        let mut c = a;
        c[16] = b'1';
        assert_ne!(citizen_key(&a), citizen_key(&b));
        assert_ne!(citizen_key(&a), citizen_key(&c));
        assert_eq!(citizen_key(&a), 11010519491231002 * 11 + 10);
        assert_eq!(
            citizen_key(b"999999999999999999"),
            99999999999999999 * 11 + 9
        );
    }
}
