//! Road networks (路网): graphs read from OpenStreetMap PBF with a walking or driving profile, snapping of points
//! to the network, and shortest paths for facility planning (nearest facility, service areas, cost matrices).
//!
//! - [`Graph`]: a directed graph in compressed sparse rows (CSR), forward and reverse, `u32` node ids, lon/lat per
//!   node, per-edge length (m) and travel time (s). Built by [`Graph::from_osm_pbf`] (see [`Profile`] for the
//!   road classes and speeds, [`LoadOptions`] for contraction and connected components), by
//!   [`Graph::from_edges`] for networks made elsewhere, or by [`synthetic_province`] (SYNTHETIC, for benches).
//! - Snapping: [`Graph::snap`], [`Graph::snap_many`] through a uniform grid over the nodes; the exact nearest node
//!   under a local equirectangular metric (see [`Snap`]). Straight-line fallbacks: [`haversine_m`] and
//!   [`coverage::StraightLine`](crate::coverage::StraightLine).
//! - Shortest paths (Dijkstra, binary heap, `f64` costs): [`Graph::nearest`] (multi-source: the nearest facility
//!   of every node), [`Graph::k_nearest`], [`Graph::opportunities`] (cumulative opportunities within a cost),
//!   [`Graph::cost_matrix`] (a sparse demand × site [`CostMatrix`](crate::matrix::CostMatrix), one bounded search
//!   per site in parallel), and [`Workspace`] for one's own bounded searches without n-sized allocations per query.
//!
//! Costs are in metres ([`Weight::Length`]) or seconds ([`Weight::Time`]). A point's straight-line distance to its
//! snapped node (the access leg) is added at both ends of a trip, costed at the graph's connector speed for
//! [`Weight::Time`] (see [`Graph::access_cost`]).

mod osm;
mod search;
mod snap;
mod synthetic;

use std::sync::OnceLock;

pub use osm::{
    Component, DRIVE_SPEEDS_KMH, LoadOptions, LoadStats, Profile, WALK_HIGHWAYS, WALK_SPEED_KMH,
    parse_maxspeed,
};
pub use search::{KNearest, MatrixOptions, Nearest, Workspace};
pub use snap::{DEFAULT_CIRCUITY, EARTH_RADIUS_M, Snap, haversine_m};
pub use synthetic::{PROVINCE_BOX, synthetic_province};

use crate::matrix::MatrixError;

/// Which edge attribute a search adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Weight {
    /// Metres along the road.
    Length,
    /// Seconds of travel at the profile's speeds.
    Time,
}

/// Which way a search runs relative to its sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Costs from the sources to every node (forward edges).
    FromSources,
    /// Costs from every node to the sources (reverse edges): from demand to facilities, the usual question of
    /// facility planning on a directed (drive) network. On a walking network both directions agree.
    ToSources,
}

/// One directed edge given to [`Graph::from_edges`] (or read back by [`Graph::edges`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// Tail node id.
    pub from: u32,
    /// Head node id.
    pub to: u32,
    /// Metres, finite and ≥ 0.
    pub length_m: f64,
    /// Seconds, finite and ≥ 0.
    pub time_s: f64,
}

/// Why a network could not be read, built or searched.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NetworkError {
    #[error("not a readable OSM PBF file: {0}")]
    Pbf(String),
    #[error("the OSM data have no {0} ways (no road network for this profile)")]
    NoWays(&'static str),
    #[error("OSM node {id} has coordinates out of range (lon {lon}, lat {lat})")]
    BadOsmCoordinate { id: i64, lon: f64, lat: f64 },
    #[error(
        "node {index}: coordinates (lon {lon}, lat {lat}) are not finite degrees within ±180/±90"
    )]
    BadCoordinate { index: usize, lon: f64, lat: f64 },
    #[error("edge {index}: {reason}")]
    BadEdge { index: usize, reason: String },
    #[error("node {node} out of range (the graph has {n_nodes} nodes)")]
    NodeOutOfRange { node: u32, n_nodes: usize },
    #[error("{what}: {count} exceeds the limit of {limit}")]
    TooLarge {
        what: &'static str,
        count: usize,
        limit: usize,
    },
    #[error("{0}")]
    BadArgument(String),
    #[error(transparent)]
    Matrix(#[from] MatrixError),
}

/// "No node" in node-valued arrays.
pub const NO_NODE: u32 = u32::MAX;

