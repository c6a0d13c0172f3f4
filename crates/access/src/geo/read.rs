//! Population and facility files: CSV (`id,lon,lat,…`) and GeoJSON (a FeatureCollection of Point features).

use rustc_hash::FxHashMap;
use serde_json::{Map, Value};

use super::{Facilities, Group, Population, check_lat, check_lon, fmt_num};
use crate::input::{MAX_PROBLEMS, Problem};

/// The largest count a population cell may hold (more people than live on Earth is a typing error).
const MAX_COUNT: f64 = 1e10;

/// Column names that are never population groups.
const RESERVED: [&str; 6] = ["id", "lon", "lat", "region", "type", "capacity"];

/// Gathers problems up to [`MAX_PROBLEMS`].
struct Sink<'a> {
    file: &'a str,
    problems: Vec<Problem>,
}

impl Sink<'_> {
    fn push(&mut self, row: usize, column: &str, reason: impl Into<String>) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems
                .push(Problem::new(self.file, row, column, reason));
        }
    }

    fn full(&self) -> bool {
        self.problems.len() >= MAX_PROBLEMS
    }
}

/// The columns every point file has: id, position and the optional region, with duplicate ids refused.
#[derive(Default)]
struct Base {
    rows: Vec<usize>,
    ids: Vec<String>,
    lon: Vec<f64>,
    lat: Vec<f64>,
    region: Vec<String>,
    seen: FxHashMap<String, usize>,
}

impl Base {
    /// Records one row when its id, its position and (`valid`) its other cells are good; returns whether it did.
    /// Problems with the id and position are reported here.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        sink: &mut Sink<'_>,
        row: usize,
        id: Result<String, String>,
        lon: Result<f64, (String, String)>,
        lat: Result<f64, (String, String)>,
        region: String,
        valid: bool,
    ) -> bool {
        let id = match id {
            Ok(id) if id.is_empty() => Err("empty id".to_string()),
            Ok(id) => match self.seen.get(&id) {
                Some(first) => Err(format!("{id:?} already listed at row {first}")),
                None => {
                    self.seen.insert(id.clone(), row);
                    Ok(id)
                }
            },
            Err(reason) => Err(reason),
        };
        let mut ok = valid;
        if let Err(reason) = &id {
            sink.push(row, "id", reason.clone());
            ok = false;
        }
        for c in [&lon, &lat] {
            if let Err((column, reason)) = c {
                sink.push(row, column, reason.clone());
                ok = false;
            }
        }
        if let (true, Ok(id)) = (ok, id) {
            self.ids.push(id);
            self.rows.push(row);
            self.lon.push(lon.unwrap_or_default());
            self.lat.push(lat.unwrap_or_default());
            self.region.push(region);
        }
        ok
    }
}

/// Parses a coordinate cell.
fn coordinate(
    column: &str,
    text: &str,
    check: fn(f64) -> Result<f64, String>,
) -> Result<f64, (String, String)> {
    let t = text.trim();
    let v = if t.is_empty() {
        Err("empty; a coordinate in degrees is needed".to_string())
    } else {
        t.parse::<f64>()
            .map_err(|_| format!("{t:?} is not a number"))
            .and_then(check)
    };
    v.map_err(|r| (column.to_string(), r))
}

/// Checks a count or capacity: a finite number in 0..=`MAX_COUNT`.
fn count(v: f64) -> Result<f64, String> {
    if !v.is_finite() || v < 0.0 {
        Err(format!("{} is not a finite number ≥ 0", fmt_num(v)))
    } else if v > MAX_COUNT {
        Err(format!(
            "{} is implausibly large (more than {MAX_COUNT:e})",
            fmt_num(v)
        ))
    } else {
        Ok(v)
    }
}

