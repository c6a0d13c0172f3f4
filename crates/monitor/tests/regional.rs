//! Equalization from observations and the composite attainment index, on SYNTHETIC Yunnan counties.

use minsheng_core::region::{Level, RegionCode};
use minsheng_core::shipped;
use minsheng_monitor::regional::{Panel, Scope, composite, equalize_indicator};
use minsheng_monitor::rollup::rollup;
use minsheng_monitor::synth::{Options, synthesize};

#[test]
fn county_equalization_and_composite_index() {
    let regions = shipped::regions().unwrap();
    let plan = shipped::plan("yunnan-14", &regions).unwrap();
    let obs = synthesize(
        &plan,
        &regions,
        &Options {
            seed: 11,
            years: vec![2020, 2023],
            population: None,
        },
    )
    .unwrap();
    let rolled = rollup(&plan, &obs, &regions).with_input(&obs);
    let panel = Panel::new(&rolled);
    let yunnan = RegionCode::parse("530000").unwrap();
    let scope = Scope {
        year: 2023,
        level: Level::County,
        within: yunnan,
    };

    // Doctors per 1000 people: the population-weighted mean of the county rates is the province's own rate.
    let e = equalize_indicator(&plan, &panel, &regions, "YN14-09", None, scope).unwrap();
    assert_eq!(e.stats.n, 129);
    assert!(e.weighted && e.synthetic && e.missing.is_empty());
    let province = panel.get("YN14-09", None, yunnan, 2023).unwrap();
    assert!(
        (e.stats.weighted_mean - province).abs() < 1e-9,
        "{} vs {province}",
        e.stats.weighted_mean
    );
    // Theil T decomposes exactly over the 16 prefectures.
    assert_eq!(e.stats.groups.len(), 16);
    let (b, w) = (
        e.stats.theil_between.unwrap(),
        e.stats.theil_within.unwrap(),
    );
    assert!((b + w - e.stats.theil_t).abs() < 1e-12);
    assert_eq!(e.target, Some(3.2));
    let meeting = e.values.iter().filter(|(_, v)| *v >= 3.2).count() as f64 / 129.0;
    assert!((e.stats.share_meeting.unwrap() - meeting).abs() < 1e-12);

    // Prefecture level: 16 units, values rolled up from the counties.
    let p = equalize_indicator(
        &plan,
        &panel,
        &regions,
        "YN14-09",
        None,
        Scope {
            level: Level::Prefecture,
            ..scope
        },
    )
    .unwrap();
    assert_eq!(p.stats.n, 16);
    assert!((p.stats.weighted_mean - province).abs() < 1e-9);

    // Errors name the problem.
    let err = equalize_indicator(&plan, &panel, &regions, "YN14-99", None, scope).unwrap_err();
    assert_eq!(err, "unknown indicator 'YN14-99' in plan yunnan-14");
    let err = equalize_indicator(
        &plan,
        &panel,
        &regions,
        "YN14-09",
        None,
        Scope {
            year: 2021,
            ..scope
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        "no county of 530000 has a value of YN14-09 in 2021 (129 units)"
    );

    // Composite index: recompute one county by hand from the panel.
    let c = composite(&plan, &panel, &regions, scope).unwrap();
    assert_eq!(c.scores.len(), 129);
    let (county, score, coverage) = c.scores[0];
    let comp = plan.composite.as_ref().unwrap();
    let (mut sw, mut swa) = (0.0, 0.0);
    for (code, w) in &comp.weights {
        let ind = plan.indicator(code).unwrap();
        let target = ind.target.number().unwrap();
        if let Some(v) = panel.get(code, None, county, 2023) {
            sw += w;
            swa += w * (v / target).min(1.0);
        }
    }
    assert!((score - 100.0 * swa / sw).abs() < 1e-9, "{score}");
    assert!(coverage > 0.99, "{coverage}");
    assert!(score > 50.0 && score <= 100.0);
    let stats = c.stats.unwrap();
    assert_eq!(stats.n, 129);
}
