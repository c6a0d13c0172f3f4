//! The catalogues that ship with Minsheng (`catalogues/*.toml`), built into the binary.

use minsheng_core::diag::Diagnostic;

use crate::catalogue::{self, Catalogue, Context};
use crate::regions::RegionIndex;

/// `(id, file, text)` of each shipped catalogue.
pub const CATALOGUES: &[(&str, &str, &str)] = &[
    (
        "yunnan-14",
        "catalogues/yunnan-14.toml",
        include_str!("../../../catalogues/yunnan-14.toml"),
    ),
    (
        "gansu-14",
        "catalogues/gansu-14.toml",
        include_str!("../../../catalogues/gansu-14.toml"),
    ),
];

/// The default catalogue of every command.
pub const DEFAULT: &str = "yunnan-14";

/// `(file, text)` of a shipped catalogue by id.
pub fn text(id: &str) -> Option<(String, String)> {
    CATALOGUES
        .iter()
        .find(|(i, _, _)| *i == id)
        .map(|(_, f, t)| (f.to_string(), t.to_string()))
}

/// The text of a shipped seed (`seeds/…`).
pub fn seed(name: &str) -> Option<String> {
    minsheng_core::shipped::seed(name).map(str::to_string)
}

/// Loads a shipped catalogue by id.
pub fn load(id: &str, regions: &RegionIndex) -> (Option<Catalogue>, Vec<Diagnostic>) {
    let Some((file, text)) = self::text(id) else {
        return (None, Vec::new());
    };
    let ctx = Context {
        regions,
        resolve: &self::text,
        seed: &self::seed,
    };
    catalogue::load(&file, &text, &ctx)
}
