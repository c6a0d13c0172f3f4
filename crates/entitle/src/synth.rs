//! SYNTHETIC registries for demos, tests and benches: persons in households with a plausible age pyramid,
//! incomes, disability and status flags, spread over the counties of the catalogue's region, and a recipients
//! list with realistic gaps. Everything here is made up and is labelled so in every file it writes.
//!
//! The model, stated so that nobody mistakes it for data:
//! - households: one person 60+ alone (12 %), an older couple (18 %), a couple with 1–3 children (40 %), three
//!   generations (20 %), one adult alone (10 %); ages of parents 22–50, children 0–17 (some 18–22 students),
//!   grandparents 55–95. The resulting shares (about 17 % under 15, 20 % 60+) are close to the 2020 census's
//!   national 17.95 % and 18.70 %, not Yunnan's.
//! - hukou: rural for 55 % of households; residence in the hukou county for 90 %.
//! - income per adult per year: log-normal around 36,000 元 (urban) or 15,000 元 (rural), σ = 0.8, times a county
//!   factor; people 60+ get a pension around 24,000 (urban) or 2,400 (rural); children none.
//! - disability: 6 % of persons, grades 1–4 in proportions 10/20/30/40 %.
//! - flags: `dibao` for households whose monthly income per head is below the county's synthetic standard (90 %
//!   of them: the rest are not identified), `low_income` below 1.5 × the standard, `tekun` for people 60+ or
//!   severely disabled living alone without income, `orphan`/`de_facto_orphan` for 0.1 %/0.2 % of children,
//!   `veteran` for 2 % of men 30+, `unemployed` for 4 % of adults under 60, `pregnant` for 3 % of women 20–39,
//!   `planning_pregnancy` for 3 % of couples' women 20–39, `only_child_parent` for rural parents 60+ with one child
//!   (15 %), `only_child_lost`/`only_child_disabled` for 0.3 %/0.5 % of women 49+, `entitled_group` for a quarter of
//!   veterans 50+, `hiv_affected` for 0.05 % of children, `housing_difficulty` for 40 % of
//!   urban dibao/low-income households, `rental_applicant` for 70 % of those, `student` for 6–22,
//!   `rural_compulsory_pupil` for rural children 6–15, `living_alone` for people alone, `disaster_affected` 0.5 %;
//!   about 0.2 % of the people living alone are 100 or older.
//! - parameters: every parameter the catalogue sets per region gets a synthetic value per county (see
//!   [`synthetic_value`]); the file says SYNTHETIC.
//! - recipients: each entitled unit receives with the county's take-up rate (90–99 %); then 1.5 % as many units
//!   that miss exactly one condition of the rule receive it too (错保: an income just above the standard, a
//!   birthday not yet reached).

use std::io::Write;
use std::path::{Path, PathBuf};

use minsheng_core::region::Level;
use minsheng_core::rng::Rng;

use crate::catalogue::{Catalogue, ParamValue, Unit};
use crate::citizen;
use crate::date;
use crate::expr::{Checked, Ctx, Program};
use crate::fields::{HukouType, Sex, flag_bit};
use crate::regions::RegionIndex;
use crate::registry::{PersonRecord, Persons, Registry};
use crate::run::{conjuncts, unit_region};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub people: usize,
    pub seed: u64,
    /// The date the registry describes (ages, residence).
    pub at: i32,
}

fn flag(name: &str) -> u32 {
    flag_bit(name).unwrap_or(0)
}

/// A synthetic value for a parameter set per region, by what its id says (a monthly 低保 standard, an amount …);
/// `None` when nothing sensible can be made up (the parameter then stays without value and its persons are
/// undetermined).
pub fn synthetic_value(id: &str, rural: bool, factor: f64) -> Option<f64> {
    let id = id.to_ascii_lowercase();
    let has = |w: &str| id.contains(w);
    let base = if has("dibao") && (has("standard") || has("line")) {
        if has("urban") || !(has("rural") || rural) {
            780.0
        } else {
            520.0
        }
    } else if has("tekun") && has("standard") {
        // 1.3 × the 低保 standard, as Yunnan's seed sets the floor (line 982).
        if has("rural") { 676.0 } else { 1014.0 }
    } else if has("min_wage") {
        1750.0
    } else if has("min_age") && has("cancer") {
        return Some(35.0);
    } else if has("max_age") && has("cancer") {
        return Some(64.0);
    } else if has("elderly_allowance_age") {
        return Some(80.0);
    } else if has("age") {
        return None;
    } else if has("unemployment") {
        1500.0
    } else if has("allowance") || has("subsidy") || has("amount") || has("benefit") {
        100.0
    } else {
        return None;
    };
    Some((base * factor / 10.0).round() * 10.0)
}

