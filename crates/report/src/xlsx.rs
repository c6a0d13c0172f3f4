//! The report's tables as an XLSX workbook: 概览 Summary, 指标 Indicators, 预警 Warnings, 均等化 Equalization,
//! 综合指数 Composite (when there is one) and 说明 Notes. Headers carry both languages (`状态 Status`); numbers
//! are written as numbers (shares with a percent format) so that they can be sorted and computed with.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use minsheng_core::region::RegionCode;
use minsheng_monitor::equalize::Equalization;
use minsheng_monitor::progress::Warning;

use crate::model::{self, Row, region_name, region_name_str};
use crate::text::{
    STATUSES, SYNTHETIC_EN, SYNTHETIC_NOTE_EN, SYNTHETIC_NOTE_ZH, SYNTHETIC_ZH, attribute_en, both,
    domain_en, kind_en, level_en, level_zh, status_en, status_tint, warning_en, warning_zh,
};
use crate::{CompositeSection, EqualizationSection, Input, ReportError};

/// Sheet names (at most 31 characters each).
pub const SUMMARY: &str = "概览 Summary";
pub const INDICATORS: &str = "指标 Indicators";
pub const WARNINGS: &str = "预警 Warnings";
pub const EQUALIZATION: &str = "均等化 Equalization";
pub const COMPOSITE: &str = "综合指数 Composite";
pub const NOTES: &str = "说明 Notes";

struct Formats {
    title: Format,
    bold: Format,
    header: Format,
    text: Format,
    wrap: Format,
    number: Format,
    share: Format,
    index: Format,
    banner: Format,
    muted: Format,
    red: Format,
    yellow: Format,
}

impl Formats {
    fn new() -> Formats {
        let font = "Microsoft YaHei";
        let base = Format::new().set_font_name(font).set_font_size(10);
        Formats {
            title: base.clone().set_bold().set_font_size(14),
            bold: base.clone().set_bold(),
            header: base
                .clone()
                .set_bold()
                .set_background_color(Color::RGB(0xf2f4f6))
                .set_border_bottom(FormatBorder::Medium)
                .set_border_bottom_color(Color::RGB(0x8f99a3))
                .set_text_wrap(),
            text: base.clone(),
            wrap: base.clone().set_text_wrap(),
            number: base.clone().set_num_format("General"),
            share: base.clone().set_num_format("0%"),
            index: base.clone().set_num_format("0.0000"),
            banner: base
                .clone()
                .set_bold()
                .set_font_color(Color::White)
                .set_background_color(Color::RGB(0xb71c1c))
                .set_align(FormatAlign::Center),
            muted: base.clone().set_font_color(Color::RGB(0x6b7580)),
            red: base.clone().set_bold().set_font_color(Color::RGB(0xc62828)),
            yellow: base.set_bold().set_font_color(Color::RGB(0xb07d00)),
        }
    }
}

pub fn render(input: &Input<'_>) -> Result<Vec<u8>, ReportError> {
    let rows = model::rows(input);
    let f = Formats::new();
    let mut wb = Workbook::new();
    summary(wb.add_worksheet(), input, &rows, &f)?;
    indicators(wb.add_worksheet(), input, &rows, &f)?;
    warnings(wb.add_worksheet(), input, &rows, &f)?;
    equalization(wb.add_worksheet(), input, &f)?;
    if let Some(c) = input.composite {
        composite(wb.add_worksheet(), input, c, &f)?;
    }
    notes(wb.add_worksheet(), input, &f)?;
    Ok(wb.save_to_buffer()?)
}

/// Names the sheet, sets the print header and writes the synthetic banner when needed; returns the first free row.
fn start(
    ws: &mut Worksheet,
    name: &str,
    input: &Input<'_>,
    width: u16,
    f: &Formats,
) -> Result<u32, XlsxError> {
    ws.set_name(name)?;
    ws.set_paper_size(9); // A4
    if input.synthetic {
        ws.set_header(format!("&C{SYNTHETIC_ZH} / {SYNTHETIC_EN}"));
        ws.merge_range(
            0,
            0,
            0,
            width.saturating_sub(1),
            &format!("{SYNTHETIC_ZH} / {SYNTHETIC_EN}: {SYNTHETIC_NOTE_EN}"),
            &f.banner,
        )?;
        Ok(1)
    } else {
        Ok(0)
    }
}

