//! The catalogue loader: rule errors at load time with their place, cascade rules (inherit, override, withdraw
//! with a reason, never a silent replacement), parameters by region and date, and `diff`.

use minsheng_entitle::catalogue::{Catalogue, Context, diff, load};
use minsheng_entitle::regions::RegionIndex;
use minsheng_entitle::shipped;

const PARENT: &str = r#"
[catalogue]
id = "test-province"
name = "测试省清单"
region = "530000"
version = "2022"
effective = "2022-01-01"

[[param]]
id = "allowance_age"
name = "高龄补助起始年龄"
unit = "岁"
values = [ { value = 80, from = "2021-01-01" } ]
sources = [ { seed = "seeds/004_e3f94e0aafab1863.txt", line = 878, quote = "为80岁以上不满100周岁的老年人发放保健补助" } ]

[[param]]
id = "allowance_monthly"
name = "高龄保健补助标准"
unit = "元/人·月"
set_per_region = true

[[item]]
id = "old-age-allowance"
name = "高龄老人保健补助"
domain = "老有所养"
object = "80岁以上不满100周岁的老年人"
content = "发放保健补助"
standard = "按当地标准"
funding = ""
lead = ""
rule = "age >= param.allowance_age and age < 100 and resident"
amount = "param.allowance_monthly"
sources = [ { seed = "seeds/004_e3f94e0aafab1863.txt", line = 878, quote = "为80岁以上不满100周岁的老年人发放保健补助" } ]

[[item]]
id = "centenarian"
name = "百岁老人长寿补助"
domain = "老有所养"
object = "100周岁以上的老年人"
content = "发放长寿补助"
standard = ""
funding = ""
lead = ""
rule = "age >= 100"
sources = [ { seed = "seeds/004_e3f94e0aafab1863.txt", line = 878, quote = "为100周岁以上的老年人发放长寿补助" } ]
"#;

fn load_with(
    file: &str,
    text: &str,
    parent: Option<&'static str>,
) -> (Option<Catalogue>, Vec<String>) {
    let regions = RegionIndex::shipped();
    let resolve = move |id: &str| -> Option<(String, String)> {
        (id == "test-province").then(|| {
            (
                "parent.toml".to_string(),
                parent.unwrap_or(PARENT).to_string(),
            )
        })
    };
    let ctx = Context {
        regions: &regions,
        resolve: &resolve,
        seed: &shipped::seed,
    };
    let (c, d) = load(file, text, &ctx);
    (c, d.iter().map(ToString::to_string).collect())
}

#[test]
fn the_parent_loads_and_resolves_parameters_by_region_and_date() {
    let (c, d) = load_with("parent.toml", PARENT, None);
    assert!(d.is_empty(), "{d:#?}");
    let Some(c) = c else { unreachable!() };
    assert_eq!(c.items.len(), 2);
    let regions = RegionIndex::shipped();
    let kunming_district = regions.index_of("530102").unwrap_or(0);
    let k = c.param_index("allowance_age").unwrap_or(0);
    let at = minsheng_entitle::date::parse("2025-01-01").unwrap_or(0);
    assert_eq!(
        c.params[k].value_at(kunming_district, at, &regions),
        Some(80.0)
    );
    let before = minsheng_entitle::date::parse("2020-12-31").unwrap_or(0);
    assert_eq!(
        c.params[k].value_at(kunming_district, before, &regions),
        None
    );
}

#[test]
fn rule_errors_are_found_at_load_with_line_and_column() {
    let bad = PARENT
        .replace("rule = \"age >= 100\"", "rule = \"age >= 100 and dibaoo\"")
        .replace("param.allowance_age and", "param.allowance_agee and");
    let (c, d) = load_with("bad.toml", &bad, None);
    assert!(c.is_none());
    let line_of = |needle: &str| {
        bad.lines()
            .position(|l| l.contains(needle))
            .map_or(0, |i| i + 1)
    };
    let l1 = line_of("param.allowance_agee");
    let l2 = line_of("dibaoo");
    // Column: `rule = "` is 8 characters, the name starts after it.
    let want1 = format!(
        "bad.toml:{l1}:{}: error[rule]: item \"old-age-allowance\"",
        9 + "age >= ".len()
    );
    let want2 = format!(
        "bad.toml:{l2}:{}: error[rule]: item \"centenarian\"",
        9 + "age >= 100 and ".len()
    );
    assert!(
        d.iter()
            .any(|m| m.starts_with(&want1) && m.contains("unknown parameter 'allowance_agee'")),
        "{d:#?}"
    );
    assert!(
        d.iter().any(|m| m.starts_with(&want2)
            && m.contains("unknown field 'dibaoo' (did you mean 'dibao'?)")),
        "{d:#?}"
    );
    // Type errors.
    let typed = PARENT.replace("rule = \"age >= 100\"", "rule = \"age + 1\"");
    let (_, d) = load_with("t.toml", &typed, None);
    assert!(
        d.iter()
            .any(|m| m.contains("is a number, but a true/false is needed")),
        "{d:#?}"
    );
    let typed = PARENT.replace("rule = \"age >= 100\"", "rule = \"sex == \\\"X\\\"\"");
    let (_, d) = load_with("t.toml", &typed, None);
    assert!(d.iter().any(|m| m.contains("\"X\" is not a sex")), "{d:#?}");
    // A quote that is not on its line.
    let wrong = PARENT.replace(
        "为100周岁以上的老年人发放长寿补助",
        "为90周岁以上的老年人发放长寿补助",
    );
    let (_, d) = load_with("q.toml", &wrong, None);
    assert!(
        d.iter().any(|m| m.contains("error[source-mismatch]")),
        "{d:#?}"
    );
}

