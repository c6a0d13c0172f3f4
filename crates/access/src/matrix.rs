//! Travel costs between demand points and sites.
//!
//! The matrix is sparse: a (demand, site) pair that is not stored is unreachable (infinite cost). Both directions
//! are kept as compressed rows (CSR), so "the sites a demand point reaches" and "the demand points a site reaches"
//! are both slices, each sorted by cost (cheapest first).

use rustc_hash::FxHashMap;

/// Travel costs between `n_demand` demand points and `n_sites` sites.
#[derive(Debug, Clone, PartialEq)]
pub struct CostMatrix {
    demand_ids: Vec<String>,
    site_ids: Vec<String>,
    /// `d_start[d]..d_start[d + 1]` indexes `d_site`/`d_cost`: the sites demand `d` reaches, cheapest first.
    d_start: Vec<usize>,
    d_site: Vec<u32>,
    d_cost: Vec<f64>,
    /// `s_start[s]..s_start[s + 1]` indexes `s_demand`/`s_cost`: the demand points site `s` reaches, cheapest first.
    s_start: Vec<usize>,
    s_demand: Vec<u32>,
    s_cost: Vec<f64>,
}

/// Why a matrix cannot be built from the given entries.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MatrixError {
    #[error("demand index {0} out of range")]
    DemandOutOfRange(usize),
    #[error("site index {0} out of range")]
    SiteOutOfRange(usize),
    #[error("cost {cost} for demand {demand:?} and site {site:?} is not a finite number ≥ 0")]
    BadCost {
        demand: String,
        site: String,
        cost: f64,
    },
    #[error("demand {demand:?} and site {site:?} appear twice")]
    Duplicate { demand: String, site: String },
    #[error("more than {} demand points or sites", u32::MAX)]
    TooLarge,
}

impl CostMatrix {
    /// Builds a matrix from `(demand index, site index, cost)` entries. Costs must be finite and ≥ 0; a pair may
    /// appear once. Pairs not given are unreachable.
    pub fn from_entries(
        demand_ids: Vec<String>,
        site_ids: Vec<String>,
        entries: Vec<(u32, u32, f64)>,
    ) -> Result<CostMatrix, MatrixError> {
        let (nd, ns) = (demand_ids.len(), site_ids.len());
        if nd > u32::MAX as usize || ns > u32::MAX as usize {
            return Err(MatrixError::TooLarge);
        }
        for &(d, s, c) in &entries {
            if d as usize >= nd {
                return Err(MatrixError::DemandOutOfRange(d as usize));
            }
            if s as usize >= ns {
                return Err(MatrixError::SiteOutOfRange(s as usize));
            }
            if !(c.is_finite() && c >= 0.0) {
                return Err(MatrixError::BadCost {
                    demand: demand_ids[d as usize].clone(),
                    site: site_ids[s as usize].clone(),
                    cost: c,
                });
            }
        }
        // Counting sort into rows (by demand) and columns (by site), then each short row/column sorted by
        // (site or demand) to find duplicates and by (cost, index) for the cheapest-first order.
        let (d_start, d_pairs) = bucket(nd, &entries, |e| (e.0, e.1, e.2));
        let (s_start, s_pairs) = bucket(ns, &entries, |e| (e.1, e.0, e.2));
        drop(entries);
        let mut d_pairs = d_pairs;
        for r in d_start.windows(2) {
            let row = &mut d_pairs[r[0]..r[1]];
            row.sort_unstable_by_key(|&(s, _)| s);
            if let Some(w) = row.windows(2).find(|w| w[0].0 == w[1].0) {
                let d = d_start.partition_point(|&x| x <= r[0]) - 1;
                return Err(MatrixError::Duplicate {
                    demand: demand_ids[d].clone(),
                    site: site_ids[w[0].0 as usize].clone(),
                });
            }
            row.sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        }
        let mut s_pairs = s_pairs;
        for r in s_start.windows(2) {
            s_pairs[r[0]..r[1]].sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        }
        let (d_site, d_cost) = d_pairs.into_iter().unzip();
        let (s_demand, s_cost) = s_pairs.into_iter().unzip();
        Ok(CostMatrix {
            demand_ids,
            site_ids,
            d_start,
            d_site,
            d_cost,
            s_start,
            s_demand,
            s_cost,
        })
    }

