//! Province scale, end to end, on SYNTHETIC data (no Chinese network or county census ships anywhere reachable):
//! a ~1 M-node road network in Yunnan's box (`network::synthetic_province`), 1,000,000 population points with six
//! groups in 129 county zones, 5,000 facilities of six types; then
//!
//! 1. service-circle coverage for all groups: the six 15-minute walking circles of the shipped circles file (snap
//!    the points, one multi-source Dijkstra per facility type with the circle's cutoff, coverage per group and
//!    zone) — goal < 5 s;
//! 2. an MCLP choosing 200 of 5,000 candidate sites for the 1 M points within a 30-minute drive — the demand ×
//!    candidate matrix by bounded Dijkstra, then the heuristic with its bound — goal ≤ 1 % gap in < 10 s.
//!
//! Not a criterion bench (each stage runs seconds): one timed run, stages printed. `cargo bench -p
//! minsheng-access --bench province`. The kernels have criterion benches (`network`, `coverage`, `site`).

use std::time::Instant;

use minsheng_access::circles::{self, Limit};
use minsheng_access::coverage::{CircleCosts, CoverageOptions, circle_coverage};
use minsheng_access::geo::{Group, Population, Zones};
use minsheng_access::network::{
    Direction, Edge, Graph, MatrixOptions, PROVINCE_BOX, Snap, WALK_SPEED_KMH, Weight,
    synthetic_province,
};
use minsheng_access::site::{Method, Model, Options, solve};

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

