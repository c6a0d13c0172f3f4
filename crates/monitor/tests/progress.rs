//! The 序时进度 method on hand-made cases: time share, completion, each status and warning.

use minsheng_core::target::{Direction, ParseOptions, parse};
use minsheng_monitor::progress::{Case, Status, Thresholds, Warning, judge};

fn case<'a>(
    target: &'a minsheng_core::target::Cell,
    baseline: Option<f64>,
    observed: f64,
    year: i32,
) -> Case<'a> {
    Case {
        target,
        baseline,
        direction: Direction::Increase,
        binding: false,
        base_year: 2020,
        target_year: 2025,
        year,
        observed: Some(observed),
        reference: None,
    }
}

fn cell(s: &str) -> minsheng_core::target::Cell {
    parse(s, &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn midterm_statuses() {
    let t = cell("4.5");
    let th = Thresholds::default();
    // 2023 is 3/5 = 60 % of the way from 2020 to 2025. Baseline 0.74 → target 4.5 (change 3.76).
    let on = judge(&case(&t, Some(0.74), 3.2, 2023), &th); // (3.2 − 0.74)/3.76 = 65.4 % ≥ 60 %
    assert_eq!(on.status, Status::OnTrack);
    assert!((on.time_share - 0.6).abs() < 1e-12);
    assert!((on.completion.unwrap_or(f64::NAN) - 2.46 / 3.76).abs() < 1e-12);
    let lag = judge(&case(&t, Some(0.74), 2.0, 2023), &th); // 1.26/3.76 = 33.5 % ≥ 30 % (half of 60 %)
    assert_eq!(
        (lag.status, lag.warning),
        (Status::Lagging, Some(Warning::Yellow))
    );
    let serious = judge(&case(&t, Some(0.74), 1.5, 2023), &th); // 0.76/3.76 = 20.2 % < 30 %
    assert_eq!(serious.status, Status::SeriouslyLagging);
    let back = judge(&case(&t, Some(0.74), 0.5, 2023), &th);
    assert_eq!(
        (back.status, back.warning),
        (Status::Regressing, Some(Warning::Red))
    );
    let done = judge(&case(&t, Some(0.74), 4.6, 2023), &th);
    assert_eq!((done.status, done.warning), (Status::Achieved, None));
}

#[test]
fn binding_lagging_is_red_and_decrease_works() {
    let t = cell("<5.5");
    let mut c = case(&t, Some(6.5), 6.2, 2022);
    c.direction = Direction::Decrease;
    c.binding = true;
    // 6.5 → 6.2 toward 5.5: completion 0.3/1.0 = 30 % < 40 % time share, ≥ 20 %: lagging, red because binding.
    let j = judge(&c, &Thresholds::default());
    assert_eq!((j.status, j.warning), (Status::Lagging, Some(Warning::Red)));
    assert!(j.reason_en.contains("30%") && j.reason_zh.contains("30%"));
    c.observed = Some(6.8);
    assert_eq!(judge(&c, &Thresholds::default()).status, Status::Regressing);
}

#[test]
fn not_assessable_reasons() {
    let th = Thresholds::default();
    let dash = cell("——");
    assert_eq!(
        judge(&case(&dash, None, 1.0, 2025), &th).status,
        Status::NotAssessable
    );
    let reference = cell("达到全国平均水平");
    let j = judge(&case(&reference, Some(70.0), 74.0, 2025), &th);
    assert_eq!(j.status, Status::NotAssessable);
    assert!(j.reason_en.contains("reference series missing"));
    let mut with_ref = case(&reference, Some(70.0), 74.0, 2025);
    with_ref.reference = Some(73.0);
    assert_eq!(judge(&with_ref, &th).status, Status::Achieved);
    let t = cell("90");
    let mut none = case(&t, Some(80.0), 85.0, 2023);
    none.observed = None;
    assert!(judge(&none, &th).reason_en.contains("no observation"));
}

#[test]
fn cumulative_uses_the_running_sum() {
    // [200] over 2021–2025; by 2023 the running sum is 130: 65 % against a 60 % time share.
    let t = cell("[200]");
    let j = judge(&case(&t, None, 130.0, 2023), &Thresholds::default());
    assert_eq!(j.status, Status::OnTrack);
    assert!((j.completion.unwrap_or(f64::NAN) - 0.65).abs() < 1e-12);
}