    /// Builds a matrix from a dense row-major table (`costs[d * n_sites + s]`); infinite or NaN entries are
    /// unreachable.
    pub fn from_dense(
        demand_ids: Vec<String>,
        site_ids: Vec<String>,
        costs: &[f64],
    ) -> Result<CostMatrix, MatrixError> {
        let ns = site_ids.len();
        if costs.len() != demand_ids.len() * ns {
            return Err(MatrixError::DemandOutOfRange(costs.len() / ns.max(1)));
        }
        let entries = costs
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_finite())
            .map(|(i, &c)| ((i / ns) as u32, (i % ns) as u32, c))
            .collect();
        CostMatrix::from_entries(demand_ids, site_ids, entries)
    }

    pub fn n_demand(&self) -> usize {
        self.demand_ids.len()
    }

    pub fn n_sites(&self) -> usize {
        self.site_ids.len()
    }

    /// Number of stored (reachable) pairs.
    pub fn n_entries(&self) -> usize {
        self.d_site.len()
    }

    pub fn demand_ids(&self) -> &[String] {
        &self.demand_ids
    }

    pub fn site_ids(&self) -> &[String] {
        &self.site_ids
    }

    /// The sites demand `d` reaches and their costs, cheapest first.
    pub fn by_demand(&self, d: usize) -> (&[u32], &[f64]) {
        let r = self.d_start[d]..self.d_start[d + 1];
        (&self.d_site[r.clone()], &self.d_cost[r])
    }

    /// The demand points site `s` reaches and their costs, cheapest first.
    pub fn by_site(&self, s: usize) -> (&[u32], &[f64]) {
        let r = self.s_start[s]..self.s_start[s + 1];
        (&self.s_demand[r.clone()], &self.s_cost[r])
    }

    /// The cost from demand `d` to site `s`, `None` when unreachable.
    pub fn cost(&self, d: usize, s: usize) -> Option<f64> {
        let (sites, costs) = self.by_demand(d);
        sites
            .iter()
            .position(|&x| x as usize == s)
            .map(|i| costs[i])
    }

    /// Index of each demand id.
    pub fn demand_index(&self) -> FxHashMap<&str, usize> {
        index_of(&self.demand_ids)
    }

    /// Index of each site id.
    pub fn site_index(&self) -> FxHashMap<&str, usize> {
        index_of(&self.site_ids)
    }

    /// The same matrix with its sites in the byte order of their ids (the column order of a pivot table such as
    /// spopt's tests build: `Store_1`, `Store_11`, …, `Store_2`). Ties in the solvers go to the lower index, so
    /// this fixes which of several equally good sites is reported.
    pub fn sites_sorted(&self) -> CostMatrix {
        let mut order: Vec<usize> = (0..self.n_sites()).collect();
        order.sort_by(|&a, &b| self.site_ids[a].cmp(&self.site_ids[b]));
        let mut new_of = vec![0u32; self.n_sites()];
        for (new, &old) in order.iter().enumerate() {
            new_of[old] = new as u32;
        }
        let mut entries = Vec::with_capacity(self.n_entries());
        for d in 0..self.n_demand() {
            let (sites, costs) = self.by_demand(d);
            entries.extend(
                sites
                    .iter()
                    .zip(costs)
                    .map(|(&s, &c)| (d as u32, new_of[s as usize], c)),
            );
        }
        let ids = order.iter().map(|&s| self.site_ids[s].clone()).collect();
        // The entries come from a valid matrix, so they are in range, finite and unique.
        CostMatrix::from_entries(self.demand_ids.clone(), ids, entries)
            .unwrap_or_else(|_| self.clone())
    }

    /// The dense row-major table (`f64::INFINITY` where unreachable).
    pub fn to_dense(&self) -> Vec<f64> {
        let ns = self.n_sites();
        let mut out = vec![f64::INFINITY; self.n_demand() * ns];
        for d in 0..self.n_demand() {
            let (sites, costs) = self.by_demand(d);
            for (&s, &c) in sites.iter().zip(costs) {
                out[d * ns + s as usize] = c;
            }
        }
        out
    }
}

/// Groups entries by `key(e).0` (counting sort): the start of each group and its `(other index, cost)` pairs.
fn bucket(
    n: usize,
    entries: &[(u32, u32, f64)],
    key: impl Fn(&(u32, u32, f64)) -> (u32, u32, f64),
) -> (Vec<usize>, Vec<(u32, f64)>) {
    let mut start = vec![0usize; n + 1];
    for e in entries {
        start[key(e).0 as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut pairs = vec![(0u32, 0.0f64); entries.len()];
    for e in entries {
        let (g, other, cost) = key(e);
        let slot = &mut next[g as usize];
        pairs[*slot] = (other, cost);
        *slot += 1;
    }
    (start, pairs)
}

fn index_of(ids: &[String]) -> FxHashMap<&str, usize> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize, p: &str) -> Vec<String> {
        (0..n).map(|i| format!("{p}{i}")).collect()
    }

    #[test]
    fn both_directions_sorted_by_cost() -> Result<(), MatrixError> {
        let m = CostMatrix::from_dense(
            ids(2, "d"),
            ids(3, "s"),
            &[5.0, 1.0, f64::INFINITY, 2.0, 2.0, 0.5],
        )?;
        assert_eq!(m.n_entries(), 5);
        assert_eq!(m.by_demand(0), (&[1u32, 0][..], &[1.0, 5.0][..]));
        assert_eq!(m.by_demand(1), (&[2u32, 0, 1][..], &[0.5, 2.0, 2.0][..]));
        assert_eq!(m.by_site(0), (&[1u32, 0][..], &[2.0, 5.0][..]));
        assert_eq!(m.by_site(2), (&[1u32][..], &[0.5][..]));
        assert_eq!(m.cost(0, 2), None);
        assert_eq!(m.cost(1, 1), Some(2.0));
        let dense = m.to_dense();
        assert_eq!(dense[2], f64::INFINITY);
        assert_eq!(dense[5], 0.5);
        Ok(())
    }

    #[test]
    fn rejects_duplicates_and_bad_costs() {
        let e = CostMatrix::from_entries(ids(1, "d"), ids(1, "s"), vec![(0, 0, 1.0), (0, 0, 2.0)]);
        assert!(matches!(e, Err(MatrixError::Duplicate { .. })));
        let e = CostMatrix::from_entries(ids(1, "d"), ids(1, "s"), vec![(0, 0, -1.0)]);
        assert!(matches!(e, Err(MatrixError::BadCost { .. })));
        let e = CostMatrix::from_entries(ids(1, "d"), ids(1, "s"), vec![(0, 3, 1.0)]);
        assert!(matches!(e, Err(MatrixError::SiteOutOfRange(3))));
    }
}
