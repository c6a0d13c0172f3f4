//! The report of the shipped 十三五 replay (Yunnan, final evaluation 2020): the HTML holds every indicator, the
//! replay's verdict counts, one chart per record, no network reference and well-formed markup; the XLSX has its
//! sheets and one row per record. Equalization and composite sections are built from synthetic county values.

// Tests report a failure by panicking (the workspace denies panic! in library and binary code).
#![allow(clippy::panic)]

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use minsheng_core::plan::Plan;
use minsheng_core::region::{Level, RegionCode, RegionTable};
use minsheng_core::shipped;
use minsheng_monitor::equalize::{self, Unit};
use minsheng_monitor::evaluate::{Kind, Options, Record, References, evaluate};
use minsheng_monitor::observations::{Observation, read_csv};
use minsheng_monitor::progress::Thresholds;
use minsheng_report::{CompositeSection, EqualizationSection, Input};

const DATA: &str = "data/observations/yunnan-13-actual-2020.csv";

struct Replay {
    plan: Plan,
    regions: RegionTable,
    observations: Vec<Observation>,
    records: Vec<Record>,
}

fn replay() -> Replay {
    let regions = shipped::regions().unwrap_or_else(|e| panic!("{e:?}"));
    let plan = shipped::plan("yunnan-13", &regions).unwrap_or_else(|| panic!("yunnan-13"));
    let text = shipped::observations(DATA).unwrap_or_else(|| panic!("{DATA} is not shipped"));
    let (obs, problems) = read_csv(text, &plan, &regions);
    assert!(problems.is_empty(), "{problems:#?}");
    let observations = obs.unwrap_or_default();
    let refs =
        References::from_csv(shipped::REFERENCE_NATIONAL).unwrap_or_else(|e| panic!("{e:?}"));
    let options = Options {
        year: 2020,
        kind: Kind::Final,
        region: None,
        thresholds: Thresholds::default(),
    };
    let records = evaluate(&plan, &observations, &refs, &options);
    Replay {
        plan,
        regions,
        observations,
        records,
    }
}

fn input<'a>(
    r: &'a Replay,
    equalization: &'a [EqualizationSection],
    composite: Option<&'a CompositeSection>,
    synthetic: bool,
) -> Input<'a> {
    Input {
        plan: &r.plan,
        kind: Kind::Final,
        year: 2020,
        region: RegionCode::parse("530000").unwrap_or_else(|e| panic!("{e}")),
        records: &r.records,
        observations: &r.observations,
        regions: &r.regions,
        thresholds: Thresholds::default(),
        equalization,
        composite,
        data_label: "yunnan-13-actual-2020.csv".into(),
        synthetic,
        generated_by: "minsheng test".into(),
    }
}

