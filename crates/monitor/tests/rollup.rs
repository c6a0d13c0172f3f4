//! Roll-up golden tests: a rate computed from county counts equals the figure computed directly from the totals,
//! never the mean of the county rates; sums, weighted means, gaps and mismatches.

use minsheng_core::plan::Plan;
use minsheng_core::region::{Level, RegionCode, RegionTable};
use minsheng_core::shipped;
use minsheng_monitor::observations::{Observation, read_csv};
use minsheng_monitor::rollup::rollup;

fn setup(id: &str) -> (Plan, RegionTable) {
    let regions = shipped::regions().unwrap();
    let plan = shipped::plan(id, &regions).unwrap();
    (plan, regions)
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn value(obs: &[Observation], indicator: &str, region: &str, year: i32) -> Option<f64> {
    obs.iter()
        .find(|o| o.indicator == indicator && o.region == code(region) && o.year == year)
        .map(|o| o.value)
}

/// Kunming's 14 counties, hand-chosen childcare places and populations.
const KUNMING: [(&str, f64, f64); 14] = [
    ("530102", 1_800.0, 1_145_000.0),
    ("530103", 1_500.0, 988_000.0),
    ("530111", 2_100.0, 1_603_000.0),
    ("530112", 1_000.0, 956_000.0),
    ("530113", 90.0, 258_000.0),
    ("530114", 700.0, 690_000.0),
    ("530115", 150.0, 340_000.0),
    ("530124", 40.0, 145_000.0),
    ("530125", 120.0, 410_000.0),
    ("530126", 60.0, 245_000.0),
    ("530127", 110.0, 330_000.0),
    ("530128", 50.0, 390_000.0),
    ("530129", 45.0, 440_000.0),
    ("530181", 400.0, 490_000.0),
];

fn kunming_csv() -> String {
    let mut s = String::from("indicator,region,year,value\n");
    for (c, places, pop) in KUNMING {
        s.push_str(&format!("childcare_places,{c},2021,{places}\n"));
        s.push_str(&format!("population,{c},2021,{pop}\n"));
    }
    s
}

#[test]
fn prefecture_rate_is_ratio_of_sums_not_mean_of_rates() {
    let (plan, regions) = setup("yunnan-14");
    let (obs, problems) = read_csv(&kunming_csv(), &plan, &regions);
    assert!(problems.is_empty(), "{problems:?}");
    let obs = obs.unwrap();
    let r = rollup(&plan, &obs, &regions);
    let all = r.with_input(&obs);
    assert!(r.mismatches.is_empty());
    // Σ places = 8,165; Σ population = 8,430,000; 8,165 / 8,430,000 × 1000 = 0.968564650…
    let sum_places: f64 = KUNMING.iter().map(|k| k.1).sum();
    let sum_pop: f64 = KUNMING.iter().map(|k| k.2).sum();
    assert_eq!(sum_places, 8_165.0);
    assert_eq!(sum_pop, 8_430_000.0);
    let direct = 8_165.0 / 8_430_000.0 * 1000.0;
    let got = value(&all, "YN14-01", "530100", 2021).unwrap();
    assert!((got - direct).abs() < 1e-12, "{got} vs {direct}");
    assert!((got - 0.968_564_650_059_312).abs() < 1e-12);
    // The mean of the county rates is a different (wrong) number.
    let mean_of_rates: f64 = KUNMING.iter().map(|k| k.1 / k.2 * 1000.0).sum::<f64>() / 14.0;
    assert!((mean_of_rates - got).abs() > 0.1, "{mean_of_rates}");
    // Each county's own rate is computed too, and the elements are summed for the prefecture.
    let wuhua = value(&all, "YN14-01", "530102", 2021).unwrap();
    assert!((wuhua - 1_800.0 / 1_145_000.0 * 1000.0).abs() < 1e-12);
    assert_eq!(value(&all, "population", "530100", 2021), Some(8_430_000.0));
    // The province has 15 more prefectures without data: no province value, one gap per element.
    assert_eq!(value(&all, "YN14-01", "530000", 2021), None);
    let gap = r
        .gaps
        .iter()
        .find(|g| g.code == "population" && g.region == code("530000"))
        .unwrap();
    assert_eq!((gap.reported, gap.children), (1, 16));
    let computed = r
        .computed
        .iter()
        .find(|o| o.region == code("530100") && o.indicator == "YN14-01");
    assert_eq!(computed.unwrap().row, 0);
    assert!(
        computed
            .unwrap()
            .source
            .as_deref()
            .unwrap()
            .contains("childcare_places / population × 1000")
    );
}

/// Every county of Yunnan with deterministic counts: the province figure from county counts equals the ratio of
/// the province totals, through two levels (counties → prefectures → province).
#[test]
fn province_rate_from_all_counties_equals_direct_ratio() {
    let (plan, regions) = setup("yunnan-14");
    let counties: Vec<RegionCode> = regions
        .iter()
        .filter(|r| r.level == Level::County && r.code.as_u32() / 10_000 == 53)
        .map(|r| r.code)
        .collect();
    assert_eq!(counties.len(), 129);
    let mut s = String::from("indicator,region,year,value\n");
    let (mut num, mut den, mut wsum, mut wv) = (0.0, 0.0, 0.0, 0.0);
    for (i, c) in counties.iter().enumerate() {
        let i = i as f64;
        let nurses = 300.0 + (i * 37.0) % 900.0;
        let pop = 150_000.0 + (i * 7_919.0) % 600_000.0;
        let working = pop * 0.62;
        let years = 8.0 + (i * 0.37) % 3.0;
        num += nurses;
        den += pop;
        wsum += working;
        wv += working * years;
        s.push_str(&format!(
            "registered_nurses,{c},2022,{nurses}\npopulation,{c},2022,{pop}\n"
        ));
        s.push_str(&format!(
            "working_age_population,{c},2022,{working}\nYN14-06,{c},2022,{years}\n"
        ));
        s.push_str(&format!("YN14-15,{c},2022,{}\n", 0.05 + i / 1000.0));
        s.push_str(&format!("YN14-08,{c},2022,{}\n", 70.0 + i / 10.0));
    }
    let (obs, problems) = read_csv(&s, &plan, &regions);
    assert!(problems.is_empty(), "{problems:?}");
    let obs = obs.unwrap();
    let r = rollup(&plan, &obs, &regions);
    let all = r.with_input(&obs);
    assert!(r.gaps.is_empty(), "{:?}", &r.gaps[..3.min(r.gaps.len())]);
    let province = value(&all, "YN14-10", "530000", 2022).unwrap();
    assert!((province - num / den * 1000.0).abs() < 1e-12);
    // Weighted mean through prefectures equals the weighted mean over all counties.
    let years = value(&all, "YN14-06", "530000", 2022).unwrap();
    assert!((years - wv / wsum).abs() < 1e-9, "{years} vs {}", wv / wsum);
    // Sum: 129 × 0.05 + (0 + … + 128) / 1000 = 6.45 + 8.256 = 14.706
    let beds = value(&all, "YN14-15", "530000", 2022).unwrap();
    assert!((beds - 14.706).abs() < 1e-9, "{beds}");
    // Life expectancy (aggregation none) is never computed for a parent.
    assert_eq!(value(&all, "YN14-08", "530100", 2022), None);
    assert_eq!(value(&all, "YN14-08", "530000", 2022), None);
}

#[test]
fn reported_parent_value_wins_and_disagreement_is_reported() {
    let (plan, regions) = setup("yunnan-14");
    let mut s = kunming_csv();
    // The prefecture reports its own places: 9,000 (the counties sum to 8,165, 9 % less).
    s.push_str("childcare_places,530100,2021,9000\n");
    let (obs, problems) = read_csv(&s, &plan, &regions);
    assert!(problems.is_empty(), "{problems:?}");
    let obs = obs.unwrap();
    let r = rollup(&plan, &obs, &regions);
    let all = r.with_input(&obs);
    assert_eq!(
        value(&all, "childcare_places", "530100", 2021),
        Some(9_000.0)
    );
    let m = &r.mismatches[0];
    assert_eq!(
        (m.code.as_str(), m.reported, m.computed),
        ("childcare_places", 9_000.0, 8_165.0)
    );
    // The ratio uses the reported numerator.
    let got = value(&all, "YN14-01", "530100", 2021).unwrap();
    assert!((got - 9_000.0 / 8_430_000.0 * 1000.0).abs() < 1e-12);
}
