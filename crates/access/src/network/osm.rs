//! Reading road networks from OpenStreetMap PBF: which ways a profile uses, their direction and speed.
//!
//! The way filters follow pyrosm 0.25's `walking` and `driving+service` filters (themselves OSMnx's `walk` and
//! `drive_service`), written as lists of the `highway` values kept, so that the unsimplified graph has the same
//! nodes and segments as pyrosm's (checked on Helsinki in the tests and by `bench/network_peer.py`).

use std::panic::{AssertUnwindSafe, catch_unwind};

use osmpbf::{BlobDecode, BlobReader, Element};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::snap::haversine_m;
use super::{Edge, Graph, MAX_ELEMENTS, NetworkError};

/// Walking speed, km/h, on every walkable way (steps included). Adults walk about 4.5–5 km/h on the level; the
/// lower value allows for crossings and the elderly. Service circles given as walking distances (GB 50180-2018:
/// 15 minutes ≈ 800–1,000 m) should be searched by [`Weight::Length`](super::Weight::Length) instead.
pub const WALK_SPEED_KMH: f64 = 4.5;

/// The `highway` values of the walking profile. pyrosm's `walking` filter keeps every value but abandoned,
/// bus_guideway, construction, cycleway, motor(way)(_link), no, planned, platform, proposed, raceway, razed,
/// rest_area and services; this is the list of the walkable ones among the rest (busway, ladder, via_ferrata and
/// unknown values are left out).
pub const WALK_HIGHWAYS: [&str; 23] = [
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "road",
    "pedestrian",
    "footway",
    "path",
    "steps",
    "track",
    "trail",
    "bridleway",
    "corridor",
    "elevator",
    "escalator",
];

/// Speeds of the driving profile by `highway` class, km/h, used when a way has no parseable `maxspeed`. The
/// main classes are the planning defaults of this project (motorway 100, trunk 80, primary 60, secondary 50,
/// tertiary 40, unclassified and residential 30, service 20, living_street 10); a link road takes a lower speed
/// than its class (motorway_link 60, trunk_link 50, primary_link 40, secondary_link 40, tertiary_link 30) and
/// an unknown `road` 30. The driving profile uses exactly these classes (pyrosm's `driving+service` keeps every
/// value but those of paths, tracks and the like; these are the roads among the rest).
pub const DRIVE_SPEEDS_KMH: [(&str, f64); 15] = [
    ("motorway", 100.0),
    ("motorway_link", 60.0),
    ("trunk", 80.0),
    ("trunk_link", 50.0),
    ("primary", 60.0),
    ("primary_link", 40.0),
    ("secondary", 50.0),
    ("secondary_link", 40.0),
    ("tertiary", 40.0),
    ("tertiary_link", 30.0),
    ("unclassified", 30.0),
    ("residential", 30.0),
    ("road", 30.0),
    ("service", 20.0),
    ("living_street", 10.0),
];

/// How a network is travelled.
///
/// **Walk**: the ways of [`WALK_HIGHWAYS`], every way both directions (`oneway` is ignored), at
/// [`WALK_SPEED_KMH`]. Left out: `area=yes`; ways closed to pedestrians, decided by the most specific of `foot`
/// and `access` present (`no` or `private`, also as one of several values such as `private;delivery`);
/// `service=private`; roads whose sidewalks are mapped as separate ways (`sidewalk`, `sidewalk:both`,
/// `sidewalk:left` or `sidewalk:right` = `separate`), which would otherwise count twice.
///
/// **Drive**: the ways of the classes of [`DRIVE_SPEEDS_KMH`] at the way's `maxspeed` when it parses (see [`parse_maxspeed`]),
/// else the class speed of [`DRIVE_SPEEDS_KMH`]. Left out: `area=yes`; ways closed to cars by the most specific
/// of `motorcar`, `motor_vehicle`, `vehicle`, `access`; `service` = `emergency_access`, `parking`,
/// `parking_aisle` or `private`. Direction: `oneway` = `yes`/`true`/`1` forward only, `-1`/`reverse` backward
/// only, `no`/`false`/`0` (and `reversible`, `alternating`) both ways; without a `oneway` tag, roundabouts
/// (`junction=roundabout` or `circular`) and `highway=motorway` are one-way forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// On foot (步行).
    Walk,
    /// By car (车行).
    Drive,
}

