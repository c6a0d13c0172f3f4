//! Snapping points to the nearest node through a uniform grid.

use rayon::prelude::*;

use super::{Graph, NO_NODE};

pub use crate::geo::{EARTH_RADIUS_M, haversine_m};

/// The default ratio of road distance to straight-line distance for
/// [`StraightLine`](crate::coverage::StraightLine). A default, not a measurement: published measurements of road
/// circuity mostly fall between 1.2 and 1.4, and mountain networks such as Yunnan's lie above that; calibrate it
/// on a network where one exists.
pub const DEFAULT_CIRCUITY: f64 = 1.3;

/// A point attached to the network: its nearest node and the distance to it in metres.
///
/// "Nearest" is exact under the local equirectangular metric at the point's latitude φ:
/// `R·√(Δφ² + (Δλ·cos φ)²)`, which differs from the great-circle distance by less than 1e-4 relative within a few
/// kilometres at China's latitudes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The nearest node.
    pub node: u32,
    /// Distance from the point to the node, metres (the access leg).
    pub metres: f64,
}

impl Snap {
    /// A point exactly at `node` (no access leg).
    pub fn at(node: u32) -> Snap {
        Snap { node, metres: 0.0 }
    }
}

/// A uniform grid over the nodes, in degrees. The nodes are stored twice, grouped by cell in row-major and in
/// column-major order (compressed rows with their coordinates beside them), so that each side of a search ring is
/// one contiguous slice: a ring costs O(1) plus the nodes in it, and a point far from the network needs only as
/// many steps as rings.
#[derive(Debug, Clone)]
pub(super) struct Grid {
    lon0: f64,
    lat0: f64,
    dlon: f64,
    dlat: f64,
    nx: usize,
    ny: usize,
    rows: CellOrder,
    cols: CellOrder,
}

/// Nodes grouped by cell in one order: the nodes of cell `c` are `start[c]..start[c + 1]`.
#[derive(Debug, Clone)]
struct CellOrder {
    start: Vec<u32>,
    node: Vec<u32>,
    pos: Vec<(f64, f64)>,
}

impl CellOrder {
    fn build(cells: &[usize], n_cells: usize, lon: &[f64], lat: &[f64]) -> CellOrder {
        let mut start = vec![0u32; n_cells + 1];
        for &c in cells {
            start[c + 1] += 1;
        }
        for c in 0..n_cells {
            start[c + 1] += start[c];
        }
        let mut fill: Vec<u32> = start[..n_cells].to_vec();
        let mut node = vec![0u32; cells.len()];
        let mut pos = vec![(0.0, 0.0); cells.len()];
        for (i, &c) in cells.iter().enumerate() {
            let p = fill[c] as usize;
            fill[c] += 1;
            node[p] = i as u32;
            pos[p] = (lon[i], lat[i]);
        }
        CellOrder { start, node, pos }
    }

    /// Offers the nodes of cells `from..=to` (in this order's numbering) to `best`: `(squared distance in
    /// degrees of latitude, node)`, ties to the smaller node.
    fn scan(&self, from: usize, to: usize, lon: f64, lat: f64, coslat: f64, best: &mut (f64, u32)) {
        let (a, b) = (self.start[from] as usize, self.start[to + 1] as usize);
        for (&(plon, plat), &v) in self.pos[a..b].iter().zip(&self.node[a..b]) {
            let dx = (plon - lon) * coslat;
            let dy = plat - lat;
            let d2 = dx * dx + dy * dy;
            if d2 < best.0 || (d2 == best.0 && v < best.1) {
                *best = (d2, v);
            }
        }
    }
}

