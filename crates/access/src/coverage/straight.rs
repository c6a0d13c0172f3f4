//! 直线距离 — the nearest facility by great-circle distance, so that coverage works without a road network.
//!
//! The facilities are bucketed in a uniform longitude/latitude grid; a query visits rings of cells around its own
//! cell until no unvisited cell can hold anything nearer. The stopping rule uses exact lower bounds on the
//! great-circle distance to the unvisited cells: a latitude gap Δφ costs at least R·Δφ, and a longitude gap Δλ at
//! least 2R·asin(√(cos φ_q · cos φ_max) · sin(Δλ/2)) by the haversine formula, where φ_max is the largest
//! |latitude| of any facility (and Δλ is capped where the antimeridian could make the way round shorter). The
//! answer is therefore the true nearest facility, not an approximation.

use rayon::prelude::*;

use crate::circles::{Circle, Limit, Mode};
use crate::geo::{EARTH_RADIUS_M, Facilities, Population, hav};
use crate::network::{DEFAULT_CIRCUITY, WALK_SPEED_KMH};

/// Straight-line travel: great-circle distance × circuity, and for time limits divided by a speed.
///
/// The defaults (circuity [`DEFAULT_CIRCUITY`], the walking speed of the network's walk profile
/// [`WALK_SPEED_KMH`], 30 km/h by car) are placeholders to be set from local knowledge; GB 50180-2018 equates the
/// 15-minute walk with an 800–1,000 m radius, about 3.2–4 km/h as the crow flies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StraightLine {
    /// 绕行系数 — network distance over straight-line distance (≥ 1 in practice).
    pub circuity: f64,
    /// Walking speed in km/h (also used by `straight` circles with a time limit).
    pub walk_kmh: f64,
    /// Driving speed in km/h.
    pub drive_kmh: f64,
}

impl Default for StraightLine {
    fn default() -> StraightLine {
        StraightLine {
            circuity: DEFAULT_CIRCUITY,
            walk_kmh: WALK_SPEED_KMH,
            drive_kmh: 30.0,
        }
    }
}

/// Facilities bucketed in a lon/lat grid (CSR: `start[c]..start[c + 1]` indexes `items`).
struct Grid {
    lon0: f64,
    lat0: f64,
    lon1: f64,
    cw: f64,
    ch: f64,
    nx: usize,
    ny: usize,
    start: Vec<u32>,
    items: Vec<u32>,
    /// Per facility: longitude and latitude in radians, cos(latitude).
    lon_r: Vec<f64>,
    lat_r: Vec<f64>,
    cos_lat: Vec<f64>,
    /// cos of the largest |latitude| of any facility.
    cos_max: f64,
}

