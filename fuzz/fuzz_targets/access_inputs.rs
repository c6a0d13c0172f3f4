//! Fuzz the facility-planning readers: cost and demand CSV, population and facility CSV/GeoJSON, region GeoJSON
//! and the service-circles TOML. Any bytes must give a value or problems, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minsheng_access::circles;
use minsheng_access::geo;
use minsheng_access::input::{CostColumns, read_costs, read_weights};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = read_costs("f.csv", text, &CostColumns::default());
    let _ = read_weights("f.csv", text, "weight");
    let _ = geo::read_population_csv("f.csv", text);
    let _ = geo::read_population_geojson("f.geojson", text);
    let known = ["fitness", "culture"];
    let _ = geo::read_facilities_csv("f.csv", text, &known);
    let _ = geo::read_facilities_geojson("f.geojson", text, &known);
    if let Ok(regions) = geo::read_regions_geojson("f.geojson", text, &geo::RegionColumns::default()) {
        let _ = regions.locate(102.7, 25.0);
    }
    let _ = circles::load("f.toml", text, &circles::Context::shipped());
});
