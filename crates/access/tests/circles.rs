//! The shipped circles file loads clean with every quote verified against its seed line, and a broken file gets
//! every problem reported with file:line:column.

use minsheng_access::circles::{
    self, Comparison, Context, Level, Limit, Mode, SHIPPED_FILE, SHIPPED_TEXT, Supply,
};
use minsheng_core::diag::Diagnostic;

fn codes(diags: &[Diagnostic]) -> Vec<(usize, &'static str)> {
    diags.iter().map(|d| (d.line, d.code)).collect()
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| unreachable!("{needle} not in text"));
    text[..at].matches('\n').count() + 1
}

#[test]
fn shipped_file_loads_clean_and_every_quote_is_on_its_line() {
    let (cat, diags) = circles::shipped();
    assert!(
        diags.is_empty(),
        "{}",
        diags
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let Some(cat) = cat else {
        unreachable!("no catalogue")
    };
    assert_eq!(
        (cat.circles.len(), cat.norms.len(), cat.thresholds.len()),
        (11, 10, 22)
    );
    let sources: usize = cat.circles.iter().map(|c| c.sources.len()).sum::<usize>()
        + cat.norms.iter().map(|n| n.sources.len()).sum::<usize>()
        + cat
            .thresholds
            .iter()
            .map(|t| t.sources.len())
            .sum::<usize>();
    assert_eq!(sources, 70);

    let c = |id: &str| cat.circle(id).unwrap_or_else(|| unreachable!("{id}"));
    let fitness = c("fitness-15min");
    assert_eq!(
        (fitness.mode, fitness.limit),
        (Mode::Walk, Limit::Minutes(15.0))
    );
    assert_eq!(fitness.plans.len(), 5);
    assert_eq!(c("rural-health-30min").limit, Limit::Minutes(30.0));
    assert_eq!(c("rural-health-30min").mode, Mode::Drive);
    assert_eq!(c("culture-10min").limit, Limit::Minutes(10.0));
    let ten_li = c("culture-10li");
    assert_eq!(
        (ten_li.mode, ten_li.limit),
        (Mode::Straight, Limit::Metres(5000.0))
    );
    assert_eq!(c("remote-rural-90min").limit, Limit::Minutes(90.0));
    assert_eq!(c("elderly-15min").group, "age60");
    assert!(
        cat.circles
            .iter()
            .all(|c| c.target.is_none() && c.note.is_some())
    );

    let n = |id: &str| cat.norm(id).unwrap_or_else(|| unreachable!("{id}"));
    let childcare = n("childcare-places-per-1000");
    assert_eq!((childcare.value, childcare.per), (4.5, 1000.0));
    assert_eq!(
        childcare.sources[1].line..=childcare.sources[1].end_line,
        470..=474
    );
    let beds = n("elderly-beds-per-1000-elderly");
    assert_eq!(
        (beds.value, beds.per, beds.group.as_str(), beds.year),
        (40.0, 1000.0, "age60", Some(2022))
    );
    assert_eq!(n("elderly-care-land-per-capita").value, 0.1);
    assert_eq!(n("football-pitches-per-10000").supply, Supply::Count);
    assert_eq!(
        n("community-facility-area-per-100-households").comparison,
        Comparison::Above
    );

    let t = |id: &str| cat.threshold(id).unwrap_or_else(|| unreachable!("{id}"));
    let street = t("street-elderly-5000-nursing-home");
    assert_eq!(
        (
            street.level,
            street.min_population,
            street.min_count,
            street.typical_capacity
        ),
        (Level::Street, 5000.0, Some(1), Some(30.0))
    );
    let township = t("township-30000-public-kindergartens");
    assert_eq!(
        (township.min_population, township.min_count),
        (30000.0, Some(2))
    );
    assert_eq!(
        t("community-20000-childcare-places").min_capacity,
        Some(60.0)
    );
    assert_eq!(t("township-rural-elderly-center-60pct").share, 60.0);

    // Every facility type and group a rule names is declared (the loader checks it; this pins the lists).
    assert_eq!(cat.groups.len(), 8);
    assert!(cat.facility_type_ids().contains(&"childcare"));
}

#[test]
fn a_wrong_quote_or_line_is_reported_with_file_line_and_column() {
    let quote = "构建“30 分钟乡村医疗健康卫生圈”";
    let text = SHIPPED_TEXT.replace(quote, "构建“40 分钟乡村医疗健康卫生圈”");
    let (cat, diags) = circles::load(SHIPPED_FILE, &text, &Context::shipped());
    assert!(cat.is_none());
    let line = line_of(&text, "构建“40 分钟");
    assert_eq!(codes(&diags), [(line, "source-mismatch")]);
    assert_eq!(
        diags[0].to_string(),
        format!(
            "data/norms/service-circles.toml:{line}:9: error[source-mismatch]: quote \"构建“40 分钟乡村医疗健康卫生圈”\" is not on line 333 of seeds/003_5e766a782477adbf.txt"
        )
    );

    // The right quote on the wrong line.
    let text = SHIPPED_TEXT.replace("line = 333\n", "line = 334\n");
    let (_, diags) = circles::load(SHIPPED_FILE, &text, &Context::shipped());
    assert_eq!(codes(&diags), [(line_of(&text, quote), "source-mismatch")]);
    assert!(diags[0].message.contains("line 334"));

    // A line beyond the seed.
    let text = SHIPPED_TEXT.replace("line = 333\n", "line = 9333\n");
    let (_, diags) = circles::load(SHIPPED_FILE, &text, &Context::shipped());
    assert_eq!(
        codes(&diags),
        [(line_of(&text, "line = 9333"), "source-line")]
    );
    assert!(diags[0].message.contains("820 lines"), "{}", diags[0]);
}

#[test]
fn every_problem_of_a_broken_file_is_gathered() {
    let text = r#"
[[group]]
id = "total"
name_zh = "常住人口"
name_en = "Residents"

[[facility_type]]
id = "fitness"
name_zh = "健身设施"
name_en = "Fitness"
count_unit = "处"

[[circle]]
id = "fitness-15min"
name_zh = "15分钟健身圈"
name_en = "x"
facility_type = "gym"
group = "everyone"
mode = "bicycle"
limit = -15
unit = "hours"
plans = ["qinghai-14", "nowhere-14"]

[[circle.source]]
seed = "seeds/003_5e766a782477adbf.txt"
line = 405
quote = "完善城市社区“15分钟健身圈”"

[[norm]]
id = "fitness-15min"
name_zh = "x"
name_en = "x"
facility_type = "fitness"
group = "total"
supply = "capacity"
value = 0
per = 1000
comparison = "<"
plans = ["guizhou-14"]

[[threshold]]
id = "Bad_Id"
name_zh = "x"
name_en = "x"
level = "hamlet"
group = "total"
min_population = 5000
facility_type = "fitness"
plans = ["guizhou-14"]

[[threshold.source]]
seed = "seeds/003_5e766a782477adbf.txt"
line = 570
quote = "老年人 5000 人以上的街道"
"#;
    let (cat, diags) = circles::load("bad.toml", text, &Context::shipped());
    assert!(cat.is_none());
    let got = codes(&diags);
    let want = [
        (17, "unknown-facility-type"),
        (18, "unknown-group"),
        (19, "mode"),
        (20, "value"),
        (21, "unit"),
        (22, "plan"),
        (22, "source-document"),
        (25, "source-document"),
        (29, "source"),
        (30, "duplicate-id"),
        (35, "unit"),
        (36, "value"),
        (38, "comparison"),
        (39, "source-document"),
        (41, "requirement"),
        (42, "id"),
        (45, "level"),
    ];
    assert_eq!(got, want, "{diags:#?}");
    assert!(
        diags
            .iter()
            .any(|d| d.message.contains("unknown plan \"nowhere-14\""))
    );
}

#[test]
fn unknown_fields_and_bad_toml_are_syntax_errors_with_a_line() {
    let text = "[[group]]\nid = \"total\"\nname_zh = \"x\"\nname_en = \"x\"\ncolour = \"red\"\n";
    let (cat, diags) = circles::load("f.toml", text, &Context::shipped());
    assert!(cat.is_none());
    assert_eq!(codes(&diags), [(5, "syntax")]);
    assert!(diags[0].message.contains("colour"), "{}", diags[0]);
    let (_, diags) = circles::load("f.toml", "[[circle]\n", &Context::shipped());
    assert_eq!(codes(&diags), [(1, "syntax")]);
}