impl Grid {
    /// A grid over the nodes with cells of about `2 × spacing_m` (the typical distance between neighbouring
    /// nodes, e.g. the median edge length), enlarged until there are at most 4n + 16 cells.
    fn build(lon: &[f64], lat: &[f64], spacing_m: f64) -> Grid {
        let n = lon.len();
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for i in 0..n {
            x0 = x0.min(lon[i]);
            x1 = x1.max(lon[i]);
            y0 = y0.min(lat[i]);
            y1 = y1.max(lat[i]);
        }
        if n == 0 {
            (x0, x1, y0, y1) = (0.0, 0.0, 0.0, 0.0);
        }
        let m_per_deg = EARTH_RADIUS_M.to_radians();
        let coslat = ((y0 + y1) / 2.0).to_radians().cos().max(0.01);
        let width = (x1 - x0) * m_per_deg * coslat;
        let height = (y1 - y0) * m_per_deg;
        let mut cell = if spacing_m.is_finite() && spacing_m > 0.0 {
            2.0 * spacing_m
        } else {
            (width * height / (n as f64 / 2.0).max(1.0)).sqrt()
        }
        .max(1.0);
        let dims = |cell: f64| {
            (
                (width / cell).floor() as usize + 1,
                (height / cell).floor() as usize + 1,
            )
        };
        let (mut nx, mut ny) = dims(cell);
        while nx.saturating_mul(ny) > 4 * n + 16 {
            cell *= 1.25;
            (nx, ny) = dims(cell);
        }
        let mut g = Grid {
            lon0: x0,
            lat0: y0,
            dlon: cell / (m_per_deg * coslat),
            dlat: cell / m_per_deg,
            nx,
            ny,
            rows: CellOrder {
                start: Vec::new(),
                node: Vec::new(),
                pos: Vec::new(),
            },
            cols: CellOrder {
                start: Vec::new(),
                node: Vec::new(),
                pos: Vec::new(),
            },
        };
        let xy: Vec<(usize, usize)> = (0..n).map(|i| (g.cx(lon[i]), g.cy(lat[i]))).collect();
        let by_row: Vec<usize> = xy.iter().map(|&(x, y)| y * nx + x).collect();
        let by_col: Vec<usize> = xy.iter().map(|&(x, y)| x * ny + y).collect();
        g.rows = CellOrder::build(&by_row, nx * ny, lon, lat);
        g.cols = CellOrder::build(&by_col, nx * ny, lon, lat);
        g
    }

    /// A sort key that puts points of the same cell next to each other, cells in row-major order.
    fn locality_key(&self, lon: f64, lat: f64) -> u64 {
        if !(lon.is_finite() && lat.is_finite()) {
            return u64::MAX;
        }
        (self.cy(lat) * self.nx + self.cx(lon)) as u64
    }

    fn cx(&self, lon: f64) -> usize {
        (((lon - self.lon0) / self.dlon).floor().max(0.0) as usize).min(self.nx - 1)
    }

    fn cy(&self, lat: f64) -> usize {
        (((lat - self.lat0) / self.dlat).floor().max(0.0) as usize).min(self.ny - 1)
    }