/// Parses the page as XML (the `<!DOCTYPE html>` is a DTD to the parser).
fn parse(html: &str) -> Result<roxmltree::Document<'_>, roxmltree::Error> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(html, options)
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Synthetic values for Yunnan's counties (a fixed function of the code) with their prefecture as group, and the
/// statistics of them; plus a prefecture-level section and a composite index of the prefectures.
fn synthetic_sections(regions: &RegionTable) -> (Vec<EqualizationSection>, CompositeSection) {
    let yunnan = RegionCode::parse("530000").unwrap_or_else(|e| panic!("{e}"));
    let prefectures: Vec<RegionCode> = regions.children(yunnan).map(|r| r.code).collect();
    let counties: Vec<(RegionCode, RegionCode)> = prefectures
        .iter()
        .flat_map(|p| regions.children(*p).map(|c| (c.code, *p)))
        .collect();
    let value = |c: RegionCode| 2.0 + f64::from(c.as_u32() % 97) / 20.0;
    let weight = |c: RegionCode| 100_000.0 + f64::from(c.as_u32() % 13) * 50_000.0;
    let ids: Vec<(String, String)> = counties
        .iter()
        .map(|(c, p)| (c.to_string(), p.to_string()))
        .collect();
    let units: Vec<Unit<'_>> = counties
        .iter()
        .zip(&ids)
        .map(|((c, _), (id, g))| Unit {
            id,
            value: value(*c),
            weight: weight(*c),
            group: Some(g),
        })
        .collect();
    let opts = equalize::Options {
        target: Some(4.0),
        ..Default::default()
    };
    let stats = equalize::equalize(&units, &opts).unwrap_or_else(|e| panic!("{e}"));
    let county = EqualizationSection {
        code: "YN13-10".into(),
        name: "每千常住人口医疗机构床位数".into(),
        unit: "张".into(),
        level: Level::County,
        year: 2020,
        stats,
        values: counties.iter().map(|(c, _)| (*c, value(*c))).collect(),
        target: Some(4.0),
        synthetic: true,
    };
    let pref_ids: Vec<String> = prefectures.iter().map(ToString::to_string).collect();
    let pref_value = |c: RegionCode| 80.0 + f64::from(c.as_u32() % 1700) / 100.0;
    let pref_units: Vec<Unit<'_>> = prefectures
        .iter()
        .zip(&pref_ids)
        .map(|(c, id)| Unit {
            id,
            value: pref_value(*c),
            weight: weight(*c),
            group: None,
        })
        .collect();
    let pref_stats = equalize::equalize(&pref_units, &equalize::Options::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let prefecture = EqualizationSection {
        code: "YN13-04".into(),
        name: "高中阶段毛入学率".into(),
        unit: "%".into(),
        level: Level::Prefecture,
        year: 2020,
        stats: pref_stats.clone(),
        values: prefectures.iter().map(|c| (*c, pref_value(*c))).collect(),
        target: None,
        synthetic: true,
    };
    let composite = CompositeSection {
        level: Level::Prefecture,
        year: 2020,
        weights: vec![
            ("YN13-04".into(), "高中阶段毛入学率".into(), 0.5),
            ("YN13-10".into(), "每千常住人口医疗机构床位数".into(), 0.5),
        ],
        scores: prefectures
            .iter()
            .map(|c| (*c, f64::from(c.as_u32() % 61) + 30.0))
            .collect(),
        stats: Some(pref_stats),
        synthetic: true,
    };
    (vec![county, prefecture], composite)
}

#[test]
fn html_holds_every_indicator_and_the_replay_verdicts() {
    let r = replay();
    let html = minsheng_report::html(&input(&r, &[], None, false));
    assert_eq!(r.records.len(), 21);
    for rec in &r.records {
        assert!(html.contains(&rec.code), "{} missing", rec.code);
    }
    // One table row per record, carrying its status; the replay gives 17 achieved, 1 lagging, 1 seriously
    // lagging, 2 not assessable.
    assert_eq!(count(&html, "<tr class=\"rec"), 21);
    for (status, n) in [
        ("achieved", 17),
        ("on_track", 0),
        ("lagging", 1),
        ("seriously_lagging", 1),
        ("regressing", 0),
        ("not_assessable", 2),
    ] {
        assert_eq!(
            count(&html, &format!("data-status=\"{status}\"")),
            n,
            "{status}"
        );
        assert!(
            html.contains(&format!("data-count=\"all-{status}\">{n}<")),
            "summary count of {status}"
        );
    }
    assert!(html.contains("data-count=\"all-total\">21<"));
    // Header and labels in both languages.
    assert!(html.contains(&r.plan.name));
    assert!(html.contains(&r.plan.name_en));
    assert!(html.contains("总结评估") && html.contains("Final evaluation"));
    assert!(html.contains("yunnan-13-actual-2020.csv"));
    assert!(html.contains("minsheng test"));
    assert!(html.contains("已完成") && html.contains("achieved"));
    assert!(html.contains("严重滞后") && html.contains("seriously lagging"));
    assert!(html.contains("黄色预警"));
    assert!(html.contains("id=\"lang-toggle\""));
    // Warnings: the two yellow ones, life expectancy (YN13-09) and centralised care (YN13-14).
    let warnings = &html
        [html.find("id=\"warnings\"").unwrap_or(0)..html.find("id=\"indicators\"").unwrap_or(0)];
    assert_eq!(count(warnings, "<tr class=\"row-yellow\""), 2);
    assert!(warnings.contains("YN13-09") && warnings.contains("YN13-14"));
    // The reference figure used for life expectancy.
    assert!(html.contains("参照值 77.3（2019年）"));
    // Method notes cite the method, the threshold and the projection.
    assert!(html.contains("t = (评估年 − 基期年) / (目标年 − 基期年)"));
    assert!(html.contains("c = (实际值 − 基期值) / (目标值 − 基期值)"));
    assert!(html.contains("严重滞后阈值 s = 0.5"));
    assert!(html.contains("最小二乘"));
    // Every observation source is listed.
    for o in &r.observations {
        let src = o.source.as_deref().unwrap_or_default();
        assert!(html.contains(src), "source {src}");
    }
    assert!(!html.contains("class=\"synthetic-banner\""));
    assert!(!html.contains("含合成数据"));
}

#[test]
fn html_is_self_contained_and_well_formed() {
    let r = replay();
    let html = minsheng_report::html(&input(&r, &[], None, false));
    // Nothing from the network: no URL at all, no external resource reference.
    assert!(!html.contains("http://") && !html.contains("https://"));
    for needle in [
        "src=",
        "<link",
        "@import",
        "@font-face",
        "url(http",
        "url(//",
    ] {
        assert!(!html.contains(needle), "{needle}");
    }
    // The whole page is well-formed XML, so every SVG is too.
    let doc = parse(&html).unwrap_or_else(|e| panic!("not well-formed: {e}"));
    let svgs: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("svg"))
        .collect();
    assert!(svgs.len() >= r.records.len(), "{} svgs", svgs.len());
    assert!(svgs.iter().all(|s| s.attribute("viewBox").is_some()));
    let charts = svgs
        .iter()
        .filter(|s| s.attribute("class") == Some("chart"))
        .count();
    assert_eq!(charts, r.records.len());
    // Each chart of an indicator with an observation has its latest point; none is empty of data here.
    let last_points = svgs
        .iter()
        .filter(|s| s.attribute("class") == Some("chart"))
        .flat_map(|s| s.descendants())
        .filter(|n| n.has_tag_name("circle") && n.attribute("class") == Some("last"))
        .count();
    assert_eq!(last_points, 21);
    // Print CSS: A4, landscape for the wide table, the toggle hidden.
    assert!(html.contains("size: A4"));
    assert!(html.contains("@page wide { size: A4 landscape; }"));
    assert!(html.contains(".toolbar { display: none !important; }"));
}

