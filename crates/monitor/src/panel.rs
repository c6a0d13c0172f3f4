//! 数据面板 — observations indexed once by (indicator or element, series, disaggregation) × region × year, the
//! shared in-memory form of the roll-up, the evaluation of many regions and the regional comparisons.
//!
//! The index borrows the codes of the observations (and of the plan, for values computed by roll-up), so building
//! it copies no strings; each value carries whether it rests on SYNTHETIC data.

use std::collections::BTreeMap;

use minsheng_core::region::RegionCode;
use rustc_hash::FxHashMap;

use crate::observations::Observation;

/// The identity of one series apart from region and year: code, series, disaggregation (borrowed).
pub(crate) type SeriesId<'a> = (&'a str, Option<&'a str>, &'a BTreeMap<String, String>);

pub(crate) static NO_DISAGGREGATION: BTreeMap<String, String> = BTreeMap::new();

/// One value and whether it is (or rests on) SYNTHETIC data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Val {
    pub value: f64,
    pub synthetic: bool,
}

/// Whether a source marks SYNTHETIC data (ASCII case-insensitive, no allocation).
pub fn is_synthetic_source(source: Option<&str>) -> bool {
    source.is_some_and(|s| {
        s.as_bytes()
            .windows(9)
            .any(|w| w.eq_ignore_ascii_case(b"synthetic"))
    })
}

/// Observations indexed for lookup by code, series, region and year.
#[derive(Debug, Default)]
pub struct Panel<'a> {
    pub(crate) ids: FxHashMap<SeriesId<'a>, usize>,
    pub(crate) keys: Vec<SeriesId<'a>>,
    pub(crate) values: FxHashMap<(usize, RegionCode, i32), Val>,
    /// The years present, ascending.
    pub(crate) years: Vec<i32>,
}

impl<'a> Panel<'a> {
    /// Indexes observations: a slice, or e.g. `input.iter().chain(&rollup.computed)`.
    pub fn new(observations: impl IntoIterator<Item = &'a Observation>) -> Panel<'a> {
        let iter = observations.into_iter();
        let mut panel = Panel {
            values: FxHashMap::with_capacity_and_hasher(iter.size_hint().0 * 2, Default::default()),
            ..Panel::default()
        };
        let mut last: Option<(&str, bool)> = None;
        // Files are usually sorted by indicator: consecutive rows mostly share their series key.
        let mut last_key: Option<(SeriesId<'a>, usize)> = None;
        for o in iter {
            let key = (o.indicator.as_str(), o.series.as_deref(), &o.disaggregation);
            let id = match last_key {
                Some((k, id)) if k == key => id,
                _ => {
                    let id = panel.id(key);
                    last_key = Some((key, id));
                    id
                }
            };
            let source = o.source.as_deref().unwrap_or("");
            let synthetic = match last {
                Some((s, flag)) if s == source => flag,
                _ => {
                    let flag = is_synthetic_source(Some(source));
                    last = Some((source, flag));
                    flag
                }
            };
            panel.values.insert(
                (id, o.region, o.year),
                Val {
                    value: o.value,
                    synthetic,
                },
            );
            if !panel.years.contains(&o.year) {
                panel.years.push(o.year);
            }
        }
        panel.years.sort_unstable();
        panel
    }

    pub(crate) fn id(&mut self, key: SeriesId<'a>) -> usize {
        if let Some(&i) = self.ids.get(&key) {
            return i;
        }
        self.keys.push(key);
        self.ids.insert(key, self.keys.len() - 1);
        self.keys.len() - 1
    }

    /// The id of the headline (total) series of `code` / `series`, if present.
    pub(crate) fn total(&self, code: &str, series: Option<&str>) -> Option<usize> {
        self.ids.get(&(code, series, &NO_DISAGGREGATION)).copied()
    }

    /// The headline value of `code` (series `series`) for a region and year.
    pub fn get(
        &self,
        code: &str,
        series: Option<&str>,
        region: RegionCode,
        year: i32,
    ) -> Option<f64> {
        self.get_flagged(code, series, region, year).map(|v| v.0)
    }

    /// The headline value and whether it is SYNTHETIC.
    pub fn get_flagged(
        &self,
        code: &str,
        series: Option<&str>,
        region: RegionCode,
        year: i32,
    ) -> Option<(f64, bool)> {
        let id = self.total(code, series)?;
        self.values
            .get(&(id, region, year))
            .map(|v| (v.value, v.synthetic))
    }

    /// The headline `(year, value)` points of one region's series, ascending by year.
    pub fn points(&self, code: &str, series: Option<&str>, region: RegionCode) -> Vec<(i32, f64)> {
        let Some(id) = self.total(code, series) else {
            return Vec::new();
        };
        self.years
            .iter()
            .filter_map(|&y| self.values.get(&(id, region, y)).map(|v| (y, v.value)))
            .collect()
    }

    /// The years present, ascending.
    pub fn years(&self) -> &[i32] {
        &self.years
    }

    /// Number of values indexed.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}
