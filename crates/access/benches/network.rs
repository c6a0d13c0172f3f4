//! Criterion benches of the road-network kernels: reading Helsinki.osm.pbf (walk and drive), the nearest facility
//! and cumulative opportunities on Helsinki's walking graph (the workload of `bench/network_peer.py`), and the
//! SYNTHETIC 1,000,000-node province: nearest of 5,000 facilities within 30 minutes' drive, snapping 1,000,000
//! points, and a cost matrix.
//!
//! ```sh
//! cargo bench -p minsheng-access --bench network
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use minsheng_access::network::{
    Direction, Graph, MatrixOptions, PROVINCE_BOX, Profile, Snap, Weight, synthetic_province,
};

const HELSINKI: &[u8] = include_bytes!("../../../data/osm/Helsinki.osm.pbf");

/// Knuth's MMIX LCG.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn node(&mut self, g: &Graph) -> u32 {
        ((self.next() * g.n_nodes() as f64) as u32).min(g.n_nodes() as u32 - 1)
    }
}

fn helsinki(c: &mut Criterion) {
    c.bench_function(
        "helsinki: read walk network (685 kB PBF, contract, largest SCC)",
        |b| b.iter(|| black_box(Graph::from_osm_pbf(black_box(HELSINKI), Profile::Walk))),
    );
    c.bench_function("helsinki: read drive network", |b| {
        b.iter(|| black_box(Graph::from_osm_pbf(black_box(HELSINKI), Profile::Drive)))
    });
    let Ok(walk) = Graph::from_osm_pbf(HELSINKI, Profile::Walk) else {
        return;
    };
    let mut rng = Lcg(1);
    let pois: Vec<Snap> = (0..200).map(|_| Snap::at(rng.node(&walk))).collect();
    let points: Vec<(Snap, f64)> = (0..20_000)
        .map(|_| (Snap::at(rng.node(&walk)), 1.0))
        .collect();
    c.bench_function(
        "helsinki walk: nearest of 200 facilities for every node (1 km)",
        |b| b.iter(|| black_box(walk.nearest(&pois, Weight::Length, 1000.0, Direction::ToSources))),
    );
    c.bench_function(
        "helsinki walk: k = 3 nearest of 200 facilities (1 km)",
        |b| {
            b.iter(|| {
                black_box(walk.k_nearest(&pois, 3, Weight::Length, 1000.0, Direction::ToSources))
            })
        },
    );
    c.bench_function(
        "helsinki walk: points within 1 km of every node (20,000 points)",
        |b| {
            b.iter(|| {
                black_box(walk.opportunities(&points, Weight::Length, 1000.0, Direction::ToSources))
            })
        },
    );
    let demand: Vec<Option<Snap>> = (0..walk.n_nodes() as u32)
        .map(|v| Some(Snap::at(v)))
        .collect();
    let sites: Vec<Option<Snap>> = pois.iter().map(|s| Some(*s)).collect();
    let d_ids: Vec<String> = (0..demand.len()).map(|i| format!("d{i}")).collect();
    let s_ids: Vec<String> = (0..sites.len()).map(|i| format!("s{i}")).collect();
    let options = MatrixOptions {
        weight: Weight::Length,
        max_cost: 1000.0,
        direction: Direction::ToSources,
    };
    c.bench_function(
        "helsinki walk: cost matrix, every node × 200 sites within 1 km",
        |b| {
            b.iter(|| {
                black_box(walk.cost_matrix(d_ids.clone(), &demand, s_ids.clone(), &sites, &options))
            })
        },
    );
}

fn province(c: &mut Criterion) {
    let t = Instant::now();
    let Ok(g) = synthetic_province(1, 1_000_000) else {
        return;
    };
    eprintln!(
        "SYNTHETIC province: {} nodes, {} directed edges, generated in {:.2} s",
        g.n_nodes(),
        g.n_edges(),
        t.elapsed().as_secs_f64()
    );
    let mut rng = Lcg(2);
    let facilities: Vec<Snap> = (0..5000).map(|_| Snap::at(rng.node(&g))).collect();
    let mut group = c.benchmark_group("province 1M (SYNTHETIC)");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("nearest of 5,000 facilities within 30 min drive", |b| {
        b.iter(|| black_box(g.nearest(&facilities, Weight::Time, 1800.0, Direction::ToSources)))
    });
    group.bench_function("nearest of 5,000 facilities, no cutoff", |b| {
        b.iter(|| {
            black_box(g.nearest(
                &facilities,
                Weight::Time,
                f64::INFINITY,
                Direction::ToSources,
            ))
        })
    });
    let (x0, y0, x1, y1) = PROVINCE_BOX;
    let points: Vec<(f64, f64)> = (0..1_000_000)
        .map(|_| (x0 + (x1 - x0) * rng.next(), y0 + (y1 - y0) * rng.next()))
        .collect();
    // Points near the network: at a node, moved by up to ~300 m.
    let near: Vec<(f64, f64)> = (0..1_000_000)
        .map(|_| {
            let (x, y) = g.lon_lat(rng.node(&g)).unwrap_or_default();
            (
                x + (rng.next() - 0.5) * 0.006,
                y + (rng.next() - 0.5) * 0.006,
            )
        })
        .collect();
    let _ = g.snap(100.0, 25.0); // build the grid outside the timings
    group.bench_function("snap 1,000,000 points near the roads", |b| {
        b.iter(|| black_box(g.snap_many(&near, f64::INFINITY)))
    });
    group.bench_function("snap 1,000,000 points uniform over the box", |b| {
        b.iter(|| black_box(g.snap_many(&points, f64::INFINITY)))
    });
    let demand: Vec<Option<Snap>> = g.snap_many(&near[..100_000], f64::INFINITY);
    let sites: Vec<Option<Snap>> = facilities.iter().map(|s| Some(*s)).collect();
    let d_ids: Vec<String> = (0..demand.len()).map(|i| format!("d{i}")).collect();
    let s_ids: Vec<String> = (0..sites.len()).map(|i| format!("s{i}")).collect();
    let options = MatrixOptions {
        weight: Weight::Time,
        max_cost: 900.0,
        direction: Direction::ToSources,
    };
    group.bench_function(
        "cost matrix 100,000 demand × 5,000 sites within 15 min",
        |b| {
            b.iter(|| {
                black_box(g.cost_matrix(d_ids.clone(), &demand, s_ids.clone(), &sites, &options))
            })
        },
    );
    group.finish();
}

criterion_group!(benches, helsinki, province);
criterion_main!(benches);
