//! 行政区划 — administrative regions by GB/T 2260 code.

use std::collections::BTreeMap;
use std::fmt;

/// A six-digit GB/T 2260 administrative division code (e.g. `520000` Guizhou, `530102` Wuhua district).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode(u32);

impl RegionCode {
    /// Checks the form only: six ASCII digits, a non-zero province part. Whether the code exists is asked of a
    /// [`RegionTable`].
    pub fn parse(s: &str) -> Result<RegionCode, String> {
        let t = s.trim();
        if t.len() != 6 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("'{s}' is not a six-digit GB/T 2260 code"));
        }
        let n: u32 = t.parse().map_err(|_| format!("'{s}' is not a number"))?;
        if n < 110000 {
            return Err(format!("'{s}' has no valid province part"));
        }
        Ok(RegionCode(n))
    }

    pub fn as_u32(self) -> u32 {
        self.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

/// 行政级别 — administrative level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// 省级
    Province,
    /// 地级 (地级市, 自治州, 地区)
    Prefecture,
    /// 县级 (市辖区, 县, 自治县, 县级市)
    County,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::Prefecture => "prefecture",
            Level::County => "county",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "province" => Some(Level::Province),
            "prefecture" => Some(Level::Prefecture),
            "county" => Some(Level::County),
            _ => None,
        }
    }
}

/// One region.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub level: Level,
    pub parent: Option<RegionCode>,
    /// A representative point (longitude, latitude in degrees) where the source gives one.
    pub point: Option<(f64, f64)>,
}

/// A checked set of regions: unique codes, every parent present, levels nested.
#[derive(Debug, Clone, Default)]
pub struct RegionTable {
    regions: BTreeMap<RegionCode, Region>,
}

/// A problem in a regions CSV: 1-based row (the header is row 1), column name and reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("row {row}, column {column}: {reason}")]
pub struct RegionError {
    pub row: usize,
    pub column: String,
    pub reason: String,
}

impl RegionTable {
    /// Reads `code,name,level,parent,lon,lat` CSV text. All problems are returned together.
    ///
    /// # Errors
    /// Every malformed row, duplicate code, unknown parent or level out of order.
    pub fn from_csv(text: &str) -> Result<RegionTable, Vec<RegionError>> {
        let mut errors = Vec::new();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let expected = ["code", "name", "level", "parent", "lon", "lat"];
        match rdr.headers() {
            Ok(h) => {
                let got: Vec<&str> = h.iter().collect();
                if got != expected {
                    errors.push(RegionError {
                        row: 1,
                        column: String::new(),
                        reason: format!(
                            "header must be {}, found {}",
                            expected.join(","),
                            got.join(",")
                        ),
                    });
                    return Err(errors);
                }
            }
            Err(e) => {
                errors.push(RegionError {
                    row: 1,
                    column: String::new(),
                    reason: e.to_string(),
                });
                return Err(errors);
            }
        }
        let mut table = RegionTable::default();
        for (i, rec) in rdr.records().enumerate() {
            let row = i + 2;
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    errors.push(RegionError {
                        row,
                        column: String::new(),
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            let field = |k: usize| rec.get(k).unwrap_or("").trim();
            let mut bad = |column: &str, reason: String| {
                errors.push(RegionError {
                    row,
                    column: column.to_string(),
                    reason,
                })
            };
            let code = match RegionCode::parse(field(0)) {
                Ok(c) => Some(c),
                Err(e) => {
                    bad("code", e);
                    None
                }
            };
            let name = field(1).to_string();
            if name.is_empty() {
                bad("name", "empty name".into());
            }
            let level = Level::parse(field(2));
            if level.is_none() {
                bad(
                    "level",
                    format!("'{}' is not province, prefecture or county", field(2)),
                );
            }
            let parent = if field(3).is_empty() {
                None
            } else {
                match RegionCode::parse(field(3)) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        bad("parent", e);
                        None
                    }
                }
            };
            let point = match (field(4), field(5)) {
                ("", "") => None,
                (lon, lat) => match (lon.parse::<f64>(), lat.parse::<f64>()) {
                    (Ok(x), Ok(y))
                        if (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y) =>
                    {
                        Some((x, y))
                    }
                    _ => {
                        bad(
                            "lon",
                            format!("'{lon},{lat}' is not a longitude,latitude pair"),
                        );
                        None
                    }
                },
            };
            if let (Some(code), Some(level)) = (code, level) {
                if table.regions.contains_key(&code) {
                    bad("code", format!("duplicate code {code}"));
                    continue;
                }
                table.regions.insert(
                    code,
                    Region {
                        code,
                        name,
                        level,
                        parent,
                        point,
                    },
                );
            }
        }
        // Parents must exist and be one level up.
        let mut structural = Vec::new();
        for (row, r) in table.regions.values().enumerate() {
            match (r.level, r.parent) {
                (Level::Province, None) => {}
                (Level::Province, Some(_)) => {
                    structural.push((row, r.code, "a province has no parent".to_string()))
                }
                (_, None) => structural.push((row, r.code, "missing parent".to_string())),
                (level, Some(p)) => match table.regions.get(&p) {
                    None => {
                        structural.push((row, r.code, format!("parent {p} is not in the table")))
                    }
                    Some(pr) => {
                        let ok = matches!(
                            (pr.level, level),
                            (Level::Province, Level::Prefecture)
                                | (Level::Prefecture, Level::County)
                        );
                        if !ok {
                            structural.push((
                                row,
                                r.code,
                                format!(
                                    "a {} cannot be the parent of a {}",
                                    pr.level.as_str(),
                                    level.as_str()
                                ),
                            ));
                        }
                    }
                },
            }
        }
        for (_, code, reason) in structural {
            errors.push(RegionError {
                row: 0,
                column: "parent".into(),
                reason: format!("{code}: {reason}"),
            });
        }
        if errors.is_empty() {
            Ok(table)
        } else {
            Err(errors)
        }
    }