/// The largest number of nodes or edges a graph may have (ids are `u32`, `u32::MAX` is reserved).
pub const MAX_ELEMENTS: usize = u32::MAX as usize - 1;

/// One edge in a CSR row: the node at its other end and its weights. Lengths and times are `f32` (relative
/// rounding ≤ 6e-8 per edge), so an edge fits in 12 bytes and a search reads one stream; sums are `f64`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Arc {
    head: u32,
    length: f32,
    time: f32,
}

impl Arc {
    #[inline]
    fn weight<const TIME: bool>(&self) -> f64 {
        f64::from(if TIME { self.time } else { self.length })
    }
}

/// Compressed sparse rows of one direction: the edges of node `v` are `arcs[first[v]..first[v + 1]]`.
#[derive(Debug, Clone, Default)]
struct Csr {
    first: Vec<u32>,
    arcs: Vec<Arc>,
}

impl Csr {
    /// Rows of `n` nodes from `edges`, keyed by `key(edge)` (tail for forward, head for reverse), `other(edge)`
    /// stored as the neighbour. Edges of a row keep their input order.
    fn build(n: usize, edges: &[Edge], key: fn(&Edge) -> u32, other: fn(&Edge) -> u32) -> Csr {
        let mut first = vec![0u32; n + 1];
        for e in edges {
            first[key(e) as usize + 1] += 1;
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let mut pos: Vec<u32> = first[..n].to_vec();
        let mut arcs = vec![Arc::default(); edges.len()];
        for e in edges {
            let k = key(e) as usize;
            let p = pos[k] as usize;
            pos[k] += 1;
            // abs(): a -0.0 that passed the ≥ 0 check becomes +0.0.
            arcs[p] = Arc {
                head: other(e),
                length: e.length_m.abs() as f32,
                time: e.time_s.abs() as f32,
            };
        }
        Csr { first, arcs }
    }

    fn row(&self, v: u32) -> &[Arc] {
        &self.arcs[self.first[v as usize] as usize..self.first[v as usize + 1] as usize]
    }
}

/// A road network: directed, in CSR form both ways, with coordinates per node.
#[derive(Debug)]
pub struct Graph {
    lon: Vec<f64>,
    lat: Vec<f64>,
    /// OSM node ids (empty for graphs not read from OSM).
    osm_id: Vec<i64>,
    fwd: Csr,
    bwd: Csr,
    profile: Option<Profile>,
    /// Speed of the access leg between a point and its snapped node, metres per second.
    connector_mps: f64,
    grid: OnceLock<snap::Grid>,
}

impl Clone for Graph {
    fn clone(&self) -> Graph {
        Graph {
            lon: self.lon.clone(),
            lat: self.lat.clone(),
            osm_id: self.osm_id.clone(),
            fwd: self.fwd.clone(),
            bwd: self.bwd.clone(),
            profile: self.profile,
            connector_mps: self.connector_mps,
            grid: OnceLock::new(),
        }
    }
}

impl Graph {
    /// A graph of `coords.len()` nodes (`(lon, lat)` in degrees, WGS 84) and the given directed edges (a two-way
    /// road is two edges). Self-loops are dropped; parallel edges are kept. Node ids are the positions in
    /// `coords`. The connector speed is [`WALK_SPEED_KMH`] until [`Graph::with_connector_speed`] changes it.
    pub fn from_edges(coords: &[(f64, f64)], edges: &[Edge]) -> Result<Graph, NetworkError> {
        let n = coords.len();
        if n > MAX_ELEMENTS {
            return Err(NetworkError::TooLarge {
                what: "nodes",
                count: n,
                limit: MAX_ELEMENTS,
            });
        }
        if edges.len() > MAX_ELEMENTS {
            return Err(NetworkError::TooLarge {
                what: "edges",
                count: edges.len(),
                limit: MAX_ELEMENTS,
            });
        }
        for (index, &(lon, lat)) in coords.iter().enumerate() {
            if !(lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0) {
                return Err(NetworkError::BadCoordinate { index, lon, lat });
            }
        }
        for (index, e) in edges.iter().enumerate() {
            let reason = if e.from as usize >= n || e.to as usize >= n {
                format!(
                    "node {} or {} out of range (the graph has {n} nodes)",
                    e.from, e.to
                )
            } else if !(e.length_m.is_finite() && e.length_m >= 0.0) {
                format!("length {} is not a finite number ≥ 0", e.length_m)
            } else if !(e.time_s.is_finite() && e.time_s >= 0.0) {
                format!("time {} is not a finite number ≥ 0", e.time_s)
            } else {
                continue;
            };
            return Err(NetworkError::BadEdge { index, reason });
        }
        let kept: Vec<Edge> = edges.iter().filter(|e| e.from != e.to).copied().collect();
        Ok(Graph::assemble(coords, Vec::new(), &kept, None))
    }