const POINTS: usize = 1_000_000;
const FACILITIES: usize = 5_000;
const ZONES_X: usize = 12;
const ZONES_Y: usize = 11;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let all = Instant::now();
    let t = Instant::now();
    let drive = synthetic_province(7, 1_050_000)?;
    // The walking network: the same roads at walking speed.
    let coords: Vec<(f64, f64)> = drive
        .lons()
        .iter()
        .copied()
        .zip(drive.lats().iter().copied())
        .collect();
    let walk_edges: Vec<Edge> = drive
        .edges()
        .map(|e| Edge {
            time_s: e.length_m / (WALK_SPEED_KMH / 3.6),
            ..e
        })
        .collect();
    let walk = Graph::from_edges(&coords, &walk_edges)?;
    println!(
        "network (SYNTHETIC): {} nodes, {} edges, built in {:.2} s (not counted below)",
        drive.n_nodes(),
        drive.n_edges(),
        t.elapsed().as_secs_f64()
    );

    // Population: points near random nodes (within ~60 m), people log-normal-ish, six groups by fixed shares.
    let t = Instant::now();
    let mut rng = Lcg(11);
    let n_nodes = drive.n_nodes();
    let mut lon = Vec::with_capacity(POINTS);
    let mut lat = Vec::with_capacity(POINTS);
    for _ in 0..POINTS {
        let v = ((rng.next() * n_nodes as f64) as usize).min(n_nodes - 1);
        lon.push(coords[v].0 + (rng.next() - 0.5) * 0.001);
        lat.push(coords[v].1 + (rng.next() - 0.5) * 0.001);
    }
    let total: Vec<f64> = (0..POINTS)
        .map(|_| (20.0 + 200.0 * rng.next() * rng.next()).round())
        .collect();
    let shares = [
        ("total", 1.0),
        ("age0_3", 0.03),
        ("age3_6", 0.035),
        ("age6_12", 0.07),
        ("age60", 0.18),
        ("age65", 0.13),
    ];
    let population = Population {
        file: "SYNTHETIC".into(),
        rows: (2..POINTS + 2).collect(),
        ids: (0..POINTS).map(|i| format!("p{i}")).collect(),
        lon,
        lat,
        region: None,
        groups: shares
            .iter()
            .map(|&(name, s)| Group {
                name: name.into(),
                values: total.iter().map(|v| v * s).collect(),
            })
            .collect(),
    };
    let (x0, y0, x1, y1) = PROVINCE_BOX;
    let zone = |x: f64, y: f64| {
        let i = (((x - x0) / (x1 - x0) * ZONES_X as f64) as usize).min(ZONES_X - 1);
        let j = (((y - y0) / (y1 - y0) * ZONES_Y as f64) as usize).min(ZONES_Y - 1);
        Some((j * ZONES_X + i).min(128) as u32)
    };
    let zones = Zones {
        codes: (0..129).map(|i| format!("Z{i:03}")).collect(),
        names: vec![String::new(); 129],
        of_point: population
            .lon
            .iter()
            .zip(&population.lat)
            .map(|(&x, &y)| zone(x, y))
            .collect(),
        of_facility: Vec::new(),
    };
    // Facilities: 5,000 over six types, at random nodes.
    let types = [
        "fitness",
        "community_elderly_care",
        "kindergarten",
        "primary_school",
        "childcare",
        "health_station",
    ];
    let facilities: Vec<(usize, u32)> = (0..FACILITIES)
        .map(|i| {
            (
                i % types.len(),
                ((rng.next() * n_nodes as f64) as u32).min(n_nodes as u32 - 1),
            )
        })
        .collect();
    println!(
        "inputs: {} points, {} facilities, 129 zones, made in {:.2} s",
        POINTS,
        FACILITIES,
        t.elapsed().as_secs_f64()
    );

    // 1. Coverage of the six 15-minute walking circles.
    let (catalogue, _) = circles::shipped();
    let catalogue = catalogue.ok_or("the shipped circles file does not load")?;
    let chosen: Vec<_> = types
        .iter()
        .filter_map(|ty| {
            catalogue.circles.iter().find(|c| {
                c.facility_type == *ty && matches!(c.limit, Limit::Minutes(m) if m == 15.0)
            })
        })
        .collect();
    let t = Instant::now();
    let points: Vec<(f64, f64)> = population
        .lon
        .iter()
        .copied()
        .zip(population.lat.iter().copied())
        .collect();
    let snaps = walk.snap_many(&points, f64::INFINITY);
    let t_snap = t.elapsed().as_secs_f64();
    let mut costs: Vec<Vec<f64>> = Vec::new();
    for c in &chosen {
        let ty = types
            .iter()
            .position(|t| *t == c.facility_type)
            .ok_or("type")?;
        let sources: Vec<Snap> = facilities
            .iter()
            .filter(|f| f.0 == ty)
            .map(|f| Snap::at(f.1))
            .collect();
        let limit_s = c.limit.value() * 60.0;
        let nearest = walk.nearest(&sources, Weight::Time, limit_s, Direction::ToSources)?;
        costs.push(
            snaps
                .iter()
                .map(|s| {
                    nearest
                        .for_point(&walk, *s)
                        .map_or(f64::INFINITY, |(_, c)| c / 60.0)
                })
                .collect(),
        );
    }
    let t_paths = t.elapsed().as_secs_f64() - t_snap;
    let inputs: Vec<CircleCosts<'_>> = chosen
        .iter()
        .zip(&costs)
        .map(|(c, k)| CircleCosts { circle: c, cost: k })
        .collect();
    let result = circle_coverage(&population, &zones, &inputs, &CoverageOptions::default())?;
    let t_cov = t.elapsed().as_secs_f64();
    println!(
        "coverage, {} circles × {} groups × 129 zones: {:.2} s (snap {:.2} s, shortest paths {:.2} s, sums {:.2} s) — goal < 5 s",
        chosen.len(),
        shares.len(),
        t_cov,
        t_snap,
        t_paths,
        t_cov - t_snap - t_paths
    );
    for r in &result {
        println!(
            "  {:<22} {:>7.3} % of {}",
            r.circle,
            r.percent.unwrap_or(f64::NAN),
            r.group
        );
    }

    // 2. MCLP: 200 of 5,000 candidates within a 30-minute drive.
    let t = Instant::now();
    let cand: Vec<Option<Snap>> = (0..FACILITIES)
        .map(|_| {
            Some(Snap::at(
                ((rng.next() * n_nodes as f64) as u32).min(n_nodes as u32 - 1),
            ))
        })
        .collect();
    // The drive network has the walking network's nodes: the snaps carry over.
    let matrix = drive.cost_matrix(
        population.ids.clone(),
        &snaps,
        (0..FACILITIES).map(|i| format!("c{i}")).collect(),
        &cand,
        &MatrixOptions {
            weight: Weight::Time,
            max_cost: 1800.0,
            direction: Direction::ToSources,
        },
    )?;
    let t_matrix = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let weights = population.groups[0].values.clone();
    let sol = solve(
        &matrix,
        &weights,
        Model::Mclp {
            radius: 1800.0,
            p: 200,
        },
        &Options {
            method: Method::Heuristic,
            ..Options::default()
        },
    )?;
    let t_solve = t.elapsed().as_secs_f64();
    println!(
        "MCLP 200 of {FACILITIES}: matrix {:.2} s ({} pairs within 30 min), solve {:.2} s, total {:.2} s — goal < 10 s; \
         covered {:.1} of {:.1} ({:.3} %), gap {:.4} % — goal ≤ 1 %",
        t_matrix,
        matrix.n_entries(),
        t_solve,
        t_matrix + t_solve,
        sol.covered_weight,
        sol.total_weight,
        sol.covered_weight_pct,
        sol.gap * 100.0
    );
    println!("whole run {:.2} s", all.elapsed().as_secs_f64());
    Ok(())
}