    /// The region with this code, if known.
    pub fn get(&self, code: RegionCode) -> Option<&Region> {
        self.regions.get(&code)
    }

    /// Parses a code and checks that it is in the table.
    ///
    /// # Errors
    /// A message naming the code when it is malformed or unknown.
    pub fn lookup(&self, code: &str) -> Result<&Region, String> {
        let c = RegionCode::parse(code)?;
        self.regions
            .get(&c)
            .ok_or_else(|| format!("unknown region code {c}"))
    }

    /// The direct children of a region, in code order.
    pub fn children(&self, code: RegionCode) -> impl Iterator<Item = &Region> {
        self.regions
            .values()
            .filter(move |r| r.parent == Some(code))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Region> {
        self.regions.values()
    }

    pub fn len(&self) -> usize {
        self.regions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_checks() {
        let csv = "code,name,level,parent,lon,lat\n520000,贵州省,province,,106.7,26.6\n520100,贵阳市,prefecture,520000,,\n520102,南明区,county,520100,106.7,26.5\n";
        let t = RegionTable::from_csv(csv).unwrap_or_default();
        assert_eq!(t.len(), 3);
        assert_eq!(t.children(RegionCode(520000)).count(), 1);
        assert!(t.lookup("520102").is_ok());
        assert!(t.lookup("520199").is_err());
        assert!(t.lookup("52010").is_err());
    }

    #[test]
    fn reports_every_bad_row() {
        let csv = "code,name,level,parent,lon,lat\n52000x,贵州省,province,,,\n520100,,city,520000,,\n520100,贵阳市,prefecture,999999,200,1\n";
        let errs = RegionTable::from_csv(csv).err().unwrap_or_default();
        let rows: Vec<(usize, &str)> = errs.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert!(rows.contains(&(2, "code")));
        assert!(rows.contains(&(3, "name")));
        assert!(rows.contains(&(3, "level")));
        assert!(rows.contains(&(4, "lon")));
        assert!(errs.iter().any(|e| e.reason.contains("999999")));
    }
}
