//! Facility-planning outputs people look at: SVG maps of coverage, underserved areas and chosen sites, and a
//! self-contained HTML page of tables (each downloadable as CSV) and maps.
//!
//! The inputs are plain coordinates and numbers so that any engine result (network or straight-line coverage,
//! siting) can be drawn. Coordinates are lon/lat in whatever datum the input used; the map says so if told.

use std::fmt::{self, Write};

use crate::text::esc;

/// One demand point on a coverage map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapDemand {
    pub lon: f64,
    pub lat: f64,
    /// People (or another weight) at the point; sizes the dot and weights the cell shares.
    pub weight: f64,
    /// Whether the point is within its service circle.
    pub covered: bool,
}

/// One region outline, filled by its coverage share when known.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRegion {
    pub name: String,
    /// Outer and inner rings of every part, each a closed or open list of lon/lat.
    pub rings: Vec<Vec<(f64, f64)>>,
    /// Covered share in [0, 1].
    pub share: Option<f64>,
}

/// A coverage / siting map.
#[derive(Debug, Clone, Default)]
pub struct AccessMap<'a> {
    pub title_zh: &'a str,
    pub title_en: &'a str,
    pub demand: &'a [MapDemand],
    /// Facilities that exist today.
    pub facilities: &'a [(f64, f64)],
    /// New sites chosen by a siting model.
    pub chosen: &'a [(f64, f64)],
    pub regions: &'a [MapRegion],
    /// A note under the map (datum, data source, SYNTHETIC …).
    pub note: &'a str,
}

/// Above this many demand points the map draws a grid of cells (share of the weight covered) instead of dots.
pub const DOT_LIMIT: usize = 4000;

const W: f64 = 720.0;
const H: f64 = 560.0;
const LEGEND_H: f64 = 64.0;

struct P(f64);

impl fmt::Display for P {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = (self.0 * 10.0).round() / 10.0;
        if v == v.trunc() {
            write!(f, "{}", v as i64)
        } else {
            write!(f, "{v:.1}")
        }
    }
}

/// Coverage colour: red (0) through yellow to green (1) (ColorBrewer RdYlGn, 5 classes, interpolated).
pub fn coverage_colour(t: f64) -> String {
    const RAMP: [(u8, u8, u8); 5] = [
        (0xd7, 0x19, 0x1c),
        (0xfd, 0xae, 0x61),
        (0xff, 0xff, 0xbf),
        (0xa6, 0xd9, 0x6a),
        (0x1a, 0x96, 0x41),
    ];
    crate::svg::interpolate(&RAMP, t)
}

/// The map as an inline SVG element.
pub fn access_map(m: &AccessMap<'_>) -> String {
    let mut s = String::new();
    let _ = write_access_map(&mut s, m);
    s
}

fn finite(lon: f64, lat: f64) -> bool {
    lon.is_finite()
        && lat.is_finite()
        && (-180.0..=180.0).contains(&lon)
        && (-90.0..=90.0).contains(&lat)
}

