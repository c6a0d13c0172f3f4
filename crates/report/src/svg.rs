//! Inline SVG written by hand: one chart per indicator, stacked status bars and the dot map of regions.
//!
//! Every function returns a complete `<svg>` element (well-formed XML, no namespace declaration: inline SVG in
//! HTML needs none). Styling comes from the page's style sheet through classes; colours that carry data are
//! attributes so that they survive copying the SVG elsewhere.

use std::fmt::{self, Write};

use minsheng_monitor::progress::Status;

use crate::text::{esc, num, status_color, status_en};

/// Nicely rounded axis ticks covering `[lo, hi]` with about `n` intervals, and the decimals their labels need.
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> (Vec<f64>, usize) {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, lo + 1.0)
    };
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let mult = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|m| *m >= norm - 1e-9)
        .unwrap_or(10.0);
    let step = mult * mag;
    let k0 = (lo / step + 1e-9).floor() as i64;
    let k1 = (hi / step - 1e-9).ceil() as i64;
    let ticks: Vec<f64> = (k0..=k1).map(|k| k as f64 * step).collect();
    let decimals = (0..=6)
        .find(|d| {
            let f = step * 10f64.powi(*d);
            (f - f.round()).abs() < 1e-6 * f.abs().max(1.0)
        })
        .unwrap_or(6) as usize;
    (ticks, decimals)
}

/// A tick label with a fixed count of decimals, thousands grouped like [`num`].
fn tick_label(v: f64, decimals: usize) -> String {
    let v = if v.abs() < 1e-12 { 0.0 } else { v };
    if v.abs() >= 10000.0 {
        num(v)
    } else {
        format!("{v:.decimals$}")
    }
}

/// A coordinate with one decimal (enough at these sizes, and short).
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

/// What one indicator chart shows.
pub struct Chart<'a> {
    pub base_year: i32,
    pub target_year: i32,
    pub year: i32,
    /// Baseline level at the base year (None for cumulative targets: the running sum starts at 0).
    pub baseline: Option<f64>,
    /// Observed values (running sums for cumulative targets), sorted by year.
    pub points: &'a [(i32, f64)],
    pub target: Option<f64>,
    /// The target label in the right margin, e.g. `≥70`.
    pub target_label: String,
    pub projected: Option<f64>,
    pub status: Status,
    /// Accessible name of the chart.
    pub title: &'a str,
}

const CW: f64 = 340.0;
const CH: f64 = 188.0;
const CL: f64 = 46.0;
const CR: f64 = 44.0;
const CT: f64 = 14.0;
const CB: f64 = 24.0;

/// One indicator's chart: baseline, observed series, target line and marker, projection, year ticks.
pub fn chart(c: &Chart<'_>) -> String {
    let mut s = String::new();
    let _ = write_chart(&mut s, c);
    s
}

