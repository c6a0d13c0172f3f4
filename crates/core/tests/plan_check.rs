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

/// Roll-up declarations and composite weights are checked against the declared elements and indicators.
#[test]
fn aggregation_errors_are_reported_with_their_lines() {
    let shipped_text = include_str!("../../../plans/yunnan-14.toml");
    let mut text = shipped_text.to_string();
    let edits = [
        // A numerator that is not a declared element.
        (
            "numerator = \"childcare_places\"",
            "numerator = \"childcare_seats\"",
        ),
        // A percentage declared as a sum.
        (
            "aggregation = \"ratio\"\nnumerator = \"preschool_enrolled\"\ndenominator = \"population_3_5\"\nfactor = 100",
            "aggregation = \"sum\"",
        ),
        // A weighted mean without its weight.
        ("weight_by = \"working_age_population\"\n", ""),
        // An unknown aggregation.
        (
            "code = \"YN14-08\"",
            "code = \"YN14-08\"\naggregation = \"median\"",
        ),
        // Composite weights: an unknown indicator and a zero weight.
        (
            "{ indicator = \"YN14-01\", weight = 6 }",
            "{ indicator = \"YN14-99\", weight = 6 }",
        ),
        (
            "{ indicator = \"YN14-02\", weight = 6 }",
            "{ indicator = \"YN14-02\", weight = 0 }",
        ),
        // A malformed element code.
        ("code = \"sports_area\"", "code = \"Sports-Area\""),
    ];
    for (from, to) in edits {
        assert!(text.contains(from), "fixture edit not found: {from}");
        text = text.replacen(from, to, 1);
    }
    // The duplicate `aggregation` key of YN14-08 is a TOML error; give it to YN14-20 instead, which has none left.
    text = text.replacen(
        "code = \"YN14-08\"\naggregation = \"median\"",
        "code = \"YN14-08\"",
        1,
    );
    text = text.replacen("aggregation = \"none\"", "aggregation = \"median\"", 1);
    let regions = shipped::regions().unwrap_or_default();
    let source = |n: &str| shipped::seed(n).map(str::to_string);
    let ctx = Context {
        regions: Some(&regions),
        source: &source,
    };
    let (plan, diags) = plan::load("yunnan-14.toml", &text, &ctx);
    assert!(plan.is_none());
    let mut got: Vec<String> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    got.sort();
    let want = [
        "aggregation: a rate in '%' cannot be summed over regions: declare a ratio of elements or a weighted mean",
        "aggregation: a weighted mean needs weight_by = an element",
        "aggregation: aggregation 'median' must be none, sum, ratio or weighted_mean",
        "aggregation: numerator 'childcare_seats' is not a declared [[element]]",
        "aggregation: numerator 'sports_area' is not a declared [[element]]",
        "composite: composite weight names unknown indicator 'YN14-99'",
        "composite: weight 0 of 'YN14-02' must be a positive number",
        "element: element code 'Sports-Area' must be lowercase letters, digits and '_'",
    ];
    assert_eq!(got, want, "{diags:#?}");
}