fn write_access_map(s: &mut String, m: &AccessMap<'_>) -> fmt::Result {
    let total_h = H + LEGEND_H;
    write!(
        s,
        "<svg class=\"amap\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {total_h}\" role=\"img\" aria-label=\"{}\">",
        esc(m.title_en)
    )?;
    write!(
        s,
        "<style>.amap text{{font:11px sans-serif;fill:#333}}.amap .frame{{fill:#fafafa;stroke:#999}}.amap .reg{{stroke:#555;stroke-width:.6}}.amap .fac{{fill:#1f4e9c;stroke:#fff;stroke-width:.8}}.amap .new{{fill:#f08c00;stroke:#000;stroke-width:.8}}</style>"
    )?;
    let coords = || {
        m.demand
            .iter()
            .map(|d| (d.lon, d.lat))
            .chain(m.facilities.iter().copied())
            .chain(m.chosen.iter().copied())
            .chain(
                m.regions
                    .iter()
                    .flat_map(|r| r.rings.iter().flatten().copied()),
            )
            .filter(|&(x, y)| finite(x, y))
    };
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for (x, y) in coords() {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if !x0.is_finite() {
        write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">无坐标数据 · no coordinates</text></svg>",
            P(W / 2.0),
            P(H / 2.0)
        )?;
        return Ok(());
    }
    // Equirectangular projection, longitude scaled by cos(mean latitude); 1° of latitude ≈ 111.32 km.
    let k = ((y0 + y1) / 2.0).to_radians().cos().max(0.01);
    let pad = 0.04 * ((x1 - x0) * k).max(y1 - y0).max(1e-3);
    let (fx0, fx1, fy0, fy1) = (x0 * k - pad, x1 * k + pad, y0 - pad, y1 + pad);
    let (ax0, ax1, ay0, ay1) = (10.0, W - 10.0, 34.0, H - 6.0);
    let scale = ((ax1 - ax0) / (fx1 - fx0)).min((ay1 - ay0) / (fy1 - fy0));
    let ox = ax0 + ((ax1 - ax0) - (fx1 - fx0) * scale) / 2.0;
    let oy = ay0 + ((ay1 - ay0) - (fy1 - fy0) * scale) / 2.0;
    let sx = |lon: f64| ox + (lon * k - fx0) * scale;
    let sy = |lat: f64| oy + (fy1 - lat) * scale;
    let (rx0, rx1, ry0, ry1) = (ox, ox + (fx1 - fx0) * scale, oy, oy + (fy1 - fy0) * scale);
    write!(
        s,
        "<text x=\"10\" y=\"16\" style=\"font-size:14px;font-weight:bold\">{}</text><text x=\"10\" y=\"29\">{}</text>",
        esc(m.title_zh),
        esc(m.title_en)
    )?;
    write!(
        s,
        "<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
        P(rx0),
        P(ry0),
        P(rx1 - rx0),
        P(ry1 - ry0)
    )?;
    for r in m.regions {
        let mut d = String::new();
        for ring in &r.rings {
            let mut first = true;
            for &(x, y) in ring.iter().filter(|&&(x, y)| finite(x, y)) {
                write!(
                    d,
                    "{}{} {}",
                    if first { "M" } else { "L" },
                    P(sx(x)),
                    P(sy(y))
                )?;
                first = false;
            }
            if !first {
                d.push('Z');
            }
        }
        let fill = r
            .share
            .map_or_else(|| "#eeeeee".to_string(), coverage_colour);
        let share = r
            .share
            .map_or_else(|| "—".to_string(), |v| format!("{:.1}%", v * 100.0));
        write!(
            s,
            "<path class=\"reg\" fill=\"{fill}\" fill-opacity=\"0.55\" fill-rule=\"evenodd\" d=\"{d}\"><title>{}: {share}</title></path>",
            esc(&r.name)
        )?;
    }
    let points: Vec<&MapDemand> = m.demand.iter().filter(|d| finite(d.lon, d.lat)).collect();
    if points.len() > DOT_LIMIT {
        // Cells of 6 px: the covered share of each cell's weight.
        let cell = 6.0;
        let nx = ((rx1 - rx0) / cell).ceil().max(1.0) as usize;
        let ny = ((ry1 - ry0) / cell).ceil().max(1.0) as usize;
        let mut acc = vec![(0.0f64, 0.0f64); nx * ny];
        for d in &points {
            let cx = (((sx(d.lon) - rx0) / cell) as usize).min(nx - 1);
            let cy = (((sy(d.lat) - ry0) / cell) as usize).min(ny - 1);
            let a = &mut acc[cy * nx + cx];
            a.0 += d.weight.max(0.0);
            if d.covered {
                a.1 += d.weight.max(0.0);
            }
        }
        for (i, &(total, covered)) in acc.iter().enumerate() {
            if total <= 0.0 {
                continue;
            }
            let (cx, cy) = (i % nx, i / nx);
            write!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{cell}\" height=\"{cell}\" fill=\"{}\"/>",
                P(rx0 + cx as f64 * cell),
                P(ry0 + cy as f64 * cell),
                coverage_colour(covered / total)
            )?;
        }
    } else {
        let wmax = points.iter().map(|d| d.weight).fold(0.0f64, f64::max);
        // Uncovered last, so that gaps are on top.
        let mut order = points.clone();
        order.sort_by_key(|d| !d.covered);
        for d in order {
            let r = if wmax > 0.0 {
                1.5 + 4.0 * (d.weight.max(0.0) / wmax).sqrt()
            } else {
                2.5
            };
            write!(
                s,
                "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" fill-opacity=\"0.8\"/>",
                P(sx(d.lon)),
                P(sy(d.lat)),
                P(r),
                if d.covered { "#1a9641" } else { "#d7191c" }
            )?;
        }
    }
    for &(x, y) in m.facilities.iter().filter(|&&(x, y)| finite(x, y)) {
        write!(
            s,
            "<rect class=\"fac\" x=\"{}\" y=\"{}\" width=\"6\" height=\"6\"/>",
            P(sx(x) - 3.0),
            P(sy(y) - 3.0)
        )?;
    }
    for &(x, y) in m.chosen.iter().filter(|&&(x, y)| finite(x, y)) {
        let (cx, cy) = (sx(x), sy(y));
        write!(
            s,
            "<path class=\"new\" d=\"M{} {}L{} {}L{} {}Z\"/>",
            P(cx),
            P(cy - 7.0),
            P(cx + 6.0),
            P(cy + 4.5),
            P(cx - 6.0),
            P(cy + 4.5)
        )?;
    }
    // Scale bar.
    let px_per_km = scale / 111.32;
    let km = [
        0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0,
    ]
    .into_iter()
    .find(|km| km * px_per_km >= 60.0)
    .unwrap_or(1000.0);
    let (bx1, by) = (rx1 - 10.0, ry1 - 10.0);
    let bx0 = bx1 - km * px_per_km;
    write!(
        s,
        "<path d=\"M{} {}V{}H{}V{}\" fill=\"none\" stroke=\"#333\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} km</text>",
        P(bx0),
        P(by - 4.0),
        P(by),
        P(bx1),
        P(by - 4.0),
        P((bx0 + bx1) / 2.0),
        P(by - 7.0),
        km
    )?;
    // Legend.
    let ly = H + 14.0;
    let mut x = 12.0;
    if points.len() > DOT_LIMIT {
        for i in 0..5 {
            write!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"18\" height=\"10\" fill=\"{}\"/>",
                P(x + 18.0 * f64::from(i)),
                P(ly - 9.0),
                coverage_colour(f64::from(i) / 4.0)
            )?;
        }
        write!(
            s,
            "<text x=\"{}\" y=\"{}\">覆盖人口比例 0→100% · covered share of people per cell</text>",
            P(x + 96.0),
            P(ly)
        )?;
    } else {
        write!(
            s,
            "<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"#1a9641\"/><text x=\"{}\" y=\"{}\">服务圈内 · covered</text><circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"#d7191c\"/><text x=\"{}\" y=\"{}\">服务圈外 · not covered</text>",
            P(x + 4.0),
            P(ly - 4.0),
            P(x + 12.0),
            P(ly),
            P(x + 150.0),
            P(ly - 4.0),
            P(x + 158.0),
            P(ly)
        )?;
    }
    x = 12.0;
    let ly2 = ly + 18.0;
    write!(
        s,
        "<rect class=\"fac\" x=\"{}\" y=\"{}\" width=\"6\" height=\"6\"/><text x=\"{}\" y=\"{}\">现有设施 · existing facility</text><path class=\"new\" d=\"M{} {}L{} {}L{} {}Z\"/><text x=\"{}\" y=\"{}\">新选址 · chosen new site</text>",
        P(x + 1.0),
        P(ly2 - 7.0),
        P(x + 12.0),
        P(ly2),
        P(x + 206.0),
        P(ly2 - 10.0),
        P(x + 212.0),
        P(ly2 + 1.0),
        P(x + 200.0),
        P(ly2 + 1.0),
        P(x + 218.0),
        P(ly2)
    )?;
    if !m.regions.is_empty() {
        write!(
            s,
            "<text x=\"{}\" y=\"{}\">区域底色 = 覆盖率 · region fill = coverage</text>",
            P(x + 380.0),
            P(ly2)
        )?;
    }
    if !m.note.is_empty() {
        write!(
            s,
            "<text x=\"12\" y=\"{}\">{}</text>",
            P(ly2 + 20.0),
            esc(m.note)
        )?;
    }
    s.write_str("</svg>")
}

