//! Regions by dense index: the registry stores a person's regions as indices into this table, and `within` and
//! parameter lookup walk the parent chain.

use minsheng_core::region::{Level, RegionTable};
use rustc_hash::FxHashMap;

/// The regions of a [`RegionTable`] by dense index (code order).
#[derive(Debug, Clone, Default)]
pub struct RegionIndex {
    codes: Vec<u32>,
    names: Vec<String>,
    levels: Vec<Level>,
    parent: Vec<Option<u32>>,
    by_code: FxHashMap<u32, u32>,
}

impl RegionIndex {
    pub fn new(table: &RegionTable) -> RegionIndex {
        let mut ix = RegionIndex::default();
        for r in table.iter() {
            ix.by_code.insert(r.code.as_u32(), ix.codes.len() as u32);
            ix.codes.push(r.code.as_u32());
            ix.names.push(r.name.clone());
            ix.levels.push(r.level);
        }
        ix.parent = table
            .iter()
            .map(|r| r.parent.and_then(|p| ix.by_code.get(&p.as_u32()).copied()))
            .collect();
        ix
    }

    /// The shipped regions (`data/regions/regions.csv`).
    pub fn shipped() -> RegionIndex {
        match minsheng_core::shipped::regions() {
            Ok(t) => RegionIndex::new(&t),
            // The shipped table is checked by the core test suite; an empty index makes every code unknown.
            Err(_) => RegionIndex::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The index of a six-digit code.
    pub fn index_of(&self, code: &str) -> Option<u32> {
        let t = code.trim().as_bytes();
        if t.len() != 6 {
            return None;
        }
        let mut c = 0u32;
        for &b in t {
            if !b.is_ascii_digit() {
                return None;
            }
            c = c * 10 + u32::from(b - b'0');
        }
        self.by_code.get(&c).copied()
    }

    pub fn code(&self, i: u32) -> String {
        self.codes
            .get(i as usize)
            .map_or_else(String::new, |c| format!("{c:06}"))
    }

    pub fn name(&self, i: u32) -> &str {
        self.names.get(i as usize).map_or("", String::as_str)
    }

    pub fn level(&self, i: u32) -> Option<Level> {
        self.levels.get(i as usize).copied()
    }

    pub fn parent(&self, i: u32) -> Option<u32> {
        self.parent.get(i as usize).copied().flatten()
    }

    /// `i` itself, then its parent, grandparent … up to the province.
    pub fn chain(&self, i: u32) -> impl Iterator<Item = u32> + '_ {
        std::iter::successors(Some(i), move |&r| self.parent(r))
    }

    /// Whether `i` is `ancestor` or lies below it.
    pub fn within(&self, i: u32, ancestor: u32) -> bool {
        self.chain(i).any(|r| r == ancestor)
    }

    /// For every region, whether it is within `ancestor` (a lookup table for columnar `within`).
    pub fn within_table(&self, ancestor: u32) -> Vec<bool> {
        (0..self.codes.len() as u32)
            .map(|i| self.within(i, ancestor))
            .collect()
    }

    /// The region of level `level` above or at `i`.
    pub fn at_level(&self, i: u32, level: Level) -> Option<u32> {
        self.chain(i).find(|&r| self.level(r) == Some(level))
    }
}
