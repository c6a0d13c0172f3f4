//! Observation import: a file with every kind of problem yields all of them with row and column and keeps nothing;
//! the shipped 2020 actuals import cleanly.

use minsheng_core::diag::Severity;
use minsheng_core::plan::Plan;
use minsheng_core::shipped;
use minsheng_monitor::observations::read_csv;

fn plan(id: &str) -> Plan {
    let regions = shipped::regions().unwrap_or_default();
    shipped::plan(id, &regions).unwrap_or_else(|| panic!("{id}"))
}

#[test]
fn every_problem_at_once_and_nothing_kept() {
    let regions = shipped::regions().unwrap_or_default();
    let (obs, problems) = read_csv(
        include_str!("fixtures/bad-observations.csv"),
        &plan("guizhou-14"),
        &regions,
    );
    assert!(obs.is_none(), "a file with errors must import nothing");
    let got: Vec<(usize, &str, Severity)> = problems
        .iter()
        .map(|p| (p.row, p.column.as_str(), p.severity))
        .collect();
    let want = [
        (3, "indicator", Severity::Error),
        (4, "region", Severity::Error),
        (5, "region", Severity::Error),
        (6, "year", Severity::Error),
        (7, "year", Severity::Error),
        (8, "value", Severity::Error),
        (9, "", Severity::Error),
        (10, "value", Severity::Error),
        (11, "value", Severity::Error),
        (13, "series", Severity::Error),
        (14, "", Severity::Error),
        (20, "value", Severity::Warning),
    ];
    assert_eq!(got, want, "{problems:#?}");
    let reasons: Vec<&str> = problems.iter().map(|p| p.reason.as_str()).collect();
    assert!(reasons[0].contains("unknown indicator or data element 'GZ14-99'"));
    assert!(reasons[1].contains("unknown region code 529999"));
    assert!(reasons[3].contains("outside the plan (2020–2025)"));
    assert!(reasons[6].contains("duplicate of row 2"));
    assert!(reasons[7].contains("percentage outside 0–100"));
    assert!(reasons[8].contains("below zero"));
    assert!(reasons[11].contains("outlier"));
}

#[test]
fn shipped_actuals_import_cleanly() {
    let regions = shipped::regions().unwrap_or_default();
    for (file, text) in shipped::OBSERVATIONS {
        let id = if file.contains("guizhou") {
            "guizhou-13"
        } else {
            "yunnan-13"
        };
        let (obs, problems) = read_csv(text, &plan(id), &regions);
        assert!(problems.is_empty(), "{file}: {problems:#?}");
        let n = obs.map(|o| o.len()).unwrap_or(0);
        assert_eq!(n, if id == "guizhou-13" { 23 } else { 21 });
    }
}