/// Generates a registry (persons with households) over the counties within the catalogue's region, and the
/// synthetic parameter values per county.
pub fn generate(
    opts: &Options,
    catalogue: &Catalogue,
    regions: &RegionIndex,
) -> (Registry, Vec<(String, ParamValue)>) {
    let mut rng = Rng::new(opts.seed);
    let counties: Vec<u32> = (0..regions.len() as u32)
        .filter(|&r| regions.level(r) == Some(Level::County) && regions.within(r, catalogue.region))
        .collect();
    let counties = if counties.is_empty() {
        vec![catalogue.region]
    } else {
        counties
    };
    // County weights and income factors.
    let weights: Vec<f64> = counties.iter().map(|_| 0.5 + rng.uniform()).collect();
    let total: f64 = weights.iter().sum();
    let mut cum = Vec::with_capacity(weights.len());
    let mut acc = 0.0;
    for w in &weights {
        acc += w / total;
        cum.push(acc);
    }
    let factor: Vec<f64> = counties
        .iter()
        .map(|_| (0.2 * rng.normal()).exp())
        .collect();
    // Synthetic parameter values.
    let mut values = Vec::new();
    let mut dibao_urban = vec![780.0; counties.len()];
    let mut dibao_rural = vec![520.0; counties.len()];
    for p in &catalogue.params {
        if !p.set_per_region {
            continue;
        }
        for (k, &c) in counties.iter().enumerate() {
            let f = factor[k].clamp(0.85, 1.2);
            if let Some(v) = synthetic_value(&p.id, false, f) {
                if p.id.contains("dibao") && p.id.contains("urban") {
                    dibao_urban[k] = v;
                } else if p.id.contains("dibao") && p.id.contains("rural") {
                    dibao_rural[k] = v;
                }
                values.push((
                    p.id.clone(),
                    ParamValue {
                        region: c,
                        region_code: regions.code(c),
                        from: "2021-01-01".into(),
                        from_day: date::days_from_civil(2021, 1, 1),
                        value: v,
                        source: "SYNTHETIC (minsheng entitle synth)".into(),
                    },
                ));
            }
        }
    }
    let at = opts.at;
    let (year, _, _) = date::civil_from_days(at);
    let mut persons = Persons::default();
    let mut hh_no = 0u64;
    // Sequence numbers per (county, birth date, sex): GB 11643 gives each 500 ids (odd for men,
    // even for women), so ids never repeat however large the registry is.
    let mut seq: rustc_hash::FxHashMap<(usize, i32, bool), u32> = rustc_hash::FxHashMap::default();
    let mut members: Vec<(i32, Sex, u32)> = Vec::new(); // birth, sex, flags
    while persons.len() < opts.people {
        hh_no += 1;
        let u = rng.uniform();
        let k = cum.partition_point(|&c| c < u).min(counties.len() - 1);
        let county = counties[k];
        let rural = rng.uniform() < 0.55;
        let moved = rng.uniform() < 0.10;
        let residence = if moved {
            counties[(rng.next_u64() % counties.len() as u64) as usize]
        } else {
            county
        };
        let birth_at = |age: f64, rng: &mut Rng| -> i32 {
            at - (age * 365.2425) as i32 - (rng.uniform() * 365.0) as i32
        };
        members.clear();
        let kind = rng.uniform();
        let add = |age: f64, sex: Sex, rng: &mut Rng, m: &mut Vec<(i32, Sex, u32)>| {
            m.push((birth_at(age, rng), sex, 0));
        };
        let r = &mut rng;
        if kind < 0.12 {
            let s = if r.uniform() < 0.6 { Sex::F } else { Sex::M };
            // A few centenarians (about 2 in 10,000 persons).
            let age = if r.uniform() < 0.002 {
                100.0 + 5.0 * r.uniform()
            } else {
                60.0 + 35.0 * r.uniform().powf(1.5)
            };
            add(age, s, r, &mut members);
        } else if kind < 0.30 {
            let a = 58.0 + 32.0 * r.uniform().powf(1.3);
            add(a, Sex::M, r, &mut members);
            add(
                (a - 2.0 + 4.0 * r.uniform()).max(55.0),
                Sex::F,
                r,
                &mut members,
            );
        } else if kind < 0.70 {
            let a = 22.0 + 28.0 * r.uniform();
            add(a, Sex::M, r, &mut members);
            add(
                (a - 3.0 + 4.0 * r.uniform()).max(20.0),
                Sex::F,
                r,
                &mut members,
            );
            let kids = 1 + (r.uniform() * if rural { 3.0 } else { 2.0 }) as usize;
            for _ in 0..kids {
                let ka = (r.uniform() * (a - 20.0).clamp(1.0, 22.0)).max(0.0);
                add(
                    ka,
                    if r.uniform() < 0.51 { Sex::M } else { Sex::F },
                    r,
                    &mut members,
                );
            }
        } else if kind < 0.90 {
            let a = 25.0 + 20.0 * r.uniform();
            add(a, Sex::M, r, &mut members);
            add(
                (a - 2.0 + 4.0 * r.uniform()).max(22.0),
                Sex::F,
                r,
                &mut members,
            );
            add(
                r.uniform() * 16.0,
                if r.uniform() < 0.51 { Sex::M } else { Sex::F },
                r,
                &mut members,
            );
            let g = a + 25.0 + 10.0 * r.uniform();
            add(g.min(98.0), Sex::F, r, &mut members);
            if r.uniform() < 0.6 {
                add((g + 2.0).min(99.0), Sex::M, r, &mut members);
            }
        } else {
            add(
                20.0 + 40.0 * r.uniform(),
                if r.uniform() < 0.55 { Sex::M } else { Sex::F },
                r,
                &mut members,
            );
        }
        // Incomes, disability, flags.
        let f = factor[k];
        let mut incomes = Vec::with_capacity(members.len());
        let mut grades = Vec::with_capacity(members.len());
        for &(b, _, _) in members.iter() {
            let age = date::age(b, at);
            let inc = if age >= 60 {
                (if rural { 2_400.0 } else { 24_000.0 }) * (0.5 * rng.normal()).exp() * f
            } else if age >= 18 && rng.uniform() > 0.12 {
                (if rural { 15_000.0 } else { 36_000.0 }) * (0.8 * rng.normal()).exp() * f
            } else {
                0.0
            };
            incomes.push((inc / 10.0).round() * 10.0);
            let g = if rng.uniform() < 0.06 + 0.002 * f64::from(age.max(0)) / 10.0 {
                let x = rng.uniform();
                if x < 0.1 {
                    1
                } else if x < 0.3 {
                    2
                } else if x < 0.6 {
                    3
                } else {
                    4
                }
            } else {
                0
            };
            grades.push(g);
        }
        let size = members.len() as f64;
        let per_head_month = incomes.iter().sum::<f64>() / size / 12.0;
        let standard = if rural {
            dibao_rural[k]
        } else {
            dibao_urban[k]
        };
        let mut hh_flags = 0u32;
        if per_head_month < standard && rng.uniform() < 0.9 {
            hh_flags |= flag("dibao");
        } else if per_head_month < 1.5 * standard && rng.uniform() < 0.8 {
            hh_flags |= flag("low_income");
        }
        if !rural && hh_flags != 0 && rng.uniform() < 0.4 {
            hh_flags |= flag("housing_difficulty");
            if rng.uniform() < 0.7 {
                hh_flags |= flag("rental_applicant");
            }
        }
        if rng.uniform() < 0.005 {
            hh_flags |= flag("disaster_affected");
        }
        let alone = members.len() == 1;
        let n_kids = members.iter().filter(|m| date::age(m.0, at) < 18).count();
        let hh_id = format!("H{hh_no:09}");
        for (i, &(birth, sex, _)) in members.iter().enumerate() {
            if persons.len() >= opts.people {
                break;
            }
            let age = date::age(birth, at);
            let mut fl = hh_flags;
            if alone {
                fl |= flag("living_alone");
                if (age >= 60 || grades[i] == 1 || grades[i] == 2)
                    && incomes[i] < 3_000.0
                    && rng.uniform() < 0.5
                {
                    fl |= flag("tekun");
                }
            }
            if age < 18 {
                let x = rng.uniform();
                if x < 0.001 {
                    fl |= flag("orphan");
                } else if x < 0.003 {
                    fl |= flag("de_facto_orphan");
                }
            }
            if (6..=22).contains(&age) {
                fl |= flag("student");
            }
            if rural && (6..=15).contains(&age) {
                fl |= flag("rural_compulsory_pupil");
            }
            if sex == Sex::M && age >= 30 && rng.uniform() < 0.02 {
                fl |= flag("veteran");
                if age >= 50 && rng.uniform() < 0.25 {
                    fl |= flag("entitled_group");
                }
            }
            if age < 18 && rng.uniform() < 0.0005 {
                fl |= flag("hiv_affected");
            }
            if (18..60).contains(&age) && rng.uniform() < 0.04 {
                fl |= flag("unemployed");
            }
            if sex == Sex::F && (20..40).contains(&age) {
                let x = rng.uniform();
                if x < 0.03 {
                    fl |= flag("pregnant");
                } else if x < 0.06 && members.len() >= 2 {
                    fl |= flag("planning_pregnancy");
                }
            }
            if rural && age >= 60 && n_kids <= 1 && rng.uniform() < 0.15 {
                fl |= flag("only_child_parent");
            }
            if sex == Sex::F && age >= 49 {
                let x = rng.uniform();
                if x < 0.003 {
                    fl |= flag("only_child_lost");
                } else if x < 0.008 {
                    fl |= flag("only_child_disabled");
                }
            }
            let category = if grades[i] > 0 {
                1 + (rng.next_u64() % 7) as u8
            } else {
                0
            };
            let code: u32 = regions.code(county).parse().unwrap_or(530_000);
            // The rare (county, date, sex) whose 500 numbers are used up moves to the next day.
            let mut birth = birth;
            let n = loop {
                let n = seq.entry((k, birth, sex == Sex::M)).or_insert(0);
                if *n < 500 {
                    *n += 1;
                    break *n - 1;
                }
                birth += 1;
            };
            let citizen = citizen::make(code, birth, 2 * n + u32::from(sex == Sex::M));
            let since = if moved {
                (at - (rng.uniform() * 3650.0) as i32).max(birth)
            } else {
                birth
            };
            let id = format!("P{:010}", persons.len() + 1);
            persons.push(&PersonRecord {
                id: &id,
                citizen,
                birth,
                sex: sex as u8,
                hukou_type: if rural {
                    HukouType::Rural as u8
                } else {
                    HukouType::Urban as u8
                },
                hukou_region: county,
                residence_region: residence,
                residence_since: since,
                disability_category: category,
                disability_grade: grades[i],
                flags: fl,
                household: &hh_id,
                income: incomes[i],
                line: persons.len() as u32 + 2,
            });
        }
        let _ = year;
    }
    (Registry::from_persons(persons), values)
}

