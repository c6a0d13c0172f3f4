//! `minsheng access …` and `minsheng site …` as a user runs them, on the peers' published instances and the
//! shipped Helsinki demo.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

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

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("minsheng-access-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

const HOSPITAL: &str = "crates/access/tests/fixtures/access-hospital";

#[test]
fn fca_reproduces_access_hospital_example() {
    let costs = std::fs::read_to_string(root().join(HOSPITAL).join("costs.csv")).unwrap();
    let expected = std::fs::read_to_string(root().join(HOSPITAL).join("expected.csv")).unwrap();
    let tracts = format!("{}/{HOSPITAL}/tracts.csv", root().display());
    for scenario in 0..4 {
        let mut long = String::from("origin,dest,cost\n");
        for line in costs.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            if f[0] == scenario.to_string() {
                long.push_str(&format!("{},{},{}\n", f[1], f[2], f[3]));
            }
        }
        let file = temp(&format!("hospital-{scenario}.csv"), &long);
        let o = minsheng(&[
            "access",
            "fca",
            "--costs",
            &file,
            "--demand-col",
            "origin",
            "--site-col",
            "dest",
            "--demand",
            &tracts,
            "--weight-col",
            "pop",
            "--supply",
            &tracts,
            "--supply-col",
            "doc",
            "--measure",
            "2sfca",
            "--measure",
            "3sfca",
            "--weight",
            "gravity",
            "--scale",
            "1",
            "--alpha",
            "-1",
            "--max-cost",
            "61",
            "--format",
            "json",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let rows = json(&o);
        for line in expected.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            if f[0] != scenario.to_string() {
                continue;
            }
            let row = rows
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["demand"] == f[1])
                .unwrap();
            for (col, want) in [("2sfca", f[2]), ("3sfca", f[3])] {
                let got = row[col].as_f64().unwrap();
                let want: f64 = want.parse().unwrap();
                assert!(
                    (got - want).abs() <= 1e-9 * want.abs(),
                    "scenario {scenario} tract {} {col}: {got} vs {want}",
                    f[1]
                );
            }
        }
    }
}