impl Grid {
    fn new(lon: &[f64], lat: &[f64]) -> Option<Grid> {
        let n = lon.len().min(lat.len());
        if n == 0 {
            return None;
        }
        let (lon, lat) = (&lon[..n], &lat[..n]);
        let fold = |v: &[f64]| {
            v.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                })
        };
        let (lon0, lon1) = fold(lon);
        let (lat0, lat1) = fold(lat);
        if !(lon0.is_finite() && lon1.is_finite() && lat0.is_finite() && lat1.is_finite()) {
            return None;
        }
        let (w, h) = ((lon1 - lon0).max(1e-9), (lat1 - lat0).max(1e-9));
        let aspect = w * ((lat0 + lat1) / 2.0).to_radians().cos().max(0.01) / h;
        let cells = (n / 2).max(1) as f64;
        let nx = ((cells * aspect).sqrt().ceil() as usize).clamp(1, 2048);
        let ny = ((cells / nx as f64).ceil() as usize).clamp(1, 2048);
        let mut g = Grid {
            lon0,
            lat0,
            lon1,
            cw: w / nx as f64,
            ch: h / ny as f64,
            nx,
            ny,
            start: vec![0; nx * ny + 1],
            items: vec![0; n],
            lon_r: lon.iter().map(|x| x.to_radians()).collect(),
            lat_r: lat.iter().map(|y| y.to_radians()).collect(),
            cos_lat: lat.iter().map(|y| y.to_radians().cos()).collect(),
            cos_max: lat0.abs().max(lat1.abs()).to_radians().cos().max(0.0),
        };
        let cell: Vec<usize> = (0..n)
            .map(|i| {
                let (cx, cy) = g.cell(lon[i], lat[i]);
                cy * nx + cx
            })
            .collect();
        for &c in &cell {
            g.start[c + 1] += 1;
        }
        for c in 0..nx * ny {
            g.start[c + 1] += g.start[c];
        }
        let mut fill = g.start.clone();
        for (i, &c) in cell.iter().enumerate() {
            g.items[fill[c] as usize] = i as u32;
            fill[c] += 1;
        }
        Some(g)
    }

    /// The cell of a position, clamped into the grid.
    fn cell(&self, x: f64, y: f64) -> (usize, usize) {
        let cx = (((x - self.lon0) / self.cw).max(0.0) as usize).min(self.nx - 1);
        let cy = (((y - self.lat0) / self.ch).max(0.0) as usize).min(self.ny - 1);
        (cx, cy)
    }

    /// Distance in metres to the nearest facility.
    fn nearest(&self, x: f64, y: f64) -> f64 {
        if !(x.is_finite() && y.is_finite()) {
            return f64::INFINITY;
        }
        let (qlon, qlat) = (x.to_radians(), y.to_radians());
        let cq = qlat.cos();
        let (cx, cy) = self.cell(x, y);
        let (cx, cy, nx, ny) = (cx as isize, cy as isize, self.nx as isize, self.ny as isize);
        // How far round the globe the grid and the query reach: beyond 2π − span, going the other way is shorter.
        let span = (self.lon1.max(x) - self.lon0.min(x)).to_radians();
        let lon_cap = (2.0 * std::f64::consts::PI - span).clamp(0.0, std::f64::consts::PI);
        let lon_factor = (cq * self.cos_max).max(0.0).sqrt();
        let mut best_h = f64::INFINITY;
        let visit = |gx: isize, gy: isize, best_h: &mut f64| {
            if gx < 0 || gy < 0 || gx >= nx || gy >= ny {
                return;
            }
            let c = (gy * nx + gx) as usize;
            for &i in &self.items[self.start[c] as usize..self.start[c + 1] as usize] {
                let i = i as usize;
                let h =
                    hav(self.lat_r[i] - qlat) + cq * self.cos_lat[i] * hav(self.lon_r[i] - qlon);
                if h < *best_h {
                    *best_h = h;
                }
            }
        };
        let mut k: isize = 0;
        loop {
            if k == 0 {
                visit(cx, cy, &mut best_h);
            } else {
                for gx in cx - k..=cx + k {
                    visit(gx, cy - k, &mut best_h);
                    visit(gx, cy + k, &mut best_h);
                }
                for gy in cy - k + 1..cy + k {
                    visit(cx - k, gy, &mut best_h);
                    visit(cx + k, gy, &mut best_h);
                }
            }
            let (left, right, bottom, top) =
                (cx - k <= 0, cx + k >= nx - 1, cy - k <= 0, cy + k >= ny - 1);
            if left && right && bottom && top {
                break;
            }
            // The smallest haversine value any unvisited facility can have.
            let mut bound = f64::INFINITY;
            if !top {
                let edge = self.lat0 + (cy + k + 1) as f64 * self.ch;
                bound = bound.min(hav((edge - y).max(0.0).to_radians()));
            }
            if !bottom {
                let edge = self.lat0 + (cy - k) as f64 * self.ch;
                bound = bound.min(hav((y - edge).max(0.0).to_radians()));
            }
            let lon_bound = |gap: f64| {
                let s = lon_factor * (gap.max(0.0).to_radians().min(lon_cap) / 2.0).sin();
                s * s
            };
            if !right {
                bound = bound.min(lon_bound(self.lon0 + (cx + k + 1) as f64 * self.cw - x));
            }
            if !left {
                bound = bound.min(lon_bound(x - (self.lon0 + (cx - k) as f64 * self.cw)));
            }
            if best_h <= bound {
                break;
            }
            k += 1;
        }
        2.0 * EARTH_RADIUS_M * best_h.sqrt().min(1.0).asin()
    }
}

