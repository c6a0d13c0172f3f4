//! 行政区 — region polygons and the point-in-region index.
//!
//! A region is a set of rings (the outer rings and holes of all its polygons) decided by the even-odd rule: a
//! point is inside when a ray from it crosses the region's rings an odd number of times. This treats holes and the
//! parts of a MultiPolygon alike, without relying on ring orientation (which real files get wrong). The crossing
//! test is W. Randolph Franklin's PNPOLY (half-open in y, so a point on an edge shared by two neighbouring regions
//! falls in exactly one of them in the common cases).
//!
//! The index has two levels. A uniform grid over all regions (about one cell per two edges) knows, for each cell no
//! edge touches, the one region containing the whole cell (decided once, at its centre), and for the other cells
//! the regions whose bounding box meets them. Each region keeps its edges in horizontal bands, so a point in a
//! boundary cell is tested only against the edges whose y-range contains it.

use rayon::prelude::*;
use serde_json::Value;

use super::read::{features, parse_json, properties, text_value};
use super::{check_lat, check_lon};
use crate::input::{MAX_PROBLEMS, Problem};

/// Which properties of a region feature hold its code and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionColumns {
    /// The code property (string or number), required and unique. Default `code`.
    pub code: String,
    /// The name property, optional. Default `name`.
    pub name: String,
}

impl Default for RegionColumns {
    fn default() -> RegionColumns {
        RegionColumns {
            code: "code".into(),
            name: "name".into(),
        }
    }
}

/// One region's rings with its edges banded by y.
#[derive(Debug, Clone)]
struct Shape {
    /// min x, min y, max x, max y.
    bbox: [f64; 4],
    band_h: f64,
    /// `band_start[b]..band_start[b + 1]` indexes `band_edges`: the edges whose y-range meets band `b`.
    band_start: Vec<u32>,
    band_edges: Vec<u32>,
    /// Non-horizontal edges as (x1, y1, x2, y2).
    edges: Vec<[f64; 4]>,
}

