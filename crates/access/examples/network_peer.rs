//! Our side of `bench/network_peer.py`: exports a road network to CSV for pandana, and computes the nearest
//! facility and cumulative opportunities on the exported network.
//!
//! ```sh
//! cargo run --release -p minsheng-access --example network_peer -- export DIR --pbf FILE --profile walk [--raw]
//! cargo run --release -p minsheng-access --example network_peer -- export DIR --synthetic NODES [--seed 1]
//! cargo run --release -p minsheng-access --example network_peer -- run DIR --maxdist 1000.0005 [--runs 5]
//! ```
//!
//! `export` writes `DIR/nodes.csv` (`node,lon,lat`; shortest decimals that read back as the same doubles) and
//! `DIR/edges.csv` (`from,to,length_mm`: directed edges, lengths rounded to whole millimetres, at least 1 mm),
//! and prints the graph's counts as `key=value` pairs. pandana (0.8) turns every edge weight into whole
//! millimetres (`unsigned(weight × 1000)`) before its contraction hierarchy, so both sides compute on exactly
//! the same integer lengths. `--raw` keeps every node and component (no contraction), the graph to compare with
//! pyrosm's unsimplified one.
//!
//! `run` reads those two files back with `Graph::from_edges` (metres = mm / 1000), `DIR/pois.csv` (`node`, one
//! facility per row) and `DIR/points.csv` (`node`, one point per row, counted), then computes for every node the
//! distance to the nearest facility within `--maxdist` (multi-source Dijkstra), the number of points within
//! `--maxdist` and the number of facilities within `--maxdist` (cumulative opportunities: one bounded search per
//! distinct point or facility node). It writes `DIR/ours_nearest.csv` (`node,dist`, -1 when none),
//! `DIR/ours_aggregate.csv` (`node,count`, points) and `DIR/ours_aggregate_pois.csv` (`node,count`, facilities),
//! and prints `timing load_ms=… nearest_ms=… aggregate_ms=… aggregate_pois_ms=… runs=…` (medians over the runs).

use std::error::Error;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use minsheng_access::network::{
    Component, Direction, Edge, Graph, LoadOptions, Profile, Snap, Weight, synthetic_province,
};

fn median_ms(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs.get(runs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(cmd), Some(dir)) = (args.first(), args.get(1)) else {
        return Err("usage: network_peer export|run DIR [options] (see the file's header)".into());
    };
    let dir = PathBuf::from(dir);
    match cmd.as_str() {
        "export" => export(&dir, &args),
        "run" => run(&dir, &args),
        other => Err(format!("unknown command {other:?}").into()),
    }
}

fn export(dir: &Path, args: &[String]) -> Result<(), Box<dyn Error>> {
    std::fs::create_dir_all(dir)?;
    let t = Instant::now();
    let graph = if let Some(n) = value(args, "--synthetic") {
        let seed = value(args, "--seed").unwrap_or("1").parse()?;
        synthetic_province(seed, n.parse()?)?
    } else {
        let pbf = value(args, "--pbf").ok_or("--pbf FILE or --synthetic NODES is needed")?;
        let profile = match value(args, "--profile").unwrap_or("walk") {
            "walk" => Profile::Walk,
            "drive" => Profile::Drive,
            p => return Err(format!("unknown profile {p:?}").into()),
        };
        let mut options = LoadOptions::default_for(profile);
        if args.iter().any(|a| a == "--raw") {
            options.contract = false;
            options.component = Component::All;
        }
        let bytes = std::fs::read(pbf)?;
        let (g, stats) = Graph::load_osm_pbf(&bytes, &options)?;
        println!(
            "ways={} raw_nodes={} raw_edges={} missing_refs={}",
            stats.ways, stats.raw_nodes, stats.raw_edges, stats.missing_refs
        );
        g
    };
    let build_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut w = BufWriter::new(File::create(dir.join("nodes.csv"))?);
    writeln!(w, "node,lon,lat")?;
    for (v, (lon, lat)) in graph.lons().iter().zip(graph.lats()).enumerate() {
        writeln!(w, "{v},{lon:?},{lat:?}")?;
    }
    w.flush()?;
    let mut w = BufWriter::new(File::create(dir.join("edges.csv"))?);
    writeln!(w, "from,to,length_mm")?;
    for e in graph.edges() {
        writeln!(w, "{},{},{}", e.from, e.to, mm(e.length_m))?;
    }
    w.flush()?;
    println!(
        "nodes={} edges={} length_m={:.3} build_ms={build_ms:.1}",
        graph.n_nodes(),
        graph.n_edges(),
        graph.total_length_m()
    );
    Ok(())
}

