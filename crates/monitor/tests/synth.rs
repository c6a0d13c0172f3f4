//! The SYNTHETIC county generator: counties roll up to the plans' real provincial figures; the output passes the
//! importer; the same seed gives the same data.

use minsheng_core::plan::{Aggregation, Plan};
use minsheng_core::region::{RegionCode, RegionTable};
use minsheng_core::shipped;
use minsheng_monitor::observations::read_csv;
use minsheng_monitor::rollup::rollup;
use minsheng_monitor::synth::{Options, synthesize, to_csv};

fn setup(id: &str) -> (Plan, RegionTable) {
    let regions = shipped::regions().unwrap();
    let plan = shipped::plan(id, &regions).unwrap();
    (plan, regions)
}

/// Rolls the synthetic counties up and compares the province with the plan's figure at `year` (baseline or actual).
fn check_calibration(id: &str, years: Vec<i32>, at: i32, use_actual: bool) -> usize {
    let (plan, regions) = setup(id);
    let obs = synthesize(
        &plan,
        &regions,
        &Options {
            seed: 7,
            years,
            population: None,
        },
    )
    .unwrap();
    assert!(
        obs.iter()
            .all(|o| o.source.as_deref().unwrap().starts_with("SYNTHETIC"))
    );
    // Through the importer, as a user would read the file.
    let (back, problems) = read_csv(&to_csv(&obs), &plan, &regions);
    assert!(
        problems.is_empty(),
        "{:?}",
        &problems[..problems.len().min(5)]
    );
    let back = back.unwrap();
    assert_eq!(back.len(), obs.len());
    let r = rollup(&plan, &back, &regions);
    let all = r.with_input(&back);
    assert!(r.gaps.is_empty(), "{:?}", &r.gaps[..r.gaps.len().min(5)]);
    let province = plan.region.unwrap();
    let mut checked = 0;
    for ind in &plan.indicators {
        if matches!(ind.aggregation, Aggregation::None) || ind.cumulative() {
            continue;
        }
        let ks: Vec<Option<usize>> = if ind.series.is_empty() {
            vec![None]
        } else {
            (0..ind.series.len()).map(Some).collect()
        };
        for k in ks {
            let cell = if use_actual {
                ind.actual.clone().unwrap()
            } else {
                ind.baseline.clone()
            };
            let want = match k {
                Some(k) => cell.series(k).and_then(|c| c.number()),
                None => cell.number(),
            };
            let Some(want) = want else { continue };
            let series = k.map(|k| ind.series[k].clone());
            let got = all
                .iter()
                .find(|o| {
                    o.indicator == ind.code
                        && o.region == province
                        && o.year == at
                        && o.series == series
                })
                .unwrap_or_else(|| panic!("{} {series:?}: no province value", ind.code))
                .value;
            assert!(
                (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                "{} {series:?}: {got} vs {want}",
                ind.code
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn yunnan_13_counties_roll_up_to_the_2015_baseline_and_2020_actual() {
    // 2015: every rolled-up indicator with a numeric baseline (YN13-14 and -15 have none).
    assert_eq!(
        check_calibration("yunnan-13", vec![2015, 2020], 2015, false),
        10
    );
    // 2020: the real completion figures.
    assert_eq!(
        check_calibration("yunnan-13", vec![2015, 2020], 2020, true),
        12
    );
}

#[test]
fn yunnan_14_counties_roll_up_to_the_2020_baseline() {
    assert_eq!(
        check_calibration("yunnan-14", vec![2020, 2021, 2022, 2023], 2020, false),
        14
    );
}

#[test]
fn counties_are_plausible_and_seeded() {
    let (plan, regions) = setup("yunnan-14");
    let opts = Options {
        seed: 3,
        years: vec![2020, 2023],
        population: None,
    };
    let a = synthesize(&plan, &regions, &opts).unwrap();
    let b = synthesize(&plan, &regions, &opts).unwrap();
    assert_eq!(a, b);
    let c = synthesize(&plan, &regions, &Options { seed: 4, ..opts }).unwrap();
    assert_ne!(a, c);
    // 129 counties; populations sum to the 2020 census total.
    let pop: Vec<f64> = a
        .iter()
        .filter(|o| o.indicator == "population" && o.year == 2020)
        .map(|o| o.value)
        .collect();
    assert_eq!(pop.len(), 129);
    assert!((pop.iter().sum::<f64>() - 47_209_277.0).abs() < 1e-3);
    // Rates stay in range and counties differ.
    let rates: Vec<f64> = a
        .iter()
        .filter(|o| o.indicator == "YN14-06" && o.year == 2023)
        .map(|o| o.value)
        .collect();
    let (lo, hi) = rates
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
    assert!(hi - lo > 0.5 && lo > 5.0 && hi < 16.0, "{lo}..{hi}");
    let err = synthesize(
        &plan,
        &regions,
        &Options {
            seed: 1,
            years: vec![2030],
            population: None,
        },
    );
    assert_eq!(
        err.unwrap_err(),
        "year 2030 is outside the plan (2020–2025)"
    );
    let _ = RegionCode::parse("530000").unwrap();
}

/// Cumulative flows: with only 2015 and 2020 written, the 2020 flows carry the whole five-year sum, so the counties
/// add up to the real 2016–2020 total (城镇新增就业 [248.51] 万人).
#[test]
fn cumulative_flows_add_up_to_the_five_year_total() {
    let (plan, regions) = setup("yunnan-13");
    let obs = synthesize(
        &plan,
        &regions,
        &Options {
            seed: 2,
            years: vec![2015, 2020],
            population: None,
        },
    )
    .unwrap();
    let r = rollup(&plan, &obs, &regions);
    let yunnan = RegionCode::parse("530000").unwrap();
    let total = r
        .computed
        .iter()
        .find(|o| o.indicator == "YN13-05" && o.region == yunnan && o.year == 2020)
        .unwrap();
    assert!((total.value - 248.51).abs() < 1e-9, "{}", total.value);
    // Every year written: each year carries a fifth.
    let obs = synthesize(
        &plan,
        &regions,
        &Options {
            seed: 2,
            years: (2015..=2020).collect(),
            population: None,
        },
    )
    .unwrap();
    let r = rollup(&plan, &obs, &regions);
    let flows: Vec<f64> = r
        .computed
        .iter()
        .filter(|o| o.indicator == "YN13-05" && o.region == yunnan)
        .map(|o| o.value)
        .collect();
    assert_eq!(flows.len(), 5);
    assert!((flows.iter().sum::<f64>() - 248.51).abs() < 1e-9);
}
