//! The registry reader on a file with one row of every kind of problem (tests/fixtures/bad-persons.csv): every
//! problem is reported with its line and column, nothing is read in refuse mode, and in quarantine mode exactly
//! the bad rows are set aside.

use minsheng_entitle::regions::RegionIndex;
use minsheng_entitle::registry::{OnError, read_persons};

const FILE: &str = include_str!("fixtures/bad-persons.csv");

fn found(
    problems: &[minsheng_core::diag::Diagnostic],
    line: usize,
    column: usize,
    code: &str,
) -> bool {
    problems
        .iter()
        .any(|d| d.line == line && d.column == column && d.code == code)
}

#[test]
fn every_bad_row_is_reported_with_line_and_column() {
    let regions = RegionIndex::shipped();
    let l = read_persons("bad-persons.csv", FILE, &regions, OnError::Refuse);
    let p = &l.problems;
    for d in p {
        assert_eq!(d.file, "bad-persons.csv");
    }
    // (line, column, code): columns are 1-based positions in the header.
    let expected = [
        (4, 2, "bad-citizen-id"),
        (5, 2, "id-birth-mismatch"),
        (6, 2, "id-sex-mismatch"),
        (7, 6, "unknown-region"),
        (8, 1, "duplicate-person"),
        (9, 2, "two-households"),
        (10, 3, "bad-date"),
        (11, 4, "bad-sex"),
        (12, 5, "bad-hukou-type"),
        (13, 9, "bad-value"),
        (14, 11, "unknown-flag"),
        (15, 13, "bad-value"),
        (16, 8, "bad-date"),
        (17, 1, "empty-id"),
        (18, 12, "empty-household"),
        (20, 0, "row-width"),
    ];
    for (line, column, code) in expected {
        assert!(
            found(p, line, column, code),
            "no {code} at {line}:{column} in {p:#?}"
        );
    }
    // Good lines have no problem; nothing was read.
    for good in [3, 19] {
        assert!(p.iter().all(|d| d.line != good), "line {good}: {p:#?}");
    }
    assert!(l.registry.persons.is_empty());
    assert_eq!(l.ignored_columns, ["name"]);
    let text = p[0].to_string();
    assert!(
        text.starts_with("bad-persons.csv:4:2: error[bad-citizen-id]: citizen_id"),
        "{text}"
    );
}

#[test]
fn quarantine_keeps_the_good_rows_and_sets_aside_the_rest() {
    let regions = RegionIndex::shipped();
    let l = read_persons("bad-persons.csv", FILE, &regions, OnError::Quarantine);
    let kept: Vec<&str> = (0..l.registry.persons.len())
        .map(|i| l.registry.persons.id.get(i))
        .collect();
    // p1 shares its citizen id with p8 and its person id with line 8: both sides are set aside.
    assert_eq!(kept, ["p2", "p18"]);
    let lines: Vec<u32> = l.quarantined.iter().map(|b| b.line).collect();
    assert_eq!(
        lines,
        [2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20]
    );
    let p3 = &l.quarantined[1];
    assert!(p3.text.starts_with("p3,530102199001010310"), "{p3:?}");
    assert!(
        p3.reasons[0].starts_with("citizen_id: citizen_id"),
        "{p3:?}"
    );
    // Households: p2 alone in h1 now, p18 in h6.
    assert_eq!(l.registry.households.len(), 2);
    assert_eq!(l.registry.find("p18"), Some(1));
}

/// Found by fuzzing: a problem in an optional column that the file does not have (the grade, when only the
/// category is given) is reported for the whole row (column 0), not a panic.
#[test]
fn a_problem_about_an_absent_optional_column_names_the_row() {
    let regions = RegionIndex::shipped();
    let text = "person_id,citizen_id,birth_date,sex,hukou_type,hukou_region,residence_region,household_id,disability_category\n\
                p1,11010519491231002X,1949-12-31,F,urban,530102,530102,h1,3\n";
    let l = read_persons("f.csv", text, &regions, OnError::Refuse);
    assert!(found(&l.problems, 2, 0, "bad-value"), "{:#?}", l.problems);
}
