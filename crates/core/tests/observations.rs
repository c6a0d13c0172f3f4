//! The shipped 2020 actuals of the 十三五 tables agree with the plan files' `actual` cells and name real regions.

use minsheng_core::shipped;
use minsheng_core::target::Value;

#[test]
fn actuals_agree_with_plan_cells() {
    let regions = shipped::regions().unwrap_or_default();
    let plans: Vec<_> = shipped::plans(&regions)
        .into_iter()
        .filter_map(|(p, _)| p)
        .collect();
    let mut rows = 0;
    for (file, text) in shipped::OBSERVATIONS {
        let plan_id = if file.contains("guizhou") {
            "guizhou-13"
        } else {
            "yunnan-13"
        };
        let plan = plans
            .iter()
            .find(|p| p.id == plan_id)
            .unwrap_or_else(|| panic!("{plan_id} missing"));
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = rdr
            .headers()
            .map(|h| h.iter().map(str::to_string).collect())
            .unwrap_or_default();
        assert_eq!(
            header,
            [
                "indicator",
                "region",
                "year",
                "value",
                "series",
                "raw",
                "source"
            ],
            "{file}"
        );
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.unwrap_or_else(|e| panic!("{file} row {}: {e}", i + 2));
            let at = format!("{file} row {}", i + 2);
            let ind = plan
                .indicator(&rec[0])
                .unwrap_or_else(|| panic!("{at}: unknown indicator {}", &rec[0]));
            assert!(
                regions.lookup(&rec[1]).is_ok(),
                "{at}: unknown region {}",
                &rec[1]
            );
            assert_eq!(
                &rec[1],
                plan.region
                    .map(|r| r.to_string())
                    .unwrap_or_default()
                    .as_str(),
                "{at}"
            );
            assert_eq!(&rec[2], "2020", "{at}");
            let value: f64 = rec[3]
                .parse()
                .unwrap_or_else(|_| panic!("{at}: value {:?} is not a number", &rec[3]));
            let actual = ind
                .actual
                .as_ref()
                .unwrap_or_else(|| panic!("{at}: {} has no actual cell", ind.code));
            assert_eq!(
                &rec[5],
                actual.raw(),
                "{at}: raw differs from the plan's actual cell"
            );
            let want = match actual.value() {
                Value::Quantity(q) => q.value,
                Value::Pair(p) => {
                    let k = ind
                        .series
                        .iter()
                        .position(|s| s == &rec[4])
                        .unwrap_or_else(|| panic!("{at}: series {:?}", &rec[4]));
                    p.values[k]
                }
                other => panic!("{at}: actual {other:?} is not a number"),
            };
            assert_eq!(value, want, "{at}");
            assert!(rec[6].contains("line"), "{at}: source must cite a line");
            rows += 1;
        }
    }
    assert_eq!(rows, 23 + 21);
}
