//! Observation import from XLSX: the same checks and messages as CSV. Workbooks are written in the test with
//! `rust_xlsxwriter` from the CSV files (numbers as numeric cells), so the two readers can be compared cell for cell.

// Test code may stop at the first surprise; the workspace's no-expect/no-panic rule is for library and binary code.
#![allow(clippy::expect_used, clippy::panic)]

use minsheng_core::diag::Severity;
use minsheng_core::plan::Plan;
use minsheng_core::region::RegionTable;
use minsheng_core::shipped;
use minsheng_monitor::observations::{Problem, read_csv, read_xlsx};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};

const BAD: &str = include_str!("fixtures/bad-observations.csv");

fn regions() -> RegionTable {
    shipped::regions().unwrap_or_default()
}

fn plan(id: &str, regions: &RegionTable) -> Plan {
    shipped::plan(id, regions).unwrap_or_else(|| panic!("{id}"))
}

/// Writes CSV text into `sheet` from (`top`, `left`) (0-based): cells that parse as numbers as numeric cells,
/// other non-blank cells as strings, blank cells not at all.
fn write_csv(sheet: &mut Worksheet, csv_text: &str, top: u32, left: u16) {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.expect("fixture CSV");
        let row = top + u32::try_from(i).expect("row");
        for (k, cell) in rec.iter().enumerate() {
            let col = left + u16::try_from(k).expect("column");
            if cell.is_empty() {
                continue;
            }
            match cell.parse::<f64>() {
                Ok(v) => sheet.write_number(row, col, v),
                Err(_) => sheet.write_string(row, col, cell),
            }
            .expect("write cell");
        }
    }
}

/// A one-sheet workbook holding `csv_text` from the top-left corner.
fn xlsx_of(csv_text: &str) -> Vec<u8> {
    let mut book = Workbook::new();
    write_csv(book.add_worksheet(), csv_text, 0, 0);
    book.save_to_buffer().expect("workbook")
}

fn shipped_csv(path: &str) -> &'static str {
    shipped::observations(path).unwrap_or_else(|| panic!("{path} is not shipped"))
}

fn summary(problems: &[Problem]) -> Vec<(usize, String, Severity, String)> {
    problems
        .iter()
        .map(|p| (p.row, p.column.clone(), p.severity, p.reason.clone()))
        .collect()
}

#[test]
fn shipped_actuals_read_the_same_from_xlsx_as_from_csv() {
    let regions = regions();
    for (path, id, n) in [
        (
            "data/observations/yunnan-13-actual-2020.csv",
            "yunnan-13",
            21,
        ),
        (
            "data/observations/guizhou-13-actual-2020.csv",
            "guizhou-13",
            23,
        ),
    ] {
        let plan = plan(id, &regions);
        let text = shipped_csv(path);
        let (from_csv, csv_problems) = read_csv(text, &plan, &regions);
        let (from_xlsx, xlsx_problems) = read_xlsx(&xlsx_of(text), None, &plan, &regions);
        assert!(csv_problems.is_empty(), "{path}: {csv_problems:#?}");
        assert!(xlsx_problems.is_empty(), "{path}: {xlsx_problems:#?}");
        let from_xlsx = from_xlsx.expect("observations");
        assert_eq!(from_xlsx.len(), n, "{path}");
        // Every field, the row included: numbers such as 96.15 and 2020 come back exactly.
        assert_eq!(Some(from_xlsx), from_csv, "{path}");
    }
}

#[test]
fn bad_observations_give_the_same_problems_from_xlsx_as_from_csv() {
    let regions = regions();
    let plan = plan("guizhou-14", &regions);
    let (obs, csv_problems) = read_csv(BAD, &plan, &regions);
    assert!(obs.is_none());
    let (obs, xlsx_problems) = read_xlsx(&xlsx_of(BAD), None, &plan, &regions);
    assert!(obs.is_none(), "a sheet with errors must import nothing");
    let mut want = summary(&csv_problems);
    // Row 14 is a short CSV record (3 cells). A spreadsheet row has no length: the same row is a blank value cell.
    let short = want
        .iter_mut()
        .find(|p| p.0 == 14)
        .expect("row 14 is reported");
    assert_eq!(
        (short.1.as_str(), short.3.as_str()),
        ("", "3 cells, the header has 7")
    );
    *short = (
        14,
        "value".into(),
        Severity::Error,
        "'' is not a number".into(),
    );
    assert_eq!(summary(&xlsx_problems), want);
    assert_eq!(want.len(), 12);
}