/// A group cell: whether it holds a number at all (which makes its column a group), and its value.
fn group_cell(text: &str) -> (bool, Result<f64, String>) {
    let t = text.trim();
    if t.is_empty() {
        return (false, Err("empty; a number ≥ 0 is needed".into()));
    }
    match t.parse::<f64>() {
        Ok(v) => (true, count(v)),
        Err(_) => (false, Err(format!("{t:?} is not a number"))),
    }
}

/// A column or property that may be a group: its values and the cells that are not valid counts.
struct Candidate {
    name: String,
    numeric: bool,
    values: Vec<f64>,
    bad: Vec<(usize, String)>,
}

impl Candidate {
    fn new(name: &str) -> Candidate {
        Candidate {
            name: name.to_string(),
            numeric: false,
            values: Vec::new(),
            bad: Vec::new(),
        }
    }

    fn push(&mut self, row: usize, (numeric, value): (bool, Result<f64, String>)) {
        self.numeric |= numeric;
        match value {
            Ok(v) => self.values.push(v),
            Err(reason) => {
                self.values.push(0.0);
                if self.bad.len() < MAX_PROBLEMS {
                    self.bad.push((row, reason));
                }
            }
        }
    }

    /// Drops the values of a row that turned out bad for another reason (keeps the columns aligned).
    fn pop(&mut self) {
        self.values.pop();
    }
}

/// The numeric candidates become groups (their bad cells are problems); the others are ignored attributes.
fn groups(sink: &mut Sink<'_>, candidates: Vec<Candidate>) -> Vec<Group> {
    let mut out = Vec::new();
    for c in candidates.into_iter().filter(|c| c.numeric) {
        for (row, reason) in &c.bad {
            sink.push(*row, &c.name, reason.clone());
        }
        out.push(Group {
            name: c.name,
            values: c.values,
        });
    }
    out
}

/// A CSV reader over `text` (a leading byte-order mark is dropped), and the trimmed header.
fn csv_reader<'a>(
    sink: &mut Sink<'_>,
    text: &'a str,
) -> Option<(csv::Reader<&'a [u8]>, Vec<String>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_string()).collect(),
        Err(e) => {
            sink.push(1, "", format!("cannot read the header: {e}"));
            return None;
        }
    };
    if header.iter().all(String::is_empty) {
        sink.push(1, "", "the file is empty (no header)");
        return None;
    }
    let mut seen = FxHashMap::default();
    for (i, h) in header.iter().enumerate() {
        if h.is_empty() {
            sink.push(1, "", format!("column {} has no name", i + 1));
        } else if let Some(first) = seen.insert(h.as_str(), i + 1) {
            sink.push(
                1,
                h,
                format!("column {h:?} appears twice (columns {first} and {})", i + 1),
            );
        }
    }
    Some((rdr, header))
}

/// The index of a required column, or a problem naming the header.
fn required(sink: &mut Sink<'_>, header: &[String], name: &str) -> Option<usize> {
    let i = header.iter().position(|h| h == name);
    if i.is_none() {
        sink.push(
            1,
            name,
            format!(
                "no column named {name:?} (the header has: {})",
                header.join(", ")
            ),
        );
    }
    i
}