    /// The nearest node within `max_m` metres (ties: the smaller node id).
    fn nearest(&self, lon: f64, lat: f64, max_m: f64) -> Option<Snap> {
        if self.rows.node.is_empty() || !lon.is_finite() || !lat.is_finite() {
            return None;
        }
        let m_per_deg = EARTH_RADIUS_M.to_radians();
        let coslat = lat.to_radians().cos().abs();
        let (cx, cy) = (self.cx(lon) as i64, self.cy(lat) as i64);
        let (nx, ny) = (self.nx as i64, self.ny as i64);
        let mut best = (f64::INFINITY, NO_NODE);
        let mut r = 0i64;
        loop {
            let (x_lo, x_hi, y_lo, y_hi) = (cx - r, cx + r, cy - r, cy + r);
            // The ring's bottom and top rows (row-major slices), then its left and right columns without the
            // corners (column-major slices).
            let (xa, xb) = (x_lo.max(0), x_hi.min(nx - 1));
            for y in [y_lo, y_hi].into_iter().take(if r == 0 { 1 } else { 2 }) {
                if (0..ny).contains(&y) {
                    let row = (y * nx) as usize;
                    self.rows.scan(
                        row + xa as usize,
                        row + xb as usize,
                        lon,
                        lat,
                        coslat,
                        &mut best,
                    );
                }
            }
            let (ya, yb) = ((y_lo + 1).max(0), (y_hi - 1).min(ny - 1));
            if r > 0 && ya <= yb {
                for x in [x_lo, x_hi] {
                    if (0..nx).contains(&x) {
                        let col = (x * ny) as usize;
                        self.cols.scan(
                            col + ya as usize,
                            col + yb as usize,
                            lon,
                            lat,
                            coslat,
                            &mut best,
                        );
                    }
                }
            }
            // Every cell not scanned yet lies beyond one of the ring's sides that still has cells behind it.
            let mut bound = f64::INFINITY;
            if x_lo > 0 {
                let edge = self.lon0 + x_lo as f64 * self.dlon;
                bound = bound.min(((lon - edge) * coslat).max(0.0));
            }
            if x_hi < nx - 1 {
                let edge = self.lon0 + (x_hi + 1) as f64 * self.dlon;
                bound = bound.min(((edge - lon) * coslat).max(0.0));
            }
            if y_lo > 0 {
                let edge = self.lat0 + y_lo as f64 * self.dlat;
                bound = bound.min((lat - edge).max(0.0));
            }
            if y_hi < ny - 1 {
                let edge = self.lat0 + (y_hi + 1) as f64 * self.dlat;
                bound = bound.min((edge - lat).max(0.0));
            }
            let best_m = best.0.sqrt() * m_per_deg;
            if bound == f64::INFINITY || best_m < bound * m_per_deg || bound * m_per_deg > max_m {
                break;
            }
            r += 1;
        }
        let metres = best.0.sqrt() * m_per_deg;
        (best.1 != NO_NODE && metres <= max_m).then_some(Snap {
            node: best.1,
            metres,
        })
    }
}

impl Graph {
    pub(super) fn grid(&self) -> &Grid {
        self.grid
            .get_or_init(|| Grid::build(&self.lon, &self.lat, self.median_edge_m()))
    }

    /// The median length of (up to 65,536 evenly spaced) edges, metres; NaN without edges.
    fn median_edge_m(&self) -> f64 {
        let arcs = &self.fwd.arcs;
        let step = (arcs.len() / 65_536).max(1);
        let mut sample: Vec<f32> = arcs.iter().step_by(step).map(|a| a.length).collect();
        if sample.is_empty() {
            return f64::NAN;
        }
        let mid = sample.len() / 2;
        let (_, m, _) = sample.select_nth_unstable_by(mid, f32::total_cmp);
        f64::from(*m)
    }

    /// The nearest node to `(lon, lat)` (degrees) and the distance to it in metres; `None` for an empty graph
    /// or a coordinate that is not finite. The grid index is built on the first call.
    pub fn snap(&self, lon: f64, lat: f64) -> Option<Snap> {
        self.grid().nearest(lon, lat, f64::INFINITY)
    }

    /// The nearest node within `max_m` metres, if any.
    pub fn snap_within(&self, lon: f64, lat: f64, max_m: f64) -> Option<Snap> {
        self.grid().nearest(lon, lat, max_m)
    }

    /// [`Graph::snap_within`] for many `(lon, lat)` points, in parallel; `f64::INFINITY` for no limit. The points
    /// are visited in grid-cell order (so that neighbouring queries share cached index data) and the
    /// results returned in input order.
    pub fn snap_many(&self, points: &[(f64, f64)], max_m: f64) -> Vec<Option<Snap>> {
        let grid = self.grid();
        let mut order: Vec<(u64, u32)> = points
            .par_iter()
            .enumerate()
            .map(|(i, &(lon, lat))| (grid.locality_key(lon, lat), i as u32))
            .collect();
        order.par_sort_unstable();
        let found: Vec<Option<Snap>> = order
            .par_iter()
            .with_min_len(1024)
            .map(|&(_, i)| {
                let (lon, lat) = points[i as usize];
                grid.nearest(lon, lat, max_m)
            })
            .collect();
        let mut out = vec![None; points.len()];
        for (&(_, i), s) in order.iter().zip(found) {
            out[i as usize] = s;
        }
        out
    }
}
