//! A SYNTHETIC province-sized road network for benches and scale tests.

use super::osm::DRIVE_SPEEDS_KMH;
use super::snap::haversine_m;
use super::{Edge, Graph, NetworkError};

/// The box of the synthetic province, `(lon_min, lat_min, lon_max, lat_max)` in degrees: about Yunnan's extent.
pub const PROVINCE_BOX: (f64, f64, f64, f64) = (97.6, 21.2, 106.1, 29.2);

/// Knuth's MMIX linear congruential generator; `next` gives a double in [0, 1) from the top 53 bits.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [-1, 1).
    fn signed(&mut self) -> f64 {
        2.0 * self.next() - 1.0
    }
}

fn speed_of(class: &str) -> f64 {
    DRIVE_SPEEDS_KMH
        .iter()
        .find(|(c, _)| *c == class)
        .map_or(30.0, |&(_, s)| s)
}

/// **SYNTHETIC** — a deterministic road network of about `target_nodes` nodes (up to ~2 % fewer) within
/// [`PROVINCE_BOX`], for benches and scale tests; it depicts no real place.
///
/// Towns sit on a jittered grid over the box (one per ~2,000 nodes); each town is a local street grid (about
/// 100 m spacing, residential at 30 km/h with a tertiary main street and avenue at 40 km/h, 15 % of the cross
/// streets missing); neighbouring towns are joined east–west and north–south by winding primary (60 km/h) or
/// secondary (50 km/h) roads with a node every ≥ 500 m. Every road is two-way; lengths are haversine metres,
/// times follow [`DRIVE_SPEEDS_KMH`]. The graph is connected. The same seed and size give the same graph; the
/// generator is Knuth's MMIX LCG, no random-number crate.
pub fn synthetic_province(seed: u64, target_nodes: usize) -> Result<Graph, NetworkError> {
    const LIMIT: usize = 50_000_000;
    if !(4..=LIMIT).contains(&target_nodes) {
        return Err(NetworkError::BadArgument(format!(
            "target_nodes = {target_nodes} is not within 4..={LIMIT}"
        )));
    }
    let mut rng = Lcg(seed ^ 0x9E37_79B9_7F4A_7C15);
    let (x0, y0, x1, y1) = PROVINCE_BOX;
    let mid_lat = ((y0 + y1) / 2.0).to_radians();
    let m_per_deg = super::EARTH_RADIUS_M.to_radians();
    let width_km = (x1 - x0) * m_per_deg * mid_lat.cos() / 1000.0;
    let height_km = (y1 - y0) * m_per_deg / 1000.0;

    let towns = ((target_nodes as f64 / 2000.0).round() as usize).max(1);
    let tx = ((towns as f64 * width_km / height_km).sqrt().round() as usize).max(1);
    let ty = towns.div_ceil(tx).max(1);
    let (sx_km, sy_km) = (width_km / tx as f64, height_km / ty as f64);
    let road_km = (tx - 1) as f64 * ty as f64 * sx_km + tx as f64 * (ty - 1) as f64 * sy_km;
    // Road nodes take at most a tenth of the budget.
    let step_km = (road_km / (0.1 * target_nodes as f64)).max(0.5);
    let road_nodes = road_km / step_km;
    let per_town = ((target_nodes as f64 - road_nodes) / (tx * ty) as f64).max(4.0);
    // Towns of g columns × h rows, g × h ≤ per_town.
    let g = (per_town.sqrt().floor() as usize).max(2);
    let h = ((per_town / g as f64).floor() as usize).max(2);

    let mut coords: Vec<(f64, f64)> = Vec::with_capacity(target_nodes + target_nodes / 8);
    let mut edges: Vec<Edge> = Vec::with_capacity(4 * target_nodes);
    let link = |coords: &[(f64, f64)], edges: &mut Vec<Edge>, a: u32, b: u32, class: &str| {
        let (pa, pb) = (coords[a as usize], coords[b as usize]);
        let len = haversine_m(pa.0, pa.1, pb.0, pb.1);
        let time = len / (speed_of(class) / 3.6);
        for (from, to) in [(a, b), (b, a)] {
            edges.push(Edge {
                from,
                to,
                length_m: len,
                time_s: time,
            });
        }
    };

    // Towns: row-major blocks of g × g nodes.
    let mut base = Vec::with_capacity(tx * ty);
    for j in 0..ty {
        for i in 0..tx {
            let cx = x0 + (x1 - x0) * (i as f64 + 0.5 + 0.3 * rng.signed()) / tx as f64;
            let cy = y0 + (y1 - y0) * (j as f64 + 0.5 + 0.3 * rng.signed()) / ty as f64;
            let spacing = 100.0 * (1.0 + 0.2 * rng.signed());
            let dlat = spacing / m_per_deg;
            let dlon = dlat / cy.to_radians().cos();
            let b = coords.len() as u32;
            base.push(b);
            let (half_c, half_r) = ((g as f64 - 1.0) / 2.0, (h as f64 - 1.0) / 2.0);
            for r in 0..h {
                for c in 0..g {
                    coords.push((
                        cx + (c as f64 - half_c + 0.1 * rng.signed()) * dlon,
                        cy + (r as f64 - half_r + 0.1 * rng.signed()) * dlat,
                    ));
                }
            }
            let id = |r: usize, c: usize| b + (r * g + c) as u32;
            let (main_c, main_r) = (g / 2, h / 2);
            for r in 0..h {
                for c in 0..g {
                    if r + 1 < h {
                        let class = if c == main_c {
                            "tertiary"
                        } else {
                            "residential"
                        };
                        link(&coords, &mut edges, id(r, c), id(r + 1, c), class);
                    }
                    if c + 1 < g && (r == 0 || r == main_r || rng.next() < 0.85) {
                        let class = if r == main_r {
                            "tertiary"
                        } else {
                            "residential"
                        };
                        link(&coords, &mut edges, id(r, c), id(r, c + 1), class);
                    }
                }
            }
        }
    }

    // Roads between neighbouring towns, winding, with intermediate nodes: from the middle of a town's east (north)
    // edge to the middle of the next town's west (south) edge.
    let at = |t: usize, r: usize, c: usize| base[t] + (r * g + c) as u32;
    for j in 0..ty {
        for i in 0..tx {
            let t = j * tx + i;
            let mut pairs = Vec::with_capacity(2);
            if i + 1 < tx {
                pairs.push((at(t, h / 2, g - 1), at(t + 1, h / 2, 0)));
            }
            if j + 1 < ty {
                pairs.push((at(t, h - 1, g / 2), at(t + tx, 0, g / 2)));
            }
            for (a, b) in pairs {
                let class = if (i + j) % 3 == 0 {
                    "primary"
                } else {
                    "secondary"
                };
                let (pa, pb) = (coords[a as usize], coords[b as usize]);
                let len_km = haversine_m(pa.0, pa.1, pb.0, pb.1) / 1000.0;
                let k = (len_km / step_km).floor() as usize;
                // Two sine bends across the straight line, up to 12 % and 5 % of its length.
                let (a1, a2) = (0.12 * rng.signed(), 0.05 * rng.signed());
                let (dx, dy) = (pb.0 - pa.0, pb.1 - pa.1);
                let mut prev = a;
                for m in 1..=k {
                    let s = m as f64 / (k + 1) as f64;
                    let off = a1 * (std::f64::consts::PI * s).sin()
                        + a2 * (3.0 * std::f64::consts::PI * s).sin()
                        + 0.01 * rng.signed();
                    coords.push((
                        (pa.0 + dx * s - dy * off).clamp(x0, x1),
                        (pa.1 + dy * s + dx * off).clamp(y0, y1),
                    ));
                    let v = (coords.len() - 1) as u32;
                    link(&coords, &mut edges, prev, v, class);
                    prev = v;
                }
                link(&coords, &mut edges, prev, b, class);
            }
        }
    }
    Graph::from_edges(&coords, &edges)
}