#[test]
fn text_is_escaped_everywhere() {
    let r = replay();
    let mut plan = r.plan.clone();
    plan.name = "<script>alert('x')</script> & \"co\"".into();
    let evil = Replay { plan, ..replay() };
    let html = minsheng_report::html(&input(&evil, &[], None, false));
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"));
    // Still one script element (the toggle) and still well-formed.
    assert_eq!(count(&html, "<script>"), 1);
    assert!(parse(&html).is_ok());
}

#[test]
fn synthetic_data_is_announced_on_the_page_every_printed_page_and_every_sheet() {
    let r = replay();
    let (eq, comp) = synthetic_sections(&r.regions);
    let input = input(&r, &eq, Some(&comp), true);
    let html = minsheng_report::html(&input);
    assert!(html.contains("class=\"synthetic-banner\""));
    assert!(html.contains("含合成数据") && html.contains("contains SYNTHETIC data"));
    assert!(html.contains("@top-right{content:\"含合成数据 / contains SYNTHETIC data\""));
    let bytes = minsheng_report::xlsx(&input).unwrap_or_else(|e| panic!("{e}"));
    let mut wb: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"));
    let names = wb.sheet_names();
    assert_eq!(names.len(), 6);
    for name in names {
        let range = wb.worksheet_range(&name).unwrap_or_else(|e| panic!("{e}"));
        let first = range
            .rows()
            .next()
            .and_then(|row| row.first())
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(
            first.starts_with("含合成数据 / contains SYNTHETIC data"),
            "{name}: {first}"
        );
    }
}