impl Shape {
    fn new(rings: &[Vec<[f64; 2]>]) -> Shape {
        let mut edges = Vec::new();
        let mut bbox = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for ring in rings {
            for p in ring {
                bbox = [
                    bbox[0].min(p[0]),
                    bbox[1].min(p[1]),
                    bbox[2].max(p[0]),
                    bbox[3].max(p[1]),
                ];
            }
            for w in ring.windows(2) {
                if w[0][1] != w[1][1] {
                    edges.push([w[0][0], w[0][1], w[1][0], w[1][1]]);
                }
            }
        }
        let n_bands = (edges.len() / 4).clamp(1, 4096);
        let height = bbox[3] - bbox[1];
        let band_h = if height.is_finite() && height > 0.0 {
            height / n_bands as f64
        } else {
            1.0
        };
        let mut shape = Shape {
            bbox,
            band_h,
            band_start: vec![0; n_bands + 1],
            band_edges: Vec::new(),
            edges,
        };
        let span = |s: &Shape, e: &[f64; 4]| (s.band(e[1].min(e[3])), s.band(e[1].max(e[3])));
        for e in &shape.edges {
            let (lo, hi) = span(&shape, e);
            for b in lo..=hi {
                shape.band_start[b + 1] += 1;
            }
        }
        for b in 0..n_bands {
            shape.band_start[b + 1] += shape.band_start[b];
        }
        let mut fill = shape.band_start.clone();
        shape.band_edges = vec![0; shape.band_start[n_bands] as usize];
        for (i, e) in shape.edges.iter().enumerate() {
            let (lo, hi) = span(&shape, e);
            for slot in &mut fill[lo..=hi] {
                shape.band_edges[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        shape
    }

    fn n_bands(&self) -> usize {
        self.band_start.len() - 1
    }

    /// The band of a y inside the box (clamped, so a NaN or an edge at the top lands in a valid band).
    fn band(&self, y: f64) -> usize {
        (((y - self.bbox[1]) / self.band_h) as usize).min(self.n_bands() - 1)
    }

    fn contains(&self, x: f64, y: f64) -> bool {
        let [x0, y0, x1, y1] = self.bbox;
        if !(x >= x0 && x <= x1 && y >= y0 && y <= y1) {
            return false;
        }
        let b = self.band(y);
        let range = self.band_start[b] as usize..self.band_start[b + 1] as usize;
        let mut inside = false;
        for &e in &self.band_edges[range] {
            let [ex1, ey1, ex2, ey2] = self.edges[e as usize];
            if (ey1 > y) != (ey2 > y) && x < ex1 + (y - ey1) * (ex2 - ex1) / (ey2 - ey1) {
                inside = !inside;
            }
        }
        inside
    }
}

/// A grid cell no edge of any region touches, outside every region.
const NONE: u32 = u32::MAX;
/// A grid cell some edge touches: its points are tested against the candidate regions.
const BOUNDARY: u32 = u32::MAX - 1;

/// The first-level index: a uniform grid over all regions. A cell that no edge touches lies wholly inside one
/// region (or none), so its answer is computed once at build time; a cell some edge touches lists the regions
/// whose bounding box meets it.
#[derive(Debug, Clone, Default)]
struct Grid {
    x0: f64,
    y0: f64,
    cw: f64,
    ch: f64,
    nx: usize,
    ny: usize,
    /// Per cell: the region, [`NONE`] or [`BOUNDARY`].
    resolved: Vec<u32>,
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Grid {
    fn new(shapes: &[Shape], regions: &[Region]) -> Grid {
        let live = |s: &Shape| s.bbox.iter().all(|v| v.is_finite());
        let mut boxes = shapes.iter().filter(|s| live(s)).map(|s| s.bbox);
        let Some(first) = boxes.next() else {
            return Grid::default();
        };
        let u = boxes.fold(first, |u, b| {
            [
                u[0].min(b[0]),
                u[1].min(b[1]),
                u[2].max(b[2]),
                u[3].max(b[3]),
            ]
        });
        let (w, h) = ((u[2] - u[0]).max(1e-9), (u[3] - u[1]).max(1e-9));
        // About one cell per two edges (and at least 16 per region), so that most cells have no edge at all.
        let edges: usize = shapes.iter().map(|s| s.edges.len()).sum();
        let target = (edges / 2).max(16 * shapes.len()).clamp(1, 1 << 20) as f64;
        let nx = ((target * w / h).sqrt().ceil() as usize).clamp(1, 2048);
        let ny = ((target / nx as f64).ceil() as usize).clamp(1, 2048);
        let mut grid = Grid {
            x0: u[0],
            y0: u[1],
            cw: w / nx as f64,
            ch: h / ny as f64,
            nx,
            ny,
            resolved: vec![NONE; nx * ny],
            start: vec![0; nx * ny + 1],
            items: Vec::new(),
        };
        for (s, r) in shapes.iter().zip(regions) {
            if !live(s) {
                continue;
            }
            for c in grid.cells(&s.bbox) {
                grid.start[c + 1] += 1;
            }
            // Every segment, horizontal ones included, makes the cells its box meets boundary cells.
            for w in r.rings.iter().flat_map(|ring| ring.windows(2)) {
                let b = [
                    w[0][0].min(w[1][0]),
                    w[0][1].min(w[1][1]),
                    w[0][0].max(w[1][0]),
                    w[0][1].max(w[1][1]),
                ];
                for c in grid.cells(&b) {
                    grid.resolved[c] = BOUNDARY;
                }
            }
        }
        for c in 0..nx * ny {
            grid.start[c + 1] += grid.start[c];
        }
        let mut fill = grid.start.clone();
        grid.items = vec![0; grid.start[nx * ny] as usize];
        for (r, s) in shapes.iter().enumerate().filter(|(_, s)| live(s)) {
            for c in grid.cells(&s.bbox) {
                grid.items[fill[c] as usize] = r as u32;
                fill[c] += 1;
            }
        }
        for c in 0..nx * ny {
            if grid.resolved[c] != BOUNDARY {
                let x = grid.x0 + ((c % nx) as f64 + 0.5) * grid.cw;
                let y = grid.y0 + ((c / nx) as f64 + 0.5) * grid.ch;
                grid.resolved[c] = grid
                    .candidates(c)
                    .iter()
                    .copied()
                    .find(|&r| shapes[r as usize].contains(x, y))
                    .unwrap_or(NONE);
            }
        }
        grid
    }

    /// The cells a bounding box meets (clamped to the grid).
    fn cells(&self, b: &[f64; 4]) -> impl Iterator<Item = usize> + use<> {
        let (cx0, cy0) = self.cell(b[0], b[1]);
        let (cx1, cy1) = self.cell(b[2], b[3]);
        let nx = self.nx;
        (cy0..=cy1).flat_map(move |cy| (cx0..=cx1).map(move |cx| cy * nx + cx))
    }

    fn cell(&self, x: f64, y: f64) -> (usize, usize) {
        let cx = (((x - self.x0) / self.cw) as usize).min(self.nx.saturating_sub(1));
        let cy = (((y - self.y0) / self.ch) as usize).min(self.ny.saturating_sub(1));
        (cx, cy)
    }

    /// The regions whose box meets cell `c`.
    fn candidates(&self, c: usize) -> &[u32] {
        &self.items[self.start[c] as usize..self.start[c + 1] as usize]
    }

    /// The cell of (x, y), `None` outside the grid.
    fn cell_of(&self, x: f64, y: f64) -> Option<usize> {
        let inside = x >= self.x0
            && y >= self.y0
            && x <= self.x0 + self.cw * self.nx as f64
            && y <= self.y0 + self.ch * self.ny as f64;
        if !inside || self.nx == 0 {
            return None;
        }
        let (cx, cy) = self.cell(x, y);
        Some(cy * self.nx + cx)
    }
}

/// One region given as rings, for [`Regions::new`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Region {
    pub code: String,
    pub name: String,
    /// All rings of all its polygons (outer rings and holes), each a closed list of `[lon, lat]` in degrees.
    pub rings: Vec<Vec<[f64; 2]>>,
}

/// Region polygons with a point-location index.
#[derive(Debug, Clone)]
pub struct Regions {
    codes: Vec<String>,
    names: Vec<String>,
    rings: Vec<Vec<Vec<[f64; 2]>>>,
    shapes: Vec<Shape>,
    grid: Grid,
}

impl Regions {
    /// Builds the index over regions given as rings (even-odd rule over all rings of a region).
    pub fn new(regions: Vec<Region>) -> Regions {
        let shapes: Vec<Shape> = regions.iter().map(|r| Shape::new(&r.rings)).collect();
        let grid = Grid::new(&shapes, &regions);
        let mut codes = Vec::with_capacity(regions.len());
        let mut names = Vec::with_capacity(regions.len());
        let mut rings = Vec::with_capacity(regions.len());
        for r in regions {
            codes.push(r.code);
            names.push(r.name);
            rings.push(r.rings);
        }
        Regions {
            codes,
            names,
            rings,
            shapes,
            grid,
        }
    }

    /// Number of regions.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The region codes, in file order.
    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    /// The rings (outer and holes, of every part) of region `i`, for drawing; empty when out of range.
    pub fn rings(&self, i: usize) -> &[Vec<[f64; 2]>] {
        self.rings.get(i).map_or(&[], Vec::as_slice)
    }

    /// The region names, in file order ("" when the file gives none).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The region containing a point, as an index into [`Regions::codes`]; the first in file order when regions
    /// overlap, `None` when the point lies in none.
    ///
    /// # Units
    /// Longitude and latitude in degrees, in the datum of the polygons.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<usize> {
        let c = self.grid.cell_of(lon, lat)?;
        match self.grid.resolved[c] {
            NONE => None,
            BOUNDARY => self
                .grid
                .candidates(c)
                .iter()
                .map(|&r| r as usize)
                .find(|&r| self.shapes[r].contains(lon, lat)),
            r => Some(r as usize),
        }
    }

    /// [`Regions::locate`] for many points, in parallel. The slices are read pairwise (the shorter length wins).
    pub fn locate_all(&self, lon: &[f64], lat: &[f64]) -> Vec<Option<u32>> {
        lon.par_iter()
            .zip(lat.par_iter())
            .with_min_len(4096)
            .map(|(&x, &y)| self.locate(x, y).map(|r| r as u32))
            .collect()
    }
}

/// Reads one position `[lon, lat, …]`.
fn position(v: &Value) -> Result<[f64; 2], String> {
    let c = v
        .as_array()
        .filter(|c| c.len() >= 2)
        .ok_or_else(|| format!("{} is not a position [lon, lat]", short(v)))?;
    let num = |v: &Value| {
        v.as_f64()
            .ok_or_else(|| format!("{} is not a number", short(v)))
    };
    Ok([check_lon(num(&c[0])?)?, check_lat(num(&c[1])?)?])
}

/// A value shortened for a message.
fn short(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// Reads the rings of one polygon (`[[[lon, lat], …], …]`), appending them to `out`.
fn polygon(v: &Value, label: &str, out: &mut Vec<Vec<[f64; 2]>>) -> Result<(), String> {
    let rings = v
        .as_array()
        .ok_or_else(|| format!("{label}is not an array of rings"))?;
    if rings.is_empty() {
        return Err(format!("{label}has no rings"));
    }
    for (k, ring) in rings.iter().enumerate() {
        let at = format!("{label}ring {}", k + 1);
        let pts = ring
            .as_array()
            .ok_or_else(|| format!("{at} is not an array of positions"))?;
        let ring: Vec<[f64; 2]> = pts
            .iter()
            .enumerate()
            .map(|(j, p)| position(p).map_err(|e| format!("{at}, position {}: {e}", j + 1)))
            .collect::<Result<_, _>>()?;
        if ring.len() < 4 {
            return Err(format!(
                "{at} has {} positions; a ring needs at least 4 (closed)",
                ring.len()
            ));
        }
        if ring.first() != ring.last() {
            return Err(format!(
                "{at} is not closed (its first and last positions differ)"
            ));
        }
        out.push(ring);
    }
    Ok(())
}

/// The rings of a Polygon or MultiPolygon geometry.
fn geometry_rings(g: Option<&Value>) -> Result<Vec<Vec<[f64; 2]>>, String> {
    let g = g
        .filter(|g| !g.is_null())
        .ok_or_else(|| "no geometry".to_string())?;
    let coords = g
        .get("coordinates")
        .ok_or_else(|| "the geometry has no \"coordinates\"".to_string())?;
    let mut out = Vec::new();
    match g.get("type").and_then(Value::as_str) {
        Some("Polygon") => polygon(coords, "", &mut out)?,
        Some("MultiPolygon") => {
            let polys = coords
                .as_array()
                .ok_or_else(|| "\"coordinates\" is not an array of polygons".to_string())?;
            if polys.is_empty() {
                return Err("the MultiPolygon has no polygons".into());
            }
            for (k, p) in polys.iter().enumerate() {
                polygon(p, &format!("polygon {}, ", k + 1), &mut out)?;
            }
        }
        _ => {
            return Err(format!(
                "geometry type {} is not \"Polygon\" or \"MultiPolygon\"",
                g.get("type").map_or("(none)".to_string(), short)
            ));
        }
    }
    Ok(out)
}

/// Reads region polygons from a GeoJSON FeatureCollection of Polygon and MultiPolygon features.
///
/// The code property (`cols.code`, string or number) is required and unique; the name (`cols.name`) is optional.
/// Rings need at least four positions and must be closed; coordinates are checked. Feature `i` is reported as
/// row `i + 1` with the property (or `geometry`) as column. Nothing is returned when there is a problem.
pub fn read_regions_geojson(
    file: &str,
    text: &str,
    cols: &RegionColumns,
) -> Result<Regions, Vec<Problem>> {
    let v = parse_json(file, text)?;
    let feats = features(file, &v)?;
    let mut problems = Vec::new();
    let mut regions = Vec::with_capacity(feats.len());
    let mut seen = rustc_hash::FxHashMap::default();
    for (i, f) in feats.iter().enumerate() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let row = i + 1;
        let props = match properties(f) {
            Ok(p) => p,
            Err(reason) => {
                problems.push(Problem::new(file, row, "", reason));
                continue;
            }
        };
        let code = match props.and_then(|p| p.get(&cols.code)) {
            None | Some(Value::Null) => Err(format!("no {:?} property", cols.code)),
            Some(v) => match text_value(v) {
                Some(c) if c.is_empty() => Err("empty code".to_string()),
                Some(c) => match seen.get(&c) {
                    Some(first) => Err(format!("code {c:?} already used by row {first}")),
                    None => {
                        seen.insert(c.clone(), row);
                        Ok(c)
                    }
                },
                None => Err(format!("{} is not a string or number", short(v))),
            },
        };
        let name = match props.and_then(|p| p.get(&cols.name)) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(v) => text_value(v).ok_or_else(|| format!("{} is not a string", short(v))),
        };
        let rings = geometry_rings(f.get("geometry"));
        for (column, e) in [
            (cols.code.as_str(), code.as_ref().err()),
            (cols.name.as_str(), name.as_ref().err()),
            ("geometry", rings.as_ref().err()),
        ] {
            if let Some(reason) = e {
                problems.push(Problem::new(file, row, column, reason.clone()));
            }
        }
        if let (Ok(code), Ok(name), Ok(rings)) = (code, name, rings) {
            regions.push(Region { code, name, rings });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Regions::new(regions))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, s: f64) -> Vec<[f64; 2]> {
        vec![
            [x0, y0],
            [x0 + s, y0],
            [x0 + s, y0 + s],
            [x0, y0 + s],
            [x0, y0],
        ]
    }

    #[test]
    fn bands_and_grid_agree_with_a_plain_scan() {
        // A comb: many thin teeth so that the bands matter.
        let mut ring = vec![[0.0, 0.0]];
        for k in 0..50 {
            let x = k as f64 * 0.2;
            ring.extend([[x, 1.0], [x + 0.1, 1.0], [x + 0.1, 0.1], [x + 0.2, 0.1]]);
        }
        ring.extend([[10.0, 0.0], [0.0, 0.0]]);
        let regions = Regions::new(vec![Region {
            code: "comb".into(),
            name: String::new(),
            rings: vec![ring.clone()],
        }]);
        let plain = |x: f64, y: f64| {
            let mut inside = false;
            for w in ring.windows(2) {
                let ([x1, y1], [x2, y2]) = (w[0], w[1]);
                if (y1 > y) != (y2 > y) && x < x1 + (y - y1) * (x2 - x1) / (y2 - y1) {
                    inside = !inside;
                }
            }
            inside
        };
        for i in 0..200 {
            for j in 0..23 {
                let (x, y) = (i as f64 * 0.0513 - 0.1, j as f64 * 0.0497 - 0.05);
                assert_eq!(regions.locate(x, y).is_some(), plain(x, y), "({x}, {y})");
            }
        }
    }

    #[test]
    fn resolved_cells_agree_with_a_plain_scan_over_many_regions() {
        // Overlapping squares with square holes, in file order; the first containing region wins.
        let mut seed = 3u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let regions: Vec<Region> = (0..40)
            .map(|k| {
                let (x, y, s) = (next() * 10.0, next() * 10.0, 0.5 + next() * 3.0);
                Region {
                    code: k.to_string(),
                    name: String::new(),
                    rings: vec![square(x, y, s), square(x + s / 4.0, y + s / 4.0, s / 2.0)],
                }
            })
            .collect();
        let plain = |r: &Region, px: f64, py: f64| {
            let mut inside = false;
            for w in r.rings.iter().flat_map(|ring| ring.windows(2)) {
                let ([x1, y1], [x2, y2]) = (w[0], w[1]);
                if (y1 > py) != (y2 > py) && px < x1 + (py - y1) * (x2 - x1) / (y2 - y1) {
                    inside = !inside;
                }
            }
            inside
        };
        let index = Regions::new(regions.clone());
        for _ in 0..20_000 {
            let (x, y) = (next() * 14.0 - 1.0, next() * 14.0 - 1.0);
            let want = regions.iter().position(|r| plain(r, x, y));
            assert_eq!(index.locate(x, y), want, "({x}, {y})");
        }
    }

    #[test]
    fn degenerate_regions_never_match() {
        let regions = Regions::new(vec![
            Region::default(),
            Region {
                code: "s".into(),
                name: String::new(),
                rings: vec![square(0.0, 0.0, 1.0)],
            },
        ]);
        assert_eq!(regions.locate(0.5, 0.5), Some(1));
        assert_eq!(regions.locate(f64::NAN, 0.5), None);
        assert_eq!(Regions::new(Vec::new()).locate(0.0, 0.0), None);
    }
}
