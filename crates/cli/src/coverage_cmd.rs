//! `minsheng access coverage` — who is inside each service circle (服务圈), per population group and region, on a
//! road network read from OSM PBF or by straight line; supply norms (千人指标) and population thresholds; outputs
//! as tables, JSON, tidy observations, GeoJSON points and an HTML page with maps.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use minsheng_access::Problem;
use minsheng_access::circles::{self, Catalogue, Circle, Limit, Mode};
use minsheng_access::coverage::{
    Assessment, CircleCosts, CoverageOptions, StraightLine, circle_coverage, norm_compliance,
    straight_costs, threshold_compliance, to_observations_csv,
};
use minsheng_access::geo::{self, Facilities, Population, Regions, Zones};
use minsheng_access::network::{self, Component, Direction, Graph, LoadOptions, Profile, Weight};
use minsheng_report::access::{
    AccessMap, AccessPage, MapDemand, MapRegion, PageTable, access_map, access_page,
};
use serde_json::{Value as Json, json};

use crate::Format;
use crate::output::text_table;
use crate::progress::Bar;

pub struct Args<'a> {
    pub points: &'a str,
    pub facilities: &'a str,
    pub regions: Option<&'a str>,
    pub region_code: &'a str,
    pub region_name: &'a str,
    pub network: Option<&'a str>,
    pub circles: Option<&'a str>,
    pub only: &'a [String],
    pub circuity: f64,
    pub walk_kmh: f64,
    pub drive_kmh: f64,
    pub target: Option<f64>,
    pub level: Option<&'a str>,
    pub year: Option<i32>,
    pub observations: Option<&'a str>,
    pub geojson: Option<&'a str>,
    pub html: Option<&'a str>,
    pub format: Format,
}

fn read(path: &str) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
    String::from_utf8(bytes).with_context(|| format!("{path} is not UTF-8 text"))
}

fn is_geojson(path: &str) -> bool {
    let l = path.to_lowercase();
    l.ends_with(".geojson") || l.ends_with(".json")
}

fn print_problems(err: &mut dyn Write, problems: &[Problem], what: &str) {
    for p in problems {
        let _ = writeln!(err, "{what}: {p}");
    }
}

fn catalogue(path: Option<&str>) -> anyhow::Result<Result<Catalogue, ExitCode>> {
    let (cat, diags) = match path {
        None => circles::shipped(),
        Some(p) => circles::load(p, &read(p)?, &circles::Context::shipped()),
    };
    let mut err = std::io::stderr().lock();
    for d in &diags {
        let _ = writeln!(err, "{d}");
    }
    Ok(cat.ok_or(ExitCode::from(1)))
}

/// The costs of one circle for every population point: on the network of its mode when one is given, else by
/// straight line.
struct Costs {
    circle: usize,
    cost: Vec<f64>,
    how: String,
}

fn network_costs(
    graph: &Graph,
    population: &Population,
    facilities: &Facilities,
    circle: &Circle,
) -> anyhow::Result<Vec<f64>> {
    let of_type = facilities.of_type(&circle.facility_type);
    let fac_points: Vec<(f64, f64)> = of_type
        .iter()
        .map(|&i| (facilities.lon[i], facilities.lat[i]))
        .collect();
    let points: Vec<(f64, f64)> = population
        .lon
        .iter()
        .zip(&population.lat)
        .map(|(&x, &y)| (x, y))
        .collect();
    let fac_snaps: Vec<network::Snap> = graph
        .snap_many(&fac_points, f64::INFINITY)
        .into_iter()
        .flatten()
        .collect();
    let (weight, limit, per_unit) = match circle.limit {
        Limit::Minutes(m) => (Weight::Time, m * 60.0, 1.0 / 60.0),
        Limit::Metres(m) => (Weight::Length, m, 1.0),
    };
    let nearest = graph.nearest(&fac_snaps, weight, limit, Direction::ToSources)?;
    let snaps = graph.snap_many(&points, f64::INFINITY);
    Ok(snaps
        .into_iter()
        .map(|s| {
            nearest
                .for_point(graph, s)
                .map_or(f64::INFINITY, |(_, c)| c * per_unit)
        })
        .collect())
}

