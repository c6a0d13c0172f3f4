//! Criterion benches of the plan foundation: the target grammar over every seed cell, loading and checking all
//! shipped plans (including the source-line verification), and a deliberately nasty cell.

use criterion::{Criterion, criterion_group, criterion_main};
use minsheng_core::shipped;
use minsheng_core::target::{ParseOptions, parse};
use std::hint::black_box;

fn seed_cells() -> Vec<String> {
    include_str!("../tests/fixtures/cells.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(3).map(str::to_string))
        .collect()
}

fn bench(c: &mut Criterion) {
    let cells = seed_cells();
    c.bench_function(
        "grammar: parse the 331 cells of the seven seed plans",
        |b| {
            b.iter(|| {
                for cell in &cells {
                    let _ = black_box(parse(black_box(cell), &ParseOptions::default()));
                }
            })
        },
    );

    let regions = shipped::regions().unwrap_or_default();
    c.bench_function("plans: load and check all seven shipped plans", |b| {
        b.iter(|| black_box(shipped::plans(&regions)))
    });

    c.bench_function("regions: read the 398-row region table", |b| {
        b.iter(|| black_box(shipped::regions()))
    });

    // Nasty: a 100,000-character cell of digits and spaces (a pasted column), which must be rejected quickly.
    let nasty: String = "12 3.4 ".repeat(100_000 / 7);
    c.bench_function("grammar: reject a 100k-character pasted column", |b| {
        b.iter(|| black_box(parse(black_box(&nasty), &ParseOptions::default())).is_err())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
