//! Parquet persons files: typed columns (DATE, integers, doubles, nulls) are read as the same values as the CSV
//! file with the same rows, problems are reported at their row and column, and a corrupt or truncated file is a
//! reported problem, not a crash.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use minsheng_entitle::parquet_in::read_persons_parquet;
use minsheng_entitle::regions::RegionIndex;
use minsheng_entitle::registry::{OnError, read_persons};
use minsheng_entitle::{citizen, date};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

const SCHEMA: &str = "message persons {
  REQUIRED BYTE_ARRAY person_id (UTF8);
  REQUIRED BYTE_ARRAY citizen_id (UTF8);
  OPTIONAL INT32 birth_date (DATE);
  REQUIRED BYTE_ARRAY sex (UTF8);
  REQUIRED BYTE_ARRAY hukou_type (UTF8);
  REQUIRED INT32 hukou_region;
  REQUIRED INT64 residence_region;
  REQUIRED BYTE_ARRAY household_id (UTF8);
  OPTIONAL DOUBLE income;
  OPTIONAL BYTE_ARRAY flags (UTF8);
  OPTIONAL INT32 disability_grade;
  REQUIRED BYTE_ARRAY remark (UTF8);
}";

struct Person {
    id: &'static str,
    birth: Option<&'static str>,
    sex: &'static str,
    region: i32,
    household: &'static str,
    income: Option<f64>,
    flags: Option<&'static str>,
    grade: Option<i32>,
    /// Spoil the check digit.
    bad_id: bool,
}

fn people() -> Vec<Person> {
    let p = |id, birth, sex, region, household, income, flags, grade, bad_id| Person {
        id,
        birth,
        sex,
        region,
        household,
        income,
        flags,
        grade,
        bad_id,
    };
    vec![
        p(
            "a",
            Some("1950-03-01"),
            "M",
            530102,
            "h1",
            Some(1200.5),
            Some("dibao"),
            None,
            false,
        ),
        p(
            "b",
            Some("1952-07-09"),
            "F",
            530102,
            "h1",
            None,
            None,
            Some(0),
            false,
        ),
        p(
            "c",
            Some("1990-01-01"),
            "M",
            530103,
            "h2",
            Some(36000.0),
            Some("veteran;unemployed"),
            Some(0),
            true,
        ),
        p(
            "d",
            Some("2015-12-31"),
            "F",
            530103,
            "h2",
            Some(0.0),
            None,
            None,
            false,
        ),
    ]
}

fn cid(k: usize, p: &Person) -> String {
    let b = date::parse(p.birth.unwrap_or("2000-01-01")).unwrap();
    let mut id = citizen::make(p.region as u32, b, 2 * k as u32 + u32::from(p.sex == "M"));
    if p.bad_id {
        id[17] = if id[17] == b'0' { b'1' } else { b'0' };
    }
    String::from_utf8(id.to_vec()).unwrap()
}

fn parquet_file(people: &[Person]) -> Vec<u8> {
    let schema = Arc::new(parse_message_type(SCHEMA).unwrap());
    let mut buf = Vec::new();
    let mut w = SerializedFileWriter::new(
        &mut buf,
        schema,
        Arc::new(WriterProperties::builder().build()),
    )
    .unwrap();
    let mut g = w.next_row_group().unwrap();
    let bytes = |f: &dyn Fn(usize, &Person) -> String| -> Vec<ByteArray> {
        people
            .iter()
            .enumerate()
            .map(|(k, p)| ByteArray::from(f(k, p).as_str()))
            .collect()
    };
    let mut k = 0;
    while let Some(mut col) = g.next_column().unwrap() {
        match k {
            0 => {
                col.typed::<ByteArrayType>()
                    .write_batch(&bytes(&|_, p| p.id.into()), None, None)
                    .unwrap();
            }
            1 => {
                col.typed::<ByteArrayType>()
                    .write_batch(&bytes(&cid), None, None)
                    .unwrap();
            }
            2 => {
                let v: Vec<i32> = people
                    .iter()
                    .filter_map(|p| p.birth.and_then(date::parse))
                    .collect();
                let d: Vec<i16> = people
                    .iter()
                    .map(|p| i16::from(p.birth.is_some()))
                    .collect();
                col.typed::<Int32Type>()
                    .write_batch(&v, Some(&d), None)
                    .unwrap();
            }
            3 => {
                col.typed::<ByteArrayType>()
                    .write_batch(&bytes(&|_, p| p.sex.into()), None, None)
                    .unwrap();
            }
            4 => {
                col.typed::<ByteArrayType>()
                    .write_batch(&bytes(&|_, _| "城镇".into()), None, None)
                    .unwrap();
            }
            5 => {
                let v: Vec<i32> = people.iter().map(|p| p.region).collect();
                col.typed::<Int32Type>()
                    .write_batch(&v, None, None)
                    .unwrap();
            }
            6 => {
                let v: Vec<i64> = people.iter().map(|p| i64::from(p.region)).collect();
                col.typed::<Int64Type>()
                    .write_batch(&v, None, None)
                    .unwrap();
            }
            7 => {
                col.typed::<ByteArrayType>()
                    .write_batch(&bytes(&|_, p| p.household.into()), None, None)
                    .unwrap();
            }
            8 => {
                let v: Vec<f64> = people.iter().filter_map(|p| p.income).collect();
                let d: Vec<i16> = people
                    .iter()
                    .map(|p| i16::from(p.income.is_some()))
                    .collect();
                col.typed::<DoubleType>()
                    .write_batch(&v, Some(&d), None)
                    .unwrap();
            }
            9 => {
                let v: Vec<ByteArray> = people
                    .iter()
                    .filter_map(|p| p.flags.map(ByteArray::from))
                    .collect();
                let d: Vec<i16> = people
                    .iter()
                    .map(|p| i16::from(p.flags.is_some()))
                    .collect();
                col.typed::<ByteArrayType>()
                    .write_batch(&v, Some(&d), None)
                    .unwrap();
            }
            10 => {
                let v: Vec<i32> = people.iter().filter_map(|p| p.grade).collect();
                let d: Vec<i16> = people
                    .iter()
                    .map(|p| i16::from(p.grade.is_some()))
                    .collect();
                col.typed::<Int32Type>()
                    .write_batch(&v, Some(&d), None)
                    .unwrap();
            }
            _ => {
                col.typed::<ByteArrayType>()
                    .write_batch(&bytes(&|_, _| "x, \"y\"".into()), None, None)
                    .unwrap();
            }
        }
        col.close().unwrap();
        k += 1;
    }
    g.close().unwrap();
    w.close().unwrap();
    buf
}

