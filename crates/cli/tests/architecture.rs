//! Architecture invariants, checked from `cargo metadata` (rust-analyzer's tidy tests):
//! `minsheng-core` depends on no workspace crate; engines (`minsheng-monitor`, …) on `core` only;
//! `minsheng-report` on `core` and the engines but not on `cli`; only `minsheng-cli` (and later `server`) may
//! depend on all.

// Tests report a failure by panicking (the workspace denies panic! in library and binary code).
#![allow(clippy::panic)]

use std::process::Command;

/// The engine crates: they depend on `core` only; the report crate may depend on them.
const ENGINES: &[&str] = &["minsheng-monitor", "minsheng-access", "minsheng-entitle"];

#[test]
fn core_depends_on_no_workspace_crate() {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("cargo metadata: {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let packages = meta["packages"].as_array().cloned().unwrap_or_default();
    let names: Vec<String> = packages
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect();
    assert!(names.contains(&"minsheng-core".to_string()));
    assert!(names.contains(&"minsheng-report".to_string()));
    for p in &packages {
        let name = p["name"].as_str().unwrap_or("");
        let deps: Vec<&str> = p["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["name"].as_str())
            .filter(|d| names.iter().any(|n| n == d))
            .collect();
        match name {
            "minsheng-core" => assert!(deps.is_empty(), "core must not depend on {deps:?}"),
            "minsheng-cli" => {}
            "minsheng-report" => assert!(
                deps.iter()
                    .all(|d| *d == "minsheng-core" || ENGINES.contains(d)),
                "report may depend on core and the engines only, found {deps:?}"
            ),
            other => assert!(
                deps.iter().all(|d| *d == "minsheng-core"),
                "{other} may depend on core only, found {deps:?}"
            ),
        }
    }
}