impl Profile {
    /// The name used in messages (`walk`, `drive`).
    pub fn name(self) -> &'static str {
        match self {
            Profile::Walk => "walk",
            Profile::Drive => "drive",
        }
    }

    /// Speed of the access leg between a point and the road, km/h: walking for both profiles (one walks to the
    /// road, or drives a driveway at about walking pace).
    pub fn connector_speed_kmh(self) -> f64 {
        WALK_SPEED_KMH
    }

    /// The class speed of a `highway` value for this profile, km/h; `None` when the profile does not use it.
    pub fn class_speed_kmh(self, highway: &str) -> Option<f64> {
        match self {
            Profile::Walk => WALK_HIGHWAYS.contains(&highway).then_some(WALK_SPEED_KMH),
            Profile::Drive => DRIVE_SPEEDS_KMH
                .iter()
                .find(|(h, _)| *h == highway)
                .map(|&(_, s)| s),
        }
    }
}

/// Which connected part of the network to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    /// Every node.
    All,
    /// The largest weakly connected component (edges taken both ways).
    LargestWeak,
    /// The largest strongly connected component: every node can reach every other, so no point snaps to a
    /// fragment it cannot leave (what pyrosm keeps with `retain_all=False`, and what pandana users get from
    /// removing `low_connectivity_nodes`). On a walking network it equals the weak one.
    LargestStrong,
}

/// How [`Graph::load_osm_pbf`] builds the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LoadOptions {
    /// Which ways, directions and speeds.
    pub profile: Profile,
    /// Remove the nodes that only carry geometry (two neighbours, passed through the same way in both directions
    /// or along a one-way chain) and join their segments, keeping the full length and time; intersections, dead
    /// ends and nodes where the direction rules change stay. Roughly halves the graph; points then snap to the
    /// nodes that stay.
    pub contract: bool,
    pub component: Component,
}

impl LoadOptions {
    /// The defaults: contracted, largest strongly connected component (the graph pandana or OSMnx users build
    /// from pyrosm or osmnet: simplified, largest component).
    pub fn default_for(profile: Profile) -> LoadOptions {
        LoadOptions {
            profile,
            contract: true,
            component: Component::LargestStrong,
        }
    }
}

/// What a load found, for reports and checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// Ways the profile uses.
    pub ways: usize,
    /// Distinct nodes of those ways that have coordinates in the file and a neighbour in the way that has too.
    pub raw_nodes: usize,
    /// Directed edges between consecutive way nodes (a two-way segment counts twice), before component
    /// selection and contraction.
    pub raw_edges: usize,
    /// Way node references whose node is missing from the file (their segments are left out).
    pub missing_refs: usize,
    /// Nodes of the graph returned.
    pub nodes: usize,
    /// Directed edges of the graph returned.
    pub edges: usize,
}

impl Graph {
    /// Reads the road network of `profile` from the bytes of an `.osm.pbf` file with the default options
    /// ([`LoadOptions::default_for`]: contracted, largest strongly connected component).
    pub fn from_osm_pbf(bytes: &[u8], profile: Profile) -> Result<Graph, NetworkError> {
        Graph::load_osm_pbf(bytes, &LoadOptions::default_for(profile)).map(|(g, _)| g)
    }