pub fn run(out: &mut dyn Write, a: &Args<'_>) -> anyhow::Result<ExitCode> {
    let mut err = std::io::stderr().lock();
    let cat = match catalogue(a.circles)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let known = cat.facility_type_ids();
    let ptext = read(a.points)?;
    let population = if is_geojson(a.points) {
        geo::read_population_geojson(a.points, &ptext)
    } else {
        geo::read_population_csv(a.points, &ptext)
    };
    let ftext = read(a.facilities)?;
    let facilities = if is_geojson(a.facilities) {
        geo::read_facilities_geojson(a.facilities, &ftext, &known)
    } else {
        geo::read_facilities_csv(a.facilities, &ftext, &known)
    };
    let (population, facilities) = match (population, facilities) {
        (Ok(p), Ok(f)) => (p, f),
        (p, f) => {
            for e in [p.err(), f.err()].into_iter().flatten() {
                print_problems(&mut err, &e, "error");
            }
            let _ = writeln!(err, "nothing was computed");
            return Ok(ExitCode::from(1));
        }
    };
    let regions: Option<Regions> = match a.regions {
        None => None,
        Some(path) => {
            let cols = geo::RegionColumns {
                code: a.region_code.to_string(),
                name: a.region_name.to_string(),
            };
            match geo::read_regions_geojson(path, &read(path)?, &cols) {
                Ok(r) => Some(r),
                Err(p) => {
                    print_problems(&mut err, &p, "error");
                    return Ok(ExitCode::from(1));
                }
            }
        }
    };
    let (zones, warnings) = match &regions {
        Some(r) => Zones::from_regions(r, &population, Some(&facilities)),
        None if population.region.is_some() => {
            match Zones::from_columns(&population, Some(&facilities)) {
                Ok(z) => z,
                Err(p) => {
                    print_problems(&mut err, &p, "error");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        None => (
            Zones {
                of_point: vec![None; population.len()],
                of_facility: vec![None; facilities.len()],
                ..Zones::default()
            },
            Vec::new(),
        ),
    };
    print_problems(&mut err, &warnings, "warning");
    // The circles: those asked for, else every circle with a facility of its type and its group in the data.
    let groups = population.group_names();
    let selected: Vec<usize> = if a.only.is_empty() {
        cat.circles
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                !facilities.of_type(&c.facility_type).is_empty()
                    && groups.contains(&c.group.as_str())
            })
            .map(|(i, _)| i)
            .collect()
    } else {
        let mut v = Vec::new();
        for id in a.only {
            match cat.circles.iter().position(|c| &c.id == id) {
                Some(i) => v.push(i),
                None => bail!(
                    "no circle {id:?}; the circles are: {}",
                    cat.circles
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
        v
    };
    if selected.is_empty() {
        bail!(
            "no service circle applies: the facility file has types {:?} and the population groups {:?}; name one \
             with --circle",
            facilities.types,
            groups
        );
    }
    // Networks, one per profile needed.
    let bar = Bar::new("服务圈 coverage");
    let mut graphs: Vec<(Profile, Graph)> = Vec::new();
    if let Some(path) = a.network {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
        for (i, &ci) in selected.iter().enumerate() {
            let profile = match cat.circles[ci].mode {
                Mode::Walk => Profile::Walk,
                Mode::Drive => Profile::Drive,
                Mode::Straight => continue,
            };
            if graphs.iter().any(|(p, _)| *p == profile) {
                continue;
            }
            bar.update(&format!("read {}", profile.name()), i, selected.len());
            // Not contracted: population points snap to the nearest node of the full way geometry. On the
            // contracted graph a point in the middle of a street snaps to the nearest intersection, which in a
            // dense centre may be a tunnel or a parallel footway far away by network (Helsinki: 7 m in plan,
            // 1.36 km instead of 0.42 km on foot).
            let options = LoadOptions {
                profile,
                contract: false,
                component: Component::LargestStrong,
            };
            let (g, _) = Graph::load_osm_pbf(&bytes, &options).with_context(|| path.to_string())?;
            graphs.push((profile, g));
        }
    }
    let straight = StraightLine {
        circuity: a.circuity,
        walk_kmh: a.walk_kmh,
        drive_kmh: a.drive_kmh,
    };
    let mut costs: Vec<Costs> = Vec::new();
    for (i, &ci) in selected.iter().enumerate() {
        let c = &cat.circles[ci];
        bar.update(&c.id, i, selected.len());
        let graph = match c.mode {
            Mode::Walk => graphs.iter().find(|(p, _)| *p == Profile::Walk),
            Mode::Drive => graphs.iter().find(|(p, _)| *p == Profile::Drive),
            Mode::Straight => None,
        };
        let (cost, how) = match graph {
            Some((p, g)) => (
                network_costs(g, &population, &facilities, c)?,
                format!("road network ({} profile)", p.name()),
            ),
            None => (
                straight_costs(&population, &facilities, c, &straight),
                format!(
                    "straight line × {} at {} km/h",
                    a.circuity,
                    if c.mode == Mode::Drive {
                        a.drive_kmh
                    } else {
                        a.walk_kmh
                    }
                ),
            ),
        };
        costs.push(Costs {
            circle: ci,
            cost,
            how,
        });
    }
    bar.finish();
    let inputs: Vec<CircleCosts<'_>> = costs
        .iter()
        .map(|c| CircleCosts {
            circle: &cat.circles[c.circle],
            cost: &c.cost,
        })
        .collect();
    let options = CoverageOptions {
        default_target: a.target,
        ..CoverageOptions::default()
    };
    let circles_out = circle_coverage(&population, &zones, &inputs, &options)?;
    let norms: Vec<_> = cat
        .norms
        .iter()
        .filter(|n| {
            !facilities.of_type(&n.facility_type).is_empty() && groups.contains(&n.group.as_str())
        })
        .collect();
    let thresholds: Vec<_> = cat
        .thresholds
        .iter()
        .filter(|t| {
            a.level == Some(t.level.as_str())
                && groups.contains(&t.group.as_str())
                && !zones.is_empty()
        })
        .collect();
    let assessment = Assessment {
        circles: circles_out,
        norms: norm_compliance(&cat, &population, &facilities, &zones, &norms)?,
        thresholds: threshold_compliance(&population, &facilities, &zones, &thresholds)?,
    };
    let source = format!("minsheng access coverage: {} / {}", a.points, a.facilities);
    if let Some(path) = a.observations {
        let year = a.year.context(
            "--observations needs --year (the year the population and facilities describe)",
        )?;
        std::fs::write(path, to_observations_csv(&assessment, year, "all", &source))
            .with_context(|| format!("cannot write {path}"))?;
    }
    if let Some(path) = a.geojson {
        std::fs::write(path, points_geojson(&population, &zones, &costs, &cat)?)
            .with_context(|| format!("cannot write {path}"))?;
    }
    if let Some(path) = a.html {
        let page = page(
            &cat,
            &population,
            &facilities,
            regions.as_ref(),
            &costs,
            &assessment,
            a,
        );
        std::fs::write(path, access_page(&page)).with_context(|| format!("cannot write {path}"))?;
    }
    match a.format {
        Format::Json => {
            let how: Vec<Json> = costs
                .iter()
                .map(|c| json!({"circle": cat.circles[c.circle].id, "costs": c.how}))
                .collect();
            serde_json::to_writer_pretty(
                &mut *out,
                &json!({"method": how, "assessment": assessment}),
            )?;
            writeln!(out)?;
        }
        Format::Table | Format::Csv => {
            if is_synthetic(a) {
                writeln!(out, "{}", crate::data::SYNTHETIC_NOTE)?;
            }
            for t in tables(&assessment, &costs) {
                writeln!(out, "{} · {}", t.caption_zh, t.caption_en)?;
                let header: Vec<String> = t
                    .header
                    .iter()
                    .map(|(zh, en)| format!("{zh} {en}"))
                    .collect();
                let header: Vec<&str> = header.iter().map(String::as_str).collect();
                if a.format == Format::Csv {
                    crate::output::csv_table(out, &header, &t.rows)?;
                } else {
                    text_table(out, &header, &t.rows, 36)?;
                }
                writeln!(out)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether an input file says it is SYNTHETIC (by its name, as the shipped demo files do).
fn is_synthetic(a: &Args<'_>) -> bool {
    [Some(a.points), Some(a.facilities), a.regions]
        .into_iter()
        .flatten()
        .any(|p| p.to_lowercase().contains("synthetic"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.2}%"))
}

fn num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The tables shown on the terminal and on the page.
fn tables(a: &Assessment, costs: &[Costs]) -> Vec<PageTable> {
    let h = |zh: &str, en: &str| (zh.to_string(), en.to_string());
    let mut out = Vec::new();
    out.push(PageTable {
        id: "circles".into(),
        caption_zh: "服务圈覆盖".into(),
        caption_en: "Service-circle coverage".into(),
        header: vec![
            h("服务圈", "circle"),
            h("名称", "name"),
            h("人群", "group"),
            h("阈值", "limit"),
            h("计算方式", "costs by"),
            h("人口", "people"),
            h("覆盖人口", "covered"),
            h("覆盖率", "coverage"),
            h("目标", "target"),
            h("未覆盖点", "points outside"),
            h("未达标区域", "regions below target"),
        ],
        rows: a
            .circles
            .iter()
            .zip(costs)
            .map(|(c, k)| {
                let own = c.overall.iter().find(|g| g.group == c.group);
                vec![
                    c.circle.clone(),
                    c.name_zh.clone(),
                    c.group.clone(),
                    format!("{} {}", num(c.limit), c.unit),
                    k.how.clone(),
                    own.map_or_else(String::new, |g| num(g.population)),
                    own.map_or_else(String::new, |g| num(g.covered)),
                    pct(c.percent),
                    pct(c.target),
                    c.underserved_points.to_string(),
                    c.underserved_zones.len().to_string(),
                ]
            })
            .collect(),
    });
    let zone_rows: Vec<Vec<String>> = a
        .circles
        .iter()
        .flat_map(|c| {
            c.zones.iter().map(move |z| {
                let own = z.groups.iter().find(|g| g.group == c.group);
                vec![
                    c.circle.clone(),
                    z.region.clone(),
                    z.name.clone(),
                    own.map_or_else(String::new, |g| num(g.population)),
                    own.map_or_else(String::new, |g| num(g.covered)),
                    pct(z.percent),
                    if z.underserved { "是 yes" } else { "" }.to_string(),
                ]
            })
        })
        .collect();
    if !zone_rows.is_empty() {
        out.push(PageTable {
            id: "regions".into(),
            caption_zh: "分区域覆盖".into(),
            caption_en: "Coverage by region".into(),
            header: vec![
                h("服务圈", "circle"),
                h("区域代码", "region"),
                h("区域", "name"),
                h("人口", "people"),
                h("覆盖人口", "covered"),
                h("覆盖率", "coverage"),
                h("低于目标", "below target"),
            ],
            rows: zone_rows,
        });
    }
    if !a.norms.is_empty() {
        out.push(PageTable {
            id: "norms".into(),
            caption_zh: "千人指标".into(),
            caption_en: "Supply norms".into(),
            header: vec![
                h("指标", "norm"),
                h("名称", "name"),
                h("标准", "standard"),
                h("供给", "supply"),
                h("需求", "required"),
                h("达标率", "supply / required"),
                h("缺口", "shortfall"),
                h("达标区域", "compliant regions"),
            ],
            rows: a
                .norms
                .iter()
                .map(|n| {
                    vec![
                        n.norm.clone(),
                        n.name_zh.clone(),
                        format!("{} {} {}", n.comparison, num(n.value), n.unit),
                        num(n.overall.supply),
                        num(n.overall.required),
                        n.overall
                            .ratio
                            .map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0)),
                        num(n.overall.shortfall),
                        format!("{}/{}", n.compliant_zones, n.zones.len()),
                    ]
                })
                .collect(),
        });
    }
    if !a.thresholds.is_empty() {
        out.push(PageTable {
            id: "thresholds".into(),
            caption_zh: "人口门槛配置".into(),
            caption_en: "Population-threshold rules".into(),
            header: vec![
                h("规则", "rule"),
                h("名称", "name"),
                h("层级", "level"),
                h("适用区域", "applicable"),
                h("达标", "compliant"),
                h("达标比例", "share"),
                h("目标比例", "target share"),
            ],
            rows: a
                .thresholds
                .iter()
                .map(|t| {
                    vec![
                        t.threshold.clone(),
                        t.name_zh.clone(),
                        t.level.to_string(),
                        t.applicable.to_string(),
                        t.compliant.to_string(),
                        pct(t.share),
                        format!("{:.0}%", t.target_share),
                    ]
                })
                .collect(),
        });
    }
    out
}

/// The population points with their cost and coverage per circle, as GeoJSON.
fn points_geojson(
    p: &Population,
    zones: &Zones,
    costs: &[Costs],
    cat: &Catalogue,
) -> anyhow::Result<String> {
    let mut features = Vec::with_capacity(p.len());
    for i in 0..p.len() {
        let mut props = serde_json::Map::new();
        props.insert("id".into(), json!(p.ids[i]));
        if let Some(z) = zones.of_point.get(i).copied().flatten() {
            props.insert("region".into(), json!(zones.codes.get(z as usize)));
        }
        for g in &p.groups {
            props.insert(g.name.clone(), json!(g.values.get(i)));
        }
        for c in costs {
            let circle = &cat.circles[c.circle];
            let cost = c.cost[i];
            props.insert(
                format!("{}_cost", circle.id),
                if cost.is_finite() {
                    json!(cost)
                } else {
                    Json::Null
                },
            );
            props.insert(
                format!("{}_covered", circle.id),
                json!(cost <= circle.limit.value()),
            );
        }
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.lon[i], p.lat[i]]},
            "properties": props,
        }));
    }
    Ok(serde_json::to_string(
        &json!({"type": "FeatureCollection", "features": features}),
    )?)
}

fn page(
    cat: &Catalogue,
    p: &Population,
    f: &Facilities,
    regions: Option<&Regions>,
    costs: &[Costs],
    a: &Assessment,
    args: &Args<'_>,
) -> AccessPage {
    let mut maps = Vec::new();
    for (c, k) in a.circles.iter().zip(costs) {
        let circle = &cat.circles[k.circle];
        let weights = p.group(&circle.group).unwrap_or(&[]);
        let demand: Vec<MapDemand> = (0..p.len())
            .filter(|&i| weights.get(i).copied().unwrap_or(0.0) > 0.0)
            .map(|i| MapDemand {
                lon: p.lon[i],
                lat: p.lat[i],
                weight: weights[i],
                covered: k.cost[i] <= circle.limit.value(),
            })
            .collect();
        let fac: Vec<(f64, f64)> = f
            .of_type(&circle.facility_type)
            .into_iter()
            .map(|i| (f.lon[i], f.lat[i]))
            .collect();
        let map_regions: Vec<MapRegion> = regions
            .map(|r| {
                (0..r.len())
                    .map(|i| MapRegion {
                        name: r.names()[i].clone(),
                        rings: r
                            .rings(i)
                            .iter()
                            .map(|ring| ring.iter().map(|&[x, y]| (x, y)).collect())
                            .collect(),
                        share: c
                            .zones
                            .iter()
                            .find(|z| z.region == r.codes()[i])
                            .and_then(|z| z.percent)
                            .map(|v| v / 100.0),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let title_zh = format!(
            "{} — {}（{} {}）覆盖率 {}",
            circle.name_zh,
            circle.group,
            num(c.limit),
            c.unit,
            pct(c.percent)
        );
        maps.push(access_map(&AccessMap {
            title_zh: &title_zh,
            title_en: &format!("{} — costs by {}", circle.name_en, k.how),
            demand: &demand,
            facilities: &fac,
            chosen: &[],
            regions: &map_regions,
            note: "坐标按输入数据的坐标系绘制 · drawn in the input's coordinates",
        }));
    }
    let mut notes = vec![
        "覆盖：人口点到最近同类设施的出行成本不超过服务圈阈值（分钟或米）即计为覆盖；覆盖率 = 覆盖人口 / 人口。 \
         Covered: the cost from a population point to the nearest facility of the circle's type is within the \
         circle's limit (minutes or metres); coverage = covered people / people."
            .to_string(),
        "路网：OSM 道路按步行/驾车配置计速（见 ARCHITECTURE.md），人口点与设施吸附到最近路网节点，吸附距离按连接速度计入。 \
         Road network: OSM roads with the walk/drive profile's speeds; points and facilities snap to the nearest node \
         and the snapping leg is added at the connector speed. Without a network: straight line × circuity."
            .to_string(),
    ];
    for c in &cat.circles {
        if a.circles.iter().any(|x| x.circle == c.id) {
            let src: Vec<String> = c
                .sources
                .iter()
                .map(|s| format!("{} 第{}行「{}」", s.seed, s.line, s.quote))
                .collect();
            notes.push(format!("{}（{}）：{}", c.name_zh, c.id, src.join("；")));
        }
    }
    AccessPage {
        title_zh: "服务圈覆盖与设施配置评估".into(),
        title_en: "Service circles: coverage and facility provision".into(),
        banner: is_synthetic(args).then(|| crate::data::SYNTHETIC_NOTE.to_string()),
        tables: tables(a, costs),
        maps,
        notes,
        sources: vec![
            format!("人口 population: {}", args.points),
            format!("设施 facilities: {}", args.facilities),
            format!(
                "路网 network: {}",
                args.network.unwrap_or("— (straight line)")
            ),
            format!(
                "服务圈 circles: {}",
                args.circles.unwrap_or(circles::SHIPPED_FILE)
            ),
        ],
    }
}