/// Recipients with gaps: per item, `(item id, person index)`.
pub fn recipients(
    catalogue: &Catalogue,
    reg: &Registry,
    regions: &RegionIndex,
    at: i32,
    seed: u64,
) -> Vec<(String, u32)> {
    let params = catalogue.resolve_params(at, regions);
    let ctx = Ctx::new(reg, regions, at, catalogue.region, params);
    let mut rng = Rng::new(seed ^ 0x005E_ED0F_2EC1);
    let take_up: Vec<f64> = (0..regions.len())
        .map(|_| 0.90 + 0.09 * rng.uniform())
        .collect();
    let mut out = Vec::new();
    for item in &catalogue.items {
        let full = Program::new(&ctx, &item.rule).bools();
        let parts: Vec<Checked> = conjuncts(&item.rule.root)
            .into_iter()
            .map(|n| Checked {
                root: n.clone(),
                slots: item.rule.slots,
            })
            .collect();
        let mut fails = vec![0u8; reg.persons.len()];
        for c in &parts {
            let v = Program::new(&ctx, c).bools();
            for (f, ok) in fails.iter_mut().zip(v) {
                if !ok {
                    *f = f.saturating_add(1);
                }
            }
        }
        let units = |p: usize| -> usize {
            match item.unit {
                Unit::Person => p,
                Unit::Household => reg.persons.household[p] as usize,
            }
        };
        let n_units = match item.unit {
            Unit::Person => reg.persons.len(),
            Unit::Household => reg.households.len(),
        };
        let mut entitled = vec![false; n_units];
        let mut near = vec![false; n_units];
        for p in 0..reg.persons.len() {
            if full[p] {
                entitled[units(p)] = true;
            } else if fails[p] == 1 {
                near[units(p)] = true;
            }
        }
        let mut count = 0usize;
        let person_of = |u: usize| -> u32 {
            match item.unit {
                Unit::Person => u as u32,
                Unit::Household => reg.households.members(u).first().copied().unwrap_or(0),
            }
        };
        for (u, &e) in entitled.iter().enumerate() {
            if e {
                let r = unit_region(item, reg, u as u32) as usize;
                if rng.uniform() < take_up[r] {
                    out.push((item.id.clone(), person_of(u)));
                    count += 1;
                }
            }
        }
        let near_units: Vec<usize> = (0..n_units).filter(|&u| near[u] && !entitled[u]).collect();
        let wrong = ((count as f64) * 0.015).ceil() as usize;
        for _ in 0..wrong.min(near_units.len()) {
            let u = near_units[(rng.next_u64() % near_units.len() as u64) as usize];
            out.push((item.id.clone(), person_of(u)));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Writes `persons.csv`, `recipients.csv`, `parameters.csv` and `README.txt` (all marked SYNTHETIC) into `dir`.
pub fn write(
    dir: &Path,
    reg: &Registry,
    regions: &RegionIndex,
    values: &[(String, ParamValue)],
    recipients: &[(String, u32)],
    opts: &Options,
    catalogue: &Catalogue,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let p = &reg.persons;
    let path = dir.join("persons.csv");
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
    writeln!(
        f,
        "person_id,citizen_id,birth_date,sex,hukou_type,hukou_region,residence_region,residence_since,disability_category,disability_grade,flags,household_id,income"
    )?;
    let names: Vec<&str> = crate::fields::FLAGS.iter().map(|f| f.0).collect();
    let mut flags = String::new();
    for i in 0..p.len() {
        flags.clear();
        for (b, n) in names.iter().enumerate() {
            if p.flags[i] & (1 << b) != 0 {
                if !flags.is_empty() {
                    flags.push(';');
                }
                flags.push_str(n);
            }
        }
        writeln!(
            f,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            p.id.get(i),
            std::str::from_utf8(&p.citizen[i]).unwrap_or(""),
            date::format(p.birth[i]),
            Sex::label(u32::from(p.sex[i])),
            HukouType::label(u32::from(p.hukou_type[i])),
            regions.code(p.hukou_region[i]),
            regions.code(p.residence_region[i]),
            date::format(p.residence_since[i]),
            p.disability_category[i],
            p.disability_grade[i],
            flags,
            p.household_key(i),
            p.income[i]
        )?;
    }
    f.flush()?;
    written.push(path);
    let path = dir.join("recipients.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
    writeln!(f, "item,person_id")?;
    for (item, person) in recipients {
        writeln!(f, "{item},{}", p.id.get(*person as usize))?;
    }
    f.flush()?;
    written.push(path);
    let path = dir.join("parameters.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
    writeln!(f, "param,region,from,value,source")?;
    for (id, v) in values {
        writeln!(
            f,
            "{id},{},{},{},{}",
            v.region_code, v.from, v.value, v.source
        )?;
    }
    f.flush()?;
    written.push(path);
    let path = dir.join("README.txt");
    std::fs::write(
        &path,
        format!(
            "SYNTHETIC — 合成数据，仅供演示与测试 (synthetic data, for demonstration and tests only)\n\n\
             Made by `minsheng entitle synth --people {} --seed {} --date {}` for catalogue {}.\n\
             {} persons in {} households; {} recipient rows; {} synthetic parameter values.\n\
             No row describes a real person; citizen ids are well-formed (GB 11643 check digit) but invented.\n\
             The model is documented in crates/entitle/src/synth.rs.\n",
            opts.people,
            opts.seed,
            date::format(opts.at),
            catalogue.id,
            p.len(),
            reg.households.len(),
            recipients.len(),
            values.len()
        ),
    )?;
    written.push(path);
    Ok(written)
}
