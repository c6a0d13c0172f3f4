//! Minsheng core: the domain types every engine shares.
//!
//! - [`target`] — the target grammar (指标值语法): what a plan cell such as `70以上` or `[200]` means.
//! - [`plan`] — plans as checked data, loaded from plan TOML files with all their diagnostics.
//! - [`region`] — GB/T 2260 administrative regions.
//! - [`diag`] — diagnostics with file, line, column and reason.
//! - [`rng`] — the seedable generator of SYNTHETIC data.
//! - [`shipped`] — the plans, seed documents and region table compiled into the binary.
//!
//! This crate does no IO besides parsing text it is given; it depends on no other workspace crate.

pub mod diag;
pub mod plan;
pub mod region;
pub mod rng;
pub mod shipped;
pub mod target;