/// The great-circle distance from each point to the nearest of the given facilities (in parallel);
/// `f64::INFINITY` for every point when there is no facility.
///
/// # Units
/// Coordinates in degrees; distances in metres. Longitudes are compared as given (the grid is not wrapped at
/// ±180°, but the stopping rule allows for the way round, so the answer stays exact).
pub fn nearest_metres(lon: &[f64], lat: &[f64], fac_lon: &[f64], fac_lat: &[f64]) -> Vec<f64> {
    let n = lon.len().min(lat.len());
    match Grid::new(fac_lon, fac_lat) {
        None => vec![f64::INFINITY; n],
        Some(g) => lon[..n]
            .par_iter()
            .zip(&lat[..n])
            .with_min_len(1024)
            .map(|(&x, &y)| g.nearest(x, y))
            .collect(),
    }
}

/// The cost from each population point to the nearest facility of the circle's type, in the circle's unit
/// (metres for a distance limit, minutes for a time limit), by straight line × circuity.
///
/// # Units
/// Metres, or minutes at the model's speed for the circle's mode (`straight` circles with a time limit use the
/// walking speed). `f64::INFINITY` where there is no facility of the type.
pub fn straight_costs(
    population: &Population,
    facilities: &Facilities,
    circle: &Circle,
    model: &StraightLine,
) -> Vec<f64> {
    let of_type = facilities.of_type(&circle.facility_type);
    let pick =
        |v: &[f64]| -> Vec<f64> { of_type.iter().filter_map(|&i| v.get(i).copied()).collect() };
    let metres = nearest_metres(
        &population.lon,
        &population.lat,
        &pick(&facilities.lon),
        &pick(&facilities.lat),
    );
    let per_metre = match circle.limit {
        Limit::Metres(_) => model.circuity,
        Limit::Minutes(_) => {
            let kmh = match circle.mode {
                Mode::Drive => model.drive_kmh,
                Mode::Walk | Mode::Straight => model.walk_kmh,
            };
            model.circuity / (kmh * 1000.0 / 60.0)
        }
    };
    metres.into_iter().map(|m| m * per_metre).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::haversine_m;

    /// A deterministic LCG (Knuth's MMIX constants) for test data.
    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn grid_answers_equal_a_brute_force_scan() {
        let mut s = 7;
        // Facilities clustered in one corner so that many queries search far; queries everywhere, some outside.
        let fx: Vec<f64> = (0..300).map(|_| 100.0 + lcg(&mut s) * 0.5).collect();
        let fy: Vec<f64> = (0..300).map(|_| 25.0 + lcg(&mut s) * 0.3).collect();
        let qx: Vec<f64> = (0..2000).map(|_| 98.0 + lcg(&mut s) * 6.0).collect();
        let qy: Vec<f64> = (0..2000).map(|_| 22.0 + lcg(&mut s) * 6.0).collect();
        let got = nearest_metres(&qx, &qy, &fx, &fy);
        for i in 0..qx.len() {
            let want = (0..fx.len())
                .map(|j| haversine_m(qx[i], qy[i], fx[j], fy[j]))
                .fold(f64::INFINITY, f64::min);
            assert!((got[i] - want).abs() < 1e-6, "{i}: {} vs {want}", got[i]);
        }
    }

    #[test]
    fn across_the_antimeridian_and_near_the_pole() {
        let got = nearest_metres(
            &[-179.9, 0.0],
            &[10.0, 89.9],
            &[179.9, 10.0, 120.0],
            &[10.0, 0.0, 89.95],
        );
        assert!((got[0] - haversine_m(-179.9, 10.0, 179.9, 10.0)).abs() < 1e-6);
        assert!((got[1] - haversine_m(0.0, 89.9, 120.0, 89.95)).abs() < 1e-6);
        assert_eq!(nearest_metres(&[1.0], &[1.0], &[], &[]), [f64::INFINITY]);
    }
}