fn header(
    ws: &mut Worksheet,
    row: u32,
    heads: &[(&str, &str)],
    f: &Formats,
) -> Result<(), XlsxError> {
    for (c, (zh, en)) in heads.iter().enumerate() {
        ws.write_string_with_format(row, col(c), both(zh, en), &f.header)?;
    }
    Ok(())
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

fn opt_number(
    ws: &mut Worksheet,
    row: u32,
    c: u16,
    v: Option<f64>,
    fmt: &Format,
) -> Result<(), XlsxError> {
    match v {
        Some(v) if v.is_finite() => ws.write_number_with_format(row, c, v, fmt)?,
        _ => ws.write_string_with_format(row, c, "", fmt)?,
    };
    Ok(())
}

fn summary(
    ws: &mut Worksheet,
    input: &Input<'_>,
    rows: &[Row<'_>],
    f: &Formats,
) -> Result<(), XlsxError> {
    let heads: Vec<(&str, &str)> = [("领域", "Domain"), ("指标", "Indicators")]
        .into_iter()
        .chain(STATUSES.iter().map(|s| (s.zh(), status_en(*s))))
        .chain([("红色预警", "Red"), ("黄色预警", "Yellow")])
        .collect();
    let mut r = start(ws, SUMMARY, input, col(heads.len()), f)?;
    let plan = input.plan;
    ws.write_string_with_format(
        r,
        0,
        format!("{} — {} {}", plan.name, input.kind.zh(), input.year),
        &f.title,
    )?;
    ws.write_string_with_format(r + 1, 0, &plan.name_en, &f.muted)?;
    r += 3;
    let region = region_name(input.regions, input.region);
    let meta: [(&str, &str, String); 7] = [
        ("评估地区", "Region", format!("{region} ({})", input.region)),
        (
            "评估类型",
            "Kind",
            format!("{} {}", input.kind.zh(), kind_en(input.kind)),
        ),
        ("评估年度", "Year", input.year.to_string()),
        (
            "规划期",
            "Plan period",
            format!(
                "{}–{} (基期 base {}, 目标年 target {})",
                plan.base_year, plan.target_year, plan.base_year, plan.target_year
            ),
        ),
        ("数据文件", "Data file", input.data_label.clone()),
        ("规划编号", "Plan id", plan.id.clone()),
        ("生成", "Generated by", input.generated_by.clone()),
    ];
    for (zh, en, v) in meta {
        ws.write_string_with_format(r, 0, both(zh, en), &f.bold)?;
        ws.write_string_with_format(r, 1, v, &f.text)?;
        r += 1;
    }
    r += 1;
    let (domains, all) = model::counts(rows);
    header(ws, r, &heads, f)?;
    r += 1;
    for (d, c) in &domains {
        ws.write_string_with_format(r, 0, format!("{} {}", d.zh(), domain_en(*d)), &f.text)?;
        write_count_cells(ws, r, c, f)?;
        r += 1;
    }
    ws.write_string_with_format(r, 0, both("合计", "Total"), &f.bold)?;
    write_count_cells(ws, r, &all, f)?;
    ws.set_column_width(0, 26)?;
    ws.set_column_width(1, 14)?;
    for c in 2..heads.len() {
        ws.set_column_width(col(c), 12)?;
    }
    Ok(())
}

fn write_count_cells(
    ws: &mut Worksheet,
    r: u32,
    c: &model::Counts,
    f: &Formats,
) -> Result<(), XlsxError> {
    ws.write_number_with_format(r, 1, c.total() as f64, &f.number)?;
    for (i, st) in STATUSES.iter().enumerate() {
        ws.write_number_with_format(r, col(2 + i), c.of(*st) as f64, &f.number)?;
    }
    ws.write_number_with_format(r, col(2 + STATUSES.len()), c.red as f64, &f.number)?;
    ws.write_number_with_format(r, col(3 + STATUSES.len()), c.yellow as f64, &f.number)?;
    Ok(())
}

/// Columns of the indicator and warning sheets.
const INDICATOR_HEADS: [(&str, &str); 20] = [
    ("代码", "Code"),
    ("指标", "Indicator"),
    ("系列", "Series"),
    ("英文名称", "Name (English)"),
    ("领域", "Domain"),
    ("单位", "Unit"),
    ("属性", "Attribute"),
    ("基期值", "Baseline"),
    ("目标值", "Target"),
    ("目标数值", "Target value"),
    ("实际值", "Value"),
    ("序时进度", "Time share"),
    ("完成度", "Completion"),
    ("状态", "Status"),
    ("预警", "Warning"),
    ("预测", "Projection"),
    ("CAGR 预测", "CAGR projection"),
    ("预计未达标", "Will miss"),
    ("原因", "Reason"),
    ("原因（英文）", "Reason (English)"),
];

const INDICATOR_WIDTHS: [f64; 20] = [
    12.0, 30.0, 8.0, 36.0, 18.0, 9.0, 14.0, 11.0, 16.0, 11.0, 11.0, 10.0, 10.0, 24.0, 20.0, 11.0,
    11.0, 10.0, 36.0, 44.0,
];

fn indicator_row(ws: &mut Worksheet, r: u32, row: &Row<'_>, f: &Formats) -> Result<(), XlsxError> {
    let rec = row.rec;
    let j = &rec.judgement;
    ws.write_string_with_format(r, 0, &rec.code, &f.text)?;
    ws.write_string_with_format(r, 1, &rec.name, &f.text)?;
    ws.write_string_with_format(r, 2, rec.series.as_deref().unwrap_or(""), &f.text)?;
    ws.write_string_with_format(r, 3, row.name_en, &f.text)?;
    ws.write_string_with_format(
        r,
        4,
        row.domain
            .map(|d| format!("{} {}", d.zh(), domain_en(d)))
            .unwrap_or_default(),
        &f.text,
    )?;
    ws.write_string_with_format(r, 5, row.unit, &f.text)?;
    ws.write_string_with_format(
        r,
        6,
        format!("{} {}", rec.attribute.zh(), attribute_en(rec.attribute)),
        &f.text,
    )?;
    // The baseline as written: a number when it is one, else the text.
    match row.baseline_text.parse::<f64>() {
        Ok(v) if v.is_finite() => ws.write_number_with_format(r, 7, v, &f.number)?,
        _ => ws.write_string_with_format(r, 7, &row.baseline_text, &f.text)?,
    };
    let target_text = match rec.reference {
        Some((y, v)) => format!("{} (参照 reference {v}, {y})", rec.target_raw),
        None => rec.target_raw.clone(),
    };
    ws.write_string_with_format(r, 8, target_text, &f.text)?;
    opt_number(ws, r, 9, row.target, &f.number)?;
    opt_number(ws, r, 10, rec.value, &f.number)?;
    ws.write_number_with_format(r, 11, j.time_share, &f.share)?;
    opt_number(ws, r, 12, j.completion, &f.share)?;
    let status = Format::new()
        .set_font_name("Microsoft YaHei")
        .set_font_size(10)
        .set_background_color(Color::RGB(status_tint(j.status)));
    ws.write_string_with_format(
        r,
        13,
        format!("{} {}", j.status.zh(), status_en(j.status)),
        &status,
    )?;
    match j.warning {
        Some(w) => ws.write_string_with_format(
            r,
            14,
            format!("{} {}", warning_zh(w), warning_en(w)),
            match w {
                Warning::Red => &f.red,
                Warning::Yellow => &f.yellow,
            },
        )?,
        None => ws.write_string_with_format(r, 14, "", &f.text)?,
    };
    opt_number(ws, r, 15, rec.projected, &f.number)?;
    opt_number(ws, r, 16, rec.projected_cagr, &f.number)?;
    ws.write_string_with_format(
        r,
        17,
        match rec.will_miss {
            Some(true) => "是 yes",
            Some(false) => "否 no",
            None => "",
        },
        &f.text,
    )?;
    ws.write_string_with_format(r, 18, &j.reason_zh, &f.wrap)?;
    ws.write_string_with_format(r, 19, &j.reason_en, &f.wrap)?;
    Ok(())
}

fn indicators(
    ws: &mut Worksheet,
    input: &Input<'_>,
    rows: &[Row<'_>],
    f: &Formats,
) -> Result<(), XlsxError> {
    let r0 = start(ws, INDICATORS, input, col(INDICATOR_HEADS.len()), f)?;
    header(ws, r0, &INDICATOR_HEADS, f)?;
    for (i, row) in rows.iter().enumerate() {
        indicator_row(ws, r0 + 1 + i as u32, row, f)?;
    }
    for (c, w) in INDICATOR_WIDTHS.iter().enumerate() {
        ws.set_column_width(col(c), *w)?;
    }
    ws.set_freeze_panes(r0 + 1, 2)?;
    ws.autofilter(
        r0,
        0,
        r0 + rows.len() as u32,
        col(INDICATOR_HEADS.len() - 1),
    )?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(r0, r0)?;
    Ok(())
}

fn warnings(
    ws: &mut Worksheet,
    input: &Input<'_>,
    rows: &[Row<'_>],
    f: &Formats,
) -> Result<(), XlsxError> {
    let r0 = start(ws, WARNINGS, input, col(INDICATOR_HEADS.len()), f)?;
    let warned = model::warnings(rows);
    if warned.is_empty() {
        ws.write_string_with_format(
            r0,
            0,
            "本期无预警指标 / No indicator raises a warning in this evaluation.",
            &f.text,
        )?;
        ws.set_column_width(0, 60)?;
        return Ok(());
    }
    header(ws, r0, &INDICATOR_HEADS, f)?;
    for (i, row) in warned.iter().enumerate() {
        indicator_row(ws, r0 + 1 + i as u32, row, f)?;
    }
    for (c, w) in INDICATOR_WIDTHS.iter().enumerate() {
        ws.set_column_width(col(c), *w)?;
    }
    ws.set_freeze_panes(r0 + 1, 2)?;
    ws.set_landscape();
    Ok(())
}

/// The statistics of one equalization as (measure, value, format) rows.
fn stats_rows<'f>(
    st: &Equalization,
    input: &Input<'_>,
    f: &'f Formats,
) -> Vec<(String, Option<f64>, &'f Format, String)> {
    let name = |id: &str| region_name_str(input.regions, id);
    vec![
        (
            both("地区数", "Regions"),
            Some(st.n as f64),
            &f.number,
            String::new(),
        ),
        (
            both("均值", "Mean"),
            Some(st.mean),
            &f.number,
            String::new(),
        ),
        (
            both("人口加权均值", "Population-weighted mean"),
            Some(st.weighted_mean),
            &f.number,
            String::new(),
        ),
        (
            both("标准差", "Standard deviation"),
            Some(st.sd),
            &f.number,
            String::new(),
        ),
        (
            both("差异系数", "Coefficient of variation"),
            Some(st.cv),
            &f.index,
            String::new(),
        ),
        (
            both("加权差异系数", "Weighted CV (Williamson)"),
            Some(st.weighted_cv),
            &f.index,
            String::new(),
        ),
        (
            both("基尼系数", "Gini coefficient"),
            Some(st.gini),
            &f.index,
            String::new(),
        ),
        (
            both("人口加权基尼系数", "Weighted Gini"),
            Some(st.weighted_gini),
            &f.index,
            String::new(),
        ),
        (
            both("泰尔指数 T", "Theil index T"),
            Some(st.theil_t),
            &f.index,
            String::new(),
        ),
        (
            both("泰尔指数组间", "Theil between groups"),
            st.theil_between,
            &f.index,
            String::new(),
        ),
        (
            both("泰尔指数组内", "Theil within groups"),
            st.theil_within,
            &f.index,
            String::new(),
        ),
        (
            both("最高值", "Maximum"),
            Some(st.max),
            &f.number,
            name(&st.max_id),
        ),
        (
            both("最低值", "Minimum"),
            Some(st.min),
            &f.number,
            name(&st.min_id),
        ),
        (
            both("极值比", "Max/min ratio"),
            st.max_min_ratio,
            &f.index,
            String::new(),
        ),
        (
            both("达标率", "Share meeting the standard"),
            st.share_meeting,
            &f.share,
            String::new(),
        ),
    ]
}

/// Writes statistics rows from `r`; returns the next free row.
fn write_stats(
    ws: &mut Worksheet,
    mut r: u32,
    st: &Equalization,
    input: &Input<'_>,
    f: &Formats,
) -> Result<u32, XlsxError> {
    header(
        ws,
        r,
        &[("统计量", "Measure"), ("数值", "Value"), ("地区", "Region")],
        f,
    )?;
    r += 1;
    for (label, v, fmt, note) in stats_rows(st, input, f) {
        ws.write_string_with_format(r, 0, label, &f.text)?;
        opt_number(ws, r, 1, v, fmt)?;
        ws.write_string_with_format(r, 2, note, &f.text)?;
        r += 1;
    }
    Ok(r)
}

/// Writes region values (code, name, value) from `r`, highest first; returns the next free row.
fn write_values(
    ws: &mut Worksheet,
    mut r: u32,
    values: &[(RegionCode, f64)],
    value_head: (&str, &str),
    input: &Input<'_>,
    f: &Formats,
) -> Result<u32, XlsxError> {
    header(
        ws,
        r,
        &[("代码", "Code"), ("地区", "Region"), value_head],
        f,
    )?;
    r += 1;
    for (code, name, v) in model::ranked(input.regions, values) {
        ws.write_string_with_format(r, 0, code.to_string(), &f.text)?;
        ws.write_string_with_format(r, 1, name, &f.text)?;
        ws.write_number_with_format(r, 2, v, &f.number)?;
        r += 1;
    }
    Ok(r)
}

fn equalization(ws: &mut Worksheet, input: &Input<'_>, f: &Formats) -> Result<(), XlsxError> {
    let mut r = start(ws, EQUALIZATION, input, 4, f)?;
    ws.set_column_width(0, 34)?;
    ws.set_column_width(1, 22)?;
    ws.set_column_width(2, 20)?;
    ws.set_column_width(3, 20)?;
    if input.equalization.is_empty() {
        ws.write_string_with_format(
            r,
            0,
            "本报告未包含均等化统计 / No equalization statistics in this report.",
            &f.text,
        )?;
        return Ok(());
    }
    for e in input.equalization {
        r = equalization_block(ws, r, e, input, f)?;
        r += 2;
    }
    Ok(())
}

fn equalization_block(
    ws: &mut Worksheet,
    mut r: u32,
    e: &EqualizationSection,
    input: &Input<'_>,
    f: &Formats,
) -> Result<u32, XlsxError> {
    ws.write_string_with_format(
        r,
        0,
        format!(
            "{} {}{}",
            e.code,
            e.name,
            if e.unit.is_empty() {
                String::new()
            } else {
                format!(" ({})", e.unit)
            }
        ),
        &f.title,
    )?;
    r += 1;
    ws.write_string_with_format(
        r,
        0,
        format!(
            "{} · {}{} {} regions ({}){}",
            e.year,
            level_zh(e.level),
            e.stats.n,
            e.stats.n,
            level_en(e.level),
            match e.target {
                Some(t) => format!(" · 标准 standard {t}"),
                None => String::new(),
            }
        ),
        &f.muted,
    )?;
    if e.synthetic {
        ws.write_string_with_format(r, 2, format!("{SYNTHETIC_ZH} / {SYNTHETIC_EN}"), &f.red)?;
    }
    r += 2;
    r = write_stats(ws, r, &e.stats, input, f)?;
    if !e.stats.groups.is_empty() {
        r += 1;
        header(
            ws,
            r,
            &[
                ("组", "Group"),
                ("地区数", "Regions"),
                ("加权均值", "Weighted mean"),
                ("占加权总量", "Share of total"),
                ("组内泰尔指数", "Theil T within"),
            ],
            f,
        )?;
        r += 1;
        for g in &e.stats.groups {
            ws.write_string_with_format(r, 0, region_name_str(input.regions, &g.id), &f.text)?;
            ws.write_number_with_format(r, 1, g.n as f64, &f.number)?;
            ws.write_number_with_format(r, 2, g.weighted_mean, &f.number)?;
            ws.write_number_with_format(r, 3, g.share, &f.share)?;
            ws.write_number_with_format(r, 4, g.theil_t, &f.index)?;
            r += 1;
        }
    }
    r += 1;
    write_values(ws, r, &e.values, ("数值", "Value"), input, f)
}

fn composite(
    ws: &mut Worksheet,
    input: &Input<'_>,
    c: &CompositeSection,
    f: &Formats,
) -> Result<(), XlsxError> {
    let mut r = start(ws, COMPOSITE, input, 4, f)?;
    ws.set_column_width(0, 34)?;
    ws.set_column_width(1, 30)?;
    ws.set_column_width(2, 14)?;
    ws.set_column_width(3, 14)?;
    ws.write_string_with_format(
        r,
        0,
        format!(
            "综合指数 Composite index — {} · {}{} {} regions ({})",
            c.year,
            level_zh(c.level),
            c.scores.len(),
            c.scores.len(),
            level_en(c.level)
        ),
        &f.title,
    )?;
    if c.synthetic {
        ws.write_string_with_format(r + 1, 0, format!("{SYNTHETIC_ZH} / {SYNTHETIC_EN}"), &f.red)?;
    }
    r += 3;
    header(
        ws,
        r,
        &[
            ("代码", "Code"),
            ("指标", "Indicator"),
            ("权重", "Weight"),
            ("占比", "Share"),
        ],
        f,
    )?;
    r += 1;
    let total: f64 = c.weights.iter().map(|w| w.2).sum();
    for (code, name, w) in &c.weights {
        ws.write_string_with_format(r, 0, code, &f.text)?;
        ws.write_string_with_format(r, 1, name, &f.text)?;
        ws.write_number_with_format(r, 2, *w, &f.number)?;
        opt_number(ws, r, 3, (total > 0.0).then(|| w / total), &f.share)?;
        r += 1;
    }
    r += 1;
    r = write_values(ws, r, &c.scores, ("得分", "Score"), input, f)?;
    if let Some(st) = &c.stats {
        r += 1;
        write_stats(ws, r, st, input, f)?;
    }
    Ok(())
}

fn notes(ws: &mut Worksheet, input: &Input<'_>, f: &Formats) -> Result<(), XlsxError> {
    let mut r = start(ws, NOTES, input, 3, f)?;
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 90)?;
    ws.set_column_width(2, 90)?;
    ws.write_string_with_format(r, 0, both("方法说明", "Method notes"), &f.title)?;
    r += 1;
    header(
        ws,
        r,
        &[("方法", "Method"), ("说明", "Note"), ("Note", "(English)")],
        f,
    )?;
    r += 1;
    for n in model::method_notes(input) {
        ws.write_string_with_format(r, 0, both(n.title_zh, n.title_en), &f.bold)?;
        ws.write_string_with_format(r, 1, &n.zh, &f.wrap)?;
        ws.write_string_with_format(r, 2, &n.en, &f.wrap)?;
        r += 1;
    }
    if input.synthetic {
        r += 1;
        ws.write_string_with_format(r, 0, format!("{SYNTHETIC_ZH} / {SYNTHETIC_EN}"), &f.red)?;
        ws.write_string_with_format(r, 1, SYNTHETIC_NOTE_ZH, &f.wrap)?;
        ws.write_string_with_format(r, 2, SYNTHETIC_NOTE_EN, &f.wrap)?;
        r += 1;
    }
    r += 1;
    ws.write_string_with_format(r, 0, both("数据来源", "Data sources"), &f.title)?;
    r += 1;
    let plan = input.plan;
    let lines = [
        (
            both("规划文本", "Plan"),
            format!("{} ({}), {}", plan.name, plan.id, plan.source_document),
        ),
        (
            both("监测数据", "Monitoring data"),
            format!(
                "{}, {} observations",
                input.data_label,
                input.observations.len()
            ),
        ),
        (both("生成", "Generated by"), input.generated_by.clone()),
    ];
    for (k, v) in lines {
        ws.write_string_with_format(r, 0, k, &f.bold)?;
        ws.write_string_with_format(r, 1, v, &f.wrap)?;
        r += 1;
    }
    r += 1;
    header(
        ws,
        r,
        &[
            ("指标", "Indicators"),
            ("观测值来源", "Source of the observations"),
        ],
        f,
    )?;
    r += 1;
    for (src, codes) in model::sources(input) {
        ws.write_string_with_format(r, 0, codes.join(", "), &f.text)?;
        ws.write_string_with_format(r, 1, src, &f.wrap)?;
        r += 1;
    }
    Ok(())
}
