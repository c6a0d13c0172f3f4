//! The `minsheng` binary as a user runs it: exit codes, JSON shapes, values.

// Tests report a failure by panicking (the workspace denies this in library and binary code).
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use serde_json::Value;

fn minsheng(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_minsheng"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run minsheng: {e}"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

#[test]
fn plan_list_names_the_seven_plans() {
    let o = minsheng(&["plan", "list", "--format", "json"]);
    assert!(o.status.success());
    let v = json(&o);
    let ids: Vec<&str> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "qinghai-14",
            "gansu-14",
            "city-14",
            "guizhou-13",
            "guizhou-14",
            "yunnan-13",
            "yunnan-14"
        ]
    );
}

#[test]
fn plan_check_is_clean_on_shipped_plans() {
    let o = minsheng(&["plan", "check"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).ends_with("7 files, 0 errors, 0 warnings\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn plan_check_on_files_from_disk() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let files: Vec<String> = [
        "qinghai-14",
        "gansu-14",
        "city-14",
        "guizhou-13",
        "guizhou-14",
        "yunnan-13",
        "yunnan-14",
    ]
    .iter()
    .map(|p| format!("{root}/plans/{p}.toml"))
    .collect();
    let mut args = vec!["plan", "check"];
    args.extend(files.iter().map(String::as_str));
    let o = minsheng(&args);
    assert!(o.status.success(), "{}", stdout(&o));
}

#[test]
fn plan_check_reports_all_errors_of_a_broken_file() {
    let f = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/tests/fixtures/broken-plan.toml"
    );
    let o = minsheng(&["plan", "check", f, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(lines.len(), 17);
    assert!(
        lines
            .iter()
            .all(|d| d["line"].as_u64().unwrap_or(0) > 0 && d["severity"] == "error")
    );
    let missing = minsheng(&["plan", "check", "/nonexistent/plan.toml"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stdout(&missing).contains("cannot read /nonexistent/plan.toml"));
}

#[test]
fn plan_show_json_has_the_documented_fields() {
    let o = minsheng(&["plan", "show", "guizhou-14", "--format", "json"]);
    assert!(o.status.success());
    let v = json(&o);
    let rows = v.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 41);
    for r in &rows {
        for k in [
            "code",
            "name",
            "domain",
            "category",
            "unit",
            "attribute",
            "cumulative",
            "direction",
            "baseline",
            "target",
            "source_line",
        ] {
            assert!(r.get(k).is_some(), "{k} missing in {r}");
        }
        for cell in ["baseline", "target"] {
            for k in ["year", "raw", "kind", "comparison", "value"] {
                assert!(r[cell].get(k).is_some(), "{cell}.{k} missing in {r}");
            }
        }
    }
    let by = |code: &str| {
        rows.iter()
            .find(|r| r["code"] == code)
            .cloned()
            .unwrap_or_default()
    };
    // 城镇调查失业率: 5.5 → <5.5, lower is better, expected.
    let u = by("GZ14-11");
    assert_eq!(u["direction"], "decrease");
    assert_eq!(u["attribute"], "expected");
    assert_eq!(u["target"]["comparison"], "<");
    assert_eq!(u["target"]["value"], 5.5);
    assert_eq!(u["target"]["year"], 2025);
    assert_eq!(u["baseline"]["year"], 2020);
    // 城镇老旧小区改造: [70], a five-year sum.
    let h = by("GZ14-35");
    assert_eq!(h["cumulative"], true);
    assert_eq!(h["target"]["kind"], "cumulative");
    assert_eq!(h["target"]["value"], 70.0);
    // 孤儿…保障率: 应保尽保, binding.
    let o2 = by("GZ14-02");
    assert_eq!(o2["attribute"], "binding");
    assert_eq!(o2["target"]["kind"], "all_eligible");
    assert_eq!(o2["target"]["raw"], "应保 尽保");
    // 中等职业教育“双师型”教师比例: —, >50.
    let t = by("GZ14-07");
    assert_eq!(t["baseline"]["kind"], "not_applicable");
    assert_eq!(t["baseline"]["value"], Value::Null);
    assert_eq!(t["target"]["comparison"], ">");
}

#[test]
fn plan_show_pairs_and_references() {
    let o = minsheng(&["plan", "show", "yunnan-13", "--format", "json"]);
    let v = json(&o);
    let rows = v.as_array().cloned().unwrap_or_default();
    let by = |code: &str| {
        rows.iter()
            .find(|r| r["code"] == code)
            .cloned()
            .unwrap_or_default()
    };
    let radio = by("YN13-18");
    assert_eq!(radio["baseline"]["value"], serde_json::json!([96.7, 97.68]));
    assert_eq!(radio["series"], serde_json::json!(["广播", "电视"]));
    assert_eq!(radio["actual"]["kind"], "pair");
    let mmr = by("YN13-12");
    assert_eq!(mmr["target"]["kind"], "reference");
    assert_eq!(mmr["target"]["reference"], "national");
    assert_eq!(mmr["target"]["achieved_if"], "<=");
}

#[test]
fn plan_show_csv_and_table() {
    let o = minsheng(&["plan", "show", "yunnan-14", "--format", "csv"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 23);
    assert!(text.starts_with("code,name,name_en,domain,"));
    let t = minsheng(&["plan", "show", "yunnan-14"]);
    assert!(stdout(&t).contains("YN14-07") && stdout(&t).contains("cumulative = 200"));
    let bad = minsheng(&["plan", "show", "atlantis-14"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no plan 'atlantis-14'"));
}

#[test]
fn target_parse_reads_and_rejects() {
    let o = minsheng(&["target", "parse", "控制在5.5%以内"]);
    assert!(o.status.success());
    let v = json(&o);
    assert_eq!(v["kind"], "level");
    assert_eq!(v["comparison"], "<=");
    assert_eq!(v["value"], 5.5);
    assert_eq!(v["unit"], "%");
    let c = json(&minsheng(&["target", "parse", "〔200〕", "--unit", "万人"]));
    assert_eq!(c["kind"], "cumulative");
    assert_eq!(c["marker"], "〔〕");
    let bad = minsheng(&["target", "parse", "明显提升"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cannot read \"明显提升\""));
    let unit = minsheng(&["target", "parse", "4.5张", "--unit", "个"]);
    assert_eq!(unit.status.code(), Some(1));
}

#[test]
fn regions_reject_unknown_codes() {
    let o = minsheng(&["region", "show", "530102"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("五华区") && stdout(&o).contains("云南省 › 昆明市 › 五华区"));
    let bad = minsheng(&["region", "show", "530199"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown region code 530199"));
    let yn = minsheng(&["region", "list", "--level", "county", "--format", "csv"]);
    let counties = stdout(&yn)
        .lines()
        .filter(|l| l.contains(",county,53"))
        .count();
    assert_eq!(counties, 129, "Yunnan has 129 counties (seed 004, line 80)");
}

#[test]
fn evaluate_yunnan_13th_final() {
    let data = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/observations/yunnan-13-actual-2020.csv"
    );
    let o = minsheng(&[
        "evaluate",
        "--plan",
        "yunnan-13",
        "--data",
        data,
        "--year",
        "2020",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    let rows = v.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 21);
    for r in &rows {
        for k in [
            "code",
            "name",
            "series",
            "status",
            "time_share",
            "completion",
            "value",
            "target",
            "projected",
            "warning",
            "reason",
        ] {
            assert!(r.get(k).is_some(), "{k} missing in {r}");
        }
        assert_eq!(r["time_share"], 1.0);
    }
    let by = |code: &str| {
        rows.iter()
            .find(|r| r["code"] == code)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(by("YN13-05")["status"], "achieved");
    assert_eq!(by("YN13-05")["value"], 248.51);
    assert_eq!(by("YN13-09")["status"], "seriously_lagging");
    assert_eq!(by("YN13-09")["reference"]["value"], 77.3);
    assert_eq!(by("YN13-12")["status"], "not_assessable");
    assert_eq!(by("YN13-14")["warning"], "yellow");
    let tv: Vec<&Value> = rows
        .iter()
        .filter(|r| r["code"] == "YN13-18")
        .map(|r| &r["series"])
        .collect();
    assert_eq!(tv, [&Value::from("广播"), &Value::from("电视")]);
}

#[test]
fn evaluate_rejects_a_bad_file_with_rows_and_columns() {
    let data = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../monitor/tests/fixtures/bad-observations.csv"
    );
    let o = minsheng(&[
        "evaluate",
        "--plan",
        "guizhou-14",
        "--data",
        data,
        "--year",
        "2021",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "bad-observations.csv:3:indicator: error: unknown indicator or data element 'GZ14-99'"
        ),
        "{err}"
    );
    assert!(err.contains("11 errors; nothing was imported"), "{err}");
    assert!(stdout(&o).is_empty());
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("minsheng-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn synth_then_equalize_counties_and_composite() {
    let dir = temp_dir("synth");
    let file = dir.join("yn14.csv");
    let f = file.to_str().unwrap();
    let o = minsheng(&[
        "synth",
        "--plan",
        "yunnan-14",
        "--seed",
        "5",
        "--years",
        "2020-2022",
        "--out",
        f,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout(&o).contains("SYNTHETIC observations for 129 counties"),
        "{}",
        stdout(&o)
    );
    let o = minsheng(&[
        "equalize",
        "--plan",
        "yunnan-14",
        "--data",
        f,
        "--indicator",
        "YN14-03",
        "--year",
        "2022",
        "--level",
        "county",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["statistics"]["n"], 129);
    assert_eq!(v["weighted"], true);
    assert_eq!(v["synthetic"], true);
    assert_eq!(v["groups"].as_array().unwrap().len(), 16);
    let between = v["statistics"]["theil_between"].as_f64().unwrap();
    let within = v["statistics"]["theil_within"].as_f64().unwrap();
    let total = v["statistics"]["theil_t"].as_f64().unwrap();
    assert!((between + within - total).abs() < 1e-12);
    // The composite index of the 16 prefectures.
    let o = minsheng(&[
        "equalize",
        "--plan",
        "yunnan-14",
        "--data",
        f,
        "--indicator",
        "composite",
        "--year",
        "2022",
        "--level",
        "prefecture",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["scores"].as_array().unwrap().len(), 16);
    assert_eq!(v["weights"].as_array().unwrap().len(), 19);
    // A bad level is a usage error.
    let o = minsheng(&[
        "equalize",
        "--plan",
        "yunnan-14",
        "--data",
        f,
        "--indicator",
        "YN14-03",
        "--year",
        "2022",
        "--level",
        "village",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("level 'village' must be prefecture or county")
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Real 2020 actuals plus SYNTHETIC county detail: the province verdicts are those of the real data alone, and the
/// same observation in both files is refused.
#[test]
fn evaluate_reads_several_files_and_refuses_cross_file_duplicates() {
    let dir = temp_dir("multi");
    let file = dir.join("yn13.csv");
    let f = file.to_str().unwrap();
    let o = minsheng(&[
        "synth",
        "--plan",
        "yunnan-13",
        "--years",
        "2015,2020",
        "--out",
        f,
    ]);
    assert!(o.status.success());
    let real = "data/observations/yunnan-13-actual-2020.csv";
    let args = [
        "evaluate",
        "--plan",
        "yunnan-13",
        "--data",
        real,
        "--data",
        f,
        "--year",
        "2020",
        "--format",
        "json",
    ];
    let o = minsheng(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    let achieved = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "achieved")
        .count();
    assert_eq!(achieved, 17);
    // The roll-up of the synthetic counties agrees with the real province figures: no mismatch warning.
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = minsheng(&[
        "evaluate",
        "--plan",
        "yunnan-13",
        "--data",
        real,
        "--data",
        real,
        "--year",
        "2020",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("error: duplicate of data/observations/yunnan-13-actual-2020.csv:2"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The shipped SYNTHETIC county file is exactly what `minsheng synth` writes, so it never drifts from the generator.
#[test]
fn shipped_synthetic_counties_are_reproducible() {
    let dir = temp_dir("reproduce");
    let file = dir.join("yn13.csv");
    let f = file.to_str().unwrap();
    let o = minsheng(&[
        "synth",
        "--plan",
        "yunnan-13",
        "--years",
        "2015,2020",
        "--seed",
        "1",
        "--out",
        f,
    ]);
    assert!(o.status.success());
    let shipped = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/synthetic/yunnan-13-counties.csv"
    );
    assert!(
        std::fs::read(f).unwrap() == std::fs::read(shipped).unwrap(),
        "data/synthetic/yunnan-13-counties.csv differs from `minsheng synth --plan yunnan-13 --years 2015,2020 --seed 1`"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The README's main command: the Yunnan 十三五 final evaluation from the real 2020 actuals plus the shipped
/// SYNTHETIC counties has the equalization and composite sections, labelled synthetic.
#[test]
fn report_with_county_data_has_equalization_and_composite() {
    let dir = temp_dir("report-eq");
    let html = dir.join("r.html");
    let o = minsheng(&[
        "report",
        "--plan",
        "yunnan-13",
        "--data",
        "data/observations/yunnan-13-actual-2020.csv",
        "--data",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/synthetic/yunnan-13-counties.csv"
        ),
        "--year",
        "2020",
        "--kind",
        "final",
        "--out",
        html.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("id=\"equalization\""));
    assert!(page.contains("id=\"composite\""));
    assert!(page.contains("含合成数据"));
    // Every indicator series with county values in 2020 gets its own statistics table and map.
    assert!(
        page.contains("YN13-01 学前三年毛入园率"),
        "{}",
        &page[..200]
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Beside the 序时进度 verdict each level record carries Open SDG's status and score (sdg-build's method 2).
#[test]
fn evaluate_json_has_the_open_sdg_status() {
    let o = minsheng(&[
        "evaluate",
        "--plan",
        "yunnan-13",
        "--data",
        "data/observations/yunnan-13-actual-2020.csv",
        "--year",
        "2020",
        "--format",
        "json",
    ]);
    assert!(o.status.success());
    let v = json(&o);
    let rec = |code: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .unwrap()
            .clone()
    };
    // 学前三年毛入园率 63.82 (2015) → 88.79 (2020), target 70: achieved by both methods, score 5.
    let r = rec("YN13-01");
    assert_eq!(
        (r["status"].as_str(), r["sdg_status"].as_str()),
        (Some("achieved"), Some("target_achieved"))
    );
    assert_eq!(r["sdg_score"], 5.0);
    // A five-year sum has no SDG status (the measure is for levels).
    assert!(rec("YN13-05")["sdg_status"].is_null());
}
