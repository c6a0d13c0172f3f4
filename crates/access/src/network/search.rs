//! Dijkstra searches: one reusable workspace, nearest and k nearest facilities, cumulative opportunities, and
//! the demand × site cost matrix.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Mutex;

use rayon::prelude::*;

use super::{Csr, Direction, Graph, NO_NODE, NetworkError, Snap, Weight};
use crate::matrix::CostMatrix;

/// Reusable state of bounded Dijkstra searches on one graph: n-sized cost and origin arrays allocated once and
/// reset through the list of nodes a search touched, so a small-radius search costs what it visits, not n.
///
/// Costs are `f64`; the binary heap holds `(cost bits, node)` (non-negative doubles order like their bit
/// patterns) with lazy deletion.
#[derive(Debug, Clone)]
pub struct Workspace {
    dist: Vec<f64>,
    origin: Vec<u32>,
    touched: Vec<u32>,
    settled: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Workspace {
    /// A workspace for `graph` (or any graph of the same node count).
    pub fn new(graph: &Graph) -> Workspace {
        Workspace::with_nodes(graph.n_nodes())
    }

    fn with_nodes(n: usize) -> Workspace {
        Workspace {
            dist: vec![f64::INFINITY; n],
            origin: vec![NO_NODE; n],
            touched: Vec::new(),
            settled: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    fn reset(&mut self) {
        for &v in &self.touched {
            self.dist[v as usize] = f64::INFINITY;
            self.origin[v as usize] = NO_NODE;
        }
        self.touched.clear();
        self.settled.clear();
        self.heap.clear();
    }

    /// Bounded Dijkstra from `sources` (`(node, starting cost)`; a node given twice keeps its lower cost) over
    /// the edges of `direction`, settling every node whose cost is ≤ `max_cost`. Returns the settled nodes,
    /// cheapest first; [`Workspace::cost`] and [`Workspace::origin`] read the results until the next search.
    pub fn search(
        &mut self,
        graph: &Graph,
        sources: &[(u32, f64)],
        weight: Weight,
        max_cost: f64,
        direction: Direction,
    ) -> Result<&[u32], NetworkError> {
        if self.dist.len() != graph.n_nodes() {
            return Err(NetworkError::BadArgument(format!(
                "workspace made for {} nodes used on a graph of {}",
                self.dist.len(),
                graph.n_nodes()
            )));
        }
        check_max(max_cost)?;
        for &(v, c) in sources {
            graph.check_node(v)?;
            check_start(c)?;
        }
        self.run::<true>(
            graph,
            sources.iter().map(|&(v, c)| (v, c.abs())),
            weight,
            max_cost,
            direction,
        );
        Ok(&self.settled)
    }

    /// The cost of `node` in the last search (`None` when it was not reached within the bound).
    pub fn cost(&self, node: u32) -> Option<f64> {
        self.dist
            .get(node as usize)
            .copied()
            .filter(|d| d.is_finite())
    }

    /// The index (into the last search's sources) of the source that reached `node` cheapest.
    pub fn origin(&self, node: u32) -> Option<u32> {
        self.origin
            .get(node as usize)
            .copied()
            .filter(|&o| o != NO_NODE)
    }

    /// The search itself; arguments are checked and starting costs are ≥ +0.0. `sources` yields `(node,
    /// starting cost)`, its position is the origin index (recorded when `ORIGIN`).
    fn run<const ORIGIN: bool>(
        &mut self,
        graph: &Graph,
        sources: impl Iterator<Item = (u32, f64)>,
        weight: Weight,
        max_cost: f64,
        direction: Direction,
    ) {
        self.reset();
        for (i, (v, c)) in sources.enumerate() {
            if c <= max_cost && c < self.dist[v as usize] {
                if self.dist[v as usize] == f64::INFINITY {
                    self.touched.push(v);
                }
                self.dist[v as usize] = c;
                if ORIGIN {
                    self.origin[v as usize] = i as u32;
                }
                self.heap.push(Reverse((c.to_bits(), v)));
            }
        }
        let csr: &Csr = match direction {
            Direction::FromSources => &graph.fwd,
            Direction::ToSources => &graph.bwd,
        };
        match weight {
            Weight::Length => self.settle::<ORIGIN, false>(csr, max_cost),
            Weight::Time => self.settle::<ORIGIN, true>(csr, max_cost),
        }
    }

    /// Dijkstra's main loop over `csr` with the weight `TIME` selects.
    fn settle<const ORIGIN: bool, const TIME: bool>(&mut self, csr: &Csr, max_cost: f64) {
        while let Some(Reverse((bits, v))) = self.heap.pop() {
            let d = f64::from_bits(bits);
            let vi = v as usize;
            if d > self.dist[vi] {
                continue;
            }
            self.settled.push(v);
            let o = if ORIGIN { self.origin[vi] } else { NO_NODE };
            for a in csr.row(v) {
                let u = a.head as usize;
                let nd = d + a.weight::<TIME>();
                if nd < self.dist[u] && nd <= max_cost {
                    if self.dist[u] == f64::INFINITY {
                        self.touched.push(a.head);
                    }
                    self.dist[u] = nd;
                    if ORIGIN {
                        self.origin[u] = o;
                    }
                    self.heap.push(Reverse((nd.to_bits(), a.head)));
                }
            }
        }
    }
}

fn check_max(max_cost: f64) -> Result<(), NetworkError> {
    if max_cost.is_nan() || max_cost < 0.0 {
        return Err(NetworkError::BadArgument(format!(
            "max_cost {max_cost} is not a number ≥ 0 (use f64::INFINITY for no bound)"
        )));
    }
    Ok(())
}

fn check_start(c: f64) -> Result<(), NetworkError> {
    if !(c.is_finite() && c >= 0.0) {
        return Err(NetworkError::BadArgument(format!(
            "starting cost {c} is not a finite number ≥ 0"
        )));
    }
    Ok(())
}

fn check_snaps(graph: &Graph, snaps: &[Snap]) -> Result<(), NetworkError> {
    for s in snaps {
        graph.check_node(s.node)?;
        check_start(s.metres)?;
    }
    Ok(())
}

/// The nearest facility of every node (from [`Graph::nearest`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Nearest {
    /// Cost per node (`f64::INFINITY` when no facility is within the bound), the facility's access leg included.
    pub cost: Vec<f64>,
    /// Index of the nearest facility per node ([`NO_NODE`](super::NO_NODE) = none).
    pub facility: Vec<u32>,
    weight: Weight,
    max_cost: f64,
}

impl Nearest {
    /// The nearest facility of `node` and its cost.
    pub fn get(&self, node: u32) -> Option<(u32, f64)> {
        let i = node as usize;
        let f = *self.facility.get(i)?;
        (f != NO_NODE).then(|| (f, self.cost[i]))
    }

    /// The nearest facility of a snapped point: the node's result plus the point's own access leg, `None` when
    /// unsnapped or beyond the bound.
    pub fn for_point(&self, graph: &Graph, point: Option<Snap>) -> Option<(u32, f64)> {
        let p = point?;
        let (f, c) = self.get(p.node)?;
        let total = c + graph.access_cost(p.metres, self.weight);
        (total <= self.max_cost).then_some((f, total))
    }
}

/// The k nearest facilities of every node (from [`Graph::k_nearest`]), row-major `n × k`, cheapest first,
/// padded with `f64::INFINITY` / [`NO_NODE`](super::NO_NODE).
#[derive(Debug, Clone, PartialEq)]
pub struct KNearest {
    /// Facilities kept per node.
    pub k: usize,
    /// `cost[node * k + i]`: the cost of the node's `i`-th nearest facility.
    pub cost: Vec<f64>,
    /// `facility[node * k + i]`: the index of that facility.
    pub facility: Vec<u32>,
}

impl KNearest {
    /// `(facility, cost)` of `node`, cheapest first (fewer than k when fewer are within the bound).
    pub fn get(&self, node: u32) -> Vec<(u32, f64)> {
        let r = node as usize * self.k..(node as usize + 1) * self.k;
        match (self.facility.get(r.clone()), self.cost.get(r)) {
            (Some(f), Some(c)) => f
                .iter()
                .zip(c)
                .take_while(|(f, _)| **f != NO_NODE)
                .map(|(&f, &c)| (f, c))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// What [`Graph::cost_matrix`] computes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatrixOptions {
    /// Metres or seconds.
    pub weight: Weight,
    /// Pairs costing more (access legs included) are left out (unreachable); `f64::INFINITY` keeps all.
    pub max_cost: f64,
    /// [`Direction::ToSources`]: the cost of travelling from the demand point to the site (the usual one);
    /// [`Direction::FromSources`]: from the site to the demand point (e.g. ambulance dispatch).
    pub direction: Direction,
}

/// Workspaces shared by the jobs of one parallel computation: a job takes one (or makes one) and gives it back,
/// so no more are made than jobs run at once.
struct Pool<'a> {
    graph: &'a Graph,
    free: Mutex<Vec<Workspace>>,
}

struct Lease<'p, 'a> {
    pool: &'p Pool<'a>,
    ws: Option<Workspace>,
}

impl<'a> Pool<'a> {
    fn new(graph: &'a Graph) -> Pool<'a> {
        Pool {
            graph,
            free: Mutex::new(Vec::new()),
        }
    }

    fn lease(&self) -> Lease<'_, 'a> {
        let ws = self
            .free
            .lock()
            .ok()
            .and_then(|mut f| f.pop())
            .unwrap_or_else(|| Workspace::new(self.graph));
        Lease {
            pool: self,
            ws: Some(ws),
        }
    }
}

impl Drop for Lease<'_, '_> {
    fn drop(&mut self) {
        if let (Some(ws), Ok(mut free)) = (self.ws.take(), self.pool.free.lock()) {
            free.push(ws);
        }
    }
}

impl Lease<'_, '_> {
    fn ws(&mut self) -> &mut Workspace {
        // Always Some until dropped.
        self.ws
            .get_or_insert_with(|| Workspace::new(self.pool.graph))
    }
}

impl Graph {
    /// Bounded single-source Dijkstra: every node within `max_cost` of `source` (its access leg included) and its
    /// cost, cheapest first. Allocates n-sized arrays; for many searches reuse a [`Workspace`].
    pub fn shortest_from(
        &self,
        source: Snap,
        weight: Weight,
        max_cost: f64,
        direction: Direction,
    ) -> Result<Vec<(u32, f64)>, NetworkError> {
        let mut ws = Workspace::new(self);
        let start = self.access_cost(source.metres, weight);
        ws.search(self, &[(source.node, start)], weight, max_cost, direction)?;
        Ok(ws
            .settled
            .iter()
            .map(|&v| (v, ws.dist[v as usize]))
            .collect())
    }

    /// Multi-source Dijkstra: for every node, the cheapest facility and its cost (the facility's access leg
    /// included, the node's own not: see [`Nearest::for_point`]). Nodes beyond `max_cost` get none. Ties go to
    /// the facility settled first (deterministic). With [`Direction::ToSources`] the cost is from the node to the
    /// facility.
    pub fn nearest(
        &self,
        facilities: &[Snap],
        weight: Weight,
        max_cost: f64,
        direction: Direction,
    ) -> Result<Nearest, NetworkError> {
        check_max(max_cost)?;
        check_snaps(self, facilities)?;
        let mut ws = Workspace::new(self);
        ws.run::<true>(
            self,
            facilities
                .iter()
                .map(|s| (s.node, self.access_cost(s.metres.abs(), weight))),
            weight,
            max_cost,
            direction,
        );
        Ok(Nearest {
            cost: std::mem::take(&mut ws.dist),
            facility: std::mem::take(&mut ws.origin),
            weight,
            max_cost,
        })
    }

    /// The `k` nearest distinct facilities of every node within `max_cost` (a multi-label Dijkstra: each node is
    /// settled at most once per facility and at most k times). Facility access legs are included as in
    /// [`Graph::nearest`].
    pub fn k_nearest(
        &self,
        facilities: &[Snap],
        k: usize,
        weight: Weight,
        max_cost: f64,
        direction: Direction,
    ) -> Result<KNearest, NetworkError> {
        check_max(max_cost)?;
        check_snaps(self, facilities)?;
        if k == 0 || k > 1024 {
            return Err(NetworkError::BadArgument(format!(
                "k = {k} is not within 1..=1024"
            )));
        }
        let n = self.n_nodes();
        let size = n.checked_mul(k).ok_or(NetworkError::TooLarge {
            what: "nodes × k",
            count: usize::MAX,
            limit: usize::MAX,
        })?;
        let mut cost = vec![f64::INFINITY; size];
        let mut facility = vec![NO_NODE; size];
        let mut count = vec![0u16; n];
        let csr = match direction {
            Direction::FromSources => &self.fwd,
            Direction::ToSources => &self.bwd,
        };
        let mut heap: BinaryHeap<Reverse<(u64, u32, u32)>> = BinaryHeap::new();
        for (i, s) in facilities.iter().enumerate() {
            let c = self.access_cost(s.metres.abs(), weight);
            if c <= max_cost {
                heap.push(Reverse((c.to_bits(), s.node, i as u32)));
            }
        }
        let has = |facility: &[u32], count: &[u16], v: usize, f: u32| {
            facility[v * k..v * k + count[v] as usize].contains(&f)
        };
        while let Some(Reverse((bits, v, f))) = heap.pop() {
            let vi = v as usize;
            if count[vi] as usize == k || has(&facility, &count, vi, f) {
                continue;
            }
            let d = f64::from_bits(bits);
            let slot = vi * k + count[vi] as usize;
            cost[slot] = d;
            facility[slot] = f;
            count[vi] += 1;
            for a in csr.row(v) {
                let u = a.head as usize;
                let nd = d + match weight {
                    Weight::Length => a.weight::<false>(),
                    Weight::Time => a.weight::<true>(),
                };
                if nd <= max_cost && (count[u] as usize) < k && !has(&facility, &count, u, f) {
                    heap.push(Reverse((nd.to_bits(), u as u32, f)));
                }
            }
        }
        Ok(KNearest { k, cost, facility })
    }

    /// Cumulative opportunities: for every node, the sum of the values of the items it reaches within
    /// `max_cost` (pandana's `aggregate(type="sum", decay="flat")`). An item is `(snap, value)`; its access leg
    /// counts toward the cost. One bounded search per distinct item node, in parallel, over the edges opposite to
    /// `direction` ([`Direction::ToSources`]: from node to item). Sums are added in item order, so the result is
    /// the same whatever the number of threads.
    pub fn opportunities(
        &self,
        items: &[(Snap, f64)],
        weight: Weight,
        max_cost: f64,
        direction: Direction,
    ) -> Result<Vec<f64>, NetworkError> {
        check_max(max_cost)?;
        for (s, v) in items {
            self.check_node(s.node)?;
            check_start(s.metres)?;
            if !v.is_finite() {
                return Err(NetworkError::BadArgument(format!(
                    "item value {v} is not finite"
                )));
            }
        }
        // Group by node: access costs ascending with running sums of the values.
        let mut sorted: Vec<(u32, f64, f64)> = items
            .iter()
            .map(|(s, v)| (s.node, self.access_cost(s.metres.abs(), weight), *v))
            .filter(|&(_, c, _)| c <= max_cost)
            .collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut groups: Vec<(u32, Vec<f64>, Vec<f64>)> = Vec::new();
        for (node, c, v) in sorted {
            match groups.last_mut() {
                Some((g, costs, sums)) if *g == node => {
                    costs.push(c);
                    let prev = sums.last().copied().unwrap_or(0.0);
                    sums.push(prev + v);
                }
                _ => groups.push((node, vec![c], vec![v])),
            }
        }
        let mut total = vec![0.0; self.n_nodes()];
        let pool = Pool::new(self);
        let wave = 16 * rayon::current_num_threads().max(1);
        for chunk in groups.chunks(wave) {
            let parts: Vec<Vec<(u32, f64)>> = chunk
                .par_iter()
                .map(|(node, costs, sums)| {
                    let mut lease = pool.lease();
                    let ws = lease.ws();
                    ws.run::<false>(
                        self,
                        std::iter::once((*node, 0.0)),
                        weight,
                        max_cost - costs[0],
                        direction,
                    );
                    ws.settled
                        .iter()
                        .filter_map(|&v| {
                            let room = max_cost - ws.dist[v as usize];
                            let k = costs.partition_point(|&c| c <= room);
                            (k > 0).then(|| (v, sums[k - 1]))
                        })
                        .collect()
                })
                .collect();
            for part in parts {
                for (v, s) in part {
                    total[v as usize] += s;
                }
            }
        }
        Ok(total)
    }

    /// The demand × site cost matrix: one bounded Dijkstra per site (in parallel), from the site over the
    /// reverse edges for [`Direction::ToSources`] (so costs are demand → site on a one-way network) or the
    /// forward edges for [`Direction::FromSources`]. The cost of a pair is the demand point's access leg + the
    /// network cost between the snapped nodes + the site's access leg (see [`Graph::access_cost`]); pairs above
    /// `max_cost` and unsnapped points (`None`) are unreachable. Ids are the matrix's row and column ids.
    pub fn cost_matrix(
        &self,
        demand_ids: Vec<String>,
        demand: &[Option<Snap>],
        site_ids: Vec<String>,
        sites: &[Option<Snap>],
        options: &MatrixOptions,
    ) -> Result<CostMatrix, NetworkError> {
        let MatrixOptions {
            weight,
            max_cost,
            direction,
        } = *options;
        check_max(max_cost)?;
        if demand_ids.len() != demand.len() || site_ids.len() != sites.len() {
            return Err(NetworkError::BadArgument(format!(
                "{} demand ids for {} demand points, {} site ids for {} sites",
                demand_ids.len(),
                demand.len(),
                site_ids.len(),
                sites.len()
            )));
        }
        let d_snaps: Vec<Snap> = demand.iter().flatten().copied().collect();
        check_snaps(self, &d_snaps)?;
        let s_snaps: Vec<Snap> = sites.iter().flatten().copied().collect();
        check_snaps(self, &s_snaps)?;
        // Demand points by node (CSR), with their access costs.
        let n = self.n_nodes();
        let mut first = vec![0u32; n + 1];
        for s in &d_snaps {
            first[s.node as usize + 1] += 1;
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let mut fill = first[..n].to_vec();
        let mut at_node: Vec<(u32, f64)> = vec![(0, 0.0); d_snaps.len()];
        for (d, s) in demand.iter().enumerate() {
            if let Some(s) = s {
                let p = &mut fill[s.node as usize];
                at_node[*p as usize] = (d as u32, self.access_cost(s.metres.abs(), weight));
                *p += 1;
            }
        }
        let pool = Pool::new(self);
        let per_site: Vec<Vec<(u32, u32, f64)>> = sites
            .par_iter()
            .enumerate()
            .map(|(si, site)| {
                let Some(site) = site else {
                    return Vec::new();
                };
                let start = self.access_cost(site.metres.abs(), weight);
                let mut lease = pool.lease();
                let ws = lease.ws();
                ws.run::<false>(
                    self,
                    std::iter::once((site.node, start)),
                    weight,
                    max_cost,
                    direction,
                );
                let mut out = Vec::new();
                for &v in &ws.settled {
                    let c = ws.dist[v as usize];
                    let r = first[v as usize] as usize..first[v as usize + 1] as usize;
                    for &(d, access) in &at_node[r] {
                        let total = c + access;
                        if total <= max_cost {
                            out.push((d, si as u32, total));
                        }
                    }
                }
                out
            })
            .collect();
        let entries: Vec<(u32, u32, f64)> = per_site.into_iter().flatten().collect();
        Ok(CostMatrix::from_entries(demand_ids, site_ids, entries)?)
    }
}