/// Reads population points from CSV: `id,lon,lat`, an optional `region`, and one column per group.
///
/// Every other column holding at least one number is a group (`total`, `age0_3`, `age60` …), and each of its
/// cells must then be a finite count ≥ 0; a column with no number at all (a name, a note) is ignored. Ids must be
/// unique; coordinates are checked. All problems are gathered; nothing is returned when there is one.
pub fn read_population_csv(file: &str, text: &str) -> Result<Population, Vec<Problem>> {
    let mut sink = Sink {
        file,
        problems: Vec::new(),
    };
    let Some((mut rdr, header)) = csv_reader(&mut sink, text) else {
        return Err(sink.problems);
    };
    let cols = [
        required(&mut sink, &header, "id"),
        required(&mut sink, &header, "lon"),
        required(&mut sink, &header, "lat"),
    ];
    let [Some(ci), Some(cx), Some(cy)] = cols else {
        return Err(sink.problems);
    };
    let cr = header.iter().position(|h| h == "region");
    let cand_cols: Vec<usize> = (0..header.len())
        .filter(|&j| !header[j].is_empty() && !RESERVED.contains(&header[j].as_str()))
        .collect();
    let mut cands: Vec<Candidate> = cand_cols
        .iter()
        .map(|&j| Candidate::new(&header[j]))
        .collect();
    let mut base = Base::default();
    let mut record = csv::StringRecord::new();
    let mut row = 1;
    loop {
        row += 1;
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                sink.push(row, "", format!("malformed CSV: {e}"));
                if sink.full() {
                    break;
                }
                continue;
            }
        }
        if record.len() != header.len() {
            sink.push(
                row,
                "",
                format!("{} cells, the header has {}", record.len(), header.len()),
            );
            if sink.full() {
                break;
            }
            continue;
        }
        let cell = |j: usize| record.get(j).unwrap_or("");
        for (c, &j) in cands.iter_mut().zip(&cand_cols) {
            c.push(row, group_cell(cell(j)));
        }
        let ok = base.push(
            &mut sink,
            row,
            Ok(cell(ci).trim().to_string()),
            coordinate("lon", cell(cx), check_lon),
            coordinate("lat", cell(cy), check_lat),
            cr.map(|j| cell(j).trim().to_string()).unwrap_or_default(),
            true,
        );
        if !ok {
            cands.iter_mut().for_each(Candidate::pop);
        }
    }
    finish_population(sink, base, cands, cr.is_some())
}

fn finish_population(
    mut sink: Sink<'_>,
    base: Base,
    cands: Vec<Candidate>,
    has_region: bool,
) -> Result<Population, Vec<Problem>> {
    let groups = groups(&mut sink, cands);
    if groups.is_empty() && sink.problems.is_empty() {
        sink.push(
            0,
            "",
            "no population group: a numeric column or property such as `total` is needed",
        );
    }
    if base.ids.is_empty() && sink.problems.is_empty() {
        sink.push(0, "", "no population points");
    }
    if !sink.problems.is_empty() {
        sink.problems.sort_by_key(|p| p.row);
        return Err(sink.problems);
    }
    Ok(Population {
        file: sink.file.to_string(),
        rows: base.rows,
        ids: base.ids,
        lon: base.lon,
        lat: base.lat,
        region: has_region.then_some(base.region),
        groups,
    })
}

/// The type of a facility: one of the known types, or a problem naming them.
fn facility_type(known: &[&str], t: &str) -> Result<u32, String> {
    known
        .iter()
        .position(|k| *k == t)
        .map(|k| k as u32)
        .ok_or_else(|| {
            if t.is_empty() {
                format!(
                    "empty facility type; the known types are: {}",
                    known.join(", ")
                )
            } else {
                format!(
                    "unknown facility type {t:?}; the known types are: {}",
                    known.join(", ")
                )
            }
        })
}

/// Parses an optional capacity cell (blank: not given).
fn capacity(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<f64>()
        .map_err(|_| format!("{t:?} is not a number"))
        .and_then(count)
        .map(Some)
}

/// Facility rows being gathered.
#[derive(Default)]
struct FacilityRows {
    base: Base,
    kind: Vec<u32>,
    capacity: Vec<Option<f64>>,
}

