//! 清单与待遇匹配 — the basic public services catalogue and entitlement matching (应保尽保, 服务找人).
//!
//! - [`catalogue`]: the catalogue format (five attributes per item, dated region-specific parameters, an
//!   eligibility rule), cascading from province to county, version diffs.
//! - [`expr`]: the rule language officials read, checked at load time, evaluated column by column.
//! - [`registry`]: persons and households from CSV, validated (GB 11643 check digit, ids, regions, duplicates).
//! - [`run`]: matching a registry against a catalogue: entitled, 漏保 (entitled, not receiving), 错保 (receiving,
//!   not entitled), coverage per region as observations for the monitoring engine.
//! - [`cases`]: OpenFisca-style YAML test cases.
//! - [`synth`]: a SYNTHETIC registry generator for demos and benches.
//!
//! Depends on `minsheng-core` only (regions, diagnostics, the seeds for quotes).

pub mod blocks;
pub mod cases;
pub mod catalogue;
pub mod citizen;
pub mod date;
pub mod explain;
pub mod expr;
pub mod fields;
pub mod parquet_in;
pub mod regions;
pub mod registry;
pub mod run;
pub mod shipped;
pub mod synth;
mod timings;