/// One table of an access page: a caption and bilingual column names.
#[derive(Debug, Clone, Default)]
pub struct PageTable {
    pub id: String,
    pub caption_zh: String,
    pub caption_en: String,
    /// (中文, English) per column.
    pub header: Vec<(String, String)>,
    pub rows: Vec<Vec<String>>,
}

/// A self-contained page of facility-planning results.
#[derive(Debug, Clone, Default)]
pub struct AccessPage {
    pub title_zh: String,
    pub title_en: String,
    /// Shown as a banner on top (e.g. the SYNTHETIC notice).
    pub banner: Option<String>,
    pub tables: Vec<PageTable>,
    /// Inline SVG maps from [`access_map`].
    pub maps: Vec<String>,
    /// Method notes, one paragraph each.
    pub notes: Vec<String>,
    /// Data sources, one line each.
    pub sources: Vec<String>,
}

fn csv_cell(c: &str) -> String {
    if c.contains([',', '"', '\n']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c.to_string()
    }
}

/// The table as CSV text (header `中文 English`), as offered for download on the page.
pub fn table_csv(t: &PageTable) -> String {
    let mut out = String::from("\u{feff}");
    let head: Vec<String> = t
        .header
        .iter()
        .map(|(zh, en)| csv_cell(&format!("{zh} {en}")))
        .collect();
    out.push_str(&head.join(","));
    out.push('\n');
    for r in &t.rows {
        let cells: Vec<String> = r.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The page as one HTML document (no network resources; tables downloadable as CSV through `data:` links).
pub fn access_page(p: &AccessPage) -> String {
    let mut s = String::new();
    let _ = write_page(&mut s, p);
    s
}

fn write_page(s: &mut String, p: &AccessPage) -> fmt::Result {
    write!(
        s,
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{} · {}</title><style>{}</style></head><body>",
        esc(&p.title_zh),
        esc(&p.title_en),
        PAGE_CSS
    )?;
    if let Some(b) = &p.banner {
        write!(s, "<div class=\"banner\">{}</div>", esc(b))?;
    }
    write!(
        s,
        "<h1>{}</h1><p class=\"en\">{}</p>",
        esc(&p.title_zh),
        esc(&p.title_en)
    )?;
    for m in &p.maps {
        write!(s, "<figure>{m}</figure>")?;
    }
    for t in &p.tables {
        write!(
            s,
            "<section id=\"{}\"><h2>{} <span class=\"en\">{}</span></h2><a class=\"dl\" download=\"{}.csv\" href=\"data:text/csv;charset=utf-8,{}\">下载 CSV · download CSV</a><table><thead><tr>",
            esc(&t.id),
            esc(&t.caption_zh),
            esc(&t.caption_en),
            esc(&t.id),
            percent_encode(&table_csv(t))
        )?;
        for (zh, en) in &t.header {
            write!(
                s,
                "<th>{}<br><span class=\"en\">{}</span></th>",
                esc(zh),
                esc(en)
            )?;
        }
        s.write_str("</tr></thead><tbody>")?;
        for r in &t.rows {
            s.write_str("<tr>")?;
            for c in r {
                let numeric = c.parse::<f64>().is_ok() || c.ends_with('%');
                if numeric {
                    write!(s, "<td class=\"n\">{}</td>", esc(c))?;
                } else {
                    write!(s, "<td>{}</td>", esc(c))?;
                }
            }
            s.write_str("</tr>")?;
        }
        s.write_str("</tbody></table></section>")?;
    }
    if !p.notes.is_empty() {
        s.write_str("<section><h2>方法说明 <span class=\"en\">Method</span></h2>")?;
        for n in &p.notes {
            write!(s, "<p>{}</p>", esc(n))?;
        }
        s.write_str("</section>")?;
    }
    if !p.sources.is_empty() {
        s.write_str("<section><h2>数据来源 <span class=\"en\">Sources</span></h2><ul>")?;
        for n in &p.sources {
            write!(s, "<li>{}</li>", esc(n))?;
        }
        s.write_str("</ul></section>")?;
    }
    s.write_str("</body></html>")
}

const PAGE_CSS: &str = "body{font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif;margin:24px auto;max-width:980px;color:#222}\
h1{font-size:22px;margin:0}h2{font-size:17px;margin:22px 0 6px}.en{color:#666;font-weight:normal;font-size:.9em}\
.banner{background:#fff3bf;border:1px solid #f08c00;padding:6px 10px;margin-bottom:10px;font-weight:bold}\
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}\
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f1f3f5}figure{margin:12px 0}\
.amap{width:100%;height:auto;border:1px solid #ddd}.dl{font-size:12px}\
@media print{.dl{display:none}section{break-inside:avoid}}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_draws_dots_or_cells_and_the_legend() {
        let demand = [
            MapDemand {
                lon: 102.7,
                lat: 25.0,
                weight: 10.0,
                covered: true,
            },
            MapDemand {
                lon: 102.8,
                lat: 25.1,
                weight: 5.0,
                covered: false,
            },
        ];
        let svg = access_map(&AccessMap {
            title_zh: "覆盖",
            title_en: "Coverage",
            demand: &demand,
            facilities: &[(102.75, 25.05)],
            chosen: &[(102.8, 25.0)],
            ..AccessMap::default()
        });
        assert_eq!(
            svg.matches("<circle").count(),
            2 + 2,
            "two dots and two legend dots"
        );
        assert!(svg.contains("#d7191c") && svg.contains("class=\"new\""));
        let many: Vec<MapDemand> = (0..5000)
            .map(|i| MapDemand {
                lon: 100.0 + f64::from(i % 100) * 0.01,
                lat: 25.0 + f64::from(i / 100) * 0.01,
                weight: 1.0,
                covered: i % 2 == 0,
            })
            .collect();
        let svg = access_map(&AccessMap {
            demand: &many,
            ..AccessMap::default()
        });
        assert!(svg.matches("<rect").count() > 100);
        assert!(!svg.contains("<circle"));
        let empty = access_map(&AccessMap::default());
        assert!(empty.contains("no coordinates"));
    }

    #[test]
    fn page_offers_every_table_as_csv() {
        let t = PageTable {
            id: "cov".into(),
            caption_zh: "覆盖率".into(),
            caption_en: "Coverage".into(),
            header: vec![
                ("区域".into(), "region".into()),
                ("覆盖率".into(), "coverage".into()),
            ],
            rows: vec![vec!["A, B".into(), "95.5%".into()]],
        };
        assert_eq!(
            table_csv(&t),
            "\u{feff}区域 region,覆盖率 coverage\n\"A, B\",95.5%\n"
        );
        let html = access_page(&AccessPage {
            title_zh: "设施".into(),
            title_en: "Facilities".into(),
            tables: vec![t],
            ..AccessPage::default()
        });
        assert!(html.contains("download=\"cov.csv\""));
        assert!(html.contains("<td class=\"n\">95.5%</td>"));
    }
}