#[test]
fn rows_are_numbered_as_the_spreadsheet_shows_them() {
    let regions = regions();
    let plan = plan("guizhou-14", &regions);
    // The table starts at C3, under a title row and beside an empty column, on the second sheet.
    let mut book = Workbook::new();
    book.add_worksheet()
        .set_name("说明")
        .expect("name")
        .write_string(0, 0, "see the next sheet")
        .expect("write");
    let sheet = book.add_worksheet().set_name("观测").expect("name");
    sheet.write_string(0, 2, "title").expect("write");
    write_csv(sheet, BAD, 2, 2);
    let bytes = book.save_to_buffer().expect("workbook");

    // The first sheet holds no observations.
    let (obs, problems) = read_xlsx(&bytes, None, &plan, &regions);
    assert!(obs.is_none());
    assert!(problems.iter().all(|p| p.row == 1), "{problems:#?}");
    assert_eq!(problems.len(), 4, "four required columns missing");

    // The named sheet: its used range starts at C1 (the title), so the title row is the header and fails …
    let (obs, problems) = read_xlsx(&bytes, Some("观测"), &plan, &regions);
    assert!(obs.is_none());
    assert!(
        problems[0]
            .reason
            .contains("required column 'indicator' is missing")
    );
    assert_eq!(problems[0].row, 1);

    // … and without the title the table's header is row 3 and the CSV's row r is the sheet's row r + 2.
    let mut book = Workbook::new();
    write_csv(book.add_worksheet(), BAD, 2, 2);
    let bytes = book.save_to_buffer().expect("workbook");
    let (obs, problems) = read_xlsx(&bytes, None, &plan, &regions);
    assert!(obs.is_none());
    let (_, csv_problems) = read_csv(BAD, &plan, &regions);
    let rows: Vec<usize> = problems.iter().map(|p| p.row).collect();
    let want: Vec<usize> = csv_problems.iter().map(|p| p.row + 2).collect();
    assert_eq!(rows, want);
    let duplicate = problems
        .iter()
        .find(|p| p.reason.starts_with("duplicate"))
        .expect("duplicate");
    assert_eq!(duplicate.row, 11);
    assert!(
        duplicate.reason.contains("duplicate of row 4"),
        "{duplicate:?}"
    );
}

/// A sheet with the header and one good Yunnan row, for the cell-kind tests.
fn one_row_sheet(book: &mut Workbook) -> &mut Worksheet {
    let sheet = book.add_worksheet();
    write_csv(
        sheet,
        "indicator,region,year,value,series,source\nYN13-01,530000,2020,88.79,,ok\n",
        0,
        0,
    );
    sheet
}

#[test]
fn date_boolean_and_error_cells_are_problems_with_row_and_column() {
    let regions = regions();
    let plan = plan("yunnan-13", &regions);
    let mut book = Workbook::new();
    let sheet = one_row_sheet(&mut book);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    // Row 3: a date where the year should be, and an unknown indicator: both are reported.
    write_csv(sheet, "YN13-99,530000,,90,,", 2, 0);
    sheet
        .write_datetime_with_format(
            2,
            2,
            ExcelDateTime::from_ymd(2020, 12, 31).expect("date"),
            &date,
        )
        .expect("write");
    // Row 4: TRUE where the value should be.
    write_csv(sheet, "YN13-02,530000,2020,,,", 3, 0);
    sheet.write_boolean(3, 3, true).expect("write");
    // Row 5: a formula whose cached result is an error, in the value column.
    write_csv(sheet, "YN13-03,530000,2020,,,", 4, 0);
    sheet
        .write_formula(4, 3, Formula::new("=1/0").set_result("#DIV/0!"))
        .expect("write");
    // Row 6: a date in a text column (the series of a paired indicator): no spurious "name its series".
    write_csv(sheet, "YN13-18,530000,2020,99,,", 5, 0);
    sheet
        .write_datetime_with_format(
            5,
            4,
            ExcelDateTime::from_ymd(2021, 3, 1).expect("date"),
            &date,
        )
        .expect("write");
    // Row 7: a value beyond the header's last column (F).
    write_csv(sheet, "YN13-04,530000,2020,90.98,,,,stray", 6, 0);
    let bytes = book.save_to_buffer().expect("workbook");

    let (obs, problems) = read_xlsx(&bytes, None, &plan, &regions);
    assert!(obs.is_none(), "a sheet with errors must import nothing");
    let got: Vec<(usize, &str, &str)> = problems
        .iter()
        .map(|p| (p.row, p.column.as_str(), p.reason.as_str()))
        .collect();
    let want_head = [
        (
            3,
            "year",
            "a date cell (2020-12-31) where a number is expected",
        ),
        (
            3,
            "indicator",
            "unknown indicator or data element 'YN13-99' in plan yunnan-13",
        ),
        (
            4,
            "value",
            "a TRUE/FALSE cell (TRUE) where a number is expected",
        ),
    ];
    assert_eq!(got[..3], want_head[..], "{problems:#?}");
    assert_eq!(got.len(), 6, "{problems:#?}");
    assert_eq!(
        got[3..],
        [
            // The cached result of the formula.
            (
                5,
                "value",
                "an error cell (#DIV/0!) where a number is expected"
            ),
            (
                6,
                "series",
                "a date cell (2021-03-01) where text is expected"
            ),
            (
                7,
                "",
                "cell H7 holds a value but the header has no column there"
            ),
        ],
        "{problems:#?}"
    );
    assert!(problems.iter().all(|p| p.severity == Severity::Error));
}

