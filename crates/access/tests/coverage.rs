//! Coverage and compliance on a small example computed by hand; point-in-polygon with holes and multipolygons;
//! malformed inputs reported with row and column; points outside every region reported.

use minsheng_access::Problem;
use minsheng_access::circles::{self, Catalogue, Limit};
use minsheng_access::coverage::{
    Assessment, CircleCosts, CoverageOptions, StraightLine, circle_coverage, norm_compliance,
    straight_costs, threshold_compliance, to_observations_csv,
};
use minsheng_access::geo::{
    self, Facilities, Population, RegionColumns, Regions, Zones, haversine_m,
};
use proptest::prelude::*;

fn catalogue() -> Catalogue {
    circles::shipped()
        .0
        .unwrap_or_else(|| unreachable!("the shipped circles file does not load"))
}

/// Region 1: the square (0,0)–(10,10) with a hole (4,4)–(6,6). Region 2: two squares, (10,0)–(20,10) and
/// (30,0)–(32,2). Region 3: an island filling region 1's hole.
const REGIONS: &str = r#"{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"code": "1", "name": "甲"}, "geometry": {"type": "Polygon", "coordinates": [
   [[0,0],[10,0],[10,10],[0,10],[0,0]], [[4,4],[4,6],[6,6],[6,4],[4,4]]]}},
 {"type": "Feature", "properties": {"code": 2, "name": "乙"}, "geometry": {"type": "MultiPolygon", "coordinates": [
   [[[10,0],[20,0],[20,10],[10,10],[10,0]]], [[[30,0],[32,0],[32,2],[30,2],[30,0]]]]}},
 {"type": "Feature", "properties": {"code": "3"}, "geometry": {"type": "Polygon", "coordinates": [
   [[4,4],[6,4],[6,6],[4,6],[4,4]]]}}
]}"#;

const POPULATION: &str = "\
id,lon,lat,total,age60,note
p1,2,2,100,20,村
p2,5,5,50,10,hole
p3,15,5,200,50,
p4,31,1,30,30,second polygon
p5,25,5,10,0,outside
p6,9.5,9.5,40,0,
";

const FACILITIES: &str = "\
id,type,lon,lat,capacity
f1,childcare,1,1,10
f2,childcare,5,5,
f3,childcare,15,5,5
f4,childcare,31,1.5,3
f5,childcare,50,50,100
g1,fitness,2,2.01,
";

struct Area {
    cat: Catalogue,
    pop: Population,
    fac: Facilities,
    zones: Zones,
    warnings: Vec<Problem>,
}

