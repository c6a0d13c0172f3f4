//! Criterion benches of the floating catchment measures on a synthetic province-sized instance: 10,000 demand
//! points and 1,000 sites in a 200 km square, travel time `1 + 1.3 · km` minutes rounded to 0.01, pairs up to 90
//! minutes stored (about 2.6 million), `max_cost` 60 (about 1.2 million pairs within it), gravity weights
//! `(1, −1)`. `bench/fca_peer.py` builds the very same instance (same LCG, same IEEE operations) for `access`.

use criterion::{Criterion, criterion_group, criterion_main};
use minsheng_access::CostMatrix;
use minsheng_access::fca::{
    Weight, enhanced_two_stage_fca, three_stage_fca, two_stage_fca, weighted_catchment,
};
use std::hint::black_box;

/// Knuth's MMIX LCG; a double in [0, 1) from the top 53 bits (as `bench/fca_peer.py`).
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

const N_DEMAND: usize = 10_000;
const N_SITES: usize = 1_000;
const SEED: u64 = 20240607;
const STORED: f64 = 90.0;
const MAX_COST: f64 = 60.0;

/// Points `(x, y, value)`: coordinates in km, value `base + floor(u · span)`.
fn points(rng: &mut Lcg, n: usize, base: f64, span: f64) -> Vec<(f64, f64, f64)> {
    (0..n)
        .map(|_| {
            let x = 200.0 * rng.next();
            let y = 200.0 * rng.next();
            (x, y, base + (rng.next() * span).floor())
        })
        .collect()
}

fn instance() -> Option<(CostMatrix, Vec<f64>, Vec<f64>)> {
    let mut rng = Lcg(SEED);
    let demand = points(&mut rng, N_DEMAND, 100.0, 5000.0);
    let sites = points(&mut rng, N_SITES, 1.0, 20.0);
    let mut entries = Vec::new();
    for (i, &(x, y, _)) in demand.iter().enumerate() {
        for (j, &(sx, sy, _)) in sites.iter().enumerate() {
            let (dx, dy) = (x - sx, y - sy);
            let cost = ((1.0 + 1.3 * (dx * dx + dy * dy).sqrt()) * 100.0 + 0.5).floor() / 100.0;
            if cost <= STORED {
                entries.push((i as u32, j as u32, cost));
            }
        }
    }
    let ids = |n: usize, p: &str| (0..n).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
    let m = CostMatrix::from_entries(ids(N_DEMAND, "d"), ids(N_SITES, "s"), entries).ok()?;
    Some((
        m,
        demand.iter().map(|p| p.2).collect(),
        sites.iter().map(|p| p.2).collect(),
    ))
}

fn bench(c: &mut Criterion) {
    let (Some((m, pop, doc)), Ok(w)) = (instance(), Weight::gravity(1.0, -1.0, 0.0)) else {
        return;
    };
    let within = (0..m.n_demand())
        .map(|i| m.by_demand(i).1.partition_point(|&c| c <= MAX_COST))
        .sum::<usize>();
    println!(
        "instance: {} demand × {} sites, {} pairs stored, {} within {MAX_COST}",
        m.n_demand(),
        m.n_sites(),
        m.n_entries(),
        within
    );
    let mut g = c.benchmark_group("fca 10,000 x 1,000");
    g.sample_size(20);
    g.bench_function("2SFCA gravity", |b| {
        b.iter(|| black_box(two_stage_fca(&m, &pop, &doc, Some(MAX_COST), Some(&w))))
    });
    g.bench_function("3SFCA gravity", |b| {
        b.iter(|| black_box(three_stage_fca(&m, &pop, &doc, Some(MAX_COST), Some(&w))))
    });
    g.bench_function("E2SFCA default steps", |b| {
        b.iter(|| black_box(enhanced_two_stage_fca(&m, &pop, &doc, Some(MAX_COST), None)))
    });
    g.bench_function("weighted catchment gravity", |b| {
        b.iter(|| black_box(weighted_catchment(&m, &doc, Some(MAX_COST), Some(&w))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