    /// Builds the CSR rows from checked parts.
    fn assemble(
        coords: &[(f64, f64)],
        osm_id: Vec<i64>,
        edges: &[Edge],
        profile: Option<Profile>,
    ) -> Graph {
        let n = coords.len();
        Graph {
            lon: coords.iter().map(|c| c.0).collect(),
            lat: coords.iter().map(|c| c.1).collect(),
            osm_id,
            fwd: Csr::build(n, edges, |e| e.from, |e| e.to),
            bwd: Csr::build(n, edges, |e| e.to, |e| e.from),
            profile,
            connector_mps: profile.map_or(WALK_SPEED_KMH, Profile::connector_speed_kmh) / 3.6,
            grid: OnceLock::new(),
        }
    }

    /// Sets the speed (km/h, > 0) at which the access leg between a point and its snapped node is costed for
    /// [`Weight::Time`].
    pub fn with_connector_speed(mut self, kmh: f64) -> Result<Graph, NetworkError> {
        if !(kmh.is_finite() && kmh > 0.0) {
            return Err(NetworkError::BadArgument(format!(
                "connector speed {kmh} km/h is not a finite number > 0"
            )));
        }
        self.connector_mps = kmh / 3.6;
        Ok(self)
    }

    /// Number of nodes; ids are `0..n_nodes()`.
    pub fn n_nodes(&self) -> usize {
        self.lon.len()
    }

    /// Number of directed edges.
    pub fn n_edges(&self) -> usize {
        self.fwd.arcs.len()
    }

    /// The profile the graph was read with (`None` for [`Graph::from_edges`] and synthetic graphs).
    pub fn profile(&self) -> Option<Profile> {
        self.profile
    }

    /// Speed of the access leg, km/h.
    pub fn connector_speed_kmh(&self) -> f64 {
        self.connector_mps * 3.6
    }

    /// `(lon, lat)` of a node, degrees.
    pub fn lon_lat(&self, node: u32) -> Option<(f64, f64)> {
        let i = node as usize;
        Some((*self.lon.get(i)?, *self.lat.get(i)?))
    }

    /// All longitudes, indexed by node.
    pub fn lons(&self) -> &[f64] {
        &self.lon
    }

    /// All latitudes, indexed by node.
    pub fn lats(&self) -> &[f64] {
        &self.lat
    }

    /// The OSM id of a node (graphs read from OSM only).
    pub fn osm_id(&self, node: u32) -> Option<i64> {
        self.osm_id.get(node as usize).copied()
    }

    /// Out-edges of `node`: `(head, metres, seconds)`.
    pub fn out_edges(&self, node: u32) -> impl Iterator<Item = (u32, f64, f64)> + '_ {
        self.row(&self.fwd, node)
    }