impl FacilityRows {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        sink: &mut Sink<'_>,
        row: usize,
        id: Result<String, String>,
        kind: Result<u32, String>,
        lon: Result<f64, (String, String)>,
        lat: Result<f64, (String, String)>,
        cap: Result<Option<f64>, String>,
        region: String,
    ) {
        let mut ok = true;
        if let Err(reason) = &kind {
            sink.push(row, "type", reason.clone());
            ok = false;
        }
        if let Err(reason) = &cap {
            sink.push(row, "capacity", reason.clone());
            ok = false;
        }
        if self.base.push(sink, row, id, lon, lat, region, ok) {
            self.kind.push(kind.unwrap_or_default());
            self.capacity.push(cap.unwrap_or_default());
        }
    }

    fn finish(
        self,
        mut sink: Sink<'_>,
        known: &[&str],
        has_region: bool,
    ) -> Result<Facilities, Vec<Problem>> {
        if !sink.problems.is_empty() {
            sink.problems.sort_by_key(|p| p.row);
            return Err(sink.problems);
        }
        if self.base.ids.is_empty() {
            sink.push(0, "", "no facilities");
            return Err(sink.problems);
        }
        Ok(Facilities {
            file: sink.file.to_string(),
            rows: self.base.rows,
            ids: self.base.ids,
            types: known.iter().map(|s| s.to_string()).collect(),
            kind: self.kind,
            lon: self.base.lon,
            lat: self.base.lat,
            capacity: self.capacity,
            region: has_region.then_some(self.base.region),
        })
    }
}

/// Reads facilities from CSV: `id,type,lon,lat`, an optional `capacity` (blank: not given) and `region`.
///
/// `known` lists the facility types of the circles file ([`crate::circles::Catalogue::facility_type_ids`]); a
/// type outside it is an error naming the row and the known types. Other columns are ignored.
pub fn read_facilities_csv(
    file: &str,
    text: &str,
    known: &[&str],
) -> Result<Facilities, Vec<Problem>> {
    let mut sink = Sink {
        file,
        problems: Vec::new(),
    };
    let Some((mut rdr, header)) = csv_reader(&mut sink, text) else {
        return Err(sink.problems);
    };
    let cols = [
        required(&mut sink, &header, "id"),
        required(&mut sink, &header, "type"),
        required(&mut sink, &header, "lon"),
        required(&mut sink, &header, "lat"),
    ];
    let [Some(ci), Some(ct), Some(cx), Some(cy)] = cols else {
        return Err(sink.problems);
    };
    let cc = header.iter().position(|h| h == "capacity");
    let cr = header.iter().position(|h| h == "region");
    let mut rows = FacilityRows::default();
    let mut record = csv::StringRecord::new();
    let mut row = 1;
    while !sink.full() {
        row += 1;
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                sink.push(row, "", format!("malformed CSV: {e}"));
                continue;
            }
        }
        if record.len() != header.len() {
            sink.push(
                row,
                "",
                format!("{} cells, the header has {}", record.len(), header.len()),
            );
            continue;
        }
        let cell = |j: usize| record.get(j).unwrap_or("");
        rows.push(
            &mut sink,
            row,
            Ok(cell(ci).trim().to_string()),
            facility_type(known, cell(ct).trim()),
            coordinate("lon", cell(cx), check_lon),
            coordinate("lat", cell(cy), check_lat),
            cc.map_or(Ok(None), |j| capacity(cell(j))),
            cr.map(|j| cell(j).trim().to_string()).unwrap_or_default(),
        );
    }
    rows.finish(sink, known, cr.is_some())
}

/// Parses GeoJSON text into a value; a syntax error is one problem naming the JSON line and column.
pub(crate) fn parse_json(file: &str, text: &str) -> Result<Value, Vec<Problem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(text).map_err(|e| {
        vec![Problem::new(
            file,
            0,
            "",
            format!(
                "malformed JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ),
        )]
    })
}

/// The features of a FeatureCollection.
pub(crate) fn features<'a>(file: &str, v: &'a Value) -> Result<&'a [Value], Vec<Problem>> {
    let whole = |reason: &str| vec![Problem::new(file, 0, "", reason)];
    let Some(obj) = v.as_object() else {
        return Err(whole(
            "not a GeoJSON FeatureCollection (the top level is not an object)",
        ));
    };
    if obj.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(whole(
            "not a GeoJSON FeatureCollection (\"type\" is not \"FeatureCollection\")",
        ));
    }
    match obj.get("features").and_then(Value::as_array) {
        Some(f) if !f.is_empty() => Ok(f),
        Some(_) => Err(whole("the FeatureCollection has no features")),
        None => Err(whole("the FeatureCollection has no \"features\" array")),
    }
}

