//! 人口与设施 — population points, facilities and region polygons, read from CSV and GeoJSON, and distances.
//!
//! - [`read_population_csv`] / [`read_population_geojson`]: points with a count per population group (`total`,
//!   `age0_3`, `age60` …), every numeric column or property beyond the id, the coordinates and `region`.
//! - [`read_facilities_csv`] / [`read_facilities_geojson`]: facilities with a type from the circles file and an
//!   optional capacity.
//! - [`Regions`]: region polygons (Polygon and MultiPolygon, holes) with a grid index; [`Regions::locate`].
//! - [`Zones`]: which region (or unit named in a `region` column) each point and facility lies in; points outside
//!   every region are reported, never dropped silently.
//! - [`haversine_m`]: great-circle distance.
//!
//! Every reader gathers all problems, each with file, row, column and reason, and returns nothing when there is an
//! error. GeoJSON features are numbered like rows: feature `i` (0-based) is row `i + 1`, and the column is the
//! property (or `geometry`) at fault. Coordinates are degrees (WGS-84 or GCJ-02, as given: no datum shift is made),
//! longitude in −180..180 and latitude in −90..90.

mod read;
mod regions;

pub use read::{
    read_facilities_csv, read_facilities_geojson, read_population_csv, read_population_geojson,
};
pub use regions::{Region, RegionColumns, Regions, read_regions_geojson};

use crate::input::{MAX_PROBLEMS, Problem};

/// Mean Earth radius (IUGG, 6,371,008.8 m), the radius of the sphere on which distances are measured.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance between two points on the sphere of radius [`EARTH_RADIUS_M`] (haversine formula).
///
/// # Units
/// Longitudes and latitudes in degrees; the result in metres.
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let h = hav(p2 - p1) + p1.cos() * p2.cos() * hav((lon2 - lon1).to_radians());
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// The haversine of an angle in radians: sin²(θ/2).
pub(crate) fn hav(theta: f64) -> f64 {
    let s = (theta / 2.0).sin();
    s * s
}

/// A number for a message: plain, or in scientific notation when very large or very small.
pub(crate) fn fmt_num(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e9).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Checks a longitude (degrees).
pub(crate) fn check_lon(v: f64) -> Result<f64, String> {
    if v.is_finite() && (-180.0..=180.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("longitude {} is outside −180..180", fmt_num(v)))
    }
}

/// Checks a latitude (degrees).
pub(crate) fn check_lat(v: f64) -> Result<f64, String> {
    if v.is_finite() && (-90.0..=90.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("latitude {} is outside −90..90", fmt_num(v)))
    }
}

/// One population group: a name (the CSV column or GeoJSON property) and a count per point.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    /// People of the group at each point (finite, ≥ 0), aligned with [`Population::ids`].
    pub values: Vec<f64>,
}

/// Population points (人口点): an id, a position and the people of each group living there.
///
/// All vectors have one entry per point, in file order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Population {
    /// The file as the user named it (for messages).
    pub file: String,
    /// The row of each point in its file (CSV: the header is row 1; GeoJSON: feature index + 1).
    pub rows: Vec<usize>,
    pub ids: Vec<String>,
    /// Longitude in degrees.
    pub lon: Vec<f64>,
    /// Latitude in degrees.
    pub lat: Vec<f64>,
    /// The `region` column or property, when the file has one ("" where blank).
    pub region: Option<Vec<String>>,
    /// The groups in column order.
    pub groups: Vec<Group>,
}

impl Population {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The counts of a group by name.
    pub fn group(&self, name: &str) -> Option<&[f64]> {
        self.groups
            .iter()
            .find(|g| g.name == name)
            .map(|g| g.values.as_slice())
    }

    /// The group names in column order.
    pub fn group_names(&self) -> Vec<&str> {
        self.groups.iter().map(|g| g.name.as_str()).collect()
    }
}

/// Facilities (设施): an id, a type of the circles file, a position and an optional capacity.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facilities {
    /// The file as the user named it (for messages).
    pub file: String,
    /// The row of each facility in its file (CSV: the header is row 1; GeoJSON: feature index + 1).
    pub rows: Vec<usize>,
    pub ids: Vec<String>,
    /// The known facility types the file was checked against; [`Facilities::kind`] indexes this list.
    pub types: Vec<String>,
    /// The type of each facility, an index into [`Facilities::types`].
    pub kind: Vec<u32>,
    /// Longitude in degrees.
    pub lon: Vec<f64>,
    /// Latitude in degrees.
    pub lat: Vec<f64>,
    /// Capacity in the type's unit (托位, 床位, m² …); `None` when not given.
    pub capacity: Vec<Option<f64>>,
    /// The `region` column or property, when the file has one ("" where blank).
    pub region: Option<Vec<String>>,
}

impl Facilities {
    /// Number of facilities.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The indices of the facilities of a type (none when the type is unknown).
    pub fn of_type(&self, facility_type: &str) -> Vec<usize> {
        match self.types.iter().position(|t| t == facility_type) {
            Some(k) => (0..self.len())
                .filter(|&i| self.kind[i] as usize == k)
                .collect(),
            None => Vec::new(),
        }
    }

    /// The type name of facility `i`.
    pub fn type_of(&self, i: usize) -> &str {
        self.kind
            .get(i)
            .and_then(|&k| self.types.get(k as usize))
            .map_or("", String::as_str)
    }
}

/// Which zone (region polygon, or unit named in a `region` column) each point and each facility belongs to.
///
/// Coverage, supply norms and population thresholds are computed per zone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Zones {
    /// The zone codes; a zone index refers to this list.
    pub codes: Vec<String>,
    /// The zone names ("" when unknown).
    pub names: Vec<String>,
    /// The zone of each population point, `None` when outside every zone.
    pub of_point: Vec<Option<u32>>,
    /// The zone of each facility, `None` when outside every zone.
    pub of_facility: Vec<Option<u32>>,
}