#[test]
fn equalization_and_composite_sections_show_statistics_and_maps() {
    let r = replay();
    let (eq, comp) = synthetic_sections(&r.regions);
    let input = input(&r, &eq, Some(&comp), true);
    let html = minsheng_report::html(&input);
    // Keep a copy to look at (`cargo test` leaves it in the target directory).
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-equalization.html");
    std::fs::write(&out, &html).unwrap_or_else(|e| panic!("{e}"));
    let doc = parse(&html).unwrap_or_else(|e| panic!("not well-formed: {e}"));
    let maps: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("svg") && n.attribute("class") == Some("map"))
        .collect();
    assert_eq!(maps.len(), 3, "two equalization maps and the composite map");
    // One dot per region with a point, each named on hover.
    let with_point = |values: &[(RegionCode, f64)]| {
        values
            .iter()
            .filter(|(c, _)| r.regions.get(*c).is_some_and(|x| x.point.is_some()))
            .count()
    };
    let dots = |svg: &roxmltree::Node<'_, '_>| {
        svg.descendants()
            .filter(|n| n.has_tag_name("circle") && n.attribute("class") == Some("mdot"))
            .count()
    };
    assert_eq!(dots(&maps[0]), with_point(&eq[0].values));
    assert!(eq[0].values.len() > 100, "Yunnan has 129 counties");
    assert_eq!(dots(&maps[1]), with_point(&eq[1].values));
    assert!(html.contains("<title>昆明市 (530100): "));
    // Statistics with names of the extremes, the decomposition and the standard.
    for label in [
        "差异系数",
        "加权差异系数",
        "基尼系数",
        "泰尔指数 T",
        "组间",
        "组内",
        "极值比",
        "达标率",
        "GCJ-02",
        "Williamson",
        "Shorrocks",
    ] {
        assert!(html.contains(label), "{label}");
    }
    let max_name = r
        .regions
        .lookup(&eq[0].stats.max_id)
        .map(|x| x.name.clone())
        .unwrap_or_default();
    assert!(html.contains(&format!("— {max_name}")), "{max_name}");
    assert!(html.contains("class=\"syn-tag\""));
    assert!(html.contains("id=\"composite\""));
    let bytes = minsheng_report::xlsx(&input).unwrap_or_else(|e| panic!("{e}"));
    let mut wb: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"));
    assert!(wb.sheet_names().contains(&"综合指数 Composite".to_string()));
    let range = wb
        .worksheet_range("均等化 Equalization")
        .unwrap_or_else(|e| panic!("{e}"));
    let cells: Vec<String> = range
        .rows()
        .flat_map(|row| row.iter().map(ToString::to_string))
        .collect();
    assert!(cells.iter().any(|c| c == "基尼系数 Gini coefficient"));
    assert!(cells.iter().any(|c| c == "昆明市"));
}

fn cell(row: &[Data], k: usize) -> String {
    row.get(k).map(ToString::to_string).unwrap_or_default()
}

#[test]
fn xlsx_has_the_sheets_and_one_indicator_row_per_record() {
    let r = replay();
    let bytes =
        minsheng_report::xlsx(&input(&r, &[], None, false)).unwrap_or_else(|e| panic!("{e}"));
    let mut wb: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        wb.sheet_names(),
        [
            "概览 Summary",
            "指标 Indicators",
            "预警 Warnings",
            "均等化 Equalization",
            "说明 Notes"
        ]
    );
    let range = wb
        .worksheet_range("指标 Indicators")
        .unwrap_or_else(|e| panic!("{e}"));
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), 1 + r.records.len());
    assert_eq!(cell(rows[0], 0), "代码 Code");
    assert_eq!(cell(rows[0], 13), "状态 Status");
    for (row, rec) in rows[1..].iter().zip(&r.records) {
        assert_eq!(cell(row, 0), rec.code);
        assert_eq!(cell(row, 2), rec.series.clone().unwrap_or_default());
        assert_eq!(
            cell(row, 13),
            format!(
                "{} {}",
                rec.status().zh(),
                rec.status().as_str().replace('_', " ")
            )
        );
    }
    // Values are numbers, not text.
    assert!(matches!(rows[1].get(10), Some(Data::Float(v)) if (*v - 88.79).abs() < 1e-9));
    let status_counts = |s: &str| {
        rows[1..]
            .iter()
            .filter(|row| cell(row, 13).starts_with(s))
            .count()
    };
    assert_eq!(status_counts("已完成"), 17);
    assert_eq!(status_counts("滞后"), 1);
    assert_eq!(status_counts("严重滞后"), 1);
    assert_eq!(status_counts("无法评估"), 2);
    let warnings = wb
        .worksheet_range("预警 Warnings")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(warnings.rows().count(), 1 + 2);
    let summary = wb
        .worksheet_range("概览 Summary")
        .unwrap_or_else(|e| panic!("{e}"));
    let total = summary
        .rows()
        .find(|row| cell(row, 0) == "合计 Total")
        .map(|row| (cell(row, 1), cell(row, 2)));
    assert_eq!(total, Some(("21".to_string(), "17".to_string())));
}