const CHILD: &str = r#"
[catalogue]
id = "test-kunming"
name = "测试市清单"
region = "530100"
version = "2023"
effective = "2023-01-01"
extends = "test-province"

[[param]]
id = "allowance_monthly"
values = [ { value = 50, from = "2023-01-01", region = "530100" } ]

[[item]]
id = "old-age-allowance"
override = true
standard = "每人每月50元"
rule = "age >= 75 and age < 100 and resident"

[[withdraw]]
item = "centenarian"
reason = "merged into old-age-allowance from 2023 (test)"
"#;

#[test]
fn a_child_inherits_overrides_and_withdraws_only_with_a_reason() {
    let (c, d) = load_with("child.toml", CHILD, None);
    assert!(d.is_empty(), "{d:#?}");
    let Some(c) = c else { unreachable!() };
    assert_eq!(c.lineage, ["test-kunming", "test-province"]);
    assert_eq!(c.items.len(), 1);
    let item = &c.items[0];
    assert_eq!(item.rule_text, "age >= 75 and age < 100 and resident");
    assert_eq!(
        item.object, "80岁以上不满100周岁的老年人",
        "inherited attribute"
    );
    assert_eq!(item.defined_in, "test-kunming");
    assert_eq!(c.withdrawn[0].item, "centenarian");

    // A silent replacement, a withdrawal without a reason, a region outside the parent's.
    let silent = CHILD.replace("override = true\n", "");
    let (_, d) = load_with("child.toml", &silent, None);
    assert!(
        d.iter().any(|m| m.contains("error[silent-replacement]")),
        "{d:#?}"
    );
    let no_reason = CHILD.replace(
        "reason = \"merged into old-age-allowance from 2023 (test)\"",
        "",
    );
    let (_, d) = load_with("child.toml", &no_reason, None);
    assert!(
        d.iter()
            .any(|m| m.contains("error[withdraw-without-reason]")),
        "{d:#?}"
    );
    let outside = CHILD.replace(
        "region = \"530100\"\nversion",
        "region = \"520100\"\nversion",
    );
    let (_, d) = load_with("child.toml", &outside, None);
    assert!(
        d.iter()
            .any(|m| m.contains("error[region-not-below-parent]")),
        "{d:#?}"
    );
}

#[test]
fn diff_lists_added_withdrawn_changed_and_raised() {
    let (Some(a), _) = load_with("parent.toml", PARENT, None) else {
        unreachable!()
    };
    let (Some(b), _) = load_with("child.toml", CHILD, None) else {
        unreachable!()
    };
    let changes = diff(&a, &b);
    let kinds: Vec<(&str, &str, &str)> = changes
        .iter()
        .map(|c| (c.kind.as_str(), c.id.as_str(), c.field.as_str()))
        .collect();
    assert!(
        kinds.contains(&("withdrawn", "centenarian", "")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("changed", "old-age-allowance", "standard")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("changed", "old-age-allowance", "rule")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("value-added", "allowance_monthly", "530100 from 2023-01-01")),
        "{kinds:?}"
    );
    // A later value for the same region raises the standard.
    let raised = PARENT.replace(
        "values = [ { value = 80, from = \"2021-01-01\" } ]",
        "values = [ { value = 80, from = \"2021-01-01\" }, { value = 85, from = \"2024-01-01\" } ]",
    );
    let (Some(r), d) = load_with("p2.toml", &raised, None) else {
        unreachable!()
    };
    assert!(d.is_empty());
    let changes = diff(&a, &r);
    assert!(
        changes.iter().any(|c| c.kind == "raised"
            && c.id == "allowance_age"
            && c.before == "80"
            && c.after == "85"),
        "{changes:#?}"
    );
}