    /// In-edges of `node`: `(tail, metres, seconds)`.
    pub fn in_edges(&self, node: u32) -> impl Iterator<Item = (u32, f64, f64)> + '_ {
        self.row(&self.bwd, node)
    }

    fn row<'a>(&'a self, csr: &'a Csr, node: u32) -> impl Iterator<Item = (u32, f64, f64)> + 'a {
        let arcs = if (node as usize) < self.n_nodes() {
            csr.row(node)
        } else {
            &[]
        };
        arcs.iter()
            .map(|a| (a.head, f64::from(a.length), f64::from(a.time)))
    }

    /// Every directed edge, by tail node.
    pub fn edges(&self) -> impl Iterator<Item = Edge> + '_ {
        (0..self.n_nodes() as u32).flat_map(move |v| {
            self.out_edges(v).map(move |(to, length_m, time_s)| Edge {
                from: v,
                to,
                length_m,
                time_s,
            })
        })
    }

    /// Sum of the lengths of all directed edges, metres (a two-way road counts twice).
    pub fn total_length_m(&self) -> f64 {
        self.fwd.arcs.iter().map(|a| f64::from(a.length)).sum()
    }

    /// The cost of an access leg of `metres` in `weight` units: metres for [`Weight::Length`], seconds at the
    /// connector speed for [`Weight::Time`].
    pub fn access_cost(&self, metres: f64, weight: Weight) -> f64 {
        match weight {
            Weight::Length => metres,
            Weight::Time => metres / self.connector_mps,
        }
    }

    fn check_node(&self, node: u32) -> Result<(), NetworkError> {
        if (node as usize) < self.n_nodes() {
            Ok(())
        } else {
            Err(NetworkError::NodeOutOfRange {
                node,
                n_nodes: self.n_nodes(),
            })
        }
    }

    /// The parts of the graph restricted to the nodes with `keep[v]`, renumbered in order.
    fn induced(&self, keep: &[bool]) -> (Vec<(f64, f64)>, Vec<i64>, Vec<Edge>) {
        let mut new_id = vec![NO_NODE; self.n_nodes()];
        let mut coords = Vec::new();
        let mut ids = Vec::new();
        for v in 0..self.n_nodes() {
            if keep[v] {
                new_id[v] = coords.len() as u32;
                coords.push((self.lon[v], self.lat[v]));
                if let Some(&id) = self.osm_id.get(v) {
                    ids.push(id);
                }
            }
        }
        let edges = self
            .edges()
            .filter(|e| keep[e.from as usize] && keep[e.to as usize])
            .map(|e| Edge {
                from: new_id[e.from as usize],
                to: new_id[e.to as usize],
                ..e
            })
            .collect();
        (coords, ids, edges)
    }

    /// Marks the nodes of the largest strongly (or weakly) connected component; ties go to the component holding
    /// the smallest node id.
    fn largest_component(&self, strongly: bool) -> Vec<bool> {
        let comp = if strongly {
            self.strong_components()
        } else {
            self.weak_components()
        };
        let n = self.n_nodes();
        let mut size: Vec<u32> = Vec::new();
        let mut first_node: Vec<usize> = Vec::new();
        for (v, &c) in comp.iter().enumerate() {
            let c = c as usize;
            if c >= size.len() {
                size.resize(c + 1, 0);
                first_node.resize(c + 1, usize::MAX);
            }
            size[c] += 1;
            first_node[c] = first_node[c].min(v);
        }
        let best = (0..size.len()).max_by(|&a, &b| {
            size[a]
                .cmp(&size[b])
                .then(first_node[b].cmp(&first_node[a]))
        });
        match best {
            Some(b) => comp.iter().map(|&c| c as usize == b).collect(),
            None => vec![false; n],
        }
    }

    /// Component label per node, weakly connected (edges taken both ways).
    fn weak_components(&self) -> Vec<u32> {
        let n = self.n_nodes();
        let mut comp = vec![NO_NODE; n];
        let mut stack = Vec::new();
        let mut next = 0u32;
        for s in 0..n {
            if comp[s] != NO_NODE {
                continue;
            }
            comp[s] = next;
            stack.push(s as u32);
            while let Some(v) = stack.pop() {
                for csr in [&self.fwd, &self.bwd] {
                    for a in csr.row(v) {
                        let u = a.head as usize;
                        if comp[u] == NO_NODE {
                            comp[u] = next;
                            stack.push(u as u32);
                        }
                    }
                }
            }
            next += 1;
        }
        comp
    }

    /// Component label per node, strongly connected (Kosaraju, iterative).
    fn strong_components(&self) -> Vec<u32> {
        let n = self.n_nodes();
        // 1. Post-order of a DFS over forward edges.
        let mut seen = vec![false; n];
        let mut order: Vec<u32> = Vec::with_capacity(n);
        let mut stack: Vec<(u32, usize)> = Vec::new();
        for s in 0..n {
            if seen[s] {
                continue;
            }
            seen[s] = true;
            stack.push((s as u32, 0));
            while let Some(top) = stack.last_mut() {
                let (v, i) = *top;
                if let Some(a) = self.fwd.row(v).get(i) {
                    top.1 += 1;
                    let u = a.head;
                    if !seen[u as usize] {
                        seen[u as usize] = true;
                        stack.push((u, 0));
                    }
                } else {
                    order.push(v);
                    stack.pop();
                }
            }
        }
        // 2. Reverse post-order over reverse edges.
        let mut comp = vec![NO_NODE; n];
        let mut dfs: Vec<u32> = Vec::new();
        let mut next = 0u32;
        for &s in order.iter().rev() {
            if comp[s as usize] != NO_NODE {
                continue;
            }
            comp[s as usize] = next;
            dfs.push(s);
            while let Some(v) = dfs.pop() {
                for a in self.bwd.row(v) {
                    let u = a.head as usize;
                    if comp[u] == NO_NODE {
                        comp[u] = next;
                        dfs.push(u as u32);
                    }
                }
            }
            next += 1;
        }
        comp
    }

    /// Removes pass-through nodes (two neighbours, the same way in both directions or a one-way chain through
    /// them) and joins their edges, summing length and time. Nodes where roads meet, end or change direction
    /// rules stay. A ring of pass-through nodes keeps its first node.
    fn contracted(&self) -> (Vec<(f64, f64)>, Vec<i64>, Vec<Edge>) {
        let n = self.n_nodes();
        let through: Vec<bool> = (0..n as u32).map(|v| self.is_pass_through(v)).collect();
        let mut keep: Vec<bool> = through.iter().map(|t| !t).collect();
        let mut visited = vec![false; n];
        let mut edges = Vec::new();
        let walk_from = |v: u32, visited: &mut Vec<bool>, keep: &[bool], out: &mut Vec<Edge>| {
            for a in self.fwd.row(v) {
                let (mut prev, mut cur) = (v, a.head);
                let (mut len, mut time) = (f64::from(a.length), f64::from(a.time));
                while !keep[cur as usize] {
                    visited[cur as usize] = true;
                    // A pass-through node has one out-edge not leading back where we came from (two-way), or
                    // exactly one out-edge (one-way chain).
                    let row = self.fwd.row(cur);
                    let next = row.iter().find(|x| x.head != prev).or_else(|| row.first());
                    let Some(x) = next else { break };
                    len += f64::from(x.length);
                    time += f64::from(x.time);
                    prev = cur;
                    cur = x.head;
                }
                if keep[cur as usize] && cur != v {
                    out.push(Edge {
                        from: v,
                        to: cur,
                        length_m: len,
                        time_s: time,
                    });
                }
            }
        };
        for v in 0..n as u32 {
            if keep[v as usize] {
                walk_from(v, &mut visited, &keep, &mut edges);
            }
        }
        // Rings made only of pass-through nodes: keep one node of each and walk from it.
        for v in 0..n {
            if through[v] && !visited[v] && !keep[v] {
                keep[v] = true;
                let mut ring = Vec::new();
                walk_from(v as u32, &mut visited, &keep, &mut ring);
                edges.extend(ring);
            }
        }
        let mut new_id = vec![NO_NODE; n];
        let mut coords = Vec::new();
        let mut ids = Vec::new();
        for v in 0..n {
            if keep[v] {
                new_id[v] = coords.len() as u32;
                coords.push((self.lon[v], self.lat[v]));
                if let Some(&id) = self.osm_id.get(v) {
                    ids.push(id);
                }
            }
        }
        for e in &mut edges {
            e.from = new_id[e.from as usize];
            e.to = new_id[e.to as usize];
        }
        (coords, ids, edges)
    }

    /// Whether `v` only carries geometry: exactly two distinct neighbours a ≠ b, and either one edge a→v and
    /// one edge v→b (one-way chain) or edges a↔v↔b both ways, one each.
    fn is_pass_through(&self, v: u32) -> bool {
        let heads: Vec<u32> = self.fwd.row(v).iter().map(|a| a.head).collect();
        let tails: Vec<u32> = self.bwd.row(v).iter().map(|a| a.head).collect();
        match (heads.as_slice(), tails.as_slice()) {
            ([b], [a]) => a != b && *a != v && *b != v,
            ([h1, h2], [t1, t2]) => {
                h1 != h2
                    && ((t1 == h1 && t2 == h2) || (t1 == h2 && t2 == h1))
                    && *h1 != v
                    && *h2 != v
            }
            _ => false,
        }
    }

    /// The same graph with nodes renumbered along a Hilbert curve over their coordinates, so that nodes near
    /// each other on the ground are near each other in memory (faster searches on large graphs).
    fn hilbert_ordered(
        coords: Vec<(f64, f64)>,
        ids: Vec<i64>,
        edges: Vec<Edge>,
    ) -> (Vec<(f64, f64)>, Vec<i64>, Vec<Edge>) {
        let n = coords.len();
        if n < 2 {
            return (coords, ids, edges);
        }
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in &coords {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        let scale = |v: f64, lo: f64, hi: f64| -> u32 {
            if hi > lo {
                (((v - lo) / (hi - lo)) * 65535.0)
                    .round()
                    .clamp(0.0, 65535.0) as u32
            } else {
                0
            }
        };
        let mut order: Vec<(u64, u32)> = coords
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| (hilbert_d(scale(x, x0, x1), scale(y, y0, y1)), i as u32))
            .collect();
        order.sort_unstable();
        let mut new_id = vec![0u32; n];
        for (new, &(_, old)) in order.iter().enumerate() {
            new_id[old as usize] = new as u32;
        }
        let coords2 = order.iter().map(|&(_, old)| coords[old as usize]).collect();
        let ids2 = if ids.len() == n {
            order.iter().map(|&(_, old)| ids[old as usize]).collect()
        } else {
            ids
        };
        let mut edges2: Vec<Edge> = edges
            .into_iter()
            .map(|e| Edge {
                from: new_id[e.from as usize],
                to: new_id[e.to as usize],
                ..e
            })
            .collect();
        edges2.sort_by_key(|e| (e.from, e.to));
        (coords2, ids2, edges2)
    }
}