#[test]
fn fca_reports_bad_rows_and_computes_nothing() {
    let costs = temp("bad-costs.csv", "origin,dest,cost\n1,1,1\n1,2,x\n,2,3\n");
    let tracts = format!("{}/{HOSPITAL}/tracts.csv", root().display());
    let o = minsheng(&[
        "access",
        "fca",
        "--costs",
        &costs,
        "--demand-col",
        "origin",
        "--site-col",
        "dest",
        "--demand",
        &tracts,
        "--weight-col",
        "pop",
        "--supply",
        &tracts,
        "--supply-col",
        "doc",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let e = stderr(&o);
    assert!(e.contains(":3 [cost]: \"x\" is not a number"), "{e}");
    assert!(e.contains(":4 [origin]: empty id"), "{e}");
}

const DEMO: &str = "data/demo/helsinki";

#[test]
fn coverage_on_the_helsinki_network() {
    let o = minsheng(&[
        "access",
        "coverage",
        "--points",
        &format!("{DEMO}/population-synthetic.csv"),
        "--facilities",
        &format!("{DEMO}/facilities.csv"),
        "--regions",
        &format!("{DEMO}/districts-synthetic.geojson"),
        "--network",
        "data/osm/Helsinki.osm.pbf",
        "--target",
        "90",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    let circles = v["assessment"]["circles"].as_array().unwrap();
    let ids: Vec<&str> = circles
        .iter()
        .map(|c| c["circle"].as_str().unwrap())
        .collect();
    // The OSM extract has fitness, school, clinic and library/community-centre points: the circles of those types.
    assert_eq!(
        ids,
        [
            "fitness-15min",
            "primary-school-15min",
            "health-station-15min",
            "culture-10min",
            "culture-10li"
        ]
    );
    let fitness = &circles[0];
    let total = fitness["overall"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "total")
        .unwrap();
    assert_eq!(total["population"].as_f64(), Some(198_174.0));
    assert_eq!(total["covered"].as_f64(), Some(198_174.0));
    assert_eq!(fitness["underserved_points"].as_u64(), Some(0));
    assert_eq!(circles[1]["underserved_points"].as_u64(), Some(48));
    // 15 minutes on foot from a health station: 86.54 %; the districts below 90 % are listed.
    let health = &circles[2];
    assert!((health["percent"].as_f64().unwrap() - 86.541_625_036_584_01).abs() < 1e-9);
    assert_eq!(health["underserved_zones"].as_array().unwrap().len(), 2);
    // Nine synthetic districts per circle.
    assert_eq!(fitness["zones"].as_array().unwrap().len(), 9);
    assert_eq!(v["method"][0]["costs"], "road network (walk profile)");
}

#[test]
fn coverage_writes_page_points_and_observations() {
    let html = temp("coverage.html", "");
    let geojson = temp("coverage.geojson", "");
    let obs = temp("coverage-obs.csv", "");
    let o = minsheng(&[
        "access",
        "coverage",
        "--points",
        &format!("{DEMO}/population-synthetic.csv"),
        "--facilities",
        &format!("{DEMO}/facilities.csv"),
        "--regions",
        &format!("{DEMO}/districts-synthetic.geojson"),
        "--circle",
        "culture-10li",
        "--year",
        "2024",
        "--html",
        &html,
        "--geojson",
        &geojson,
        "--observations",
        &obs,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("SYNTHETIC"), "{out}");
    assert!(
        out.contains("culture-10li") && out.contains("100.00%"),
        "{out}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("<svg")
            && page.contains("download=\"circles.csv\"")
            && page.contains("SYNTHETIC")
    );
    let points: Value = serde_json::from_str(&std::fs::read_to_string(&geojson).unwrap()).unwrap();
    let features = points["features"].as_array().unwrap();
    assert_eq!(features.len(), 1112);
    assert_eq!(features[0]["properties"]["culture-10li_covered"], true);
    let obs = std::fs::read_to_string(&obs).unwrap();
    assert!(
        obs.starts_with("indicator,region,year,value,unit,source\n"),
        "{obs}"
    );
    assert!(
        obs.lines()
            .any(|l| l.starts_with("culture-10li,all,2024,100,%,")),
        "{obs}"
    );
}

#[test]
fn coverage_rejects_bad_inputs_with_places() {
    let fac = temp(
        "bad-facilities.csv",
        "id,type,lon,lat\nf1,swimming_pool,24.9,60.1\nf2,fitness,999,60\n",
    );
    let o = minsheng(&[
        "access",
        "coverage",
        "--points",
        &format!("{DEMO}/population-synthetic.csv"),
        "--facilities",
        &fac,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains(":2 [type]") && e.contains("swimming_pool"),
        "{e}"
    );
    assert!(e.contains(":3 [lon]: longitude 999"), "{e}");
    let junk = temp("junk.osm.pbf", "this is not a protobuf file at all");
    let o = minsheng(&[
        "access",
        "coverage",
        "--points",
        &format!("{DEMO}/population-synthetic.csv"),
        "--facilities",
        &format!("{DEMO}/facilities.csv"),
        "--network",
        &junk,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a readable OSM PBF file"),
        "{}",
        stderr(&o)
    );
    let o = minsheng(&[
        "access",
        "coverage",
        "--points",
        &format!("{DEMO}/population-synthetic.csv"),
        "--facilities",
        &format!("{DEMO}/facilities.csv"),
        "--circle",
        "no-such-circle",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no circle \"no-such-circle\""));
}

const SF: &str = "crates/access/tests/fixtures/spopt-sf";

fn site(model: &str, extra: &[&str]) -> Output {
    let costs = format!(
        "{}/{SF}/SF_network_distance_candidateStore_16_censusTract_205_new.csv",
        root().display()
    );
    let demand = format!(
        "{}/{SF}/SF_demand_205_centroid_uniform_weight.csv",
        root().display()
    );
    let mut args = vec![
        "site",
        model,
        "--costs",
        &costs,
        "--demand-col",
        "DestinationName",
        "--site-col",
        "name",
        "--cost-col",
        "distance",
        "--demand",
        &demand,
        "--demand-id-col",
        "NAME",
        "--weight-col",
        "POP2000",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    minsheng(&args)
}

#[test]
fn site_reproduces_spopt_san_francisco() {
    let o = site("pmedian", &["--p", "4"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["model"], "pmedian");
    assert_eq!(v["status"], "optimal");
    let mean = v["mean_cost"].as_f64().unwrap();
    assert!(
        (mean - 2982.1268579890657).abs() < 1e-9,
        "p-median mean {mean}"
    );
    assert_eq!(v["sites"].as_array().unwrap().len(), 4);
    assert_eq!(v["assignment"].as_object().unwrap().len(), 205);

    let o = site("mclp", &["--radius", "5000", "--p", "4"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["status"], "optimal");
    assert_eq!(v["uncovered"].as_array().unwrap().len(), 21);
    let pct = v["coverage_pct"].as_f64().unwrap();
    assert!((pct - 89.756097560976).abs() < 1e-9, "MCLP coverage {pct}");

    let o = site("lscp", &["--radius", "5000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["status"], "optimal");
    assert_eq!(v["sites"].as_array().unwrap().len(), 8);

    let o = site("pcenter", &["--p", "4"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    let w = v["objective"].as_f64().unwrap();
    assert!((w - 7403.063810849859).abs() < 1e-9, "p-center {w}");
}

#[test]
fn site_reports_infeasible_lscp_with_its_reason() {
    let o = site("lscp", &["--radius", "20"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["status"], "infeasible");
    let text = v.to_string() + &stderr(&o);
    assert!(text.contains("20"), "the reason names the radius: {text}");
}
