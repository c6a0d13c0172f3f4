//! Property tests of the target grammar: every number written in every supported form reads back as itself, with
//! the form's comparison and window; arbitrary text never panics.

use minsheng_core::target::{Comparison, ParseOptions, Value, Window, parse};
use proptest::prelude::*;

/// A decimal number as a plan writes it: up to 7 integer digits, 0–3 decimals.
fn number() -> impl Strategy<Value = String> {
    (0u64..10_000_000, 0u32..4).prop_map(|(m, d)| {
        if d == 0 {
            m.to_string()
        } else {
            let p = 10u64.pow(d);
            format!("{}.{:0width$}", m / p, m % p, width = d as usize)
        }
    })
}

/// Every form of the grammar with a number slot, the comparison and window it must give.
const FORMS: &[(&str, Comparison, Window)] = &[
    ("{}", Comparison::Eq, Window::Level),
    ("{}%", Comparison::Eq, Window::Level),
    ("{}‰", Comparison::Eq, Window::Level),
    ("{}个", Comparison::Eq, Window::Level),
    ("{}以上", Comparison::Ge, Window::Level),
    ("{}%以上", Comparison::Ge, Window::Level),
    ("{}万人次以上", Comparison::Ge, Window::Level),
    ("{}以下", Comparison::Le, Window::Level),
    ("{}以内", Comparison::Le, Window::Level),
    (">{}", Comparison::Gt, Window::Level),
    (">{}%", Comparison::Gt, Window::Level),
    ("＞{}", Comparison::Gt, Window::Level),
    ("≥{}%", Comparison::Ge, Window::Level),
    (">={}", Comparison::Ge, Window::Level),
    ("<{}", Comparison::Lt, Window::Level),
    ("≤{}", Comparison::Le, Window::Level),
    ("不低于{}%", Comparison::Ge, Window::Level),
    ("不少于{}平方米", Comparison::Ge, Window::Level),
    ("不高于{}", Comparison::Le, Window::Level),
    ("控制在{}%以内", Comparison::Le, Window::Level),
    ("控制在{}以下", Comparison::Le, Window::Level),
    ("稳定在{}%以上", Comparison::Ge, Window::Level),
    ("保持在{}%以上", Comparison::Ge, Window::Level),
    ("达到{}", Comparison::Eq, Window::Level),
    ("达到{}%以上", Comparison::Ge, Window::Level),
    ("提高到{}", Comparison::Eq, Window::Level),
    ("至少{}", Comparison::Ge, Window::Level),
    ("超过{}", Comparison::Gt, Window::Level),
    ("每年{}万人次以上", Comparison::Ge, Window::PerYear),
    ("[{}]", Comparison::Eq, Window::Cumulative),
    ("[　{}]", Comparison::Eq, Window::Cumulative),
    ("［{}］", Comparison::Eq, Window::Cumulative),
    ("〔{}〕", Comparison::Eq, Window::Cumulative),
    ("{}*", Comparison::Eq, Window::Cumulative),
    ("[>{}]", Comparison::Gt, Window::Cumulative),
];

fn to_full_width(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_digit() || c == '.' {
                char::from_u32(c as u32 + 0xfee0).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn every_form_reads_back(n in number(), form in 0..FORMS.len(), full_width in any::<bool>(), spaces in any::<bool>()) {
        let (pattern, cmp, window) = FORMS[form];
        let mut num = n.clone();
        if full_width {
            num = to_full_width(&num);
        }
        let mut text = pattern.replace("{}", &num);
        if spaces {
            // Table cells wrap and OCR inserts spaces: white space anywhere must not change the reading.
            text = text.chars().flat_map(|c| [c, ' ']).collect();
        }
        let want: f64 = n.parse().unwrap_or(f64::NAN);
        let cell = parse(&text, &ParseOptions::default());
        prop_assert!(cell.is_ok(), "{text:?}: {cell:?}");
        let cell = cell.unwrap_or_else(|_| unreachable!());
        prop_assert_eq!(cell.raw(), text.as_str());
        match cell.value() {
            Value::Quantity(q) => {
                prop_assert_eq!(q.value, want);
                prop_assert_eq!(q.comparison, cmp);
                prop_assert_eq!(q.window, window);
            }
            other => prop_assert!(false, "{text:?} read as {other:?}"),
        }
    }

    #[test]
    fn pairs_read_back(a in number(), b in number(), pct in any::<bool>()) {
        let text = if pct { format!("{a}%/{b}%") } else { format!("{a}/{b}") };
        let cell = parse(&text, &ParseOptions::default());
        let ok = matches!(cell.as_ref().map(|c| c.value()), Ok(Value::Pair(p))
            if p.values == [a.parse::<f64>().unwrap_or(f64::NAN), b.parse::<f64>().unwrap_or(f64::NAN)] && p.comparison == Comparison::Eq);
        prop_assert!(ok, "{text:?}: {cell:?}");
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,40}") {
        let _ = parse(&s, &ParseOptions { unit: Some("%") });
    }

    #[test]
    fn trailing_garbage_is_rejected(n in number(), junk in "[a-z甲乙丙。，]{1,4}") {
        let text = format!("{n}以上{junk}");
        prop_assert!(parse(&text, &ParseOptions::default()).is_err(), "{text:?} should be rejected");
    }
}
