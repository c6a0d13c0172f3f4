//! Benches of the siting models.
//!
//! - `sf/<model>/<method>`: spopt's San Francisco instance (205 tracts × 16 stores, POP2000), each model exact
//!   and heuristic (criterion).
//! - `large_mclp`: a synthetic MCLP with 1,000,000 demand points and 5,000 candidate sites in a 500 km × 500 km
//!   square, choosing 200, radius 12.6 km (about 10 candidates within reach of a demand point), built
//!   deterministically with Knuth's MMIX LCG; solved by the heuristic three times, timed and printed with its
//!   gap (the goal: ≤ 1 % in under 10 s). Run it alone with `cargo bench -p minsheng-access --bench site --
//!   large_mclp`.

use std::error::Error;
use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use minsheng_access::matrix::CostMatrix;
use minsheng_access::site::{Method, Model, Options, solve};

#[path = "../tests/sf/mod.rs"]
mod sf;
use sf::sf;

fn bench_sf(c: &mut Criterion) -> Result<(), Box<dyn Error>> {
    let (m, w) = sf()?;
    let models = [
        Model::PMedian { p: 4 },
        Model::Mclp {
            radius: 5000.0,
            p: 4,
        },
        Model::Lscp { radius: 5000.0 },
        Model::PCenter { p: 4 },
    ];
    let mut g = c.benchmark_group("sf");
    g.sample_size(20);
    for model in models {
        for (name, method) in [("exact", Method::Exact), ("heuristic", Method::Heuristic)] {
            let opt = Options {
                method,
                ..Options::default()
            };
            g.bench_function(format!("{}/{name}", model.name()), |b| {
                b.iter(|| black_box(solve(&m, &w, model, &opt)))
            });
        }
    }
    g.finish();
    Ok(())
}

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
}

/// The synthetic MCLP instance: uniform points and candidates in a 500 km square, weights 1–100 persons, pairs
/// within `radius` km stored (a grid of `radius`-sized cells finds them).
fn large(
    n_demand: usize,
    n_sites: usize,
    radius: f64,
) -> Result<(CostMatrix, Vec<f64>), Box<dyn Error>> {
    const SIDE: f64 = 500.0;
    let mut rng = Lcg(20240601);
    let sites: Vec<(f64, f64)> = (0..n_sites)
        .map(|_| (SIDE * rng.next(), SIDE * rng.next()))
        .collect();
    let cells = (SIDE / radius).ceil() as usize;
    let cell = |v: f64| ((v / radius) as usize).min(cells - 1);
    let mut grid: Vec<Vec<u32>> = vec![Vec::new(); cells * cells];
    for (s, &(x, y)) in sites.iter().enumerate() {
        grid[cell(x) * cells + cell(y)].push(s as u32);
    }
    let mut entries = Vec::new();
    let mut weights = Vec::with_capacity(n_demand);
    for d in 0..n_demand {
        let (x, y) = (SIDE * rng.next(), SIDE * rng.next());
        weights.push((1.0 + 100.0 * rng.next()).floor());
        let (cx, cy) = (cell(x), cell(y));
        for gx in cx.saturating_sub(1)..(cx + 2).min(cells) {
            for gy in cy.saturating_sub(1)..(cy + 2).min(cells) {
                for &s in &grid[gx * cells + gy] {
                    let (sx, sy) = sites[s as usize];
                    let dist = ((x - sx).powi(2) + (y - sy).powi(2)).sqrt();
                    if dist <= radius {
                        entries.push((d as u32, s, dist));
                    }
                }
            }
        }
    }
    let demand_ids = (0..n_demand).map(|d| format!("d{d}")).collect();
    let site_ids = (0..n_sites).map(|s| format!("s{s}")).collect();
    Ok((
        CostMatrix::from_entries(demand_ids, site_ids, entries)?,
        weights,
    ))
}

fn bench_large_mclp() -> Result<(), Box<dyn Error>> {
    let radius = (10.0 * 500.0 * 500.0 / 5000.0 / std::f64::consts::PI).sqrt();
    let t = Instant::now();
    let (m, w) = large(1_000_000, 5_000, radius)?;
    println!(
        "large_mclp: {} demand points, {} sites, {} pairs within {radius:.2} km (built in {:.1} s)",
        m.n_demand(),
        m.n_sites(),
        m.n_entries(),
        t.elapsed().as_secs_f64()
    );
    let model = Model::Mclp { radius, p: 200 };
    let opt = Options {
        method: Method::Heuristic,
        ..Options::default()
    };
    for run in 1..=3 {
        let t = Instant::now();
        let s = solve(&m, &w, model, &opt)?;
        println!(
            "large_mclp run {run}: {:.2} s, covered {} of {} ({:.2} %), bound {:.1}, gap {:.4} %, status {:?}",
            t.elapsed().as_secs_f64(),
            s.objective,
            s.total_weight,
            s.covered_weight_pct,
            s.bound,
            s.gap * 100.0,
            s.status
        );
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    let mut c = Criterion::default().configure_from_args();
    if filter.is_empty() || "sf".contains(&filter) || filter.starts_with("sf") {
        bench_sf(&mut c)?;
    }
    c.final_summary();
    if filter.is_empty() || "large_mclp".contains(&filter) {
        bench_large_mclp()?;
    }
    Ok(())
}
