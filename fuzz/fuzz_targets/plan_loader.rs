//! Fuzz the plan-file loader: any text must give a plan or diagnostics, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minsheng_core::plan::{Context, load};
use minsheng_core::region::RegionTable;
use minsheng_core::shipped;

static REGIONS: std::sync::OnceLock<RegionTable> = std::sync::OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let regions = REGIONS.get_or_init(|| shipped::regions().unwrap_or_default());
    let source = |n: &str| shipped::seed(n).map(str::to_string);
    let ctx = Context { regions: Some(regions), source: &source };
    let (plan, diags) = load("fuzz.toml", text, &ctx);
    // A plan comes back only when there is no error.
    assert!(plan.is_none() || diags.iter().all(|d| d.severity == minsheng_core::diag::Severity::Warning));
    for d in &diags {
        let _ = d.to_string();
    }
});