    /// Reads the road network from the bytes of an `.osm.pbf` file. Malformed input is an error, never a
    /// panic: osmpbf's errors are passed on, blob sizes are bounded by osmpbf (64 KiB headers, 32 MiB blobs),
    /// counts are checked against the `u32` ids, and a panic inside the decoder (an overflowing delta in a
    /// crafted file trips Rust's overflow checks in debug builds) is caught and reported as an error.
    pub fn load_osm_pbf(
        bytes: &[u8],
        options: &LoadOptions,
    ) -> Result<(Graph, LoadStats), NetworkError> {
        match catch_unwind(AssertUnwindSafe(|| load(bytes, options))) {
            Ok(r) => r,
            Err(_) => Err(NetworkError::Pbf(
                "the decoder failed on malformed data".into(),
            )),
        }
    }
}

/// A way the profile uses.
struct WayRec {
    id: i64,
    refs: Vec<i64>,
    forward: bool,
    backward: bool,
    speed_kmh: f64,
}

/// What pass 1 gathers from one blob.
#[derive(Default)]
struct Pass1 {
    header: bool,
    data: bool,
    unsupported: Vec<String>,
    ways: Vec<WayRec>,
}

/// A node of the network and its `(lon, lat)`.
type Located = (u32, f64, f64);

/// Features a reader must understand; we do.
const SUPPORTED_FEATURES: [&str; 4] = [
    "OsmSchema-V0.6",
    "DenseNodes",
    "Sort.Type_then_ID",
    "Sort.Geographic",
];

fn pbf_err(e: osmpbf::Error) -> NetworkError {
    NetworkError::Pbf(e.to_string())
}

