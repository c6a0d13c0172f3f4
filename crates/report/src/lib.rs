//! Minsheng report: the evaluation report of a plan (年度监测 / 中期评估 / 总结评估) as one self-contained HTML page
//! and as an XLSX workbook with the same tables.
//!
//! - [`html`] — a printable page in Chinese with an English toggle: header, summary by domain, the traffic-light
//!   table, warnings, one chart per indicator, equalization and composite sections with dot maps, method notes
//!   and data sources. Charts and maps are inline SVG written by hand; the page loads nothing from the network.
//! - [`xlsx`] — the same tables as sheets (概览, 指标, 预警, 均等化, 综合指数, 说明).
//! - [`access`] — facility-planning maps (coverage, underserved areas, chosen sites) and a page of their tables.
//!
//! The caller evaluates ([`minsheng_monitor::evaluate::evaluate`]) and computes equalization statistics; this crate
//! only presents them. Depends on `minsheng-core` and `minsheng-monitor`.

pub mod access;
mod html;
mod model;
mod svg;
mod text;
mod xlsx;

use minsheng_core::plan::Plan;
use minsheng_core::region::{Level, RegionCode, RegionTable};
use minsheng_monitor::equalize::Equalization;
use minsheng_monitor::evaluate::{Kind, Record};
use minsheng_monitor::observations::Observation;
use minsheng_monitor::progress::Thresholds;

/// Everything a report shows.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    pub plan: &'a Plan,
    pub kind: Kind,
    /// The evaluation year.
    pub year: i32,
    /// The region judged (the records are its verdicts).
    pub region: RegionCode,
    /// The evaluation, one record per indicator (per series of a paired indicator), in plan order.
    pub records: &'a [Record],
    /// The observations the records were judged from; the charts draw the judged region's headline series and the
    /// sources section lists their `source` values.
    pub observations: &'a [Observation],
    /// Names and points (longitude, latitude; GCJ-02) of the regions, for the header, tables and maps.
    pub regions: &'a RegionTable,
    /// The thresholds the records were judged with (cited in the method notes).
    pub thresholds: Thresholds,
    pub equalization: &'a [EqualizationSection],
    pub composite: Option<&'a CompositeSection>,
    /// The data file's name, shown in the header.
    pub data_label: String,
    /// Whether any data is synthetic: a banner on every page and sheet says so.
    pub synthetic: bool,
    /// The program that made the report, e.g. `minsheng 0.1.0`.
    pub generated_by: String,
}

/// 均等化 — one indicator's equalization statistics across the child regions of the judged region in one year.
#[derive(Debug, Clone)]
pub struct EqualizationSection {
    /// The indicator's code in the plan.
    pub code: String,
    pub name: String,
    pub unit: String,
    /// The level of the regions compared (prefectures or counties).
    pub level: Level,
    pub year: i32,
    pub stats: Equalization,
    /// Each region's value, for the map and the value table.
    pub values: Vec<(RegionCode, f64)>,
    /// The standard for 达标率, if any.
    pub target: Option<f64>,
    pub synthetic: bool,
}

/// 综合指数 — a composite index (0–100) across regions with its weights.
#[derive(Debug, Clone)]
pub struct CompositeSection {
    pub level: Level,
    pub year: i32,
    /// (indicator code, name, weight).
    pub weights: Vec<(String, String, f64)>,
    /// Each region's score on 0–100.
    pub scores: Vec<(RegionCode, f64)>,
    /// Equalization statistics of the scores, if computed.
    pub stats: Option<Equalization>,
    pub synthetic: bool,
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write the XLSX workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// The report as one self-contained HTML page (UTF-8; no external resources).
pub fn html(input: &Input<'_>) -> String {
    html::render(input)
}

/// The report's tables as an XLSX workbook.
///
/// # Errors
/// When the workbook cannot be assembled (the XLSX writer's error).
pub fn xlsx(input: &Input<'_>) -> Result<Vec<u8>, ReportError> {
    xlsx::render(input)
}