fn area() -> Area {
    let cat = catalogue();
    let regions = geo::read_regions_geojson("regions.geojson", REGIONS, &RegionColumns::default())
        .unwrap_or_else(|p| unreachable!("{p:?}"));
    let pop =
        geo::read_population_csv("pop.csv", POPULATION).unwrap_or_else(|p| unreachable!("{p:?}"));
    let fac = geo::read_facilities_csv("fac.csv", FACILITIES, &cat.facility_type_ids())
        .unwrap_or_else(|p| unreachable!("{p:?}"));
    let (zones, warnings) = Zones::from_regions(&regions, &pop, Some(&fac));
    Area {
        cat,
        pop,
        fac,
        zones,
        warnings,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn points_fall_in_holes_islands_and_second_polygons() {
    let a = area();
    assert_eq!(a.pop.group_names(), ["total", "age60"]);
    assert_eq!(
        a.zones.of_point,
        [Some(0), Some(2), Some(1), Some(1), None, Some(0)]
    );
    assert_eq!(
        a.zones.of_facility,
        [Some(0), Some(2), Some(1), Some(1), None, Some(0)]
    );
    assert_eq!(a.zones.codes, ["1", "2", "3"]);
    assert_eq!(a.zones.names, ["甲", "乙", ""]);
    // The outside point and the outside facility are reported with file, row and id.
    let w: Vec<String> = a.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        w,
        [
            "pop.csv:6: point \"p5\" lies outside every region",
            "fac.csv:6: facility \"f5\" lies outside every region"
        ]
    );

    let regions = geo::read_regions_geojson("r", REGIONS, &RegionColumns::default())
        .unwrap_or_else(|p| unreachable!("{p:?}"));
    let hand = [
        ((3.9, 5.0), Some(0)), // just outside the hole: region 1
        ((4.1, 5.0), Some(2)), // in the hole: the island
        ((6.5, 6.5), Some(0)),
        ((10.5, 0.5), Some(1)),
        ((31.999, 1.999), Some(1)), // corner of the second polygon of the MultiPolygon
        ((32.001, 1.0), None),
        ((25.0, 1.0), None), // between the two polygons of region 2
        ((-0.001, 5.0), None),
        ((5.0, 10.001), None),
        ((f64::NAN, 5.0), None),
    ];
    for ((x, y), want) in hand {
        assert_eq!(regions.locate(x, y), want, "({x}, {y})");
    }
}

#[test]
fn coverage_by_hand() -> Result<(), Box<dyn std::error::Error>> {
    let a = area();
    let circle = a.cat.circle("fitness-15min").cloned().ok_or("no circle")?;
    assert_eq!(circle.limit, Limit::Minutes(15.0));
    let cost = [10.0, 20.0, 15.0, f64::INFINITY, 5.0, 16.0];
    let opts = CoverageOptions {
        max_listed: 2,
        default_target: Some(80.0),
    };
    let cov = circle_coverage(
        &a.pop,
        &a.zones,
        &[CircleCosts {
            circle: &circle,
            cost: &cost,
        }],
        &opts,
    )?;
    let c = &cov[0];
    // Covered: p1 (10 ≤ 15), p3 (15, the limit itself), p5 (outside every region but counted overall).
    assert_eq!(
        (c.overall[0].population, c.overall[0].covered),
        (430.0, 310.0)
    );
    assert!(close(c.percent.ok_or("no %")?, 310.0 / 430.0 * 100.0));
    assert_eq!(
        (c.overall[1].population, c.overall[1].covered),
        (110.0, 70.0)
    );
    let z: Vec<(f64, f64)> = c
        .zones
        .iter()
        .map(|z| (z.groups[0].population, z.groups[0].covered))
        .collect();
    assert_eq!(z, [(140.0, 100.0), (230.0, 200.0), (50.0, 0.0)]);
    assert!(close(
        c.zones[0].percent.ok_or("no %")?,
        100.0 / 140.0 * 100.0
    ));
    assert_eq!(c.underserved_zones, ["1", "3"]);
    // Underserved: p2 (20), p4 (unreachable), p6 (16); the two worst listed, unreachable first.
    assert_eq!((c.underserved_points, c.underserved_population), (3, 120.0));
    let listed: Vec<(&str, Option<f64>, &str)> = c
        .listed
        .iter()
        .map(|p| (p.id.as_str(), p.cost, p.region.as_str()))
        .collect();
    assert_eq!(listed, [("p4", None, "2"), ("p2", Some(20.0), "3")]);

    // A negative cost or a wrong length is an error, not a silent answer.
    let bad = [1.0, -1.0, 1.0, 1.0, 1.0, 1.0];
    let e = circle_coverage(
        &a.pop,
        &a.zones,
        &[CircleCosts {
            circle: &circle,
            cost: &bad,
        }],
        &opts,
    );
    assert!(e.is_err_and(|e| e.to_string().contains("\"p2\"")));
    let e = circle_coverage(
        &a.pop,
        &a.zones,
        &[CircleCosts {
            circle: &circle,
            cost: &bad[..3],
        }],
        &opts,
    );
    assert!(e.is_err());
    let mut elderly = circle.clone();
    elderly.group = "age0_3".into();
    let e = circle_coverage(
        &a.pop,
        &a.zones,
        &[CircleCosts {
            circle: &elderly,
            cost: &cost,
        }],
        &opts,
    );
    assert!(e.is_err_and(|e| e.to_string().contains("no group \"age0_3\"")));
    Ok(())
}

#[test]
fn compliance_by_hand() -> Result<(), Box<dyn std::error::Error>> {
    let a = area();
    let mut norm = a
        .cat
        .norm("childcare-places-per-1000")
        .cloned()
        .ok_or("no norm")?;
    // 10 places per 100 people, to keep the arithmetic readable.
    norm.value = 10.0;
    norm.per = 100.0;
    let n = &norm_compliance(&a.cat, &a.pop, &a.fac, &a.zones, &[&norm])?[0];
    let rows: Vec<(f64, f64, f64, f64, bool, usize)> = n
        .zones
        .iter()
        .map(|z| {
            (
                z.population,
                z.supply,
                z.required,
                z.shortfall,
                z.compliant,
                z.missing_capacity,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (140.0, 10.0, 14.0, 4.0, false, 0),
            (230.0, 8.0, 23.0, 15.0, false, 0),
            (50.0, 0.0, 5.0, 5.0, false, 1),
        ]
    );
    assert!(close(
        n.zones[0].rate.ok_or("no rate")?,
        10.0 / 140.0 * 100.0
    ));
    assert!(close(n.zones[1].ratio.ok_or("no ratio")?, 8.0 / 23.0));
    // Overall: every point and every facility, zoned or not (f5 adds 100 places).
    assert_eq!(
        (n.overall.population, n.overall.supply, n.overall.required),
        (430.0, 118.0, 43.0)
    );
    assert!(n.overall.compliant);
    assert_eq!(n.unit, "托位 per 100 total");

    let mut rule = a
        .cat
        .threshold("street-elderly-5000-nursing-home")
        .cloned()
        .ok_or("no threshold")?;
    rule.min_population = 20.0;
    rule.facility_type = "childcare".into();
    rule.min_count = Some(2);
    rule.min_capacity = Some(9.0);
    rule.share = 60.0;
    let t = &threshold_compliance(&a.pop, &a.fac, &a.zones, &[&rule])?[0];
    // Region 1: 20 elderly ≥ 20, one centre of 10 places: one centre short. Region 2: 80 elderly, two centres
    // but 8 places: one place short. Region 3: 10 elderly, below the threshold.
    let rows: Vec<(&str, f64, usize, u32, f64, bool)> = t
        .zones
        .iter()
        .map(|z| {
            (
                z.region.as_str(),
                z.population,
                z.facilities,
                z.shortfall_count,
                z.shortfall_capacity,
                z.compliant,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [("1", 20.0, 1, 1, 0.0, false), ("2", 80.0, 2, 0, 1.0, false)]
    );
    assert_eq!(
        (t.applicable, t.compliant, t.share, t.met),
        (2, 0, Some(0.0), Some(false))
    );
    rule.min_capacity = None;
    let t = &threshold_compliance(&a.pop, &a.fac, &a.zones, &[&rule])?[0];
    assert_eq!((t.compliant, t.share, t.met), (1, Some(50.0), Some(false)));

    // Tidy observations in the monitoring engine's columns.
    let circle = a.cat.circle("fitness-15min").cloned().ok_or("no circle")?;
    let cost = [10.0, 20.0, 15.0, f64::INFINITY, 5.0, 16.0];
    let assessment = Assessment {
        circles: circle_coverage(
            &a.pop,
            &a.zones,
            &[CircleCosts {
                circle: &circle,
                cost: &cost,
            }],
            &CoverageOptions::default(),
        )?,
        norms: norm_compliance(&a.cat, &a.pop, &a.fac, &a.zones, &[&norm])?,
        thresholds: vec![t.clone()],
    };
    let csv = to_observations_csv(&assessment, 2023, "520000", "minsheng coverage, pop.csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "indicator,region,year,value,unit,source");
    assert_eq!(
        lines[2],
        "fitness-15min,1,2023,71.42857142857143,%,\"minsheng coverage, pop.csv\""
    );
    assert_eq!(
        lines[4],
        "fitness-15min,3,2023,0,%,\"minsheng coverage, pop.csv\""
    );
    assert!(lines.contains(&"childcare-places-per-1000,2,2023,3.4782608695652173,托位 per 100 total,\"minsheng coverage, pop.csv\""));
    assert!(lines.contains(
        &"street-elderly-5000-nursing-home,520000,2023,50,%,\"minsheng coverage, pop.csv\""
    ));
    assert_eq!(lines.len(), 1 + 4 + 4 + 3);
    Ok(())
}

#[test]
fn straight_line_costs_in_the_circle_unit() -> Result<(), Box<dyn std::error::Error>> {
    let a = area();
    let model = StraightLine {
        circuity: 1.2,
        walk_kmh: 4.8,
        drive_kmh: 30.0,
    };
    let ten_li = a.cat.circle("culture-10li").cloned().ok_or("no circle")?;
    let mut on_foot = a.cat.circle("fitness-15min").cloned().ok_or("no circle")?;
    // No culture facility: unreachable everywhere.
    assert!(
        straight_costs(&a.pop, &a.fac, &ten_li, &model)
            .iter()
            .all(|c| c.is_infinite())
    );
    on_foot.facility_type = "childcare".into();
    let minutes = straight_costs(&a.pop, &a.fac, &on_foot, &model);
    // p1 (2,2): nearest childcare f1 (1,1); 4.8 km/h = 80 m/min.
    let want = haversine_m(2.0, 2.0, 1.0, 1.0) * 1.2 / 80.0;
    assert!((minutes[0] - want).abs() < 1e-9, "{} vs {want}", minutes[0]);
    // p5 (25,5): nearest is f4 (31,1.5), not f3 (15,5).
    let want = haversine_m(25.0, 5.0, 31.0, 1.5) * 1.2 / 80.0;
    assert!((minutes[4] - want).abs() < 1e-9);
    Ok(())
}

fn rows_cols(p: &[Problem]) -> Vec<(usize, &str)> {
    p.iter().map(|p| (p.row, p.column.as_str())).collect()
}

#[test]
fn malformed_csv_is_reported_with_rows_and_columns() {
    let Err(p) = geo::read_population_csv("p.csv", "id,lon,total\na,1,2\n") else {
        unreachable!("accepted")
    };
    assert_eq!(
        p[0].to_string(),
        "p.csv:1 [lat]: no column named \"lat\" (the header has: id, lon, total)"
    );
    let text = "id,lon,lat,total,age60\na,100,25,1,2\na,100,25,1,2\nb,181,25,1,2\nc,100,-91,x,2\nd,100,25\ne,100,25,-4,1e400\n,1,1,1,1\n";
    let Err(p) = geo::read_population_csv("p.csv", text) else {
        unreachable!("accepted")
    };
    assert_eq!(
        rows_cols(&p),
        [
            (3, "id"),
            (4, "lon"),
            (5, "lat"),
            (5, "total"),
            (6, ""),
            (7, "total"),
            (7, "age60"),
            (8, "id")
        ]
    );
    assert!(p[4].reason.contains("3 cells, the header has 5"), "{p:#?}");
    let Err(p) = geo::read_population_csv("p.csv", "") else {
        unreachable!("accepted")
    };
    assert_eq!(rows_cols(&p), [(1, "")]);
    let Err(p) = geo::read_population_csv("p.csv", "id,lon,lat,name\na,1,1,x\n") else {
        unreachable!("accepted")
    };
    assert!(p[0].reason.contains("no population group"));
}

#[test]
fn unknown_facility_type_names_the_row_and_the_known_types() {
    let cat = catalogue();
    let known = cat.facility_type_ids();
    let text = "id,type,lon,lat,capacity\nf1,childcare,1,1,5\nf2,gym,1,1,\nf3,childcare,1,1,lots\n";
    let Err(p) = geo::read_facilities_csv("f.csv", text, &known) else {
        unreachable!("accepted")
    };
    assert_eq!(rows_cols(&p), [(3, "type"), (4, "capacity")]);
    let msg = p[0].to_string();
    assert!(
        msg.starts_with(
            "f.csv:3 [type]: unknown facility type \"gym\"; the known types are: fitness, "
        ),
        "{msg}"
    );
    assert!(msg.contains("childcare") && msg.contains("public_service_center"));
    let gj = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","id":7,"properties":{"type":"gym"},"geometry":{"type":"Point","coordinates":[1,1]}},
      {"type":"Feature","properties":{"id":"x","type":"childcare","capacity":"12"},"geometry":{"type":"Point","coordinates":[1,1]}}]}"#;
    let Err(p) = geo::read_facilities_geojson("f.geojson", gj, &known) else {
        unreachable!("accepted")
    };
    assert_eq!(rows_cols(&p), [(1, "type")]);
}

#[test]
fn malformed_geojson_is_reported_with_feature_and_property() {
    let Err(p) = geo::read_population_geojson(
        "p.geojson",
        "{\"type\": \"FeatureCollection\", \"features\": [",
    ) else {
        unreachable!("accepted")
    };
    assert_eq!(p[0].row, 0);
    assert!(
        p[0].reason.starts_with("malformed JSON at line 1"),
        "{}",
        p[0]
    );
    let text = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"id":"a","total":10,"age60":2,"name":"甲"},"geometry":{"type":"Point","coordinates":[100,25]}},
      {"type":"Feature","properties":{"id":"b","total":"many","age60":2},"geometry":{"type":"Point","coordinates":[100,25]}},
      {"type":"Feature","properties":{"total":1,"age60":2},"geometry":{"type":"Point","coordinates":[100,25]}},
      {"type":"Feature","properties":{"id":"d","total":1},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}},
      {"type":"Feature","properties":{"id":"e","total":1,"age60":-1},"geometry":{"type":"Point","coordinates":[100,95]}},
      {"type":"Feature","properties":{"id":"f","total":1,"age60":0},"geometry":null},
      [1,2,3]
    ]}"#;
    let Err(p) = geo::read_population_geojson("p.geojson", text) else {
        unreachable!("accepted")
    };
    assert_eq!(
        rows_cols(&p),
        [
            (2, "total"),
            (3, "id"),
            (4, "geometry"),
            (4, "age60"),
            (5, "geometry"),
            (5, "age60"),
            (6, "geometry"),
            (7, "")
        ]
    );

    let ok = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","id":"a","properties":{"total":10,"region":530102},"geometry":{"type":"Point","coordinates":[100,25]}}]}"#;
    let pop =
        geo::read_population_geojson("p.geojson", ok).unwrap_or_else(|p| unreachable!("{p:?}"));
    assert_eq!(
        (pop.ids[0].as_str(), pop.region.as_deref()),
        ("a", Some(&["530102".to_string()][..]))
    );

    let regions = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"code":"1"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],[[0,0],[1,1]]]}},
      {"type":"Feature","properties":{"code":"1"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}},
      {"type":"Feature","properties":{"name":"x"},"geometry":{"type":"MultiPolygon","coordinates":[]}},
      {"type":"Feature","properties":{"code":"4"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1e300,0],[1,1],[0,0]]]}},
      {"type":"Feature","properties":{"code":true},"geometry":{"type":"Polygon","coordinates":[]}}
    ]}"#;
    let Err(p) = geo::read_regions_geojson("r.geojson", regions, &RegionColumns::default()) else {
        unreachable!("accepted")
    };
    assert_eq!(
        rows_cols(&p),
        [
            (1, "geometry"),
            (2, "code"),
            (2, "geometry"),
            (3, "code"),
            (3, "geometry"),
            (4, "geometry"),
            (5, "code"),
            (5, "geometry")
        ]
    );
    assert_eq!(
        p[0].reason,
        "ring 2 has 2 positions; a ring needs at least 4 (closed)"
    );
    assert_eq!(
        p[2].reason,
        "ring 1 is not closed (its first and last positions differ)"
    );
    assert!(
        p[5].reason
            .contains("position 2: longitude 1e300 is outside"),
        "{}",
        p[5]
    );

    // The code and name may come from other properties.
    let cols = RegionColumns {
        code: "adcode".into(),
        name: "名称".into(),
    };
    let r = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"adcode":520102,"名称":"南明区"},
      "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
    let r = geo::read_regions_geojson("r", r, &cols).unwrap_or_else(|p| unreachable!("{p:?}"));
    assert_eq!(
        (r.codes(), r.names()),
        (&["520102".to_string()][..], &["南明区".to_string()][..])
    );
}

