//! The plan checker reports every problem of a broken file at once, with its line.

use minsheng_core::diag::Severity;
use minsheng_core::plan::{self, Context};
use minsheng_core::shipped;

#[test]
fn broken_plan_reports_all_errors_at_once() {
    let text = include_str!("fixtures/broken-plan.toml");
    let regions = shipped::regions().unwrap_or_default();
    let source = |n: &str| shipped::seed(n).map(str::to_string);
    let ctx = Context {
        regions: Some(&regions),
        source: &source,
    };
    let (plan, diags) = plan::load("broken-plan.toml", text, &ctx);
    assert!(plan.is_none(), "a plan with errors must not load");
    let got: Vec<(usize, &str)> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.line, d.code))
        .collect();
    let want = [
        (3, "plan-id"),
        (6, "unknown-region"),
        (8, "year"),
        (19, "unknown-domain"),
        (30, "cumulative-marker"),
        (30, "source-mismatch"),
        (34, "duplicate-code"),
        (38, "unknown-category"),
        (40, "attribute"),
        (42, "unit-range"),
        (42, "source-mismatch"),
        (55, "direction"),
        (55, "source-mismatch"),
        (67, "target-grammar"),
        (68, "source-line"),
        (74, "province-added"),
        (80, "source-mismatch"),
    ];
    for w in want {
        assert!(got.contains(&w), "missing {w:?}; got {got:#?}");
    }
    assert_eq!(got.len(), want.len(), "unexpected extra errors: {got:#?}");
    // Each diagnostic names the file and a column.
    assert!(
        diags
            .iter()
            .all(|d| d.file == "broken-plan.toml" && d.column > 0)
    );
}

#[test]
fn syntax_error_has_a_line() {
    let regions = shipped::regions().unwrap_or_default();
    let source = |n: &str| shipped::seed(n).map(str::to_string);
    let ctx = Context {
        regions: Some(&regions),
        source: &source,
    };
    let (plan, diags) = plan::load("x.toml", "[plan]\nid = \"a\"\nname = \n", &ctx);
    assert!(plan.is_none());
    assert_eq!(diags.len(), 1);
    assert_eq!((diags[0].line, diags[0].code), (3, "syntax"));
}

#[test]
fn shipped_plans_are_clean() {
    let regions = shipped::regions().unwrap_or_default();
    let mut counts = Vec::new();
    for (plan, diags) in shipped::plans(&regions) {
        assert!(diags.is_empty(), "{diags:#?}");
        let p = plan.unwrap_or_else(|| panic!("plan did not load"));
        counts.push((p.id.clone(), p.indicators.len()));
    }
    let want: Vec<(String, usize)> = [
        ("qinghai-14", 8),
        ("gansu-14", 11),
        ("city-14", 19),
        ("guizhou-13", 23),
        ("guizhou-14", 41),
        ("yunnan-13", 20),
        ("yunnan-14", 22),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), *b))
    .collect();
    assert_eq!(counts, want);
}
