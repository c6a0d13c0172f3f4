//! Criterion benches of the monitor engines: equalization across 3,000 counties in 130 prefectures, and the
//! Open SDG progress measure over many series.

use criterion::{Criterion, criterion_group, criterion_main};
use minsheng_monitor::equalize::{Options, Unit, equalize};
use minsheng_monitor::sdg::{ProgressConfig, SdgDirection, series_progress};
use std::hint::black_box;

/// A deterministic LCG (Knuth's MMIX constants) so that the bench needs no random-number crate.
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

fn bench(c: &mut Criterion) {
    let mut rng = Lcg(42);
    let ids: Vec<String> = (0..3000).map(|i| format!("c{i}")).collect();
    let groups: Vec<String> = (0..130).map(|g| format!("p{g}")).collect();
    let units: Vec<Unit<'_>> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| Unit {
            id,
            value: 1.0 + rng.next() * 10.0,
            weight: 1e4 + rng.next() * 1e6,
            group: Some(groups[i % 130].as_str()),
        })
        .collect();
    c.bench_function(
        "equalize: 3,000 counties in 130 prefectures (CV, Gini, Theil + decomposition)",
        |b| b.iter(|| black_box(equalize(black_box(&units), &Options::default()))),
    );

    let series: Vec<Vec<(i32, f64)>> = (0..10_000)
        .map(|_| {
            (2015..=2021)
                .map(|y| (y, 1.0 + rng.next() * 100.0))
                .collect()
        })
        .collect();
    let config = ProgressConfig {
        target: Some(80.0),
        target_year: 2025,
        direction: SdgDirection::Positive,
        ..ProgressConfig::default()
    };
    c.bench_function(
        "sdg progress: 10,000 series of 7 years with a target",
        |b| {
            b.iter(|| {
                for s in &series {
                    let _ = black_box(series_progress(black_box(s), &config));
                }
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
