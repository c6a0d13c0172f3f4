//! Fuzz the OSM PBF reader with both profiles: any bytes must give a graph or an error, never a panic or an
//! allocation the file's size does not justify.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minsheng_access::network::{Graph, Profile};

fuzz_target!(|data: &[u8]| {
    for profile in [Profile::Walk, Profile::Drive] {
        if let Ok(g) = Graph::from_osm_pbf(data, profile) {
            let _ = g.snap(24.94, 60.17);
        }
    }
});
