//! The scale bench: 3,000 regions × 100 indicators × 6 years, full evaluation and equalization at every
//! level. The region table (1 province, 99 prefectures, 2,970 counties), the plan (100 indicators: 60 ratios, 20
//! weighted means, 10 sums, 10 without roll-up) and the county data (the SYNTHETIC generator, seed 1) are made up
//! here; the timed part is what a province run does with a year of county data:
//!
//! 1. roll-up of every element and indicator from the counties to the prefectures and the province;
//! 2. evaluation of all 3,070 regions against the plan (序时进度 status, warnings, linear and CAGR projections);
//! 3. equalization of every indicator across the counties (with the Theil decomposition by prefecture) and
//!    across the prefectures, and the composite index at both levels.

use criterion::{Criterion, criterion_group, criterion_main};
use minsheng_core::plan::{self, Context, Plan};
use minsheng_core::region::{Level, RegionCode, RegionTable};
use minsheng_monitor::evaluate::{Kind, Options, References, evaluate_panel};
use minsheng_monitor::observations::Observation;
use minsheng_monitor::progress::Thresholds;
use minsheng_monitor::regional::{Panel, Scope, composite, equalize_all};
use minsheng_monitor::rollup::rollup_panel;
use minsheng_monitor::synth::{self, synthesize};
use std::hint::black_box;

const INDICATORS: usize = 100;

fn regions() -> RegionTable {
    let mut csv = String::from("code,name,level,parent,lon,lat\n990000,省,province,,100.0,25.0\n");
    for p in 1..=99 {
        csv.push_str(&format!("99{p:02}00,市{p},prefecture,990000,100.0,25.0\n"));
        for c in 1..=30 {
            csv.push_str(&format!(
                "99{p:02}{c:02},县{p}-{c},county,99{p:02}00,100.0,25.0\n"
            ));
        }
    }
    RegionTable::from_csv(&csv).unwrap_or_default()
}

/// The plan text and its source document (one line per indicator, so the checker can verify every cell).
fn plan(regions: &RegionTable) -> Option<Plan> {
    let mut source = String::new();
    let mut toml = String::from(
        "[plan]\nid = \"scale\"\nname = \"规模测试\"\nname_en = \"Scale test\"\nregion = \"990000\"\n\
         base_year = 2020\ntarget_year = 2025\nsource_document = \"scale.txt\"\ntable = \"surviving\"\n\n\
         [[category]]\nname = \"测试\"\ndomain = \"health\"\n\n\
         [[element]]\ncode = \"population\"\nname = \"常住人口\"\nname_en = \"Population\"\nunit = \"人\"\n",
    );
    let mut weights =
        String::from("\n[composite]\nname = \"综合\"\nname_en = \"Composite\"\nweights = [\n");
    for i in 1..=INDICATORS {
        let (agg, unit, base, target) = match i {
            1..=60 => (
                format!(
                    "aggregation = \"ratio\"\nnumerator = \"n{i}\"\ndenominator = \"population\"\nfactor = 100\n"
                ),
                "%",
                "60",
                "80",
            ),
            61..=80 => (
                "aggregation = \"weighted_mean\"\nweight_by = \"population\"\n".to_string(),
                "年",
                "9.5",
                "11",
            ),
            81..=90 => ("aggregation = \"sum\"\n".to_string(), "万人", "12", "18"),
            _ => ("aggregation = \"none\"\n".to_string(), "岁", "74", "77"),
        };
        source.push_str(&format!("指标{i} {base} {target}\n"));
        toml.push_str(&format!(
            "\n[[indicator]]\ncode = \"S-{i:03}\"\norigin = \"table\"\nname = \"指标{i}\"\nname_en = \"Indicator {i}\"\n\
             category = \"测试\"\nunit = \"{unit}\"\nattribute = \"预期性\"\n{agg}baseline = \"{base}\"\n\
             target = \"{target}\"\nsource_line = {i}\n"
        ));
        if i <= 60 {
            toml.push_str(&format!(
                "\n[[element]]\ncode = \"n{i}\"\nname = \"分子{i}\"\nname_en = \"Numerator {i}\"\nunit = \"人\"\n"
            ));
        }
        if i <= 80 {
            weights.push_str(&format!("  {{ indicator = \"S-{i:03}\", weight = 1 }},\n"));
        }
    }
    toml.push_str(&weights);
    toml.push_str("]\n");
    let src = |_: &str| Some(source.clone());
    let ctx = Context {
        regions: Some(regions),
        source: &src,
    };
    let (plan, diags) = plan::load("scale.toml", &toml, &ctx);
    for d in diags.iter().take(5) {
        eprintln!("{d:?}");
    }
    plan
}

