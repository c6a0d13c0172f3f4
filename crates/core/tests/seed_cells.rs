//! Acceptance: every baseline/target/actual cell of every shipped plan reads as the hand-written fixture says.
//!
//! `fixtures/cells.tsv` was written from the seed documents, independently of the parser. The test fails if a cell
//! of a plan has no fixture line, if a fixture line matches no cell, or if any reading differs.

use std::collections::BTreeMap;

use minsheng_core::shipped;

#[test]
fn every_cell_reads_as_the_fixture_says() {
    let fixture = include_str!("fixtures/cells.tsv");
    let mut expected: BTreeMap<(String, String, String), (String, String, usize)> = BTreeMap::new();
    for (n, line) in fixture.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            f.len(),
            5,
            "cells.tsv line {}: five tab-separated fields expected",
            n + 1
        );
        let key = (f[0].to_string(), f[1].to_string(), f[2].to_string());
        let prev = expected.insert(key.clone(), (f[3].to_string(), f[4].to_string(), n + 1));
        assert!(
            prev.is_none(),
            "cells.tsv line {}: duplicate entry {key:?}",
            n + 1
        );
    }

    let regions = shipped::regions().unwrap_or_default();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (plan, diags) in shipped::plans(&regions) {
        let Some(plan) = plan else {
            panic!("a shipped plan does not load: {diags:?}");
        };
        for ind in &plan.indicators {
            let mut cells = vec![("baseline", &ind.baseline), ("target", &ind.target)];
            if let Some(a) = &ind.actual {
                cells.push(("actual", a));
            }
            for (field, cell) in cells {
                let key = (plan.id.clone(), ind.code.clone(), field.to_string());
                match expected.remove(&key) {
                    None => {
                        failures.push(format!("{key:?}: no fixture line for raw {:?}", cell.raw()))
                    }
                    Some((raw, want, line)) => {
                        checked += 1;
                        if raw != cell.raw() {
                            failures.push(format!(
                                "cells.tsv:{line} {key:?}: raw {raw:?} but the plan has {:?}",
                                cell.raw()
                            ));
                        }
                        let got = cell.to_string();
                        if got != canonical(&want) {
                            failures.push(format!("cells.tsv:{line} {key:?} {raw:?}: expected `{want}`, parsed `{got}`"));
                        }
                    }
                }
            }
        }
    }
    for (key, (_, _, line)) in &expected {
        failures.push(format!(
            "cells.tsv:{line} {key:?}: no such cell in the shipped plans"
        ));
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        checked, 331,
        "the number of cells in the shipped plans changed; update the fixture"
    );
}

/// Writes the numbers of a fixture reading in shortest form (`2.0` → `2`) so that the comparison is by value.
fn canonical(reading: &str) -> String {
    let num = |t: &str| {
        t.parse::<f64>()
            .map(|v| format!("{v}"))
            .unwrap_or_else(|_| t.to_string())
    };
    reading
        .split_whitespace()
        .map(|tok| tok.split('/').map(num).collect::<Vec<_>>().join("/"))
        .collect::<Vec<_>>()
        .join(" ")
}
