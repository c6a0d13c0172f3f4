//! Fuzz the entitlement readers: a persons CSV (both modes), a catalogue TOML, a rule, a recipients and a
//! parameters CSV against the shipped catalogue, and a YAML case file. Any bytes must give a value or problems,
//! never a panic; a rule that checks must also evaluate.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use minsheng_entitle::catalogue::{self, Catalogue, Context};
use minsheng_entitle::expr::{self, Ctx, ParamDecl, Program, Scope, Ty};
use minsheng_entitle::regions::RegionIndex;
use minsheng_entitle::registry::{OnError, Registry, read_persons};
use minsheng_entitle::{cases, run, shipped};

fn fixed() -> &'static (RegionIndex, Option<Catalogue>) {
    static F: OnceLock<(RegionIndex, Option<Catalogue>)> = OnceLock::new();
    F.get_or_init(|| {
        let regions = RegionIndex::shipped();
        let cat = shipped::load(shipped::DEFAULT, &regions).0;
        (regions, cat)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (regions, cat) = fixed();
    let l = read_persons("p.csv", text, regions, OnError::Quarantine);
    let _ = read_persons("p.csv", text, regions, OnError::Refuse);
    let ctx = Context {
        regions,
        resolve: &shipped::text,
        seed: &shipped::seed,
    };
    let _ = catalogue::load("c.toml", text, &ctx);
    let _ = cases::parse(text);
    // The text as a rule over the registry just read (or an empty one).
    if let Ok(e) = expr::parse(text) {
        let params = [ParamDecl { id: "x".into(), ty: Ty::Num }];
        let scope = Scope { params: &params, regions };
        for want in [Ty::Bool, Ty::Num] {
            if let Ok(c) = expr::check(&e, &scope, want) {
                let reg: &Registry = &l.registry;
                let ctx = Ctx::new(reg, regions, 20_000, 0, vec![vec![Some(1.0); regions.len()]]);
                let p = Program::new(&ctx, &c);
                let _ = if want == Ty::Bool { p.bools().len() } else { p.numbers().len() };
                if !reg.persons.is_empty() {
                    let _ = p.trace(0);
                }
            }
        }
    }
    if let Some(cat) = cat {
        let mut c = cat.clone();
        let _ = run::read_recipients("r.csv", text, &c, &l.registry);
        let _ = run::read_params("q.csv", text, &mut c, regions);
    }
});
