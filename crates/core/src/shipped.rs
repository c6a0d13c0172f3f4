//! The data Minsheng ships, compiled in so that the binary works from any directory:
//! the plan files of `plans/`, the seed documents they cite (`plans/seeds/`) and the region table
//! (`data/regions/regions.csv`, sources in `data/regions/SOURCES.md`).

use crate::diag::Diagnostic;
use crate::plan::{self, Context, Plan};
use crate::region::RegionTable;

/// A plan file shipped with Minsheng: its file name under `plans/` and its text.
pub struct ShippedPlan {
    pub file: &'static str,
    pub text: &'static str,
}

macro_rules! plan_files {
    ($($name:literal),* $(,)?) => {
        &[$(ShippedPlan { file: concat!("plans/", $name), text: include_str!(concat!("../../../plans/", $name)) }),*]
    };
}

/// The shipped plan files, in the order of the seeds (Qinghai, Gansu, the city, Guizhou, Yunnan).
pub const PLANS: &[ShippedPlan] = plan_files!(
    "qinghai-14.toml",
    "gansu-14.toml",
    "city-14.toml",
    "guizhou-13.toml",
    "guizhou-14.toml",
    "yunnan-13.toml",
    "yunnan-14.toml",
);

/// The seed documents, by the name plan files use (`seeds/<file>`).
const SEEDS: &[(&str, &str)] = &[
    (
        "seeds/000_99d98131ff422fac.txt",
        include_str!("../../../plans/seeds/000_99d98131ff422fac.txt"),
    ),
    (
        "seeds/001_35a2699f1af213e7.txt",
        include_str!("../../../plans/seeds/001_35a2699f1af213e7.txt"),
    ),
    (
        "seeds/002_9cfe9112784fc8fd.txt",
        include_str!("../../../plans/seeds/002_9cfe9112784fc8fd.txt"),
    ),
    (
        "seeds/003_5e766a782477adbf.txt",
        include_str!("../../../plans/seeds/003_5e766a782477adbf.txt"),
    ),
    (
        "seeds/004_e3f94e0aafab1863.txt",
        include_str!("../../../plans/seeds/004_e3f94e0aafab1863.txt"),
    ),
];

/// The region table CSV (`code,name,level,parent,lon,lat`).
pub const REGIONS_CSV: &str = include_str!("../../../data/regions/regions.csv");

/// The 2020 actuals of the 十三五 completion tables, as tidy observation CSVs: (file, text).
pub const OBSERVATIONS: &[(&str, &str)] = &[
    (
        "data/observations/guizhou-13-actual-2020.csv",
        include_str!("../../../data/observations/guizhou-13-actual-2020.csv"),
    ),
    (
        "data/observations/yunnan-13-actual-2020.csv",
        include_str!("../../../data/observations/yunnan-13-actual-2020.csv"),
    ),
];

/// The text of a shipped seed document named as in a plan file (`seeds/003_….txt`).
pub fn seed(name: &str) -> Option<&'static str> {
    SEEDS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The shipped region table.
///
/// # Errors
/// The table's own problems, which the test suite keeps at none.
pub fn regions() -> Result<RegionTable, Vec<crate::region::RegionError>> {
    RegionTable::from_csv(REGIONS_CSV)
}

/// The shipped plan with this id, if it loads without error.
pub fn plan(id: &str, regions: &RegionTable) -> Option<Plan> {
    plans(regions)
        .into_iter()
        .filter_map(|(p, _)| p)
        .find(|p| p.id == id)
}

/// Loads every shipped plan with the shipped regions and seeds.
pub fn plans(regions: &RegionTable) -> Vec<(Option<Plan>, Vec<Diagnostic>)> {
    let source = |name: &str| seed(name).map(str::to_string);
    let ctx = Context {
        regions: Some(regions),
        source: &source,
    };
    PLANS
        .iter()
        .map(|p| plan::load(p.file, p.text, &ctx))
        .collect()
}

/// National reference figures implied by the seeds (`data/reference/national.csv`: `name,year,value,unit,source`).
pub const REFERENCE_NATIONAL: &str = include_str!("../../../data/reference/national.csv");

/// The text of a shipped observation file named by its repository path (`data/observations/…`).
pub fn observations(path: &str) -> Option<&'static str> {
    let normalized = path.trim_start_matches("./");
    OBSERVATIONS
        .iter()
        .find(|(p, _)| *p == normalized)
        .map(|(_, t)| *t)
}
