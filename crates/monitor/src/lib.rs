//! Minsheng monitor: judging a plan against data (年度监测, 中期评估, 总结评估).
//!
//! - [`sdg`] — the Open SDG progress measure (CAGR ratio, status and score), exactly as sdg-build's
//!   `sdg/ProgressMeasure.py`.
//! - [`evaluate`] — a plan judged at a year: one record per indicator (per series), with projection.
//! - [`observations`] — tidy observation files read and validated against a plan, all problems at once.
//! - [`progress`] — the 序时进度 (time-share) method: status, completion and red/yellow warnings.
//! - [`panel`] — observations indexed once by code, series, region and year (shared by the engines below).
//! - [`regional`] — an indicator across the prefectures or counties of a region: equalization, composite index.
//! - [`rollup`] — roll-up of counts and numerator/denominator elements to parent regions (DHIS2's model).
//! - [`synth`] — a seeded generator of SYNTHETIC county observations calibrated to the plans' provincial figures.
//! - [`equalize`] — equalization (均等化) statistics across regions: CV, Gini, Theil with decomposition.
//!
//! Depends on `minsheng-core` only.

pub mod equalize;
pub mod evaluate;
pub mod observations;
pub mod panel;
pub mod progress;
pub mod regional;
pub mod rollup;
pub mod sdg;
pub mod synth;
