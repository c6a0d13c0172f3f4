//! `minsheng catalogue …` and `minsheng entitle …` as a user runs them: the shipped catalogue checks, a SYNTHETIC
//! registry is generated, matched, explained, and its coverage feeds `minsheng evaluate` for the 应保尽保
//! indicators of yunnan-14.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn minsheng(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_minsheng"))
        .current_dir(root())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run minsheng: {e}"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "minsheng-entitle-cli-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn shipped_catalogue_checks() {
    let o = minsheng(&["catalogue", "check"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("yunnan-14: 26 items"), "{}", text(&o));
}

#[test]
fn synth_run_explain_and_evaluate() {
    let reg = tmp("registry");
    let out = tmp("out");
    let (r, w) = (
        reg.to_string_lossy().into_owned(),
        out.to_string_lossy().into_owned(),
    );
    let o = minsheng(&[
        "entitle", "synth", "--people", "20000", "--seed", "1", "--out", &r,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let readme = std::fs::read_to_string(reg.join("README.txt")).unwrap();
    assert!(readme.starts_with("SYNTHETIC"), "{readme}");
    let o = minsheng(&[
        "entitle",
        "run",
        "--registry",
        &r,
        "--date",
        "2025-06-30",
        "--out",
        &w,
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["persons"], 20000);
    let orphans = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item"] == "orphan-support")
        .unwrap();
    let (entitled, served) = (
        orphans["entitled"].as_u64().unwrap(),
        orphans["served"].as_u64().unwrap(),
    );
    assert!(entitled > 0 && served <= entitled, "{orphans}");
    // Masked ids everywhere by default.
    let entitled_csv = std::fs::read_to_string(out.join("entitled.csv")).unwrap();
    let line = entitled_csv.lines().nth(1).unwrap();
    let cid = line.split(',').nth(4).unwrap();
    assert!(cid.len() == 18 && &cid[6..14] == "********", "{line}");
    // The observations feed evaluate: YN14-02 = served / entitled × 100 at province level.
    let obs = out.join("observations.csv").to_string_lossy().into_owned();
    let o = minsheng(&[
        "evaluate",
        "--plan",
        "yunnan-14",
        "--year",
        "2025",
        "--data",
        &obs,
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let recs = e
        .as_array()
        .cloned()
        .or_else(|| e["records"].as_array().cloned())
        .unwrap();
    let yn02 = recs.iter().find(|r| r["code"] == "YN14-02").unwrap();
    let value = yn02["value"].as_f64().unwrap();
    assert!(
        (value - served as f64 / entitled as f64 * 100.0).abs() < 1e-9,
        "{yn02}"
    );
    if served < entitled {
        assert_eq!(
            yn02["warning"], "red",
            "应保尽保 missed on a binding indicator: {yn02}"
        );
    }
    assert!(
        recs.iter()
            .any(|r| r["code"] == "YN14-19" && r["value"].is_number())
    );
    // Explain one person of the registry.
    let o = minsheng(&[
        "entitle",
        "explain",
        "--registry",
        &r,
        "--date",
        "2025-06-30",
        "--person",
        "P0000000001",
        "--item",
        "dibao",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("[dibao] 最低生活保障") && t.contains("household.income_per_capita_month = "),
        "{t}"
    );
    assert!(
        t.contains("530") && t.contains("********"),
        "masked id: {t}"
    );
}

#[test]
fn a_bad_registry_is_refused_or_quarantined() {
    let fixture = root()
        .join("crates/entitle/tests/fixtures/bad-persons.csv")
        .to_string_lossy()
        .into_owned();
    let out = tmp("bad");
    let w = out.to_string_lossy().into_owned();
    let o = minsheng(&[
        "entitle",
        "run",
        "--registry",
        &fixture,
        "--date",
        "2025-06-30",
        "--out",
        &w,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("bad-persons.csv:4:2: error[bad-citizen-id]"),
        "{}",
        text(&o)
    );
    assert!(
        !out.join("entitled.csv").exists(),
        "nothing written when refused"
    );
    let o = minsheng(&[
        "entitle",
        "run",
        "--registry",
        &fixture,
        "--date",
        "2025-06-30",
        "--out",
        &w,
        "--on-error",
        "quarantine",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let q = std::fs::read_to_string(out.join("quarantine.csv")).unwrap();
    assert_eq!(q.lines().count(), 1 + 17, "{q}");
    assert!(text(&o).contains("2 persons kept"), "{}", text(&o));
}

#[test]
fn a_corrupt_parquet_registry_is_refused_with_the_reason() {
    let dir = tmp("parquet");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("persons.parquet"), b"PAR1").unwrap();
    let w = dir.join("out").to_string_lossy().into_owned();
    // The directory has no persons.csv: persons.parquet is read.
    let o = minsheng(&[
        "entitle",
        "run",
        "--registry",
        &dir.to_string_lossy(),
        "--date",
        "2025-06-30",
        "--out",
        &w,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("persons.parquet: error[bad-parquet]: not a readable Parquet file"),
        "{}",
        text(&o)
    );
    assert!(!dir.join("out").exists(), "nothing written");
}

#[test]
fn the_bench_catalogue_extends_yunnan_with_52_rules() {
    let o = minsheng(&["catalogue", "check", "bench/entitle/kunming-bench.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains(
            "52 items, 24 parameters (5 set per region), 92 seed quotes checked, 0 errors"
        ),
        "{}",
        text(&o)
    );
}