fn run(plan: &Plan, regions: &RegionTable, obs: &[Observation], all: &[RegionCode]) -> usize {
    let mut panel = Panel::new(obs);
    let report = rollup_panel(plan, &mut panel, regions);
    let options = Options {
        year: 2025,
        kind: Kind::Final,
        region: None,
        thresholds: Thresholds::default(),
    };
    let evaluated = evaluate_panel(plan, &panel, &References::default(), &options, all);
    let root = RegionCode::parse("990000").unwrap_or_else(|_| all[0]);
    let mut n = evaluated.len() + report.computed;
    for level in [Level::County, Level::Prefecture] {
        let scope = Scope {
            year: 2025,
            level,
            within: root,
        };
        for e in equalize_all(plan, &panel, regions, scope)
            .into_iter()
            .flatten()
        {
            n += e.stats.n;
        }
        if let Ok(c) = composite(plan, &panel, regions, scope) {
            n += c.scores.len();
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let regions = regions();
    let Some(plan) = plan(&regions) else {
        eprintln!("the scale plan does not load");
        return;
    };
    let options = synth::Options {
        seed: 1,
        years: (2020..=2025).collect(),
        population: Some(60_000_000.0),
    };
    let obs = match synthesize(&plan, &regions, &options) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return;
        }
    };
    let all: Vec<RegionCode> = regions.iter().map(|r| r.code).collect();
    eprintln!(
        "scale bench: {} regions, {} indicators, {} county observations",
        all.len(),
        plan.indicators.len(),
        obs.len()
    );
    if std::env::var_os("SCALE_STAGES").is_some() {
        let t = std::time::Instant::now();
        let mut panel = Panel::new(&obs);
        eprintln!("panel {:?} {}", t.elapsed(), panel.len());
        let t = std::time::Instant::now();
        let report = rollup_panel(&plan, &mut panel, &regions);
        eprintln!("rollup {:?} computed {}", t.elapsed(), report.computed);
        let t = std::time::Instant::now();
        let options = Options {
            year: 2025,
            kind: Kind::Final,
            region: None,
            thresholds: Thresholds::default(),
        };
        let e = evaluate_panel(&plan, &panel, &References::default(), &options, &all);
        eprintln!("evaluate {:?} {}", t.elapsed(), e.len());
        let t = std::time::Instant::now();
        let scope = Scope {
            year: 2025,
            level: Level::County,
            within: all[0],
        };
        let _ = equalize_all(&plan, &panel, &regions, scope);
        eprintln!("equalize county {:?}", t.elapsed());
        let t = std::time::Instant::now();
        let _ = composite(&plan, &panel, &regions, scope);
        eprintln!("composite {:?}", t.elapsed());
        let t = std::time::Instant::now();
        let n = run(&plan, &regions, &obs, &all);
        eprintln!("whole run {:?} ({n})", t.elapsed());
        return;
    }
    let mut group = c.benchmark_group("scale");
    group.sample_size(10);
    group.bench_function(
        "3,070 regions × 100 indicators × 6 years: roll-up + evaluation of every region + equalization at 2 levels",
        |b| b.iter(|| black_box(run(&plan, &regions, black_box(&obs), &all))),
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