/// The `properties` of a feature (an empty map when absent or null), or a problem.
pub(crate) fn properties(feature: &Value) -> Result<Option<&Map<String, Value>>, String> {
    let Some(f) = feature.as_object() else {
        return Err("the feature is not an object".into());
    };
    if f.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err("the feature's \"type\" is not \"Feature\"".into());
    }
    match f.get("properties") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err("\"properties\" is not an object".into()),
    }
}

/// A string or integer property as text (ids and codes may be written either way).
pub(crate) fn text_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The id of a feature: its `id` property, else the feature's own `id` member.
fn feature_id(feature: &Value, props: Option<&Map<String, Value>>) -> Result<String, String> {
    let v = props
        .and_then(|p| p.get("id"))
        .filter(|v| !v.is_null())
        .or_else(|| feature.get("id").filter(|v| !v.is_null()));
    match v {
        None => Err("no id (an \"id\" property or feature member is needed)".into()),
        Some(v) => text_value(v).ok_or_else(|| format!("id {v} is not a string or number")),
    }
}

/// The position of a Point feature.
fn point(feature: &Value) -> Result<(f64, f64), (String, String)> {
    let err = |r: String| ("geometry".to_string(), r);
    let g = feature
        .get("geometry")
        .filter(|g| !g.is_null())
        .ok_or_else(|| err("no geometry".into()))?;
    if g.get("type").and_then(Value::as_str) != Some("Point") {
        return Err(err(format!(
            "geometry type {} is not \"Point\"",
            g.get("type").unwrap_or(&Value::Null)
        )));
    }
    let c = g
        .get("coordinates")
        .and_then(Value::as_array)
        .filter(|c| c.len() >= 2)
        .ok_or_else(|| err("\"coordinates\" is not an array [lon, lat]".into()))?;
    let num = |v: &Value| {
        v.as_f64()
            .ok_or_else(|| err(format!("{v} is not a number")))
    };
    let lon = check_lon(num(&c[0])?).map_err(err)?;
    let lat = check_lat(num(&c[1])?).map_err(err)?;
    Ok((lon, lat))
}

/// The `region` property as text ("" when absent).
fn region_property(props: Option<&Map<String, Value>>) -> String {
    props
        .and_then(|p| p.get("region"))
        .and_then(text_value)
        .unwrap_or_default()
}

