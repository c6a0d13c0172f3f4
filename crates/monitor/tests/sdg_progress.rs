//! Golden tests of the Open SDG progress measure on sdg-build's own fixtures (`fixtures/sdg-build/`, MIT,
//! see SOURCE.md there), against the values its method gives (worked in SOURCE.md), and its edge rules.

use minsheng_monitor::sdg::{
    ProgressConfig, ProgressStatus, SdgDirection, indicator_progress, series_progress,
};

/// The headline series (blank disaggregation) of an sdg-build indicator CSV `Year,<dim>,Value`.
fn headline(csv_text: &str) -> Vec<(i32, f64)> {
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    rdr.records()
        .filter_map(Result::ok)
        .filter(|r| r.get(1).is_some_and(str::is_empty))
        .filter_map(|r| Some((r.get(0)?.parse().ok()?, r.get(2)?.parse().ok()?)))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-11
}

#[test]
fn fixture_1_1_1_no_target() {
    // 1-1-1.yml: auto_progress_calculation, no options → defaults (base 2015, negative direction, method 1).
    let data = headline(include_str!("fixtures/sdg-build/indicator_1-1-1.csv"));
    let p = series_progress(&data, &ProgressConfig::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no data"));
    assert_eq!(p.method, 1);
    assert_eq!(
        (p.base_year, p.base_value),
        (2020, 100.0),
        "2015 absent: the next year with data"
    );
    assert_eq!((p.current_year, p.current_value), (2021, 120.0));
    assert!(close(p.progress_value.unwrap_or(f64::NAN), -0.2));
    assert_eq!(p.score, Some(-5.0));
    assert_eq!(p.status, ProgressStatus::Deterioration);
    let (score, status) = indicator_progress(&[p]);
    assert_eq!((score, status), (Some(-5.0), ProgressStatus::Deterioration));
}

#[test]
fn fixture_3_3_3_target_zero() {
    // 3-3-3.yml: direction negative, target 0 (→ 0.001), target year 2030 by default.
    let data = headline(include_str!("fixtures/sdg-build/indicator_3-3-3.csv"));
    let config = ProgressConfig {
        target: Some(0.0),
        direction: SdgDirection::Negative,
        ..ProgressConfig::default()
    };
    let p = series_progress(&data, &config)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no data"));
    assert_eq!(p.method, 2);
    assert_eq!(p.target, Some(0.001));
    assert_eq!((p.base_year, p.base_value), (2015, 1.55));
    assert_eq!((p.current_year, p.current_value), (2019, 1.82));
    let v = p.progress_value.unwrap_or(f64::NAN);
    assert!(close(v, -0.105787671382), "{v}");
    let s = p.score.unwrap_or(f64::NAN);
    assert!(close(s, -2.940785490347), "{s}");
    assert_eq!(p.status, ProgressStatus::Deterioration);
    assert!(p.warnings.iter().any(|w| w.contains("target is zero")));
}

#[test]
fn edge_rules() {
    let cfg = |target: Option<f64>, direction| ProgressConfig {
        target,
        direction,
        ..ProgressConfig::default()
    };
    // Target already achieved: score 5 whatever the progress.
    let p = series_progress(
        &[(2015, 10.0), (2020, 4.0)],
        &cfg(Some(5.0), SdgDirection::Negative),
    );
    let p = p.ok().flatten().unwrap_or_else(|| panic!("none"));
    assert_eq!(
        (p.score, p.status),
        (Some(5.0), ProgressStatus::TargetAchieved)
    );
    // Opposite signs: no progress value.
    let p = series_progress(
        &[(2015, -1.0), (2020, 4.0)],
        &cfg(None, SdgDirection::Positive),
    )
    .ok()
    .flatten();
    assert_eq!(
        p.map(|p| (p.progress_value, p.status)),
        Some((None, ProgressStatus::NotAvailable))
    );
    // One year only: not enough data.
    let p = series_progress(&[(2020, 4.0)], &cfg(None, SdgDirection::Positive))
        .ok()
        .flatten();
    assert_eq!(p.map(|p| p.status), Some(ProgressStatus::NotAvailable));
    // Base value zero is replaced by 0.001.
    let p = series_progress(
        &[(2015, 0.0), (2016, 1.0)],
        &cfg(None, SdgDirection::Positive),
    )
    .ok()
    .flatten();
    let v = p.and_then(|p| p.progress_value).unwrap_or(f64::NAN);
    assert!(close(v, 999.0), "{v}");
    // Duplicate years and no data after the base year are errors, as sdg-build raises.
    assert!(series_progress(&[(2015, 1.0), (2015, 2.0)], &ProgressConfig::default()).is_err());
    assert!(series_progress(&[(2010, 1.0), (2011, 2.0)], &ProgressConfig::default()).is_err());
    assert_eq!(series_progress(&[], &ProgressConfig::default()), Ok(None));
    // Positive direction, quantitative target: base 50 (2015) → 60 (2020); target 80 in 2025.
    // cagr_o = 1.2^(1/5) − 1 = 0.037137, cagr_r = 1.6^(1/10) − 1 = 0.048122, ratio 0.7718: 0.6 ≤ v < 0.95 is
    // moderate progress, score 7.1429 × 0.7718 − 4.2857 = 1.227.
    let p = series_progress(
        &[(2015, 50.0), (2020, 60.0)],
        &ProgressConfig {
            target: Some(80.0),
            target_year: 2025,
            direction: SdgDirection::Positive,
            ..ProgressConfig::default()
        },
    );
    let p = p.ok().flatten().unwrap_or_else(|| panic!("none"));
    let want = (1.2f64.powf(0.2) - 1.0) / (1.6f64.powf(0.1) - 1.0);
    assert!(close(p.progress_value.unwrap_or(f64::NAN), want));
    assert_eq!(p.status, ProgressStatus::ModerateProgress);
    assert!((p.score.unwrap_or(f64::NAN) - 1.227).abs() < 1e-3);
    assert!(close(
        p.score.unwrap_or(f64::NAN),
        (7.1429 * want - 4.2857).min(5.0)
    ));
}

#[test]
fn limit_reduces_method_1_thresholds() {
    // Base 0.8 with limit 1 (positive direction): coefficient 1 − 0.8^4.44.
    let config = ProgressConfig {
        limit: Some(1.0),
        direction: SdgDirection::Positive,
        ..ProgressConfig::default()
    };
    let p = series_progress(&[(2015, 0.8), (2016, 0.81)], &config)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("none"));
    let coeff = 1.0 - 0.8f64.powf(4.44);
    assert!(close(p.thresholds.coefficient, coeff));
    assert!(close(p.thresholds.high, 0.015 * coeff));
    let v = 0.81 / 0.8 - 1.0;
    assert!(close(p.progress_value.unwrap_or(f64::NAN), v));
    let want = if v >= 0.015 * coeff {
        (500.0 * v / coeff - 5.0).min(5.0)
    } else if v >= 0.005 * coeff {
        250.0 * v / coeff - 1.25
    } else {
        500.0 * v / coeff - 2.5
    };
    assert!(close(p.score.unwrap_or(f64::NAN), want));
}
