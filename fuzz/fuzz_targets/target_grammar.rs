//! Fuzz the target grammar: any text, with and without a declared unit, must parse or fail cleanly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minsheng_core::target::{ParseOptions, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The first line may carry a unit, the rest is the cell.
    let (unit, cell) = match text.split_once('\n') {
        Some((u, c)) => (Some(u), c),
        None => (None, text),
    };
    if let Ok(c) = parse(cell, &ParseOptions { unit }) {
        // Display and the accessors must hold up too.
        let _ = c.to_string();
        let _ = c.kind();
        let _ = c.number();
        assert_eq!(c.raw(), cell);
    }
});
