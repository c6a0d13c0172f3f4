//! Matching with parameters that have no value in some regions: three-valued logic at the rule's top level (a
//! person whose other condition fails is decided, not undetermined), household units, and amounts whose parameter
//! has no value (entitled, amount left empty); the files list each undetermined person's own missing parameters.

use minsheng_entitle::catalogue::{Catalogue, Context, load};
use minsheng_entitle::explain::explain;
use minsheng_entitle::regions::RegionIndex;
use minsheng_entitle::registry::{OnError, Registry, read_persons};
use minsheng_entitle::run::{Ids, Lists, read_recipients, run, write};
use minsheng_entitle::{citizen, date, shipped};

const CATALOGUE: &str = r#"
[catalogue]
id = "test-kleene"
name = "测试省清单"
region = "530000"
version = "2022"
effective = "2022-01-01"

[[param]]
id = "standard"
name = "低保标准"
unit = "元/人·月"
set_per_region = true
values = [ { value = 800, from = "2021-01-01", region = "530102" } ]
sources = [ { seed = "seeds/004_e3f94e0aafab1863.txt", line = 980, quote = "为低保对象发放最低生活保障金" } ]

[[param]]
id = "allowance"
name = "高龄津贴"
unit = "元/人·月"
set_per_region = true
values = [ { value = 100, from = "2021-01-01", region = "530102" } ]
sources = [ { seed = "seeds/004_e3f94e0aafab1863.txt", line = 878, quote = "为80岁以上不满100周岁的老年人发放保健补助" } ]

[[item]]
id = "dibao"
name = "最低生活保障"
domain = "弱有所扶"
object = "低保对象"
content = "发放最低生活保障金"
standard = ""
funding = ""
lead = ""
unit = "household"
rule = "resident and age >= 18 and household.income_per_capita_month < param.standard"
sources = [ { seed = "seeds/004_e3f94e0aafab1863.txt", line = 980, quote = "为低保对象发放最低生活保障金" } ]

[[item]]
id = "old-age"
name = "高龄津贴"
domain = "老有所养"
object = "80岁以上老年人"
content = "发放保健补助"
standard = ""
funding = ""
lead = ""
rule = "age >= 80 and resident"
amount = "param.allowance"
sources = [ { seed = "seeds/004_e3f94e0aafab1863.txt", line = 878, quote = "为80岁以上不满100周岁的老年人发放保健补助" } ]
"#;

/// The catalogue above and a registry of six persons (a … f), see the comments.
fn setup() -> (Catalogue, Registry, RegionIndex) {
    let regions = RegionIndex::shipped();
    let ctx = Context {
        regions: &regions,
        resolve: &shipped::text,
        seed: &shipped::seed,
    };
    let (cat, d) = load("test-kleene.toml", CATALOGUE, &ctx);
    assert!(d.is_empty(), "{d:#?}");
    let Some(cat) = cat else { unreachable!() };
    // (id, birth, sex, residence, household, income per year)
    let people = [
        ("a", "1980-05-01", "M", 530102, "h1", 6000.0), // standard 800: 500/month < 800 → entitled
        ("b", "1980-05-01", "M", 530103, "h2", 6000.0), // no standard in 530103 → undetermined
        ("c", "2015-05-01", "F", 530103, "h3", 0.0),    // a child: age >= 18 fails → decided false
        ("d", "1980-05-01", "F", 620102, "h4", 0.0), // lives in Gansu: resident fails → decided false
        ("e", "1940-05-01", "F", 530103, "h5", 12000.0), // 85, no allowance value: entitled, amount empty
        ("f", "1940-05-01", "M", 530102, "h6", 12000.0), // 85, allowance 100; dibao: 1000/month ≥ 800 → no
    ];
    let mut csv = String::from(
        "person_id,citizen_id,birth_date,sex,hukou_type,hukou_region,residence_region,household_id,income\n",
    );
    for (k, (id, birth, sex, region, hh, income)) in people.iter().enumerate() {
        let b = date::parse(birth).unwrap_or(0);
        let seq = 2 * k as u32 + u32::from(*sex == "M");
        let cid = String::from_utf8(citizen::make(*region, b, seq).to_vec()).unwrap_or_default();
        csv.push_str(&format!(
            "{id},{cid},{birth},{sex},urban,{region},{region},{hh},{income}\n"
        ));
    }
    let loaded = read_persons("persons.csv", &csv, &regions, OnError::Refuse);
    assert!(loaded.problems.is_empty(), "{:#?}", loaded.problems);
    (cat, loaded.registry, regions)
}

