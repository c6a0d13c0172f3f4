//! Text helpers shared by the HTML and XLSX writers: escaping, number formatting and the bilingual labels.

use minsheng_core::plan::{Attribute, Domain};
use minsheng_core::region::Level;
use minsheng_monitor::evaluate::Kind;
use minsheng_monitor::progress::{Status, Warning};

/// Escapes text for HTML and XML, in element content and in quoted attribute values alike.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newline are not allowed in XML; drop them.
            c if c.is_control() && c != '\t' && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// A CSS string literal (for `content:` in page-margin boxes): quotes and backslashes escaped, and `<`, `&`
/// written as CSS escapes so that the style sheet is also well-formed XML and cannot close its `<style>` element.
pub fn css_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\22 "),
            '\\' => out.push_str("\\5C "),
            '<' => out.push_str("\\3C "),
            '&' => out.push_str("\\26 "),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Both languages of a label as spans; the page shows one of them (CSS class on `<html>`).
pub fn bi(zh: &str, en: &str) -> String {
    format!(
        "<span class=\"zh\" lang=\"zh-CN\">{}</span><span class=\"en\" lang=\"en\">{}</span>",
        esc(zh),
        esc(en)
    )
}

/// A label in both languages for places that show both at once (XLSX headers): `状态 Status`.
pub fn both(zh: &str, en: &str) -> String {
    format!("{zh} {en}")
}

/// Groups the digits of the integer part in threes (`12345.6` → `12,345.6`).
fn group_thousands(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Drops trailing zeros of a decimal fraction (`12.50` → `12.5`, `3.00` → `3`).
fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A value for a table or a chart label: at most two decimals (three below 1), trailing zeros dropped, thousands
/// grouped from 10 000 on. `—` for a non-finite number.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let a = v.abs();
    let decimals = if a >= 1000.0 {
        1
    } else if a >= 1.0 || a == 0.0 {
        2
    } else {
        3
    };
    let s = trim_zeros(format!("{v:.decimals$}"));
    let s = if s == "-0" { "0".to_string() } else { s };
    if a >= 10000.0 { group_thousands(&s) } else { s }
}

/// A number with a fixed count of decimals (statistics: `0.1234`).
pub fn fixed(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{v:.decimals$}")
    } else {
        "—".into()
    }
}

/// A share (0–1) as a percentage without decimals (`0.404` → `40%`), one decimal below 10 %.
pub fn pct(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let p = v * 100.0;
    if p.abs() < 10.0 && p.fract().abs() > 1e-9 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

/// Chinese numeral for section numbers 1–20 (一, 二, … 二十).
pub fn zh_numeral(n: usize) -> String {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0 => "〇".into(),
        1..=9 => D[n].into(),
        10 => "十".into(),
        11..=19 => format!("十{}", D[n - 10]),
        20..=99 => format!("{}十{}", D[n / 10], D[n % 10]),
        _ => n.to_string(),
    }
}

/// All statuses in the order reports list them.
pub const STATUSES: [Status; 6] = [
    Status::Achieved,
    Status::OnTrack,
    Status::Lagging,
    Status::SeriouslyLagging,
    Status::Regressing,
    Status::NotAssessable,
];

/// The position of a status in [`STATUSES`].
pub fn status_index(s: Status) -> usize {
    STATUSES.iter().position(|x| *x == s).unwrap_or(0)
}

pub fn status_en(s: Status) -> &'static str {
    match s {
        Status::Achieved => "achieved",
        Status::OnTrack => "on track",
        Status::Lagging => "lagging",
        Status::SeriouslyLagging => "seriously lagging",
        Status::Regressing => "regressing",
        Status::NotAssessable => "not assessable",
    }
}

/// The traffic-light colour of a status (fill), as `#rrggbb`.
pub fn status_color(s: Status) -> &'static str {
    match s {
        Status::Achieved => "#2e7d32",
        Status::OnTrack => "#00897b",
        Status::Lagging => "#f2a900",
        Status::SeriouslyLagging => "#e8590c",
        Status::Regressing => "#c62828",
        Status::NotAssessable => "#9e9e9e",
    }
}

