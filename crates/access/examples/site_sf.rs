//! The siting models on spopt's San Francisco instance (205 tracts × 16 stores, weights POP2000), for
//! `bench/site_peer.py`: one JSON line per run and method with the solution's key numbers and the in-process
//! solve time (median of `--repeat` solves, default 20). `--method exact|heuristic` keeps one method, `--runs`
//! a comma-separated subset of the runs (pmedian, mclp, lscp, pcenter, pmedian_store1, pmedian_cap).
//!
//! ```sh
//! cargo run --release -p minsheng-access --example site_sf -- --repeat 50 --method exact
//! ```

use std::error::Error;
use std::time::Instant;

use minsheng_access::site::{Method, Model, Options, solve};

#[path = "../tests/sf/mod.rs"]
mod sf;
use sf::sf;

/// A run: its name, the model, the existing sites, the capacities.
type Run<'a> = (&'a str, Model, &'a [usize], Option<&'a [f64]>);

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| -> Result<Option<&String>, String> {
        match args.iter().position(|a| a == name) {
            Some(i) => args
                .get(i + 1)
                .map(Some)
                .ok_or(format!("{name} needs a value")),
            None => Ok(None),
        }
    };
    let repeat: usize = arg("--repeat")?.map_or(Ok(20), |v| v.parse())?;
    let methods: Vec<Method> = match arg("--method")?.map(String::as_str) {
        None => vec![Method::Exact, Method::Heuristic],
        Some("exact") => vec![Method::Exact],
        Some("heuristic") => vec![Method::Heuristic],
        Some(other) => return Err(format!("--method {other}: exact or heuristic").into()),
    };
    let only: Option<Vec<&str>> = arg("--runs")?.map(|v| v.split(',').collect());
    let (m, w) = sf()?;
    let store1 = [m.site_index()["Store_1"]];
    let caps = vec![300_000.0; m.n_sites()];
    let runs: Vec<Run> = vec![
        ("pmedian", Model::PMedian { p: 4 }, &[], None),
        (
            "mclp",
            Model::Mclp {
                radius: 5000.0,
                p: 4,
            },
            &[],
            None,
        ),
        ("lscp", Model::Lscp { radius: 5000.0 }, &[], None),
        ("pcenter", Model::PCenter { p: 4 }, &[], None),
        ("pmedian_store1", Model::PMedian { p: 3 }, &store1, None),
        ("pmedian_cap", Model::PMedian { p: 4 }, &[], Some(&caps)),
    ];
    for (name, model, existing, capacities) in runs {
        if only.as_ref().is_some_and(|o| !o.contains(&name)) {
            continue;
        }
        for &method in &methods {
            let opt = Options {
                method,
                existing,
                capacities,
                ..Options::default()
            };
            let mut times = Vec::with_capacity(repeat);
            let mut last = None;
            for _ in 0..repeat.max(1) {
                let t = Instant::now();
                let s = solve(&m, &w, model, &opt)?;
                times.push(t.elapsed().as_secs_f64());
                last = Some(s);
            }
            let Some(s) = last else { continue };
            times.sort_by(f64::total_cmp);
            let line = serde_json::json!({
                "run": name,
                "method": s.method,
                "status": s.status,
                "objective": s.objective,
                "bound": s.bound,
                "gap": s.gap,
                "mean_cost": s.mean_cost,
                "uncovered": s.uncovered.len(),
                "coverage_pct": s.coverage_pct,
                "covered_weight_pct": s.covered_weight_pct,
                "sites": s.sites,
                "seconds": times[times.len() / 2],
            });
            println!("{line}");
        }
    }
    Ok(())
}