fn write_chart(s: &mut String, c: &Chart<'_>) -> fmt::Result {
    write!(
        s,
        "<svg class=\"chart\" viewBox=\"0 0 {CW} {CH}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        t = esc(c.title)
    )?;
    let mut values: Vec<f64> = c.points.iter().map(|p| p.1).collect();
    values.extend(c.baseline);
    values.extend(c.target);
    values.extend(c.projected);
    let (px0, px1, py0, py1) = (CL, CW - CR, CT, CH - CB);
    if values.is_empty() {
        write!(
            s,
            "<rect class=\"frame\" x=\"{px0}\" y=\"{py0}\" width=\"{}\" height=\"{}\"/>",
            P(px1 - px0),
            P(py1 - py0)
        )?;
        no_data(s, (px0 + px1) / 2.0, (py0 + py1) / 2.0, "无数据", "no data")?;
        return s.write_str("</svg>");
    }
    let mut lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let mut hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let all_non_negative = lo >= 0.0;
    let span = if hi > lo {
        hi - lo
    } else {
        (hi.abs() * 0.1).max(1.0)
    };
    lo -= span * 0.15;
    hi += span * 0.15;
    if all_non_negative && lo < 0.0 {
        lo = 0.0;
    }
    let (ticks, decimals) = nice_ticks(lo, hi, 4);
    let (y0, y1) = match (ticks.first(), ticks.last()) {
        (Some(a), Some(b)) if b > a => (*a, *b),
        _ => (lo, hi),
    };
    let sy = |v: f64| py1 - (v - y0) / (y1 - y0) * (py1 - py0);
    let years = f64::from((c.target_year - c.base_year).max(1));
    let sx = |y: i32| px0 + 10.0 + f64::from(y - c.base_year) / years * (px1 - px0 - 20.0);

    // Grid and y labels.
    for t in &ticks {
        let y = sy(*t);
        write!(
            s,
            "<line class=\"grid\" x1=\"{px0}\" x2=\"{px1}\" y1=\"{y}\" y2=\"{y}\"/><text class=\"ytick\" x=\"{}\" y=\"{}\">{}</text>",
            P(px0 - 5.0),
            P(y + 3.5),
            esc(&tick_label(*t, decimals)),
            y = P(y),
        )?;
    }
    // X axis with year ticks.
    write!(
        s,
        "<line class=\"axis\" x1=\"{px0}\" x2=\"{px1}\" y1=\"{y}\" y2=\"{y}\"/>",
        y = P(py1)
    )?;
    let span_years = c.target_year - c.base_year;
    let step = match span_years {
        0..=10 => 1,
        11..=20 => 2,
        _ => 5,
    };
    for y in (c.base_year..=c.target_year).filter(|y| (y - c.base_year) % step == 0) {
        let x = sx(y);
        write!(
            s,
            "<line class=\"axis\" x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\"/><text class=\"xtick\" x=\"{x}\" y=\"{}\">{y}</text>",
            P(py1),
            P(py1 + 4.0),
            P(py1 + 15.0),
            x = P(x),
        )?;
    }
    // The evaluation year, when it is not the target year.
    if c.year > c.base_year && c.year < c.target_year {
        let x = sx(c.year);
        write!(
            s,
            "<line class=\"now\" x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\"/>",
            P(py0),
            P(py1),
            x = P(x)
        )?;
    }
    // Target: a dashed line over the plan period, a diamond at the target year, the value in the right margin.
    if let Some(t) = c.target {
        let (x0, x1, y) = (sx(c.base_year), sx(c.target_year), sy(t));
        write!(
            s,
            "<line class=\"tgt\" x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"/><path class=\"tgt-mark\" d=\"M{x} {a}L{r} {y}L{x} {b}L{l} {y}Z\"/><text class=\"tgt-lbl\" x=\"{}\" y=\"{}\">{}</text>",
            P(x0),
            P(x1),
            P(px1 + 5.0),
            P(y + 3.5),
            esc(&c.target_label),
            y = P(y),
            x = P(x1),
            a = P(y - 4.5),
            b = P(y + 4.5),
            l = P(x1 - 4.5),
            r = P(x1 + 4.5),
        )?;
    }
    // Observed series, from the baseline when there is one.
    let mut line: Vec<(i32, f64)> = Vec::new();
    if let Some(b) = c.baseline {
        if !c.points.iter().any(|p| p.0 == c.base_year) {
            line.push((c.base_year, b));
        }
    }
    line.extend_from_slice(c.points);
    if line.len() >= 2 {
        s.write_str("<polyline class=\"obs\" points=\"")?;
        for (i, (y, v)) in line.iter().enumerate() {
            if i > 0 {
                s.write_char(' ')?;
            }
            write!(s, "{},{}", P(sx(*y)), P(sy(*v)))?;
        }
        s.write_str("\"/>")?;
    }
    // Projection from the last observation to the target year.
    let last = c.points.last().copied();
    if let (Some(p), Some((ly, lv))) = (c.projected, last) {
        let (x0, y0p, x1, y1p) = (sx(ly), sy(lv), sx(c.target_year), sy(p));
        write!(
            s,
            "<line class=\"proj\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><circle class=\"proj-pt\" cx=\"{}\" cy=\"{}\" r=\"3.2\"/>",
            P(x0),
            P(y0p),
            P(x1),
            P(y1p),
            P(x1),
            P(y1p)
        )?;
        value_label(s, x1 - 4.0, y1p, py0, &num(p), "end", "proj-lbl")?;
    }
    // Baseline: hollow point with its value.
    if let Some(b) = c.baseline {
        let (x, y) = (sx(c.base_year), sy(b));
        write!(
            s,
            "<circle class=\"base\" cx=\"{}\" cy=\"{}\" r=\"3.5\"/>",
            P(x),
            P(y)
        )?;
        value_label(s, x - 3.0, y, py0, &num(b), "start", "val")?;
    }
    // Observations; the latest is filled with the status colour and labelled.
    let n = c.points.len();
    for (i, (yr, v)) in c.points.iter().enumerate() {
        let (x, y) = (sx(*yr), sy(*v));
        if i + 1 == n {
            write!(
                s,
                "<circle class=\"last\" cx=\"{}\" cy=\"{}\" r=\"4.2\" fill=\"{}\"><title>{yr}: {}</title></circle>",
                P(x),
                P(y),
                status_color(c.status),
                esc(&num(*v))
            )?;
            value_label(s, x + 3.0, y, py0, &num(*v), "end", "val val-last")?;
        } else {
            write!(
                s,
                "<circle class=\"pt\" cx=\"{}\" cy=\"{}\" r=\"2.6\"><title>{yr}: {}</title></circle>",
                P(x),
                P(y),
                esc(&num(*v))
            )?;
        }
    }
    if c.points.is_empty() {
        no_data(
            s,
            (px0 + px1) / 2.0,
            (py0 + py1) / 2.0,
            "无监测数据",
            "no observations",
        )?;
    }
    s.write_str("</svg>")
}