#[test]
fn zones_from_region_columns() {
    let pop = geo::read_population_csv(
        "p.csv",
        "id,lon,lat,total,region\na,1,1,5,v1\nb,1,1,7,\nc,1,1,2,v2\n",
    )
    .unwrap_or_else(|p| unreachable!("{p:?}"));
    let cat = catalogue();
    let fac = geo::read_facilities_csv(
        "f.csv",
        "id,type,lon,lat\nk,public_kindergarten,1,1\n",
        &cat.facility_type_ids(),
    )
    .unwrap_or_else(|p| unreachable!("{p:?}"));
    let Err(p) = Zones::from_columns(&pop, Some(&fac)) else {
        unreachable!("facilities without a region column accepted")
    };
    assert_eq!(rows_cols(&p), [(1, "region")]);
    let (zones, warnings) =
        Zones::from_columns(&pop, None).unwrap_or_else(|p| unreachable!("{p:?}"));
    assert_eq!(zones.codes, ["v1", "v2"]);
    assert_eq!(zones.of_point, [Some(0), None, Some(1)]);
    assert_eq!(
        warnings[0].to_string(),
        "p.csv:3 [region]: point \"b\" has no region; it lies in no zone"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// No input makes a reader panic.
    #[test]
    fn readers_never_panic(text in "\\PC{0,200}", json in "[\\[\\]{}:,\"0-9a-zA-Z.e+-]{0,120}") {
        let known = ["childcare"];
        for t in [text.as_str(), json.as_str()] {
            let _ = geo::read_population_csv("p", t);
            let _ = geo::read_facilities_csv("f", t, &known);
            let _ = geo::read_population_geojson("p", t);
            let _ = geo::read_facilities_geojson("f", t, &known);
            let _ = geo::read_regions_geojson("r", t, &RegionColumns::default());
            let _ = circles::load("c", t, &circles::Context { source: &|_| None, plans: Vec::new() });
        }
        let wrapped = format!(r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"code":"1","id":"1","total":1}},"geometry":{{"type":"Polygon","coordinates":{json}}}}}]}}"#);
        let _ = geo::read_regions_geojson("r", &wrapped, &RegionColumns::default());
        let _ = geo::read_population_geojson("p", &wrapped);
    }
}

#[test]
fn deep_nesting_and_huge_files_do_not_crash() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(geo::read_regions_geojson("r", &deep, &RegionColumns::default()).is_err());
    let many_bad: String = std::iter::once("id,lon,lat,total\n".to_string())
        .chain((0..10_000).map(|i| format!("{i},x,y,z\n")))
        .collect();
    let Err(p) = geo::read_population_csv("p.csv", &many_bad) else {
        unreachable!("accepted")
    };
    assert_eq!(p.len(), minsheng_access::input::MAX_PROBLEMS);
    let _ = Regions::new(Vec::new());
}