#[test]
fn a_date_in_the_header_is_a_problem_at_the_header_row() {
    // A date in the header is a problem at the header row; the column then has no name.
    let regions = regions();
    let plan = plan("yunnan-13", &regions);
    let mut book = Workbook::new();
    let sheet = one_row_sheet(&mut book);
    sheet
        .write_datetime_with_format(
            0,
            6,
            ExcelDateTime::from_ymd(2020, 1, 1).expect("date"),
            &Format::new().set_num_format("yyyy-mm-dd"),
        )
        .expect("write");
    let bytes = book.save_to_buffer().expect("workbook");
    let (obs, problems) = read_xlsx(&bytes, None, &plan, &regions);
    assert!(obs.is_none());
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].row, 1);
    assert_eq!(
        problems[0].reason,
        "the header cell G1 is a date cell (2020-01-01); column names are text"
    );
}

#[test]
fn a_good_sheet_imports() {
    let regions = regions();
    let plan = plan("yunnan-13", &regions);
    let mut book = Workbook::new();
    one_row_sheet(&mut book);
    let bytes = book.save_to_buffer().expect("workbook");
    let (obs, problems) = read_xlsx(&bytes, None, &plan, &regions);
    assert!(problems.is_empty(), "{problems:#?}");
    let obs = obs.expect("observations");
    assert_eq!(obs.len(), 1);
    assert_eq!(
        (
            obs[0].year,
            obs[0].value,
            obs[0].row,
            obs[0].source.as_deref()
        ),
        (2020, 88.79, 2, Some("ok"))
    );
}

#[test]
fn missing_sheet_unreadable_workbook_and_empty_sheet_are_one_problem_at_row_0() {
    let regions = regions();
    let plan = plan("yunnan-13", &regions);
    let mut book = Workbook::new();
    one_row_sheet(&mut book).set_name("2020").expect("name");
    book.add_worksheet().set_name("空表").expect("name");
    let bytes = book.save_to_buffer().expect("workbook");

    let (obs, problems) = read_xlsx(&bytes, Some("观测"), &plan, &regions);
    assert!(obs.is_none());
    assert_eq!(
        summary(&problems),
        [(
            0,
            String::new(),
            Severity::Error,
            "the workbook has no sheet '观测' (sheets: 2020, 空表)".to_string()
        )]
    );

    let (obs, problems) = read_xlsx(&bytes, Some("空表"), &plan, &regions);
    assert!(obs.is_none());
    assert_eq!(problems.len(), 1);
    assert_eq!(
        (problems[0].row, problems[0].reason.as_str()),
        (0, "sheet '空表' is empty")
    );

    let (obs, problems) = read_xlsx(&bytes, Some("2020"), &plan, &regions);
    assert_eq!(obs.map(|o| o.len()), Some(1), "{problems:#?}");

    let (obs, problems) = read_xlsx(BAD.as_bytes(), None, &plan, &regions);
    assert!(obs.is_none());
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].row, 0);
    assert!(
        problems[0]
            .reason
            .starts_with("cannot open the workbook as XLSX"),
        "{problems:#?}"
    );
}

#[test]
fn a_stray_value_in_the_far_corner_is_one_problem_not_a_dense_sheet() {
    // Read as a dense range this sheet would be 1,048,576 × 16,384 cells (over 500 GB); it is read cell by cell.
    let regions = regions();
    let plan = plan("yunnan-13", &regions);
    let mut book = Workbook::new();
    one_row_sheet(&mut book)
        .write_string(1_048_575, 16_383, "stray")
        .expect("write");
    let bytes = book.save_to_buffer().expect("workbook");
    let (obs, problems) = read_xlsx(&bytes, None, &plan, &regions);
    assert!(obs.is_none());
    assert_eq!(
        summary(&problems),
        [(
            1_048_576,
            String::new(),
            Severity::Error,
            "cell XFD1048576 holds a value but the header has no column there".to_string()
        )]
    );
}