fn load(bytes: &[u8], options: &LoadOptions) -> Result<(Graph, LoadStats), NetworkError> {
    let profile = options.profile;
    // Pass 1: the ways.
    let parts: Vec<Result<Pass1, NetworkError>> = BlobReader::new(bytes)
        .par_bridge()
        .map(|blob| {
            let blob = blob.map_err(pbf_err)?;
            let mut out = Pass1::default();
            match blob.decode().map_err(pbf_err)? {
                BlobDecode::OsmHeader(h) => {
                    out.header = true;
                    out.unsupported = h
                        .required_features()
                        .iter()
                        .filter(|f| !SUPPORTED_FEATURES.contains(&f.as_str()))
                        .cloned()
                        .collect();
                }
                BlobDecode::OsmData(block) => {
                    out.data = true;
                    for el in block.elements() {
                        if let Element::Way(w) = el
                            && let Some(rule) = way_rule(profile, w.tags())
                        {
                            out.ways.push(WayRec {
                                id: w.id(),
                                refs: w.refs().collect(),
                                forward: rule.forward,
                                backward: rule.backward,
                                speed_kmh: rule.speed_kmh,
                            });
                        }
                    }
                }
                BlobDecode::Unknown(_) => {}
            }
            Ok(out)
        })
        .collect();
    let (mut header, mut data) = (false, false);
    let mut ways = Vec::new();
    for p in parts {
        let p = p?;
        if let Some(f) = p.unsupported.first() {
            return Err(NetworkError::Pbf(format!(
                "the file requires the feature {f:?}, which this reader does not support (history files are not \
                 road networks)"
            )));
        }
        header |= p.header;
        data |= p.data;
        ways.extend(p.ways);
    }
    if !header {
        return Err(NetworkError::Pbf(if bytes.is_empty() {
            "the file is empty".into()
        } else {
            "no OSMHeader block (not an OSM PBF file?)".into()
        }));
    }
    if !data || ways.is_empty() {
        return Err(NetworkError::NoWays(profile.name()));
    }
    ways.sort_unstable_by_key(|w| w.id);

    // Node numbering by first appearance in the ways (in id order): deterministic.
    let mut index: FxHashMap<i64, u32> = FxHashMap::default();
    let mut osm_ids: Vec<i64> = Vec::new();
    for w in &ways {
        for &r in &w.refs {
            if let std::collections::hash_map::Entry::Vacant(slot) = index.entry(r) {
                if osm_ids.len() >= MAX_ELEMENTS {
                    return Err(NetworkError::TooLarge {
                        what: "way nodes",
                        count: osm_ids.len() + 1,
                        limit: MAX_ELEMENTS,
                    });
                }
                slot.insert(osm_ids.len() as u32);
                osm_ids.push(r);
            }
        }
    }

    // Pass 2: coordinates of those nodes.
    let found: Vec<Result<Vec<Located>, NetworkError>> = BlobReader::new(bytes)
        .par_bridge()
        .map(|blob| {
            let blob = blob.map_err(pbf_err)?;
            let mut out = Vec::new();
            if let BlobDecode::OsmData(block) = blob.decode().map_err(pbf_err)? {
                let mut keep = |id: i64, lon: f64, lat: f64| {
                    if let Some(&i) = index.get(&id) {
                        out.push((i, id, lon, lat));
                    }
                };
                for el in block.elements() {
                    match el {
                        Element::Node(n) => keep(n.id(), n.lon(), n.lat()),
                        Element::DenseNode(n) => keep(n.id(), n.lon(), n.lat()),
                        _ => {}
                    }
                }
            }
            out.into_iter()
                .map(|(i, id, lon, lat)| {
                    if lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0
                    {
                        Ok((i, lon, lat))
                    } else {
                        Err(NetworkError::BadOsmCoordinate { id, lon, lat })
                    }
                })
                .collect()
        })
        .collect();
    let mut coord: Vec<Option<(f64, f64)>> = vec![None; osm_ids.len()];
    for part in found {
        for (i, lon, lat) in part? {
            coord[i as usize] = Some((lon, lat));
        }
    }

    // Segments between consecutive way nodes that both have coordinates; then the nodes of those segments,
    // renumbered in order (a node without a segment is no part of the network, as in pyrosm).
    let missing_refs = ways
        .iter()
        .flat_map(|w| &w.refs)
        .filter(|r| index.get(r).is_some_and(|&i| coord[i as usize].is_none()))
        .count();
    let mut edges = Vec::new();
    for w in &ways {
        let mps = w.speed_kmh / 3.6;
        for pair in w.refs.windows(2) {
            let (Some(&a), Some(&b)) = (index.get(&pair[0]), index.get(&pair[1])) else {
                continue;
            };
            let (Some(ca), Some(cb)) = (coord[a as usize], coord[b as usize]) else {
                continue;
            };
            if a == b {
                continue;
            }
            let len = haversine_m(ca.0, ca.1, cb.0, cb.1);
            let e = Edge {
                from: a,
                to: b,
                length_m: len,
                time_s: len / mps,
            };
            if w.forward {
                edges.push(e);
            }
            if w.backward {
                edges.push(Edge {
                    from: b,
                    to: a,
                    ..e
                });
            }
        }
        if edges.len() > MAX_ELEMENTS {
            return Err(NetworkError::TooLarge {
                what: "edges",
                count: edges.len(),
                limit: MAX_ELEMENTS,
            });
        }
    }
    let mut new_id = vec![super::NO_NODE; osm_ids.len()];
    for e in &edges {
        new_id[e.from as usize] = 0;
        new_id[e.to as usize] = 0;
    }
    let mut coords = Vec::new();
    let mut ids = Vec::new();
    for (i, c) in coord.iter().enumerate() {
        if let (Some(c), 0) = (c, new_id[i]) {
            new_id[i] = coords.len() as u32;
            coords.push(*c);
            ids.push(osm_ids[i]);
        }
    }
    for e in &mut edges {
        e.from = new_id[e.from as usize];
        e.to = new_id[e.to as usize];
    }
    let mut stats = LoadStats {
        ways: ways.len(),
        raw_nodes: coords.len(),
        raw_edges: edges.len(),
        missing_refs,
        ..LoadStats::default()
    };
    drop(ways);
    drop(index);

    let mut g = Graph::assemble(&coords, ids, &edges, Some(profile));
    match options.component {
        Component::All => {}
        Component::LargestWeak | Component::LargestStrong => {
            let keep = g.largest_component(options.component == Component::LargestStrong);
            let (c, i, e) = g.induced(&keep);
            g = Graph::assemble(&c, i, &e, Some(profile));
        }
    }
    let (c, i, e) = if options.contract {
        g.contracted()
    } else {
        g.induced(&vec![true; g.n_nodes()])
    };
    let (c, i, e) = Graph::hilbert_ordered(c, i, e);
    let g = Graph::assemble(&c, i, &e, Some(profile));
    stats.nodes = g.n_nodes();
    stats.edges = g.n_edges();
    Ok((g, stats))
}