/// A value label above a point, or below it when the point is near the top.
fn value_label(
    s: &mut String,
    x: f64,
    y: f64,
    top: f64,
    text: &str,
    anchor: &str,
    class: &str,
) -> fmt::Result {
    let ly = if y - 8.0 < top + 6.0 {
        y + 15.0
    } else {
        y - 8.0
    };
    write!(
        s,
        "<text class=\"{class}\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
        P(x),
        P(ly),
        esc(text)
    )
}

/// A centred "no data" note in both languages (one shows, per the page's language).
fn no_data(s: &mut String, x: f64, y: f64, zh: &str, en: &str) -> fmt::Result {
    write!(
        s,
        "<text class=\"nodata zh\" x=\"{x}\" y=\"{y}\">{}</text><text class=\"nodata en\" x=\"{x}\" y=\"{y}\">{}</text>",
        esc(zh),
        esc(en),
        x = P(x),
        y = P(y)
    )
}

/// A horizontal bar of status counts (one segment per status with a count), `width` × 12.
pub fn status_bar(counts: &[(Status, usize)], width: f64) -> String {
    let total: usize = counts.iter().map(|c| c.1).sum();
    let mut s = format!(
        "<svg class=\"bar\" viewBox=\"0 0 {w} 12\" width=\"{w}\" height=\"12\" role=\"img\" aria-label=\"status distribution\">",
        w = P(width)
    );
    if total == 0 {
        let _ = write!(
            s,
            "<rect x=\"0\" y=\"1\" width=\"{}\" height=\"10\" fill=\"#eeeeee\"/>",
            P(width)
        );
    } else {
        let mut x = 0.0;
        for (st, n) in counts.iter().filter(|c| c.1 > 0) {
            let w = width * *n as f64 / total as f64;
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"1\" width=\"{}\" height=\"10\" fill=\"{}\"><title>{} {} / {}: {n}</title></rect>",
                P(x),
                P(w),
                status_color(*st),
                st.zh(),
                status_en(*st),
                st.as_str()
            );
            x += w;
        }
    }
    s.push_str("</svg>");
    s
}

/// Legend symbols of the indicator charts: `baseline`, `observed`, `target`, `projection`, `year`.
pub fn legend_symbol(kind: &str) -> String {
    let body = match kind {
        "baseline" => "<circle class=\"base\" cx=\"11\" cy=\"6\" r=\"3.5\"/>".to_string(),
        "observed" => format!(
            "<line class=\"obs\" x1=\"1\" x2=\"21\" y1=\"9\" y2=\"3\"/><circle class=\"pt\" cx=\"4\" cy=\"8\" r=\"2.4\"/><circle class=\"last\" cx=\"18\" cy=\"4\" r=\"3.4\" fill=\"{}\"/>",
            status_color(Status::Achieved)
        ),
        "target" => "<line class=\"tgt\" x1=\"1\" x2=\"21\" y1=\"6\" y2=\"6\"/><path class=\"tgt-mark\" d=\"M17 2L21 6L17 10L13 6Z\"/>".to_string(),
        "projection" => "<line class=\"proj\" x1=\"1\" x2=\"18\" y1=\"9\" y2=\"4\"/><circle class=\"proj-pt\" cx=\"18\" cy=\"4\" r=\"2.8\"/>".to_string(),
        _ => "<line class=\"now\" x1=\"11\" x2=\"11\" y1=\"0\" y2=\"12\"/>".to_string(),
    };
    format!(
        "<svg class=\"sym\" viewBox=\"0 0 22 12\" width=\"22\" height=\"12\" aria-hidden=\"true\">{body}</svg>"
    )
}

