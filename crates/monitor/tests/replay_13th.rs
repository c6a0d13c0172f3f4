//! The 十三五 replay: importing the shipped 2020 actuals and evaluating the Guizhou and Yunnan completion tables at
//! 2020 (final) gives, for every row, the verdict worked out by hand from the documents (the comment on each row).

use std::collections::BTreeMap;

use minsheng_core::plan::Plan;
use minsheng_core::shipped;
use minsheng_monitor::evaluate::{Kind, Options, References, evaluate};
use minsheng_monitor::observations::read_csv;
use minsheng_monitor::progress::{Status, Thresholds, Warning};

/// Imports the shipped 2020 actuals of a 十三五 plan and evaluates it at 2020 (final), with the national reference
/// figures the seeds imply (`data/reference/national.csv`). Keys are codes, `code/series` for paired rows.
fn replay(plan: &Plan) -> BTreeMap<String, (Status, Option<Warning>)> {
    let regions = shipped::regions().unwrap_or_default();
    let file = format!("data/observations/{}-actual-2020.csv", plan.id);
    let text = shipped::observations(&file).unwrap_or_else(|| panic!("{file} is not shipped"));
    let (obs, problems) = read_csv(text, plan, &regions);
    assert!(problems.is_empty(), "{problems:#?}");
    let refs =
        References::from_csv(shipped::REFERENCE_NATIONAL).unwrap_or_else(|e| panic!("{e:?}"));
    let options = Options {
        year: 2020,
        kind: Kind::Final,
        region: None,
        thresholds: Thresholds::default(),
    };
    evaluate(plan, &obs.unwrap_or_default(), &refs, &options)
        .into_iter()
        .map(|r| {
            assert_eq!(r.judgement.time_share, 1.0);
            let key = match &r.series {
                Some(s) => format!("{}/{s}", r.code),
                None => r.code.clone(),
            };
            (key, (r.status(), r.warning()))
        })
        .collect()
}

fn plan(id: &str) -> Plan {
    let regions = shipped::regions().unwrap_or_default();
    shipped::plan(id, &regions).unwrap_or_else(|| panic!("{id}"))
}

use Status::*;
use Warning::*;

#[test]
fn guizhou_13th_final_evaluation() {
    let got = replay(&plan("guizhou-13"));
    let want: Vec<(&str, Status, Option<Warning>)> = vec![
        ("GZ13-01", NotAssessable, None),            // target "—"
        ("GZ13-02", Achieved, None),                 // 90 → 90.3
        ("GZ13-03", NotAssessable, None),            // no target
        ("GZ13-04", Achieved, None),                 // 95 → 95
        ("GZ13-05", Achieved, None),                 // 90 → 90.7
        ("GZ13-06", NotAssessable, None),            // "—"
        ("GZ13-07", Achieved, None),                 // <4.2 → 3.75 (lower is better)
        ("GZ13-08", Achieved, None),                 // 6 → 7.15
        ("GZ13-09", Achieved, None),                 // 2.5 → 2.56
        ("GZ13-10", Achieved, None),                 // 3.14 → 3.42
        ("GZ13-11", NotAssessable, None),            // "—"
        ("GZ13-12", Achieved, None),                 // 73.5 → 75.2
        ("GZ13-13", NotAssessable, None),            // no target
        ("GZ13-14", Lagging, Some(Yellow)),          // 30 → 33.7 of 35: completion 3.7/5 = 74 %
        ("GZ13-15", NotAssessable, None),            // no target
        ("GZ13-16", NotAssessable, None),            // "—"
        ("GZ13-17", Lagging, Some(Yellow)),          // [123.04] of [137.04]: 89.8 %
        ("GZ13-18", Lagging, Some(Yellow)),          // [75.1] of [108]: 69.5 %
        ("GZ13-19", NotAssessable, None),            // "—"
        ("GZ13-20", NotAssessable, None),            // "—"
        ("GZ13-21", SeriouslyLagging, Some(Yellow)), // 92.3 → 95.45 of 100: 3.15/7.7 = 40.9 %
        ("GZ13-22", SeriouslyLagging, Some(Yellow)), // 96 → 97.51 of 100: 1.51/4 = 37.8 %
        ("GZ13-23", NotAssessable, None),            // "—"
    ];
    assert_eq!(got.len(), want.len());
    for (code, status, warning) in want {
        assert_eq!(got.get(code), Some(&(status, warning)), "{code}");
    }
}

#[test]
fn yunnan_13th_final_evaluation() {
    let got = replay(&plan("yunnan-13"));
    let want: Vec<(&str, Status, Option<Warning>)> = vec![
        ("YN13-01", Achieved, None), // 70以上 → 88.79
        ("YN13-02", Achieved, None), // 95 → 96.15
        ("YN13-03", Achieved, None), // 100 → 100
        ("YN13-04", Achieved, None), // 90 → 90.98
        ("YN13-05", Achieved, None), // [220] → [248.51]
        ("YN13-06", Achieved, None), // [125] → [125]
        ("YN13-07", Achieved, None), // 90 → 90
        ("YN13-08", Achieved, None), // 95以上 → 95.31
        // 达到全国平均水平: national 77.3 (2019, implied by Guizhou's table); 72.76 → 74.02 is 1.26/4.54 = 27.8 %.
        ("YN13-09", SeriouslyLagging, Some(Yellow)),
        ("YN13-10", Achieved, None),        // 6 → 6.89
        ("YN13-11", Achieved, None),        // 2.5 → 2.6
        ("YN13-12", NotAssessable, None),   // 达到全国平均水平: no national MMR in any seed
        ("YN13-13", NotAssessable, None),   // 达到全国平均水平: no national IMR in any seed
        ("YN13-14", Lagging, Some(Yellow)), // 35 → 21.68, baseline "--": missed, completion unknown
        ("YN13-15", Achieved, None),        // 100 → 100
        ("YN13-16", Achieved, None),        // [60] → [63]
        ("YN13-17", Achieved, None),        // [200] → [204]
        ("YN13-18/广播", Achieved, None),   // 99 → 99
        ("YN13-18/电视", Achieved, None),   // 99 → 99
        ("YN13-19", Achieved, None),        // 80.5 → 81.3
        ("YN13-20", Achieved, None),        // 36 → 36.01
    ];
    assert_eq!(got.len(), want.len());
    for (code, status, warning) in want {
        assert_eq!(got.get(code), Some(&(status, warning)), "{code}");
    }
}
