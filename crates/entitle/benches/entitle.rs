//! Criterion benches of the entitlement engine on a SYNTHETIC registry (`minsheng entitle synth`'s generator):
//! reading and validating the persons CSV, reading the recipients CSV, and matching the 52 rules of the bench
//! catalogue (`bench/entitle/kunming-bench.toml`: yunnan-14's 26 items and 26 variants) with coverage.
//!
//! `ENTITLE_BENCH_PERSONS` sets the registry size (default 200,000). The 10-million-person figures of
//! BENCHMARKS.md come from the CLI (`bench/entitle_peer.py`), which also times reading the files from disk.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use minsheng_entitle::catalogue::{self, Catalogue, Context};
use minsheng_entitle::regions::RegionIndex;
use minsheng_entitle::registry::{OnError, read_persons};
use minsheng_entitle::run::{read_recipients, run};
use minsheng_entitle::{date, shipped, synth};

fn bench_catalogue(regions: &RegionIndex) -> Catalogue {
    let text = include_str!("../../../bench/entitle/kunming-bench.toml");
    let ctx = Context {
        regions,
        resolve: &shipped::text,
        seed: &shipped::seed,
    };
    match catalogue::load("bench/entitle/kunming-bench.toml", text, &ctx) {
        (Some(c), d) if d.is_empty() => c,
        (_, d) => panic!("bench catalogue: {d:?}"),
    }
}

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("ENTITLE_BENCH_PERSONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let regions = RegionIndex::shipped();
    let mut cat = bench_catalogue(&regions);
    let at = date::parse("2025-06-30").unwrap_or(0);
    let opts = synth::Options {
        people: n,
        seed: 1,
        at,
    };
    let (reg, values) = synth::generate(&opts, &cat, &regions);
    let listed = synth::recipients(&cat, &reg, &regions, at, 1);
    let dir = std::env::temp_dir().join(format!("minsheng-entitle-bench-{n}"));
    if let Err(e) = synth::write(&dir, &reg, &regions, &values, &listed, &opts, &cat) {
        panic!("cannot write {}: {e}", dir.display());
    }
    for (id, v) in values {
        if let Some(k) = cat.param_index(&id) {
            cat.params[k].values.push(v);
        }
    }
    let persons = std::fs::read_to_string(dir.join("persons.csv")).unwrap_or_default();
    let recipients_csv = std::fs::read_to_string(dir.join("recipients.csv")).unwrap_or_default();
    let loaded = read_persons("persons.csv", &persons, &regions, OnError::Refuse);
    assert!(loaded.problems.is_empty(), "{:?}", &loaded.problems[..3]);
    let reg = loaded.registry;
    let recipients = match read_recipients("recipients.csv", &recipients_csv, &cat, &reg) {
        Ok(r) => r,
        Err(d) => panic!("recipients: {:?}", &d[..d.len().min(3)]),
    };

    let mut g = c.benchmark_group("entitle");
    g.sample_size(10);
    g.bench_function(format!("read and validate {n} persons (CSV)"), |b| {
        b.iter(|| {
            black_box(read_persons(
                "persons.csv",
                black_box(&persons),
                &regions,
                OnError::Refuse,
            ))
        })
    });
    g.bench_function(
        format!("read {} recipient rows (CSV)", recipients.rows),
        |b| {
            b.iter(|| {
                black_box(read_recipients(
                    "recipients.csv",
                    &recipients_csv,
                    &cat,
                    &reg,
                ))
            })
        },
    );
    g.bench_function(
        format!("match {n} persons × {} rules, coverage", cat.items.len()),
        |b| b.iter(|| black_box(run(&cat, &reg, &regions, &recipients, at, &|_, _| {}))),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
