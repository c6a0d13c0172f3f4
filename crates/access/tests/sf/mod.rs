//! spopt's San Francisco instance as spopt's tests build it (tests/fixtures/spopt-sf, BSD-3-Clause): the network
//! distance file with rows = tracts sorted by NAME and columns = stores sorted by name (so Store_1, Store_11, …,
//! Store_19, Store_2, …, Store_7), weights = POP2000 of the demand file. Shared by the golden test, the criterion
//! bench and the peer example (`#[path]`).

use std::error::Error;

use minsheng_access::input::{CostColumns, align_demand, read_costs, read_weights_by};
use minsheng_access::matrix::CostMatrix;

pub const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/spopt-sf/");

/// The matrix (tracts × stores) and the tract weights.
pub fn sf() -> Result<(CostMatrix, Vec<f64>), Box<dyn Error>> {
    let file = "SF_network_distance_candidateStore_16_censusTract_205_new.csv";
    let text = std::fs::read_to_string(format!("{DIR}{file}"))?;
    let cols = CostColumns {
        demand: "DestinationName".into(),
        site: "name".into(),
        cost: "distance".into(),
    };
    let m = read_costs(file, &text, &cols).map_err(|p| format!("{p:?}"))?;
    // The demand file's first column is a row number: the id is NAME.
    let dfile = "SF_demand_205_centroid_uniform_weight.csv";
    let text = std::fs::read_to_string(format!("{DIR}{dfile}"))?;
    let mut weights =
        read_weights_by(dfile, &text, Some("NAME"), "POP2000").map_err(|p| format!("{p:?}"))?;
    weights.sort_by(|a, b| a.0.cmp(&b.0));
    let (m, w) = align_demand(file, &m, &weights).map_err(|p| format!("{p:?}"))?;
    Ok((m.sites_sorted(), w))
}