/// Position of `(x, y)` (16-bit each) along the Hilbert curve of order 16.
fn hilbert_d(mut x: u32, mut y: u32) -> u64 {
    const N: u32 = 1 << 16;
    let mut d = 0u64;
    let mut s = N / 2;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = N - 1 - x;
                y = N - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(from: u32, to: u32, len: f64) -> Edge {
        Edge {
            from,
            to,
            length_m: len,
            time_s: len,
        }
    }

    fn two_way(pairs: &[(u32, u32, f64)]) -> Vec<Edge> {
        pairs
            .iter()
            .flat_map(|&(a, b, l)| [edge(a, b, l), edge(b, a, l)])
            .collect()
    }

    #[test]
    fn contraction_keeps_intersections_and_lengths() -> Result<(), NetworkError> {
        // 0 - 1 - 2 - 3, with 4 hanging off 2: node 1 is a pass-through, 2 is an intersection.
        let coords: Vec<(f64, f64)> = (0..5)
            .map(|i| (100.0 + f64::from(i) * 1e-3, 25.0))
            .collect();
        let g = Graph::from_edges(
            &coords,
            &two_way(&[(0, 1, 1.0), (1, 2, 2.0), (2, 3, 4.0), (2, 4, 8.0)]),
        )?;
        let (c, _, e) = g.contracted();
        assert_eq!(c.len(), 4);
        let mut got: Vec<(u32, u32, f64)> = e.iter().map(|e| (e.from, e.to, e.length_m)).collect();
        got.sort_by_key(|a| (a.0, a.1));
        assert_eq!(
            got,
            [
                (0, 1, 3.0),
                (1, 0, 3.0),
                (1, 2, 4.0),
                (1, 3, 8.0),
                (2, 1, 4.0),
                (3, 1, 8.0)
            ]
        );
        // A one-way chain 0 -> 1 -> 2 contracts; a ring of pass-throughs keeps one node.
        let g = Graph::from_edges(
            &coords,
            &[
                edge(0, 1, 1.0),
                edge(1, 2, 1.0),
                edge(2, 3, 1.0),
                edge(3, 1, 1.0),
            ],
        )?;
        assert!(!g.is_pass_through(1));
        let ring = Graph::from_edges(
            &coords[..3],
            &two_way(&[(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)]),
        )?;
        let (c, _, e) = ring.contracted();
        assert_eq!(c.len(), 1);
        assert!(e.is_empty());
        Ok(())
    }

    #[test]
    fn components() -> Result<(), NetworkError> {
        let coords = vec![(100.0, 25.0); 6];
        // 0 <-> 1 -> 2 <-> 3; 4 <-> 5
        let mut edges = two_way(&[(0, 1, 1.0), (2, 3, 1.0), (4, 5, 1.0)]);
        edges.push(edge(1, 2, 1.0));
        let g = Graph::from_edges(&coords, &edges)?;
        assert_eq!(
            g.largest_component(false),
            [true, true, true, true, false, false]
        );
        assert_eq!(
            g.largest_component(true),
            [true, true, false, false, false, false]
        );
        Ok(())
    }
}
