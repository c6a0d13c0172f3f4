//! Our side of `bench/fca_peer.py`: 2SFCA and 3SFCA with gravity weights on a long cost file, results on stdout
//! as CSV (`geoid,two_stage_fca,three_stage_fca`, shortest decimals that read back as the same doubles, demand
//! file order), timings on stderr.
//!
//! ```sh
//! cargo run --release -p minsheng-access --example fca_peer -- costs.csv demand.csv supply.csv \
//!     [--max-cost 60] [--gravity 1,-1,0] [--runs 5]
//! ```
//!
//! `costs.csv` has `origin,dest,cost` (origin = demand location, dest = site), `demand.csv` `geoid,pop`,
//! `supply.csv` `geoid,doc`; a site missing from `supply.csv` has supply 0, as in `access`. The timing line is
//! `timing read_ms=… read_costs_ms=… two_stage_ms=… three_stage_ms=… runs=…`: reading everything (of which
//! `read_costs`), then the medians over the runs of the computations alone.

use std::error::Error;
use std::io::Write;
use std::time::Instant;

use minsheng_access::fca::{Weight, three_stage_fca, two_stage_fca};
use minsheng_access::input::{align_demand, read_costs, read_weights};
use minsheng_access::{CostColumns, Problem};

fn problems(p: Vec<Problem>) -> Box<dyn Error> {
    p.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
        .into()
}

fn median_ms(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs.get(runs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut files = Vec::new();
    let (mut max_cost, mut gravity, mut runs) = (None, (1.0, -1.0, 0.0), 1usize);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--max-cost" => max_cost = Some(value()?.parse::<f64>()?),
            "--runs" => runs = value()?.parse::<usize>()?.max(1),
            "--gravity" => {
                let v: Vec<f64> = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?;
                let [s, a, m] = v[..] else {
                    return Err("--gravity needs scale,alpha,min_dist".into());
                };
                gravity = (s, a, m);
            }
            _ => files.push(a.clone()),
        }
    }
    let [costs_file, demand_file, supply_file] = &files[..] else {
        return Err("usage: fca_peer costs.csv demand.csv supply.csv [--max-cost X] [--gravity s,a,m] [--runs N]".into());
    };
    let t = Instant::now();
    let cols = CostColumns {
        demand: "origin".into(),
        site: "dest".into(),
        cost: "cost".into(),
    };
    let m =
        read_costs(costs_file, &std::fs::read_to_string(costs_file)?, &cols).map_err(problems)?;
    let costs_ms = t.elapsed().as_secs_f64() * 1e3;
    let pop = read_weights(demand_file, &std::fs::read_to_string(demand_file)?, "pop")
        .map_err(problems)?;
    let (m, pop) = align_demand(costs_file, &m, &pop).map_err(problems)?;
    let doc: rustc_hash::FxHashMap<String, f64> =
        read_weights(supply_file, &std::fs::read_to_string(supply_file)?, "doc")
            .map_err(problems)?
            .into_iter()
            .collect();
    let supply: Vec<f64> = m
        .site_ids()
        .iter()
        .map(|id| doc.get(id).copied().unwrap_or(0.0))
        .collect();
    let read_ms = t.elapsed().as_secs_f64() * 1e3;
    let w = Weight::gravity(gravity.0, gravity.1, gravity.2)?;

    let (mut two, mut three) = (Vec::new(), Vec::new());
    let (mut two_ms, mut three_ms) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        two = two_stage_fca(&m, &pop, &supply, max_cost, Some(&w))?;
        two_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        three = three_stage_fca(&m, &pop, &supply, max_cost, Some(&w))?;
        three_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }

    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "geoid,two_stage_fca,three_stage_fca")?;
    for (i, id) in m.demand_ids().iter().enumerate() {
        writeln!(out, "{id},{:?},{:?}", two[i], three[i])?;
    }
    out.flush()?;
    eprintln!(
        "timing read_ms={read_ms:.3} read_costs_ms={costs_ms:.3} two_stage_ms={:.3} three_stage_ms={:.3} runs={runs} demand={} sites={} pairs={}",
        median_ms(two_ms),
        median_ms(three_ms),
        m.n_demand(),
        m.n_sites(),
        m.n_entries()
    );
    Ok(())
}