/// One region on a dot map.
pub struct MapPoint {
    pub name: String,
    pub code: String,
    pub lon: f64,
    pub lat: f64,
    pub value: f64,
}

/// Sequential colour scale (ColorBrewer YlGnBu, 5 classes, interpolated).
const RAMP: [(u8, u8, u8); 5] = [
    (0xff, 0xff, 0xcc),
    (0xa1, 0xda, 0xb4),
    (0x41, 0xb6, 0xc4),
    (0x2c, 0x7f, 0xb8),
    (0x25, 0x34, 0x94),
];

/// The colour of `t` ∈ [0, 1] on the sequential scale.
pub fn ramp(t: f64) -> String {
    interpolate(&RAMP, t)
}

/// The colour of `t` ∈ [0, 1] on a scale of evenly spaced stops (at least two), linearly interpolated in RGB;
/// `t` outside [0, 1] is clamped, NaN is 0.
pub(crate) fn interpolate(stops: &[(u8, u8, u8)], t: f64) -> String {
    if stops.len() < 2 {
        let (r, g, b) = stops.first().copied().unwrap_or((0, 0, 0));
        return format!("#{r:02x}{g:02x}{b:02x}");
    }
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (stops.len() - 1) as f64;
    let i = (pos.floor() as usize).min(stops.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (stops[i], stops[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// The short label of a region on a map: `红河哈尼族彝族自治州` → `红河州`, `石林彝族自治县` → `石林县`.
pub fn short_name(name: &str) -> String {
    let two: String = name.chars().take(2).collect();
    if name.ends_with("自治州") {
        format!("{two}州")
    } else if name.ends_with("自治县") {
        format!("{two}县")
    } else {
        name.to_string()
    }
}

/// Approximate width of a label in px at font size `fs` (CJK full width, others about 0.6 em).
fn label_width(text: &str, fs: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.6 * fs } else { fs })
        .sum()
}

const MW: f64 = 520.0;
const MH: f64 = 430.0;
/// Height below the frame for the legend.
const LEGEND_H: f64 = 54.0;

/// A dot map of region points coloured by value, with graticule, scale bar, legend and names on hover.
/// `id` must be unique in the page (it names the legend's gradient).
pub fn dot_map(id: &str, points: &[MapPoint], unit: &str) -> String {
    let mut s = String::new();
    let _ = write_map(&mut s, id, points, unit);
    s
}

fn write_map(s: &mut String, id: &str, points: &[MapPoint], unit: &str) -> fmt::Result {
    let total_h = MH + LEGEND_H;
    write!(
        s,
        "<svg class=\"map\" viewBox=\"0 0 {MW} {total_h}\" role=\"img\" aria-label=\"dot map\">"
    )?;
    if points.is_empty() {
        no_data(
            s,
            MW / 2.0,
            MH / 2.0,
            "无坐标数据",
            "no coordinates for these regions",
        )?;
        return s.write_str("</svg>");
    }
    let lons = || points.iter().map(|p| p.lon);
    let lats = || points.iter().map(|p| p.lat);
    let (lon_min, lon_max) = (
        lons().fold(f64::INFINITY, f64::min),
        lons().fold(f64::NEG_INFINITY, f64::max),
    );
    let (lat_min, lat_max) = (
        lats().fold(f64::INFINITY, f64::min),
        lats().fold(f64::NEG_INFINITY, f64::max),
    );
    // Equirectangular projection with the longitude scaled by cos(mean latitude).
    let k = ((lat_min + lat_max) / 2.0).to_radians().cos();
    let pad = 0.35_f64.max(0.06 * (lat_max - lat_min).max((lon_max - lon_min) * k));
    let (fx0, fx1) = (lon_min * k - pad, lon_max * k + pad);
    let (fy0, fy1) = (lat_min - pad, lat_max + pad);
    // Drawing area inside the frame margins (left room for latitude labels, bottom for longitude labels).
    let (ax0, ax1, ay0, ay1) = (40.0, MW - 12.0, 10.0, MH - 22.0);
    let scale = ((ax1 - ax0) / (fx1 - fx0)).min((ay1 - ay0) / (fy1 - fy0));
    let ox = ax0 + ((ax1 - ax0) - (fx1 - fx0) * scale) / 2.0;
    let oy = ay0 + ((ay1 - ay0) - (fy1 - fy0) * scale) / 2.0;
    let sx = |lon: f64| ox + (lon * k - fx0) * scale;
    let sy = |lat: f64| oy + (fy1 - lat) * scale;
    let (rx0, rx1, ry0, ry1) = (ox, ox + (fx1 - fx0) * scale, oy, oy + (fy1 - fy0) * scale);
    write!(
        s,
        "<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
        P(rx0),
        P(ry0),
        P(rx1 - rx0),
        P(ry1 - ry0)
    )?;
    // Graticule.
    let span = (lon_max - lon_min).max(lat_max - lat_min) + 2.0 * pad;
    let step = if span > 14.0 {
        5.0
    } else if span > 7.0 {
        2.0
    } else {
        1.0
    };
    let lon_lo = fx0 / k;
    let lon_hi = fx1 / k;
    let mut lon = (lon_lo / step).ceil() * step;
    while lon <= lon_hi {
        let x = sx(lon);
        write!(
            s,
            "<line class=\"grat\" x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\"/><text class=\"grat-lbl\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}°E</text>",
            P(ry0),
            P(ry1),
            P(ry1 + 13.0),
            lon,
            x = P(x)
        )?;
        lon += step;
    }
    let mut lat = (fy0 / step).ceil() * step;
    while lat <= fy1 {
        let y = sy(lat);
        write!(
            s,
            "<line class=\"grat\" x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"/><text class=\"grat-lbl\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}°N</text>",
            P(rx0),
            P(rx1),
            P(rx0 - 4.0),
            P(y + 3.0),
            lat,
            y = P(y)
        )?;
        lat += step;
    }
    // Dots, largest values last so that they sit on top.
    let vmin = points.iter().map(|p| p.value).fold(f64::INFINITY, f64::min);
    let vmax = points
        .iter()
        .map(|p| p.value)
        .fold(f64::NEG_INFINITY, f64::max);
    let t = |v: f64| {
        if vmax > vmin {
            (v - vmin) / (vmax - vmin)
        } else {
            0.5
        }
    };
    let n = points.len();
    let r = if n <= 40 {
        7.0
    } else if n <= 160 {
        4.6
    } else {
        3.2
    };
    let mut order: Vec<&MapPoint> = points.iter().collect();
    order.sort_by(|a, b| a.value.total_cmp(&b.value));
    for p in &order {
        write!(
            s,
            "<circle class=\"mdot\" cx=\"{}\" cy=\"{}\" r=\"{r}\" fill=\"{}\"><title>{} ({}): {}{}{}</title></circle>",
            P(sx(p.lon)),
            P(sy(p.lat)),
            ramp(t(p.value)),
            esc(&p.name),
            esc(&p.code),
            esc(&num(p.value)),
            if unit.is_empty() { "" } else { " " },
            esc(unit)
        )?;
    }
    // Labels: every region when there are few, else the highest and the lowest; greedy placement that skips a
    // label rather than overlap another label or a dot.
    let fs = 10.0;
    let mut boxes: Vec<(f64, f64, f64, f64)> = points
        .iter()
        .map(|p| {
            let (x, y) = (sx(p.lon), sy(p.lat));
            (x - r, y - r, x + r, y + r)
        })
        .collect();
    let labelled: Vec<&MapPoint> = if n <= 40 {
        points.iter().collect()
    } else {
        // The first highest and the first lowest in input order, as the statistics name them.
        let hi = points.iter().min_by(|a, b| b.value.total_cmp(&a.value));
        let lo = points.iter().min_by(|a, b| a.value.total_cmp(&b.value));
        hi.into_iter().chain(lo).collect()
    };
    for p in labelled {
        let text = short_name(&p.name);
        let w = label_width(&text, fs);
        let (x, y) = (sx(p.lon), sy(p.lat));
        let candidates = [
            (
                x + r + 2.0,
                y + fs * 0.35,
                "start",
                x + r + 2.0,
                y - fs * 0.6,
            ),
            (
                x - r - 2.0,
                y + fs * 0.35,
                "end",
                x - r - 2.0 - w,
                y - fs * 0.6,
            ),
            (x, y - r - 3.0, "middle", x - w / 2.0, y - r - 3.0 - fs),
            (x, y + r + fs + 1.0, "middle", x - w / 2.0, y + r + 1.0),
        ];
        for (tx, ty, anchor, bx, by) in candidates {
            let b = (bx, by, bx + w, by + fs * 1.1);
            let inside = b.0 >= rx0 && b.2 <= rx1 && b.1 >= ry0 && b.3 <= ry1;
            let clear = boxes
                .iter()
                .all(|o| b.2 <= o.0 || b.0 >= o.2 || b.3 <= o.1 || b.1 >= o.3);
            if inside && clear {
                write!(
                    s,
                    "<text class=\"map-lbl\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
                    P(tx),
                    P(ty),
                    esc(&text)
                )?;
                boxes.push(b);
                break;
            }
        }
    }
    // Scale bar: 1° of latitude ≈ 111.32 km, and the projection keeps that scale in both axes.
    let px_per_km = scale / 111.32;
    let km = [10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]
        .into_iter()
        .find(|km| km * px_per_km >= 60.0)
        .unwrap_or(1000.0);
    let (bx1, by) = (rx1 - 10.0, ry1 - 10.0);
    let bx0 = bx1 - km * px_per_km;
    write!(
        s,
        "<path class=\"scalebar\" d=\"M{} {}V{}H{}V{}\"/><text class=\"grat-lbl\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} km</text>",
        P(bx0),
        P(by - 4.0),
        P(by),
        P(bx1),
        P(by - 4.0),
        P((bx0 + bx1) / 2.0),
        P(by - 6.0),
        km
    )?;
    // North arrow.
    write!(
        s,
        "<path class=\"north\" d=\"M{x} {}L{} {}L{x} {}L{} {}Z\"/><text class=\"grat-lbl\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\">N</text>",
        P(ry0 + 14.0),
        P(rx1 - 20.0),
        P(ry0 + 30.0),
        P(ry0 + 26.0),
        P(rx1 - 12.0),
        P(ry0 + 30.0),
        P(ry0 + 12.0),
        x = P(rx1 - 16.0),
    )?;
    // Legend: the colour ramp with its ends.
    let (lx, ly, lw) = (rx0, MH + 8.0, 220.0);
    write!(s, "<defs><linearGradient id=\"ramp-{}\">", esc(id))?;
    for (i, c) in RAMP.iter().enumerate() {
        write!(
            s,
            "<stop offset=\"{}%\" stop-color=\"#{:02x}{:02x}{:02x}\"/>",
            i * 25,
            c.0,
            c.1,
            c.2
        )?;
    }
    write!(
        s,
        "</linearGradient></defs><rect x=\"{}\" y=\"{}\" width=\"{lw}\" height=\"10\" fill=\"url(#ramp-{})\" stroke=\"#888888\" stroke-width=\"0.5\"/>",
        P(lx),
        P(ly),
        esc(id)
    )?;
    let u = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    write!(
        s,
        "<text class=\"leg-lbl\" x=\"{}\" y=\"{}\">{}</text><text class=\"leg-lbl\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
        P(lx),
        P(ly + 23.0),
        esc(&format!("{}{u}", num(vmin))),
        P(lx + lw),
        P(ly + 23.0),
        esc(&format!("{}{u}", num(vmax))),
    )?;
    write!(
        s,
        "<text class=\"leg-lbl zh\" x=\"{x}\" y=\"{y}\">颜色越深，数值越高</text><text class=\"leg-lbl en\" x=\"{x}\" y=\"{y}\">darker = higher value</text>",
        x = P(lx + lw + 14.0),
        y = P(ly + 9.0)
    )?;
    s.write_str("</svg>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let (t, d) = nice_ticks(63.0, 92.0, 4);
        assert_eq!(t, vec![60.0, 70.0, 80.0, 90.0, 100.0]);
        assert_eq!(d, 0);
        let (t, d) = nice_ticks(2.4, 2.7, 4);
        assert!(t.first().is_some_and(|x| *x <= 2.4 + 1e-9));
        assert!(t.last().is_some_and(|x| *x >= 2.7 - 1e-9));
        assert_eq!(d, 1);
        let (_, d) = nice_ticks(0.0, 0.1, 4);
        assert_eq!(d, 3);
        // No tick below a lower end that is itself round (non-negative data stays above zero).
        let (t, _) = nice_ticks(0.0, 285.0, 4);
        assert_eq!(t.first(), Some(&0.0));
    }

    #[test]
    fn ramp_runs_from_light_to_dark() {
        assert_eq!(ramp(0.0), "#ffffcc");
        assert_eq!(ramp(1.0), "#253494");
        assert_eq!(ramp(f64::NAN), "#ffffcc");
    }

    #[test]
    fn short_names_of_autonomous_regions() {
        assert_eq!(short_name("红河哈尼族彝族自治州"), "红河州");
        assert_eq!(short_name("石林彝族自治县"), "石林县");
        assert_eq!(short_name("昆明市"), "昆明市");
    }
}