/// Whole millimetres, at least 1 (pandana raises a zero weight to 1 in its range graph).
fn mm(metres: f64) -> u64 {
    ((metres * 1000.0).round() as u64).max(1)
}

fn read_nodes(dir: &Path) -> Result<Vec<(f64, f64)>, Box<dyn Error>> {
    let mut out = Vec::new();
    for rec in csv::Reader::from_path(dir.join("nodes.csv"))?.records() {
        let rec = rec?;
        out.push((rec[1].parse()?, rec[2].parse()?));
    }
    Ok(out)
}

fn read_edges(dir: &Path) -> Result<Vec<Edge>, Box<dyn Error>> {
    let mut out = Vec::new();
    for rec in csv::Reader::from_path(dir.join("edges.csv"))?.records() {
        let rec = rec?;
        let length_m = rec[2].parse::<u64>()? as f64 / 1000.0;
        out.push(Edge {
            from: rec[0].parse()?,
            to: rec[1].parse()?,
            length_m,
            time_s: length_m,
        });
    }
    Ok(out)
}

fn read_column(path: &Path) -> Result<Vec<u32>, Box<dyn Error>> {
    let mut out = Vec::new();
    for rec in csv::Reader::from_path(path)?.records() {
        out.push(rec?[0].parse()?);
    }
    Ok(out)
}

fn run(dir: &Path, args: &[String]) -> Result<(), Box<dyn Error>> {
    let maxdist: f64 = value(args, "--maxdist")
        .ok_or("--maxdist is needed")?
        .parse()?;
    let runs: usize = value(args, "--runs").unwrap_or("5").parse()?;
    let t = Instant::now();
    let graph = Graph::from_edges(&read_nodes(dir)?, &read_edges(dir)?)?;
    let pois: Vec<Snap> = read_column(&dir.join("pois.csv"))?
        .into_iter()
        .map(Snap::at)
        .collect();
    let points: Vec<(Snap, f64)> = read_column(&dir.join("points.csv"))?
        .into_iter()
        .map(|v| (Snap::at(v), 1.0))
        .collect();
    let load_ms = t.elapsed().as_secs_f64() * 1e3;

    let poi_items: Vec<(Snap, f64)> = pois.iter().map(|&s| (s, 1.0)).collect();
    let (mut nearest_runs, mut aggregate_runs, mut poi_runs) = (Vec::new(), Vec::new(), Vec::new());
    let (mut nearest, mut counts, mut poi_counts) = (None, Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        nearest = Some(graph.nearest(&pois, Weight::Length, maxdist, Direction::ToSources)?);
        nearest_runs.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        counts = graph.opportunities(&points, Weight::Length, maxdist, Direction::ToSources)?;
        aggregate_runs.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        poi_counts =
            graph.opportunities(&poi_items, Weight::Length, maxdist, Direction::ToSources)?;
        poi_runs.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let nearest = nearest.ok_or("no run")?;
    let mut w = BufWriter::new(File::create(dir.join("ours_nearest.csv"))?);
    writeln!(w, "node,dist")?;
    for (v, c) in nearest.cost.iter().enumerate() {
        if c.is_finite() {
            writeln!(w, "{v},{c:?}")?;
        } else {
            writeln!(w, "{v},-1")?;
        }
    }
    w.flush()?;
    for (name, values) in [
        ("ours_aggregate.csv", &counts),
        ("ours_aggregate_pois.csv", &poi_counts),
    ] {
        let mut w = BufWriter::new(File::create(dir.join(name))?);
        writeln!(w, "node,count")?;
        for (v, c) in values.iter().enumerate() {
            writeln!(w, "{v},{c:?}")?;
        }
        w.flush()?;
    }
    println!(
        "timing load_ms={load_ms:.3} nearest_ms={:.3} aggregate_ms={:.3} aggregate_pois_ms={:.3} runs={} nodes={} \
         edges={} threads={}",
        median_ms(nearest_runs),
        median_ms(aggregate_runs),
        median_ms(poi_runs),
        runs.max(1),
        graph.n_nodes(),
        graph.n_edges(),
        rayon::current_num_threads()
    );
    Ok(())
}