#[test]
fn recipients_problems_have_line_and_column_in_both_readers() {
    let (cat, reg, _) = setup();
    let plain = "item,person_id\nold-age,e\nold-age,zz\nnosuch,e\nold-age\nold-age,e\ndibao,a\n";
    // The same rows with quoted cells go through the csv crate; the messages must be the same.
    let quoted = plain.replace("old-age,zz", "\"old-age\",\"zz\"");
    for text in [plain.to_string(), quoted] {
        let d = match read_recipients("r.csv", &text, &cat, &reg) {
            Ok(_) => panic!("problems expected"),
            Err(d) => d,
        };
        let got: Vec<String> = d
            .iter()
            .map(|x| format!("{}:{}:{}", x.line, x.column, x.code))
            .collect();
        assert_eq!(
            got,
            [
                "3:2:unknown-person",
                "4:1:unknown-item",
                "5:0:row-width",
                "6:2:duplicate-recipient"
            ],
            "{d:#?}"
        );
        assert!(d[3].message.contains("also on line 2"), "{}", d[3].message);
    }
    let ok = read_recipients(
        "r.csv",
        "item,person_id\r\nold-age,f\r\nold-age,e\r\n",
        &cat,
        &reg,
    );
    let Ok(ok) = ok else { panic!("{ok:?}") };
    assert_eq!(ok.rows, 2);
    assert_eq!(ok.by_item[1].len(), 2, "CRLF line ends are read");
}