/// A light tint of the status colour for XLSX cell fills.
pub fn status_tint(s: Status) -> u32 {
    match s {
        Status::Achieved => 0xd8ecd9,
        Status::OnTrack => 0xcfeae7,
        Status::Lagging => 0xfdeeb8,
        Status::SeriouslyLagging => 0xfbd9c3,
        Status::Regressing => 0xf4c7c7,
        Status::NotAssessable => 0xe6e6e6,
    }
}

pub fn warning_zh(w: Warning) -> &'static str {
    match w {
        Warning::Red => "红色预警",
        Warning::Yellow => "黄色预警",
    }
}

pub fn warning_en(w: Warning) -> &'static str {
    match w {
        Warning::Red => "red warning",
        Warning::Yellow => "yellow warning",
    }
}

pub fn warning_color(w: Warning) -> &'static str {
    match w {
        Warning::Red => "#c62828",
        Warning::Yellow => "#f2a900",
    }
}

pub fn kind_en(k: Kind) -> &'static str {
    match k {
        Kind::Annual => "Annual monitoring",
        Kind::MidTerm => "Mid-term evaluation",
        Kind::Final => "Final evaluation",
    }
}

pub fn domain_en(d: Domain) -> &'static str {
    match d {
        Domain::EarlyChildhood => "Early childhood",
        Domain::Education => "Education",
        Domain::Employment => "Employment",
        Domain::Health => "Health care",
        Domain::Elderly => "Elderly care",
        Domain::Housing => "Housing",
        Domain::SocialAssistance => "Social assistance",
        Domain::Veterans => "Veterans' services",
        Domain::CultureSports => "Culture and sports",
    }
}

pub fn attribute_en(a: Attribute) -> &'static str {
    match a {
        Attribute::Binding => "binding",
        Attribute::Expected => "expected",
    }
}

pub fn level_zh(l: Level) -> &'static str {
    match l {
        Level::Province => "省级",
        Level::Prefecture => "地级",
        Level::County => "县级",
    }
}

pub fn level_en(l: Level) -> &'static str {
    match l {
        Level::Province => "provinces",
        Level::Prefecture => "prefectures",
        Level::County => "counties",
    }
}

/// The synthetic-data notice, in both languages.
pub const SYNTHETIC_ZH: &str = "含合成数据";
pub const SYNTHETIC_EN: &str = "contains SYNTHETIC data";
pub const SYNTHETIC_NOTE_ZH: &str =
    "本报告部分数据为程序生成的合成数据，仅用于演示与测试，不代表任何地区的实际情况，不得引用。";
pub const SYNTHETIC_NOTE_EN: &str = "Part of the data in this report is synthetic (generated for demonstration and testing); \
     it describes no real region and must not be cited.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(esc("a\u{7}b"), "ab");
        assert_eq!(css_string("a\"</style>&"), "\"a\\22 \\3C /style>\\26 \"");
    }

    #[test]
    fn formats_numbers_tidily() {
        assert_eq!(num(88.79), "88.79");
        assert_eq!(num(100.0), "100");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(2.604), "2.6");
        assert_eq!(num(0.01234), "0.012");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(123456.78), "123,456.8");
        assert_eq!(num(-12345.0), "-12,345");
        assert_eq!(num(f64::NAN), "—");
        assert_eq!(pct(0.404), "40%");
        assert_eq!(pct(1.0), "100%");
        assert_eq!(pct(0.055), "5.5%");
        assert_eq!(fixed(0.12345, 4), "0.1235");
    }

    #[test]
    fn numbers_sections_in_chinese() {
        assert_eq!(zh_numeral(1), "一");
        assert_eq!(zh_numeral(10), "十");
        assert_eq!(zh_numeral(12), "十二");
        assert_eq!(zh_numeral(20), "二十");
    }
}
