//! Test cases as data, after OpenFisca's YAML tests (`name`, `period`, `input`, `output`,
//! `absolute_error_margin`); format in `docs/catalogue-format.md`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::catalogue::{Catalogue, Unit};
use crate::citizen;
use crate::date;
use crate::expr::{Ctx, Program};
use crate::fields::{HukouType, Sex, flag_bit};
use crate::regions::RegionIndex;
use crate::registry::{PersonRecord, Persons, Registry};
use crate::run::unit_region;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    #[serde(default)]
    pub catalogue: Option<String>,
    pub period: String,
    pub input: Input,
    pub output: BTreeMap<String, BTreeMap<String, serde_norway::Value>>,
    #[serde(default)]
    pub absolute_error_margin: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub persons: BTreeMap<String, PersonIn>,
    #[serde(default)]
    pub households: BTreeMap<String, HouseholdIn>,
    #[serde(default)]
    pub parameters: BTreeMap<String, f64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PersonIn {
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub hukou_type: Option<String>,
    pub hukou_region: Option<String>,
    pub residence_region: Option<String>,
    pub residence_since: Option<String>,
    pub disability_category: Option<u8>,
    pub disability_grade: Option<u8>,
    #[serde(default)]
    pub flags: Vec<String>,
    pub income: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdIn {
    pub members: Vec<String>,
}

/// The result of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    pub name: String,
    pub failures: Vec<String>,
}

/// Reads a case file.
///
/// # Errors
/// The YAML error with its line.
pub fn parse(text: &str) -> Result<Vec<Case>, String> {
    serde_norway::from_str::<Vec<Case>>(text).map_err(|e| {
        let at = e.location().map_or_else(String::new, |l| {
            format!("line {}, column {}: ", l.line(), l.column())
        });
        format!("{at}{e}")
    })
}