#[test]
fn missing_parameters_leave_undetermined_only_what_they_decide() {
    let (cat, reg, regions) = setup();
    let recipients =
        match read_recipients("recipients.csv", "item,person_id\nold-age,e\n", &cat, &reg) {
            Ok(r) => r,
            Err(d) => panic!("{d:#?}"),
        };
    let at = date::parse("2025-06-30").unwrap_or(0);
    let out = run(&cat, &reg, &regions, &recipients, at, &|_, _| {});
    let ids = |units: &[u32], household: bool| -> Vec<String> {
        units
            .iter()
            .map(|&u| {
                if household {
                    reg.households.id.get(u as usize).to_string()
                } else {
                    reg.persons.id.get(u as usize).to_string()
                }
            })
            .collect()
    };
    let dibao = &out.items[0];
    assert_eq!(ids(&dibao.entitled, true), ["h1"]);
    // b and e (530103, adults) cannot be decided; c (a child) and d (lives in Gansu) are decided: not entitled.
    assert_eq!(ids(&dibao.undetermined, true), ["h2", "h5"]);
    let old = &out.items[1];
    assert_eq!(ids(&old.entitled, false), ["e", "f"]);
    assert!(
        old.undetermined.is_empty(),
        "a parameter of the amount only never leaves anyone undetermined"
    );
    assert!(
        old.amounts[0].is_nan() && old.amounts[1] == 100.0,
        "{:?}",
        old.amounts
    );
    assert_eq!(ids(&old.missed, false), ["f"]);
    // Coverage of old-age in the province: 2 entitled, 1 served.
    let prov = out
        .coverage
        .iter()
        .find(|c| c.item == "old-age" && c.region == "530000");
    assert_eq!(prov.map(|c| (c.entitled, c.served)), Some((2, 1)));

    // `entitle explain` decides as the run does.
    let verdict = |person: &str| {
        let Some(p) = reg.find(person) else {
            panic!("no {person}")
        };
        let (text, d) = explain(&cat, &reg, &regions, at, p, Some("dibao"), false);
        (d[0].entitled, text)
    };
    assert_eq!(verdict("a").0, Some(true));
    assert_eq!(verdict("b").0, None);
    let (c, text) = verdict("c");
    assert_eq!(c, Some(false), "{text}");
    assert!(
        text.contains("false whatever the missing value: the condition age >= 18 is false"),
        "{text}"
    );
    assert_eq!(verdict("d").0, Some(false));

    let dir = std::env::temp_dir().join(format!("minsheng-kleene-{}", std::process::id()));
    if let Err(e) = write(&dir, &cat, &reg, &regions, &out, Ids::Masked, Lists::ALL) {
        panic!("{e}");
    }
    let und = std::fs::read_to_string(dir.join("undetermined.csv")).unwrap_or_default();
    let rows: Vec<&str> = und.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{und}");
    assert!(
        rows.iter()
            .all(|r| r.starts_with("dibao,") && r.ends_with(",530103,standard")),
        "{und}"
    );
    let ent = std::fs::read_to_string(dir.join("entitled.csv")).unwrap_or_default();
    let e_row = ent
        .lines()
        .find(|l| l.starts_with("old-age,") && l.contains(",e,"));
    assert!(
        e_row.is_some_and(|l| l.ends_with(",530103,")),
        "amount empty: {ent}"
    );
    assert!(
        ent.lines()
            .any(|l| l.starts_with("old-age,") && l.contains(",f,") && l.ends_with(",100")),
        "{ent}"
    );
    // Citizen ids are masked in every file.
    assert!(
        ent.lines()
            .skip(1)
            .all(|l| l.split(',').nth(4).is_some_and(|c| c.contains("********"))),
        "{ent}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A line that is not UTF-8 is a problem of that line (both readers), not of the whole file; the other lines are
/// read.
#[test]
fn lines_that_are_not_utf8_are_reported_at_their_line() {
    let (cat, reg, regions) = setup();
    let mut bytes = b"item,person_id\nold-age,e\nold-age,\xff\xfe\ndibao,a\n".to_vec();
    for quoted in [false, true] {
        if quoted {
            bytes = b"item,person_id\n\"old-age\",e\nold-age,\xff\xfe\ndibao,a\n".to_vec();
        }
        let d = match minsheng_entitle::run::read_recipients_bytes("r.csv", &bytes, &cat, &reg) {
            Ok(_) => panic!("a problem expected"),
            Err(d) => d,
        };
        let got: Vec<String> = d.iter().map(|x| format!("{}:{}", x.line, x.code)).collect();
        assert_eq!(got, ["3:not-utf8"], "quoted {quoted}: {d:#?}");
    }
    // The persons reader: line 3 of this file is not UTF-8; in quarantine mode it is set aside, shown with U+FFFD.
    let mut persons = b"person_id,citizen_id,birth_date,sex,hukou_type,hukou_region,residence_region,household_id\n"
        .to_vec();
    let good = |id: &str, seq: u32| {
        let b = date::parse("1980-05-01").unwrap_or(0);
        let cid = String::from_utf8(citizen::make(530102, b, seq).to_vec()).unwrap_or_default();
        format!("{id},{cid},1980-05-01,M,urban,530102,530102,h{id}\n")
    };
    persons.extend(good("a", 1).as_bytes());
    persons.extend(b"b\xff,x,1980-05-01,M,urban,530102,530102,hb\n");
    persons.extend(b"\n");
    persons.extend(good("c", 3).as_bytes());
    let l = minsheng_entitle::registry::read_persons_bytes(
        "p.csv",
        &persons,
        &regions,
        OnError::Quarantine,
    );
    let got: Vec<String> = l
        .problems
        .iter()
        .map(|x| format!("{}:{}", x.line, x.code))
        .collect();
    assert_eq!(got, ["3:not-utf8"], "{:#?}", l.problems);
    assert_eq!(l.quarantined.len(), 1);
    assert_eq!(l.quarantined[0].line, 3);
    assert!(
        l.quarantined[0].text.starts_with("b\u{fffd},x"),
        "{:?}",
        l.quarantined[0].text
    );
    // The blank line 4 is skipped; a and c are read, each its own household.
    let p = &l.registry.persons;
    assert_eq!((p.len(), p.line.clone()), (2, vec![2, 5]));
    assert_eq!(l.registry.households.len(), 2);
}

/// A persons file of men born on 1980-05-01 in 530102, one row per `(person id, household id)`, each with a
/// valid citizen id of its own.
fn persons_csv(rows: impl Iterator<Item = (String, String)>) -> String {
    let mut csv = String::from(
        "person_id,citizen_id,birth_date,sex,hukou_type,hukou_region,residence_region,household_id\n",
    );
    let b = date::parse("1980-05-01").unwrap_or(0);
    for (k, (id, hh)) in rows.enumerate() {
        let cid = String::from_utf8(citizen::make(530102, b, 2 * k as u32 + 1).to_vec())
            .unwrap_or_default();
        csv.push_str(&format!(
            "{id},{cid},1980-05-01,M,urban,530102,530102,{hh}\n"
        ));
    }
    csv
}

/// A household whose rows are apart is one household (the slow path of the grouping), and households number in
/// order of first appearance.
#[test]
fn households_whose_rows_are_apart_are_joined() {
    let regions = RegionIndex::shipped();
    let rows = [
        ("a", "h1"),
        ("b", "h2"),
        ("c", "h1"),
        ("d", "h3"),
        ("e", "h2"),
    ];
    let csv = persons_csv(
        rows.iter()
            .map(|&(id, hh)| (id.to_string(), hh.to_string())),
    );
    let l = read_persons("p.csv", &csv, &regions, OnError::Refuse);
    assert!(l.problems.is_empty(), "{:#?}", l.problems);
    let r = &l.registry;
    assert_eq!(r.persons.household, vec![0, 1, 0, 2, 1]);
    assert_eq!(r.households.len(), 3);
    assert_eq!(r.households.members(0), &[0, 2]);
    assert_eq!(r.households.members(1), &[1, 4]);
    assert_eq!(r.households.id.get(2), "h3");
}

/// Persons are found by id whatever the ids look like: ascending short ids (numbers), ascending long ids
/// (bisection over the text), ids in no order (hashes); from any hint.
#[test]
fn persons_are_found_by_id_in_every_layout() {
    let regions = RegionIndex::shipped();
    let layouts: [Vec<String>; 3] = [
        (0..50).map(|k| format!("P{k:06}")).collect(),
        (0..50)
            .map(|k| format!("530102-household-{k:06}"))
            .collect(),
        (0..50).map(|k| format!("x{}", (k * 37) % 50)).collect(),
    ];
    for ids in layouts {
        let csv = persons_csv(
            ids.iter()
                .enumerate()
                .map(|(k, id)| (id.clone(), format!("h{k}"))),
        );
        let l = read_persons("p.csv", &csv, &regions, OnError::Refuse);
        assert!(l.problems.is_empty(), "{:#?}", l.problems);
        let r = &l.registry;
        for (k, id) in ids.iter().enumerate() {
            assert_eq!(r.find(id), Some(k), "{id}");
            for hint in [0, k.saturating_sub(1), k, k + 1, 49, 50, 1000] {
                assert_eq!(r.find_near(id, hint), Some(k), "{id} from {hint}");
            }
        }
        // Looked up in ascending id order with a cursor (a recipients file sorted by id), and in file order.
        let mut sorted: Vec<(&String, usize)> = ids.iter().zip(0..).collect();
        sorted.sort();
        let mut cursor = 0;
        for (id, k) in &sorted {
            let Some((p, next)) = r.find_from(id, cursor) else {
                panic!("{id} not found from {cursor}");
            };
            assert_eq!(p, *k, "{id}");
            cursor = next;
        }
        let mut cursor = 0;
        for (k, id) in ids.iter().enumerate() {
            let found = r.find_from(id, cursor);
            assert_eq!(found.map(|f| f.0), Some(k), "{id} from {cursor}");
            cursor = found.map_or(0, |f| f.1);
        }
        for missing in [
            "",
            "P",
            "P0000499",
            "P000050",
            "zzz",
            "530102-household-0000499",
        ] {
            assert_eq!(r.find_from(missing, 0), None, "{missing}");
            assert_eq!(r.find_from(missing, 40), None, "{missing}");
            assert_eq!(r.find(missing), None, "{missing}");
            assert_eq!(r.find_near(missing, 3), None, "{missing}");
        }
    }
}
