//! Civil dates as day numbers (days since 1970-01-01, proleptic Gregorian), and ages.
//!
//! The conversions are Howard Hinnant's `days_from_civil` / `civil_from_days` algorithms, exact for every date
//! in `i32` range. Ages follow the Chinese civil convention (民法典 第一千二百五十九条 counts a person's age in
//! full years from the birthday): one reaches an age on the birthday itself; a person born on 29 February reaches
//! it on 1 March in common years.

/// Days since 1970-01-01 of a valid `(year, month, day)`.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy as i32;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` of a day number.
pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

/// Parses `YYYY-MM-DD` (also `YYYY/MM/DD` and `YYYYMMDD`), years 1800–2200.
pub fn parse(s: &str) -> Option<i32> {
    let b = s.trim().as_bytes();
    let (y, m, d) = match b.len() {
        8 => (num(&b[0..4])?, num(&b[4..6])?, num(&b[6..8])?),
        10 if (b[4] == b'-' && b[7] == b'-') || (b[4] == b'/' && b[7] == b'/') => {
            (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?)
        }
        _ => return None,
    };
    let y = y as i32;
    if !(1800..=2200).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

fn num(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// `YYYY-MM-DD`.
pub fn format(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Full years from `birth` to `at` (negative when `at` is before `birth`).
pub fn age(birth: i32, at: i32) -> i32 {
    age_and_months(birth, civil_from_days(at)).0
}

/// Age in full years and in full months at a date given as its civil `(year, month, day)`, with one calendar
/// conversion (the columnar evaluation computes both for every person).
pub fn age_and_months(birth: i32, at: (i32, u32, u32)) -> (i32, i32) {
    let (by, bm, bd) = civil_from_days(birth);
    let (ay, am, ad) = at;
    let mut years = ay - by;
    // 29 February: the birthday of a common year is 1 March, i.e. not reached on 28 February.
    if (am, ad) < (bm, bd) {
        years -= 1;
    }
    let mut months = (ay - by) * 12 + am as i32 - bm as i32;
    // The monthly anniversary of the 31st in a 30-day month is the 1st of the next month.
    if ad < bd {
        months -= 1;
    }
    (years, months)
}

/// Full months from `birth` to `at`.
pub fn age_months(birth: i32, at: i32) -> i32 {
    age_and_months(birth, civil_from_days(at)).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for z in -100_000..100_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(
            parse("2024-02-29").map(format).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(parse("2023-02-29"), None);
        assert_eq!(parse("20230115"), parse("2023-01-15"));
        assert_eq!(parse("2023-1-15"), None);
    }

    #[test]
    fn ages_count_full_years_from_the_birthday() {
        let b = parse("1960-06-15").unwrap_or_default();
        assert_eq!(age(b, parse("2025-06-14").unwrap_or_default()), 64);
        assert_eq!(age(b, parse("2025-06-15").unwrap_or_default()), 65);
        let leap = parse("2004-02-29").unwrap_or_default();
        assert_eq!(age(leap, parse("2022-02-28").unwrap_or_default()), 17);
        assert_eq!(age(leap, parse("2022-03-01").unwrap_or_default()), 18);
        assert_eq!(age(leap, parse("2024-02-29").unwrap_or_default()), 20);
        assert_eq!(age_months(b, parse("2025-07-14").unwrap_or_default()), 780);
        assert_eq!(age_months(b, parse("2025-07-15").unwrap_or_default()), 781);
    }
}