/// The same rows as CSV text.
fn csv_file(people: &[Person]) -> String {
    let mut s = String::from(
        "person_id,citizen_id,birth_date,sex,hukou_type,hukou_region,residence_region,household_id,income,flags,disability_grade\n",
    );
    for (k, p) in people.iter().enumerate() {
        s.push_str(&format!(
            "{},{},{},{},城镇,{},{},{},{},{},{}\n",
            p.id,
            cid(k, p),
            p.birth.unwrap_or(""),
            p.sex,
            p.region,
            p.region,
            p.household,
            p.income.map_or(String::new(), |x| x.to_string()),
            p.flags.unwrap_or(""),
            p.grade.map_or(String::new(), |g| g.to_string()),
        ));
    }
    s
}

#[test]
fn parquet_reads_as_the_same_csv_and_reports_rows() {
    let regions = RegionIndex::shipped();
    let good: Vec<Person> = people().into_iter().filter(|p| !p.bad_id).collect();
    let pq = read_persons_parquet("p.parquet", parquet_file(&good), &regions, OnError::Refuse);
    assert!(pq.problems.is_empty(), "{:#?}", pq.problems);
    assert_eq!(
        pq.ignored_columns,
        Vec::<String>::new(),
        "remark is not read"
    );
    let csv = read_persons("p.csv", &csv_file(&good), &regions, OnError::Refuse);
    assert!(csv.problems.is_empty(), "{:#?}", csv.problems);
    let (a, b) = (&pq.registry.persons, &csv.registry.persons);
    assert_eq!(a.len(), 3);
    assert_eq!(a.birth, b.birth);
    assert_eq!(a.income, b.income);
    assert_eq!(a.flags, b.flags);
    assert_eq!(a.disability_grade, b.disability_grade);
    assert_eq!(a.residence_region, b.residence_region);
    assert_eq!(a.citizen, b.citizen);
    assert_eq!(pq.registry.households.len(), 2);
    assert_eq!(a.income[0], 1200.5);

    // The third row has a bad check digit: row 3, column 2 (citizen_id); quarantine keeps the others.
    let all = people();
    let bad = read_persons_parquet("p.parquet", parquet_file(&all), &regions, OnError::Refuse);
    let got: Vec<String> = bad
        .problems
        .iter()
        .map(|d| format!("{}:{}:{}", d.line, d.column, d.code))
        .collect();
    assert_eq!(got, ["3:2:bad-citizen-id"], "{:#?}", bad.problems);
    assert!(bad.registry.persons.is_empty(), "refused: nothing read");
    let q = read_persons_parquet(
        "p.parquet",
        parquet_file(&all),
        &regions,
        OnError::Quarantine,
    );
    assert_eq!(q.registry.persons.len(), 3);
    assert_eq!(q.quarantined.len(), 1);
    assert_eq!(q.quarantined[0].line, 3);
}

#[test]
fn a_corrupt_or_truncated_parquet_file_is_a_problem_not_a_crash() {
    let regions = RegionIndex::shipped();
    let file = parquet_file(&people());
    let cases: Vec<Vec<u8>> = vec![
        b"PAR1".to_vec(),
        Vec::new(),
        file[..file.len() / 2].to_vec(),
        {
            // The data pages spoiled, the footer intact.
            let mut f = file.clone();
            for b in f.iter_mut().skip(4).take(200) {
                *b ^= 0x5a;
            }
            f
        },
    ];
    // A file found by fuzzing (fuzz/fuzz_targets/entitle_parquet.rs) on which the parquet crate 60.1 panics
    // (`assertion failed: size <= src.len()` in bit_util.rs): the reader catches it and reports the file.
    let found = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/parquet-decoder-panic.parquet"
    ))
    .unwrap();
    let l = read_persons_parquet("f.parquet", found, &regions, OnError::Quarantine);
    assert_eq!(l.problems.len(), 1, "{:#?}", l.problems);
    assert_eq!(l.problems[0].code, "bad-parquet");
    for bytes in cases {
        let l = read_persons_parquet("x.parquet", bytes, &regions, OnError::Refuse);
        assert!(!l.problems.is_empty());
        assert!(l.registry.persons.is_empty());
    }
}
