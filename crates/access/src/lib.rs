//! Facility planning (设施布局): who is covered, who is not, and where the next facility should go.
//!
//! - [`matrix`]: sparse travel costs between demand points and sites, both directions cheapest first.
//! - [`input`]: long cost files (`demand,site,cost`) and demand weight files, every problem with file/row/column.
//! - [`fca`]: floating catchment measures (FCA, 2SFCA, E2SFCA, 3SFCA) with PySAL `access` semantics.
//! - [`site`]: LSCP, MCLP, p-median and p-center, exact (MIP through `good_lp`) and heuristic.
//! - [`network`]: road networks from OSM PBF (walk and drive profiles), snapping, shortest paths.
//! - [`geo`]: population points, facilities, region polygons (CSV and GeoJSON), distances.
//! - [`circles`]: service circles, supply norms and population thresholds as data, each citing its seed line.
//! - [`coverage`]: nearest facility, coverage per group and region, cumulative opportunities, compliance.
//!
//! Depends on `minsheng-core` only (checked by the CLI's architecture test).

pub mod circles;
pub mod coverage;
pub mod fca;
pub mod geo;
pub mod input;
pub mod matrix;
pub mod network;
pub mod site;

pub use input::{CostColumns, Problem};
pub use matrix::{CostMatrix, MatrixError};