/// Runs one case against a catalogue.
pub fn run_case(case: &Case, catalogue: &Catalogue, regions: &RegionIndex) -> CaseResult {
    let mut failures = Vec::new();
    let fail = |m: String, f: &mut Vec<String>| f.push(m);
    let Some(at) = date::parse(&case.period) else {
        return CaseResult {
            name: case.name.clone(),
            failures: vec![format!("period {:?} is not a date YYYY-MM-DD", case.period)],
        };
    };
    // Households: declared ones, then each remaining person alone.
    let mut household_of: BTreeMap<&str, String> = BTreeMap::new();
    for (h, hh) in &case.input.households {
        for m in &hh.members {
            if !case.input.persons.contains_key(m) {
                fail(
                    format!("household {h} lists unknown person {m}"),
                    &mut failures,
                );
            }
            if household_of.insert(m.as_str(), h.clone()).is_some() {
                fail(format!("person {m} is in two households"), &mut failures);
            }
        }
    }
    let mut persons = Persons::default();
    let home = catalogue.region;
    let mut names: Vec<&str> = Vec::new();
    for (seq, (id, p)) in case.input.persons.iter().enumerate() {
        let birth = match p.birth_date.as_deref().map(date::parse) {
            None => date::days_from_civil(1980, 1, 1),
            Some(Some(d)) => d,
            Some(None) => {
                fail(
                    format!("person {id}: birth_date {:?} is not a date", p.birth_date),
                    &mut failures,
                );
                continue;
            }
        };
        let region = |r: &Option<String>, what: &str, f: &mut Vec<String>| -> u32 {
            match r {
                None => home,
                Some(code) => regions.index_of(code).unwrap_or_else(|| {
                    f.push(format!(
                        "person {id}: {what} {code:?} is not a known region"
                    ));
                    home
                }),
            }
        };
        let hukou_region = region(&p.hukou_region, "hukou_region", &mut failures);
        let residence_region = region(&p.residence_region, "residence_region", &mut failures);
        let sex = match p.sex.as_deref() {
            None => Sex::F,
            Some(s) => Sex::parse(s).unwrap_or_else(|| {
                failures.push(format!("person {id}: sex {s:?} is not M/F"));
                Sex::F
            }),
        };
        let hukou_type = match p.hukou_type.as_deref() {
            None => HukouType::Urban,
            Some(s) => HukouType::parse(s).unwrap_or_else(|| {
                failures.push(format!("person {id}: hukou_type {s:?} is not urban/rural"));
                HukouType::Urban
            }),
        };
        let since = match p.residence_since.as_deref() {
            None => birth,
            Some(s) => date::parse(s).unwrap_or_else(|| {
                failures.push(format!("person {id}: residence_since {s:?} is not a date"));
                birth
            }),
        };
        let mut flags = 0;
        for f in &p.flags {
            match flag_bit(f) {
                Some(b) => flags |= b,
                None => failures.push(format!("person {id}: unknown flag {f:?}")),
            }
        }
        let category = p.disability_category.unwrap_or(0);
        let grade = p.disability_grade.unwrap_or(0);
        let household = household_of
            .get(id.as_str())
            .cloned()
            .unwrap_or_else(|| format!("alone:{id}"));
        let code: u32 = regions.code(hukou_region).parse().unwrap_or(0);
        persons.push(&PersonRecord {
            id,
            citizen: citizen::make(code, birth, 2 * seq as u32 + u32::from(sex == Sex::M)),
            birth,
            sex: sex as u8,
            hukou_type: hukou_type as u8,
            hukou_region,
            residence_region,
            residence_since: since,
            disability_category: if category == 0 && grade > 0 {
                1
            } else {
                category
            },
            disability_grade: grade,
            flags,
            household: &household,
            income: p.income.unwrap_or(0.0),
            line: 0,
        });
        names.push(id);
    }
    let reg = Registry::from_persons(persons);
    let mut params = catalogue.resolve_params(at, regions);
    for (pid, v) in &case.input.parameters {
        match catalogue.param_index(pid) {
            Some(k) => {
                // The case's value applies to every region of the catalogue that has none of its own below.
                for r in 0..regions.len() as u32 {
                    if regions.within(r, home) {
                        params[k][r as usize] = Some(*v);
                    }
                }
            }
            None => failures.push(format!("unknown parameter {pid:?}")),
        }
    }
    let ctx = Ctx::new(&reg, regions, at, home, params);
    let margin = case.absolute_error_margin.unwrap_or(0.0);
    for (key, expected) in &case.output {
        let (item_id, amount) = match key.strip_suffix(".amount") {
            Some(i) => (i, true),
            None => (key.as_str(), false),
        };
        let Some(item) = catalogue.item(item_id) else {
            failures.push(format!(
                "unknown item {item_id:?} in catalogue {}",
                catalogue.id
            ));
            continue;
        };
        // The rule's parameters decide; an amount output also needs the amount's.
        let used: Vec<usize> = {
            let mut u = crate::expr::params_of(&item.rule.root);
            if let (true, Some(a)) = (amount, &item.amount) {
                u.extend(crate::expr::params_of(&a.root));
            }
            u
        };
        let decided = Program::new(&ctx, &item.rule).bools();
        let amounts = item
            .amount
            .as_ref()
            .map(|a| Program::new(&ctx, a).numbers());
        for (person, want) in expected {
            let Some(p) = reg.find(person) else {
                failures.push(format!("{key}: unknown person {person:?}"));
                continue;
            };
            let r = reg.persons.residence_region[p] as usize;
            let missing: Vec<&str> = used
                .iter()
                .filter(|&&k| ctx.params[k][r].is_none())
                .map(|&k| catalogue.params[k].id.as_str())
                .collect();
            if !missing.is_empty() {
                failures.push(format!(
                    "{key} {person}: undetermined, no value for {} (give it under input.parameters)",
                    missing.join(", ")
                ));
                continue;
            }
            // A household item holds for a person when it holds for a member of the household.
            let holds = match item.unit {
                Unit::Person => decided[p],
                Unit::Household => reg
                    .households
                    .members(reg.persons.household[p] as usize)
                    .iter()
                    .any(|&m| decided[m as usize]),
            };
            let _ = unit_region;
            if amount {
                let Some(a) = &amounts else {
                    failures.push(format!("{key}: item {item_id} has no amount"));
                    continue;
                };
                let Some(w) = want.as_f64() else {
                    failures.push(format!("{key} {person}: expected a number, found {want:?}"));
                    continue;
                };
                let got = a[p];
                if (got - w).abs().partial_cmp(&margin) != Some(std::cmp::Ordering::Less)
                    && (got - w).abs() != margin
                {
                    failures.push(format!(
                        "{key} {person}: got {}, expected {}",
                        crate::expr::num(got),
                        crate::expr::num(w)
                    ));
                }
            } else {
                let Some(w) = want.as_bool() else {
                    failures.push(format!(
                        "{key} {person}: expected true or false, found {want:?}"
                    ));
                    continue;
                };
                if holds != w {
                    failures.push(format!("{key} {person}: got {holds}, expected {w}"));
                }
            }
        }
    }
    CaseResult {
        name: case.name.clone(),
        failures,
    }
}