impl Zones {
    /// Zones from region polygons: each point and facility is located in the polygons (in parallel).
    ///
    /// Returns the zones and one warning per point or facility outside every region (file, row, id), up to
    /// [`MAX_PROBLEMS`] warnings followed by a count of the rest.
    pub fn from_regions(
        regions: &Regions,
        population: &Population,
        facilities: Option<&Facilities>,
    ) -> (Zones, Vec<Problem>) {
        let of_point = regions.locate_all(&population.lon, &population.lat);
        let of_facility = facilities
            .map(|f| regions.locate_all(&f.lon, &f.lat))
            .unwrap_or_default();
        let mut warnings = outside(
            &population.file,
            &population.rows,
            &population.ids,
            &of_point,
            "point",
        );
        if let Some(f) = facilities {
            warnings.extend(outside(&f.file, &f.rows, &f.ids, &of_facility, "facility"));
        }
        let zones = Zones {
            codes: regions.codes().to_vec(),
            names: regions.names().to_vec(),
            of_point,
            of_facility,
        };
        (zones, warnings)
    }

    /// Zones from the `region` columns of the population and facility files (units such as villages or
    /// communities named in the data). Zone codes are in order of first appearance.
    ///
    /// A file without a `region` column is an error; a blank cell is a warning (the row lies in no zone).
    pub fn from_columns(
        population: &Population,
        facilities: Option<&Facilities>,
    ) -> Result<(Zones, Vec<Problem>), Vec<Problem>> {
        let mut codes = Codes::default();
        let mut warnings = Vec::new();
        let mut errors = Vec::new();
        let mut zones = Zones::default();
        match codes.assign(
            &population.file,
            &population.rows,
            &population.ids,
            population.region.as_deref(),
            "point",
            &mut warnings,
        ) {
            Ok(z) => zones.of_point = z,
            Err(p) => errors.push(p),
        }
        if let Some(f) = facilities {
            match codes.assign(
                &f.file,
                &f.rows,
                &f.ids,
                f.region.as_deref(),
                "facility",
                &mut warnings,
            ) {
                Ok(z) => zones.of_facility = z,
                Err(p) => errors.push(p),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        zones.names = vec![String::new(); codes.list.len()];
        zones.codes = codes.list;
        Ok((zones, warnings))
    }

    /// Number of zones.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

fn id_at(ids: &[String], i: usize) -> &str {
    ids.get(i).map_or("", String::as_str)
}

/// Zone codes in order of first appearance.
#[derive(Default)]
struct Codes {
    list: Vec<String>,
    index: rustc_hash::FxHashMap<String, u32>,
}

impl Codes {
    /// The zone of each row of a `region` column; blank cells are warnings, a missing column an error.
    fn assign(
        &mut self,
        file: &str,
        rows: &[usize],
        ids: &[String],
        column: Option<&[String]>,
        what: &str,
        warnings: &mut Vec<Problem>,
    ) -> Result<Vec<Option<u32>>, Problem> {
        let column = column.ok_or_else(|| {
            Problem::new(
                file,
                1,
                "region",
                "no column named \"region\": zones from columns need one in every file",
            )
        })?;
        Ok(column
            .iter()
            .enumerate()
            .map(|(i, code)| {
                if code.is_empty() {
                    if warnings.len() < MAX_PROBLEMS {
                        warnings.push(Problem::new(
                            file,
                            rows.get(i).copied().unwrap_or(0),
                            "region",
                            format!(
                                "{what} {:?} has no region; it lies in no zone",
                                id_at(ids, i)
                            ),
                        ));
                    }
                    return None;
                }
                if let Some(&z) = self.index.get(code) {
                    return Some(z);
                }
                let z = self.list.len() as u32;
                self.list.push(code.clone());
                self.index.insert(code.clone(), z);
                Some(z)
            })
            .collect())
    }
}

/// One warning per row outside every region (capped), and a summary of the rest.
fn outside(
    file: &str,
    rows: &[usize],
    ids: &[String],
    zone: &[Option<u32>],
    what: &str,
) -> Vec<Problem> {
    let missing: Vec<usize> = (0..zone.len()).filter(|&i| zone[i].is_none()).collect();
    let mut out: Vec<Problem> = missing
        .iter()
        .take(MAX_PROBLEMS)
        .map(|&i| {
            Problem::new(
                file,
                rows.get(i).copied().unwrap_or(0),
                "",
                format!("{what} {:?} lies outside every region", id_at(ids, i)),
            )
        })
        .collect();
    if missing.len() > MAX_PROBLEMS {
        out.push(Problem::new(
            file,
            0,
            "",
            format!(
                "{} more {what}s lie outside every region",
                missing.len() - MAX_PROBLEMS
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_known_distances() {
        // One degree of latitude on the sphere: R·π/180.
        let d = haversine_m(100.0, 25.0, 100.0, 26.0);
        assert!((d - EARTH_RADIUS_M * std::f64::consts::PI / 180.0).abs() < 1e-6);
        // Kunming to Guiyang, roughly 430 km apart.
        let d = haversine_m(102.71, 25.04, 106.63, 26.65);
        assert!((420_000.0..440_000.0).contains(&d), "{d}");
        assert_eq!(haversine_m(1.0, 2.0, 1.0, 2.0), 0.0);
        // Antipodes: half the circumference, no NaN from rounding.
        let d = haversine_m(0.0, 0.0, 180.0, 0.0);
        assert!((d - EARTH_RADIUS_M * std::f64::consts::PI).abs() < 1e-6);
    }
}
