//! Criterion benches of the coverage kernels at province scale: service-circle coverage of 1,000,000 points with
//! 6 groups for 6 circles (given the nearest-facility costs), locating 1,000,000 points in 130 county-like
//! polygons, and the straight-line nearest facility. All inputs are synthetic and deterministic (an LCG).

use criterion::{Criterion, criterion_group, criterion_main};
use minsheng_access::circles;
use minsheng_access::coverage::{CircleCosts, CoverageOptions, circle_coverage, nearest_metres};
use minsheng_access::geo::{Group, Population, Region, Regions, Zones};
use std::hint::black_box;

const POINTS: usize = 1_000_000;
const GROUPS: [&str; 6] = ["total", "age0_3", "age3_6", "age6_12", "age60", "age65"];
const CIRCLES: [&str; 6] = [
    "fitness-15min",
    "elderly-15min",
    "kindergarten-15min",
    "primary-school-15min",
    "childcare-15min",
    "health-station-15min",
];
/// A 13 × 10 lattice of county-like polygons over roughly Guizhou and Yunnan.
const NX: usize = 13;
const NY: usize = 10;
const LON0: f64 = 97.5;
const LAT0: f64 = 21.5;
/// Degrees per lattice cell.
const STEP: f64 = 1.0;

/// Knuth's MMIX LCG, uniform in [0, 1).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The jittered lattice corner (i, j); the outer border stays straight.
fn corner(i: usize, j: usize) -> [f64; 2] {
    let mut r = Lcg((i * 1009 + j * 7919 + 1) as u64);
    let (dx, dy) = if i == 0 || j == 0 || i == NX || j == NY {
        (0.0, 0.0)
    } else {
        ((r.next() - 0.5) * 0.4, (r.next() - 0.5) * 0.4)
    };
    [LON0 + i as f64 * STEP + dx, LAT0 + j as f64 * STEP + dy]
}

/// A wiggly border between two corners, the same for both regions that share it (`segments` pieces).
fn border(a: (usize, usize), b: (usize, usize), segments: usize) -> Vec<[f64; 2]> {
    let (lo, hi, rev) = if a <= b { (a, b, false) } else { (b, a, true) };
    let (p, q) = (corner(lo.0, lo.1), corner(hi.0, hi.1));
    // The outer border of the lattice stays straight.
    let straight =
        (lo.0 == hi.0 && (lo.0 == 0 || lo.0 == NX)) || (lo.1 == hi.1 && (lo.1 == 0 || lo.1 == NY));
    let mut r = Lcg((lo.0 * 31 + lo.1 * 131 + hi.0 * 1031 + hi.1 * 7 + 5) as u64);
    let (amp, waves) = if straight {
        (0.0, 0.0)
    } else {
        (0.03 + r.next() * 0.05, 2.0 + (r.next() * 6.0).floor())
    };
    let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
    let mut pts: Vec<[f64; 2]> = (0..segments)
        .map(|k| {
            let t = k as f64 / segments as f64;
            let off =
                amp * (waves * std::f64::consts::PI * t).sin() * (std::f64::consts::PI * t).sin();
            [p[0] + dx * t - dy * off, p[1] + dy * t + dx * off]
        })
        .collect();
    if rev {
        pts.push(q);
        pts.reverse();
        pts.pop();
    }
    pts
}

/// 130 polygons that tile the lattice, each with 4 × `segments` vertices.
fn regions(segments: usize) -> Regions {
    let mut out = Vec::new();
    for j in 0..NY {
        for i in 0..NX {
            let c = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let mut ring: Vec<[f64; 2]> = (0..4)
                .flat_map(|k| border(c[k], c[(k + 1) % 4], segments))
                .collect();
            ring.push(ring[0]);
            out.push(Region {
                code: format!("{}", 520100 + j * 100 + i),
                name: String::new(),
                rings: vec![ring],
            });
        }
    }
    Regions::new(out)
}

fn population(r: &mut Lcg) -> Population {
    let lon: Vec<f64> = (0..POINTS)
        .map(|_| LON0 + r.next() * NX as f64 * STEP)
        .collect();
    let lat: Vec<f64> = (0..POINTS)
        .map(|_| LAT0 + r.next() * NY as f64 * STEP)
        .collect();
    let total: Vec<f64> = (0..POINTS).map(|_| (r.next() * 100.0).floor()).collect();
    let share = [1.0, 0.03, 0.035, 0.07, 0.17, 0.12];
    Population {
        file: "synthetic".into(),
        rows: (2..POINTS + 2).collect(),
        ids: (0..POINTS).map(|i| format!("p{i}")).collect(),
        lon,
        lat,
        region: None,
        groups: GROUPS
            .iter()
            .zip(share)
            .map(|(g, s)| Group {
                name: g.to_string(),
                values: total.iter().map(|t| (t * s).round()).collect(),
            })
            .collect(),
    }
}

fn bench(c: &mut Criterion) {
    let (cat, _) = circles::shipped();
    let Some(cat) = cat else {
        return;
    };
    let mut r = Lcg(42);
    let pop = population(&mut r);
    let regions = regions(250);
    let (zones, _) = Zones::from_regions(&regions, &pop, None);
    let costs: Vec<Vec<f64>> = (0..CIRCLES.len())
        .map(|_| {
            (0..POINTS)
                .map(|_| {
                    let u = r.next();
                    if u < 0.05 { f64::INFINITY } else { u * 40.0 }
                })
                .collect()
        })
        .collect();
    let runs: Vec<CircleCosts<'_>> = CIRCLES
        .iter()
        .zip(&costs)
        .filter_map(|(id, cost)| cat.circle(id).map(|circle| CircleCosts { circle, cost }))
        .collect();
    let opts = CoverageOptions::default();

    let mut g = c.benchmark_group("coverage");
    g.sample_size(10);
    g.bench_function(
        "coverage: 1,000,000 points × 6 groups × 6 circles in 130 zones (costs given)",
        |b| b.iter(|| black_box(circle_coverage(&pop, &zones, black_box(&runs), &opts))),
    );
    g.bench_function(
        "regions: locate 1,000,000 points in 130 tiled polygons of 1,000 vertices",
        |b| b.iter(|| black_box(regions.locate_all(black_box(&pop.lon), &pop.lat))),
    );
    // Nasty: one polygon with 200,000 vertices (a coastline), every point tested against it.
    let mut ring: Vec<[f64; 2]> = (0..200_000)
        .map(|k| {
            let a = k as f64 / 200_000.0 * std::f64::consts::TAU;
            let rad = 5.0 + 0.5 * (a * 997.0).sin();
            [103.5 + rad * a.cos(), 26.5 + rad * a.sin()]
        })
        .collect();
    ring.push(ring[0]);
    let coast = Regions::new(vec![Region {
        code: "coast".into(),
        name: String::new(),
        rings: vec![ring],
    }]);
    g.bench_function(
        "regions: locate 1,000,000 points in one 200,000-vertex polygon (nasty)",
        |b| b.iter(|| black_box(coast.locate_all(black_box(&pop.lon), &pop.lat))),
    );
    let fx: Vec<f64> = (0..2_000)
        .map(|_| LON0 + r.next() * NX as f64 * STEP)
        .collect();
    let fy: Vec<f64> = (0..2_000)
        .map(|_| LAT0 + r.next() * NY as f64 * STEP)
        .collect();
    g.bench_function(
        "straight line: nearest of 2,000 facilities for 1,000,000 points",
        |b| b.iter(|| black_box(nearest_metres(black_box(&pop.lon), &pop.lat, &fx, &fy))),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