/// Direction and speed of a way the profile uses.
#[derive(Debug, Clone, Copy, PartialEq)]
struct WayRule {
    forward: bool,
    backward: bool,
    speed_kmh: f64,
}

/// The tags that decide.
#[derive(Default)]
struct WayTags<'a> {
    highway: Option<&'a str>,
    area: Option<&'a str>,
    access: Option<&'a str>,
    foot: Option<&'a str>,
    motorcar: Option<&'a str>,
    motor_vehicle: Option<&'a str>,
    vehicle: Option<&'a str>,
    service: Option<&'a str>,
    sidewalk_separate: bool,
    oneway: Option<&'a str>,
    junction: Option<&'a str>,
    maxspeed: Option<&'a str>,
}

/// Whether a tag value, or one of its `;`-separated values, is in `set`.
fn any_of(value: Option<&str>, set: &[&str]) -> bool {
    value.is_some_and(|v| set.contains(&v) || v.split(';').any(|p| set.contains(&p.trim())))
}

/// The most specific of `keys` present closes the way when it is `no` or `private`.
fn closed(values: &[Option<&str>]) -> bool {
    values
        .iter()
        .find_map(|v| *v)
        .is_some_and(|v| any_of(Some(v), &["no", "private"]))
}

fn way_rule<'a>(
    profile: Profile,
    tags: impl Iterator<Item = (&'a str, &'a str)>,
) -> Option<WayRule> {
    let mut t = WayTags::default();
    for (k, v) in tags {
        match k {
            "highway" => t.highway = Some(v),
            "area" => t.area = Some(v),
            "access" => t.access = Some(v),
            "foot" => t.foot = Some(v),
            "motorcar" => t.motorcar = Some(v),
            "motor_vehicle" => t.motor_vehicle = Some(v),
            "vehicle" => t.vehicle = Some(v),
            "service" => t.service = Some(v),
            "sidewalk" | "sidewalk:both" | "sidewalk:left" | "sidewalk:right" => {
                t.sidewalk_separate |= any_of(Some(v), &["separate"]);
            }
            "oneway" => t.oneway = Some(v),
            "junction" => t.junction = Some(v),
            "maxspeed" => t.maxspeed = Some(v),
            _ => {}
        }
    }
    let highway = t.highway?;
    let class_speed = profile.class_speed_kmh(highway)?;
    if any_of(t.area, &["yes"]) {
        return None;
    }
    match profile {
        Profile::Walk => {
            if closed(&[t.foot, t.access]) || any_of(t.service, &["private"]) || t.sidewalk_separate
            {
                return None;
            }
            Some(WayRule {
                forward: true,
                backward: true,
                speed_kmh: WALK_SPEED_KMH,
            })
        }
        Profile::Drive => {
            if closed(&[t.motorcar, t.motor_vehicle, t.vehicle, t.access])
                || any_of(
                    t.service,
                    &["emergency_access", "parking", "parking_aisle", "private"],
                )
            {
                return None;
            }
            let (forward, backward) = match t.oneway.map(str::trim) {
                Some("yes" | "true" | "1") => (true, false),
                Some("-1" | "reverse") => (false, true),
                Some(_) => (true, true),
                None if matches!(t.junction, Some("roundabout" | "circular"))
                    || highway == "motorway" =>
                {
                    (true, false)
                }
                None => (true, true),
            };
            let speed_kmh = t.maxspeed.and_then(parse_maxspeed).unwrap_or(class_speed);
            Some(WayRule {
                forward,
                backward,
                speed_kmh,
            })
        }
    }
}