/// Reads population points from a GeoJSON FeatureCollection of Point features.
///
/// Each feature needs an id (an `id` property, or the feature's `id`); every property holding a number in some
/// feature is a group and must then be a finite count ≥ 0 in every feature; `region` (string or number) names a
/// zone. Feature `i` is reported as row `i + 1`.
pub fn read_population_geojson(file: &str, text: &str) -> Result<Population, Vec<Problem>> {
    let v = parse_json(file, text)?;
    let feats = features(file, &v)?;
    let mut sink = Sink {
        file,
        problems: Vec::new(),
    };
    let mut names: Vec<String> = Vec::new();
    let mut has_region = false;
    for f in feats {
        if let Ok(Some(p)) = properties(f) {
            has_region |= p.contains_key("region");
            for (k, v) in p {
                if v.is_number() && !RESERVED.contains(&k.as_str()) && !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
    }
    let mut cands: Vec<Candidate> = names.iter().map(|n| Candidate::new(n)).collect();
    let mut base = Base::default();
    for (i, f) in feats.iter().enumerate() {
        if sink.full() {
            break;
        }
        let row = i + 1;
        let props = match properties(f) {
            Ok(p) => p,
            Err(reason) => {
                sink.push(row, "", reason);
                continue;
            }
        };
        for c in cands.iter_mut() {
            let cell = match props.and_then(|p| p.get(&c.name)) {
                None | Some(Value::Null) => (true, Err("missing; a number ≥ 0 is needed".into())),
                Some(Value::Number(n)) => (
                    true,
                    n.as_f64()
                        .ok_or_else(|| format!("{n} is not a number"))
                        .and_then(count),
                ),
                Some(other) => (true, Err(format!("{other} is not a number"))),
            };
            c.push(row, cell);
        }
        let (lon, lat) = match point(f) {
            Ok((x, y)) => (Ok(x), Ok(y)),
            Err(e) => (Err(e), Ok(0.0)),
        };
        let ok = base.push(
            &mut sink,
            row,
            feature_id(f, props),
            lon,
            lat,
            region_property(props),
            true,
        );
        if !ok {
            cands.iter_mut().for_each(Candidate::pop);
        }
    }
    finish_population(sink, base, cands, has_region)
}

/// Reads facilities from a GeoJSON FeatureCollection of Point features with properties `id` (or the feature's
/// `id`), `type` (a known facility type), optional `capacity` (a number) and `region`.
pub fn read_facilities_geojson(
    file: &str,
    text: &str,
    known: &[&str],
) -> Result<Facilities, Vec<Problem>> {
    let v = parse_json(file, text)?;
    let feats = features(file, &v)?;
    let mut sink = Sink {
        file,
        problems: Vec::new(),
    };
    let mut rows = FacilityRows::default();
    let mut has_region = false;
    for (i, f) in feats.iter().enumerate() {
        if sink.full() {
            break;
        }
        let row = i + 1;
        let props = match properties(f) {
            Ok(p) => p,
            Err(reason) => {
                sink.push(row, "", reason);
                continue;
            }
        };
        has_region |= props.is_some_and(|p| p.contains_key("region"));
        let kind = match props.and_then(|p| p.get("type")) {
            Some(Value::String(t)) => facility_type(known, t.trim()),
            None | Some(Value::Null) => facility_type(known, ""),
            Some(other) => Err(format!("type {other} is not a string")),
        };
        let cap = match props.and_then(|p| p.get("capacity")) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .ok_or_else(|| format!("{n} is not a number"))
                .and_then(count)
                .map(Some),
            Some(Value::String(s)) => capacity(s),
            Some(other) => Err(format!("{other} is not a number")),
        };
        let (lon, lat) = match point(f) {
            Ok((x, y)) => (Ok(x), Ok(y)),
            Err(e) => (Err(e), Ok(0.0)),
        };
        rows.push(
            &mut sink,
            row,
            feature_id(f, props),
            kind,
            lon,
            lat,
            cap,
            region_property(props),
        );
    }
    rows.finish(sink, known, has_region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_columns_are_groups_and_text_columns_are_ignored() -> Result<(), Vec<Problem>> {
        let p = read_population_csv(
            "p.csv",
            "id,name,lon,lat,total,age60,region\na,甲,100,25,10,2,X\nb,乙,100.1,25.1,20,0,\n",
        )?;
        assert_eq!(p.group_names(), ["total", "age60"]);
        assert_eq!(p.group("total"), Some(&[10.0, 20.0][..]));
        assert_eq!(p.region, Some(vec!["X".to_string(), String::new()]));
        assert_eq!(p.rows, [2, 3]);
        Ok(())
    }

    #[test]
    fn a_bad_row_keeps_the_columns_aligned_in_the_problems() {
        let Err(p) =
            read_population_csv("p.csv", "id,lon,lat,total\na,1,2,x\na,1,2,3\nb,200,2,1\n")
        else {
            unreachable!("bad file accepted")
        };
        let got: Vec<(usize, &str)> = p.iter().map(|p| (p.row, p.column.as_str())).collect();
        assert_eq!(got, [(2, "total"), (3, "id"), (4, "lon")]);
    }
}
