//! `entitle explain`: every rule of the catalogue for one person, the values it read and the outcome, so that a
//! decision can be defended line by line.

use std::fmt::Write;

use crate::catalogue::{Catalogue, Item, Unit};
use crate::citizen;
use crate::date;
use crate::expr::{Ctx, Kind, Node, Program, Val, eval::children};
use crate::regions::RegionIndex;
use crate::registry::Registry;

/// Whether an item's rule holds for the person (`None`: undetermined, a parameter has no value).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub item: String,
    pub entitled: Option<bool>,
    pub amount: Option<f64>,
    pub text: String,
}

/// Explains every item (or only `only`) for the person with index `p`.
pub fn explain(
    catalogue: &Catalogue,
    reg: &Registry,
    regions: &RegionIndex,
    at: i32,
    p: usize,
    only: Option<&str>,
    reveal: bool,
) -> (String, Vec<Decision>) {
    let params = catalogue.resolve_params(at, regions);
    let ctx = Ctx::new(reg, regions, at, catalogue.region, params);
    let per = &reg.persons;
    let mut out = String::new();
    let cid = if reveal {
        String::from_utf8_lossy(&per.citizen[p]).into_owned()
    } else {
        citizen::mask(&per.citizen[p])
    };
    let rr = per.residence_region[p];
    let _ = writeln!(
        out,
        "person {} (citizen id {cid}), line {} of the registry; on {}: age {}, residence {} {}, household {} ({} member(s))",
        per.id.get(p),
        per.line[p],
        date::format(at),
        ctx.age(p),
        regions.code(rr),
        regions.name(rr),
        reg.households.id.get(per.household[p] as usize),
        reg.households.members(per.household[p] as usize).len()
    );
    let _ = writeln!(
        out,
        "catalogue {} ({}), version {}",
        catalogue.id, catalogue.name, catalogue.version
    );
    let mut decisions = Vec::new();
    for item in &catalogue.items {
        if only.is_some_and(|o| o != item.id) {
            continue;
        }
        let d = explain_item(&ctx, catalogue, item, p, &mut out);
        decisions.push(d);
    }
    (out, decisions)
}

fn explain_item(
    ctx: &Ctx<'_>,
    catalogue: &Catalogue,
    item: &Item,
    p: usize,
    out: &mut String,
) -> Decision {
    let reg = ctx.reg;
    // For a household item every member is tried; the household is entitled when one is.
    let persons: Vec<usize> = match item.unit {
        Unit::Person => vec![p],
        Unit::Household => reg
            .households
            .members(reg.persons.household[p] as usize)
            .iter()
            .map(|&m| m as usize)
            .collect(),
    };
    let prog = Program::new(ctx, &item.rule);
    let mut entitled = Some(false);
    let mut block = String::new();
    for &q in &persons {
        let (v, mut steps) = prog.trace(q);
        // Top-down: each condition before the values it read.
        steps.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end), s.depth));
        let missing = missing_params(ctx, &item.rule.root, q, catalogue);
        if persons.len() > 1 {
            let _ = writeln!(block, "    member {}:", reg.persons.id.get(q));
        }
        for s in &steps {
            let text = item.rule_text.get(s.start..s.end).unwrap_or("");
            if is_literal(text) {
                continue;
            }
            let _ = writeln!(block, "    {}{text} = {}", "  ".repeat(s.depth), s.value);
        }
        for m in &missing {
            let _ = writeln!(block, "    ! {m}");
        }
        // As `entitle run`: a top-level condition that reads no missing parameter and is false decides.
        let decided_by = if missing.is_empty() {
            None
        } else {
            crate::run::conjuncts(&item.rule.root).into_iter().find(|c| {
                missing_params(ctx, c, q, catalogue).is_empty()
                    && matches!(prog.part(c).value_at(q), Val::Bool(ref b) if b.first() == Some(&false))
            })
        };
        if let Some(c) = decided_by {
            let text = item.rule_text.get(c.span.start..c.span.end).unwrap_or("");
            let _ = writeln!(
                block,
                "    = false whatever the missing value: the condition {text} is false"
            );
        }
        let holds = matches!(v, Val::Bool(ref b) if b.first() == Some(&true));
        if !missing.is_empty() {
            if decided_by.is_none() && entitled == Some(false) {
                entitled = None;
            }
        } else if holds {
            entitled = Some(true);
        }
    }
    let amount = match (&item.amount, entitled) {
        (Some(a), Some(true)) => {
            let (v, _) = Program::new(ctx, a).trace(p);
            match v {
                Val::Num(x) => x.first().copied(),
                _ => None,
            }
        }
        _ => None,
    };
    let verdict = match entitled {
        Some(true) => "有资格 entitled",
        Some(false) => "无资格 not entitled",
        None => "无法判定 undetermined (a parameter has no value here)",
    };
    let _ = writeln!(
        out,
        "\n[{}] {} — {}: {verdict}",
        item.id, item.name, item.name_en
    );
    let _ = writeln!(out, "  rule: {}", item.rule_text);
    out.push_str(&block);
    if let Some(a) = amount {
        let _ = writeln!(
            out,
            "  amount: {} = {} 元/月",
            item.amount_text.as_deref().unwrap_or(""),
            crate::expr::num(a)
        );
    }
    for (k, param) in catalogue.params.iter().enumerate() {
        if uses_param(&item.rule.root, k)
            || item.amount.as_ref().is_some_and(|a| uses_param(&a.root, k))
        {
            let r = reg.persons.residence_region[p];
            let v = param
                .values
                .iter()
                .filter(|v| ctx.regions.within(r, v.region) && v.from_day <= ctx.at)
                .max_by_key(|v| (ctx.regions.chain(v.region).count(), v.from_day));
            match v {
                Some(v) => {
                    let _ = writeln!(
                        out,
                        "  param.{} = {} {} ({} {}, from {}; {})",
                        param.id,
                        crate::expr::num(v.value),
                        param.unit,
                        v.region_code,
                        ctx.regions.name(v.region),
                        v.from,
                        v.source
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "  param.{} has no value for {} on {}",
                        param.id,
                        ctx.regions.code(r),
                        date::format(ctx.at)
                    );
                }
            }
        }
    }
    Decision {
        item: item.id.clone(),
        entitled,
        amount,
        text: verdict.to_string(),
    }
}

fn is_literal(text: &str) -> bool {
    let t = text.trim();
    t.parse::<f64>().is_ok()
        || t == "true"
        || t == "false"
        || (t.starts_with('"') && t.ends_with('"'))
        || t.starts_with("date(")
}

fn uses_param(n: &Node, k: usize) -> bool {
    matches!(n.kind, Kind::Param(j) if j == k) || children(n).into_iter().any(|c| uses_param(c, k))
}

fn missing_params(ctx: &Ctx<'_>, n: &Node, p: usize, catalogue: &Catalogue) -> Vec<String> {
    let r = ctx.reg.persons.residence_region[p] as usize;
    crate::expr::params_of(n)
        .into_iter()
        .filter(|&k| ctx.params[k].get(r).copied().flatten().is_none())
        .map(|k| {
            format!(
                "param.{} has no value for region {} on {}",
                catalogue.params[k].id,
                ctx.regions.code(r as u32),
                date::format(ctx.at)
            )
        })
        .collect()
}