/// Reads a `maxspeed` value in km/h: `50`, `50 km/h`, `50kmh`, `30 mph` (× 1.609344); for several values
/// (`60;80`) the lowest. `None` for anything else (`none`, `signals`, `walk`, zone codes such as `RU:urban`) or a
/// speed outside (0, 300] km/h, so that the class speed applies.
pub fn parse_maxspeed(value: &str) -> Option<f64> {
    let mut best: Option<f64> = None;
    for part in value.split(';') {
        let p = part.trim();
        let (num, factor) = if let Some(n) = p.strip_suffix("mph") {
            (n.trim(), 1.609344)
        } else if let Some(n) = p
            .strip_suffix("km/h")
            .or_else(|| p.strip_suffix("kmh"))
            .or_else(|| p.strip_suffix("kph"))
        {
            (n.trim(), 1.0)
        } else {
            (p, 1.0)
        };
        let v = num.parse::<f64>().ok()? * factor;
        if !(v > 0.0 && v <= 300.0) {
            return None;
        }
        best = Some(best.map_or(v, |b: f64| b.min(v)));
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(profile: Profile, tags: &[(&'static str, &'static str)]) -> Option<WayRule> {
        way_rule(profile, tags.iter().copied())
    }

    #[test]
    fn maxspeed() {
        assert_eq!(parse_maxspeed("50"), Some(50.0));
        assert_eq!(parse_maxspeed(" 40 km/h"), Some(40.0));
        assert_eq!(parse_maxspeed("60;80"), Some(60.0));
        assert!(parse_maxspeed("30 mph").is_some_and(|v| (v - 48.28032).abs() < 1e-9));
        for bad in ["none", "RU:urban", "", "0", "-5", "signals", "1000"] {
            assert_eq!(parse_maxspeed(bad), None, "{bad}");
        }
    }

    #[test]
    fn rules() {
        let d = |tags: &[(&'static str, &'static str)]| rule(Profile::Drive, tags);
        let w = |tags: &[(&'static str, &'static str)]| rule(Profile::Walk, tags);
        assert_eq!(
            d(&[("highway", "primary")]).map(|r| (r.forward, r.backward, r.speed_kmh)),
            Some((true, true, 60.0))
        );
        assert_eq!(
            d(&[
                ("highway", "residential"),
                ("oneway", "-1"),
                ("maxspeed", "20")
            ])
            .map(|r| (r.forward, r.backward, r.speed_kmh)),
            Some((false, true, 20.0))
        );
        assert_eq!(
            d(&[("highway", "tertiary"), ("junction", "roundabout")])
                .map(|r| (r.forward, r.backward)),
            Some((true, false))
        );
        assert_eq!(
            d(&[("highway", "motorway"), ("oneway", "no")]).map(|r| (r.forward, r.backward)),
            Some((true, true))
        );
        assert!(d(&[("highway", "footway")]).is_none());
        assert!(d(&[("highway", "service"), ("service", "parking_aisle")]).is_none());
        assert!(d(&[("highway", "residential"), ("access", "private;delivery")]).is_none());
        assert!(
            d(&[
                ("highway", "residential"),
                ("access", "no"),
                ("motor_vehicle", "yes")
            ])
            .is_some()
        );
        assert!(w(&[("highway", "footway"), ("access", "no"), ("foot", "yes")]).is_some());
        assert!(w(&[("highway", "footway"), ("foot", "private")]).is_none());
        assert!(w(&[("highway", "pedestrian"), ("area", "yes")]).is_none());
        assert!(w(&[("highway", "motorway")]).is_none());
        assert!(w(&[("highway", "primary"), ("sidewalk:left", "separate")]).is_none());
        assert_eq!(
            w(&[("highway", "primary"), ("oneway", "yes")]).map(|r| (r.forward, r.backward)),
            Some((true, true))
        );
    }
}
