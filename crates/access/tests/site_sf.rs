//! Siting models against PySAL spopt 0.7 on its San Francisco instance (tests/fixtures/spopt-sf, BSD-3-Clause):
//! 205 census tracts × 16 stores, network distances in metres, weights POP2000. The matrix is built as spopt's
//! tests build it: the distance file pivoted with rows = tracts sorted by NAME and columns = stores sorted by
//! name (so Store_1, Store_11, …, Store_19, Store_2, …, Store_7), weights = POP2000 of the demand file sorted by
//! NAME.
//!
//! spopt's numbers (spopt/tests/test_locate/test_p_median.py, test_mclp.py, test_lscp.py, and bench/site_peer.py
//! with CBC for the others): p-median p = 4 optimal, mean_dist 2982.1268579890657 = objective / Σ weights; MCLP
//! radius 5000, p = 4: 21 tracts uncovered, perc_cov 89.75609756097561, which is the share of tract **count**
//! ((1 − n_cli_uncov / n) × 100, `CoveragePercentageMixin`), our `coverage_pct`; LSCP radius 5000: 8 sites,
//! radius 20 infeasible; p-center p = 4: W = 7403.0638 (CBC's print; the exact largest distance of its sites
//! Store_11, Store_13, Store_15, Store_7 is 7403.063810849859); p-median with Store_1 predefined and p = 4 (ours:
//! Store_1 existing, p = 3): 2995175649.412901; MCLP likewise: 871482; capacitated p-median, capacity 300,000
//! each: 2918948381.9493356.
//!
//! Then randomized tiny instances: the exact solver equals brute-force enumeration, and every heuristic stays on
//! the right side of the optimum with a bound that really bounds it.

use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};

use minsheng_access::matrix::CostMatrix;
use minsheng_access::site::{Method, Model, Options, SiteError, Solution, Status, solve};
use proptest::prelude::*;

mod sf;
use sf::sf;

type Res = Result<(), Box<dyn Error>>;

fn run(m: &CostMatrix, w: &[f64], model: Model, method: Method) -> Result<Solution, SiteError> {
    let opt = Options {
        method,
        ..Options::default()
    };
    solve(m, w, model, &opt)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

const PMEDIAN: Model = Model::PMedian { p: 4 };
const MCLP: Model = Model::Mclp {
    radius: 5000.0,
    p: 4,
};
const LSCP: Model = Model::Lscp { radius: 5000.0 };
const PCENTER: Model = Model::PCenter { p: 4 };

#[test]
fn matrix_is_spopts() -> Res {
    let (m, w) = sf()?;
    assert_eq!((m.n_demand(), m.n_sites(), m.n_entries()), (205, 16, 3280));
    assert_eq!(m.site_ids()[..3], ["Store_1", "Store_11", "Store_12"]);
    assert_eq!(m.demand_ids()[0], "060750101.00");
    assert_eq!(w.iter().sum::<f64>(), 955113.0);
    Ok(())
}

#[test]
fn pmedian_matches_spopt() -> Res {
    let (m, w) = sf()?;
    let s = run(&m, &w, PMEDIAN, Method::Exact)?;
    assert_eq!((s.status, s.method), (Status::Optimal, "exact"));
    assert!(
        (s.mean_cost - 2982.1268579890657).abs() <= 1e-9,
        "{}",
        s.mean_cost
    );
    assert!(close(s.objective, 2848268129.7145104, 1e-12));
    assert_eq!(s.sites, ["Store_11", "Store_12", "Store_15", "Store_2"]);
    assert_eq!(s.new, s.sites);
    assert!(s.existing.is_empty() && s.uncovered.is_empty());
    assert_eq!(s.assignment.len(), 205);
    assert_eq!(
        (s.covered_weight_pct, s.gap, s.bound),
        (100.0, 0.0, s.objective)
    );
    Ok(())
}

#[test]
fn mclp_matches_spopt() -> Res {
    let (m, w) = sf()?;
    let s = run(&m, &w, MCLP, Method::Exact)?;
    assert_eq!(s.status, Status::Optimal);
    assert_eq!(s.uncovered.len(), 21);
    // spopt's perc_cov counts tracts; covered_weight_pct weighs them by population.
    assert!((s.coverage_pct - 89.756097560976).abs() <= 1e-9);
    assert_eq!(s.objective, 875247.0);
    assert_eq!(s.covered_weight, 875247.0);
    assert!((s.covered_weight_pct - 875247.0 / 955113.0 * 100.0).abs() <= 1e-9);
    assert_eq!(s.sites, ["Store_11", "Store_12", "Store_15", "Store_2"]);
    assert_eq!(s.assignment.len(), 184);
    Ok(())
}

#[test]
fn lscp_matches_spopt() -> Res {
    let (m, w) = sf()?;
    let s = run(&m, &w, LSCP, Method::Exact)?;
    assert_eq!(
        (s.status, s.objective, s.sites.len()),
        (Status::Optimal, 8.0, 8)
    );
    assert!(s.uncovered.is_empty());
    for method in [Method::Exact, Method::Heuristic, Method::Auto] {
        let s = run(&m, &w, Model::Lscp { radius: 20.0 }, method)?;
        assert_eq!(s.status, Status::Infeasible);
        assert!(s.objective.is_nan() && s.sites.is_empty());
        let reason = s.reason.unwrap_or_default();
        assert!(
            reason.starts_with("205 demand point(s) with weight reach no candidate site within 20: 060750101.00 (nearest site "),
            "{reason}"
        );
    }
    Ok(())
}

#[test]
fn pcenter_matches_spopt() -> Res {
    let (m, w) = sf()?;
    let s = run(&m, &w, PCENTER, Method::Exact)?;
    assert_eq!(s.status, Status::Optimal);
    assert_eq!(s.objective, 7403.063810849859);
    assert!((s.objective - 7403.0638).abs() < 1e-4);
    assert_eq!(s.sites, ["Store_11", "Store_13", "Store_15", "Store_7"]);
    Ok(())
}

/// Every heuristic on SF: the bound bounds the exact optimum, the gap is the one of its bound, and the objective is
/// on the right side.
#[test]
fn heuristics_on_sf() -> Res {
    let (m, w) = sf()?;
    for model in [PMEDIAN, MCLP, LSCP, PCENTER] {
        let exact = run(&m, &w, model, Method::Exact)?;
        let h = run(&m, &w, model, Method::Heuristic)?;
        let opt = exact.objective;
        assert_eq!(h.method, "heuristic");
        let gap = (h.bound - h.objective).abs() / h.bound.abs().max(h.objective.abs());
        assert!(close(h.gap, gap, 1e-12), "{model:?}");
        if matches!(model, Model::Mclp { .. }) {
            assert!(
                h.objective <= opt && h.bound >= opt * (1.0 - 1e-12),
                "{model:?}"
            );
        } else {
            assert!(
                h.objective >= opt && h.bound <= opt * (1.0 + 1e-12),
                "{model:?}"
            );
        }
        let auto = run(&m, &w, model, Method::Auto)?;
        assert_eq!(auto.status, Status::Optimal);
        assert!(close(auto.objective, opt, 1e-12), "{model:?}");
    }
    // On this instance every heuristic proves its answer optimal: the Lagrangian bounds close p-median and MCLP,
    // bisection closes p-center, and for LSCP greedy set cover needs 9 sites but the greedy completion of the
    // Lagrangian solution needs 8, the covering bound.
    for model in [PMEDIAN, MCLP, LSCP, PCENTER] {
        let h = run(&m, &w, model, Method::Heuristic)?;
        assert_eq!(h.status, Status::Optimal, "{model:?}");
    }
    let h = run(&m, &w, LSCP, Method::Heuristic)?;
    assert_eq!((h.objective, h.bound, h.gap), (8.0, 8.0, 0.0));
    Ok(())
}

/// 补短板: Store_1 is open already and three sites are added (spopt: Store_1 predefined, p = 4).
#[test]
fn existing_store_kept_open() -> Res {
    let (m, w) = sf()?;
    let store1 = [m.site_index()["Store_1"]];
    for method in [Method::Exact, Method::Heuristic] {
        let opt = Options {
            method,
            existing: &store1,
            ..Options::default()
        };
        let s = solve(&m, &w, Model::PMedian { p: 3 }, &opt)?;
        assert_eq!(s.status, Status::Optimal);
        assert!(close(s.objective, 2995175649.412901, 1e-12));
        assert!((s.mean_cost - 3135.9385218428615).abs() <= 1e-9);
        assert_eq!(s.sites, ["Store_1", "Store_11", "Store_12", "Store_15"]);
        assert_eq!(s.existing, ["Store_1"]);
        assert_eq!(s.new, ["Store_11", "Store_12", "Store_15"]);
        let s = solve(
            &m,
            &w,
            Model::Mclp {
                radius: 5000.0,
                p: 3,
            },
            &opt,
        )?;
        assert_eq!((s.status, s.objective), (Status::Optimal, 871482.0));
        assert_eq!(s.new, ["Store_11", "Store_12", "Store_16"]);
    }
    // LSCP counts the new sites only; Store_1 covers what it covers for free.
    let opt = Options {
        method: Method::Exact,
        existing: &store1,
        ..Options::default()
    };
    let s = solve(&m, &w, LSCP, &opt)?;
    assert_eq!(s.status, Status::Optimal);
    assert_eq!(s.objective as usize, s.new.len());
    assert_eq!(s.sites.len(), s.new.len() + 1);
    assert!(s.objective >= 7.0 && s.objective <= 8.0);
    let s = solve(&m, &w, Model::PCenter { p: 3 }, &opt)?;
    assert_eq!(s.status, Status::Optimal);
    assert!(s.objective >= 7403.063810849859);
    Ok(())
}

#[test]
fn capacitated_runs() -> Res {
    let (m, w) = sf()?;
    let caps = vec![300_000.0; 16];
    let opt = |method| Options {
        method,
        capacities: Some(&caps),
        ..Options::default()
    };
    // spopt's capacitated p-median (binary assignment) finds the same optimum.
    let s = solve(&m, &w, PMEDIAN, &opt(Method::Exact))?;
    assert_eq!(s.status, Status::Optimal);
    assert!(close(s.objective, 2918948381.9493356, 1e-12));
    assert_eq!(s.sites, ["Store_11", "Store_14", "Store_15", "Store_4"]);
    assert!(s.load.iter().all(|&l| l <= 300_000.0));
    assert_eq!(s.load.iter().sum::<f64>(), 955113.0);
    let h = solve(&m, &w, PMEDIAN, &opt(Method::Heuristic))?;
    assert_eq!(h.status, Status::Feasible);
    assert!(h.objective >= s.objective && h.bound <= s.objective);
    assert!(h.load.iter().all(|&l| l <= 300_000.0));
    // p-center and MCLP under the same capacities: p-center keeps its uncapacitated optimum, MCLP loses some.
    let c = solve(&m, &w, PCENTER, &opt(Method::Exact))?;
    assert_eq!(
        (c.status, c.objective),
        (Status::Optimal, 7403.063810849859)
    );
    assert!(c.load.iter().all(|&l| l <= 300_000.0));
    let s = solve(&m, &w, MCLP, &opt(Method::Exact))?;
    assert_eq!((s.status, s.objective), (Status::Optimal, 862969.0));
    assert_eq!(s.sites, ["Store_11", "Store_12", "Store_16", "Store_3"]);
    assert!(s.load.iter().all(|&l| l <= 300_000.0));
    let h = solve(&m, &w, MCLP, &opt(Method::Heuristic))?;
    assert!(h.objective <= s.objective && h.bound >= s.objective);
    // Four sites of 150,000: a multiple-knapsack the MIP does not close quickly. With a time limit the answer is
    // feasible, within its bound (at most the 600,000 the sites hold).
    let small = vec![150_000.0; 16];
    let o = Options {
        method: Method::Exact,
        capacities: Some(&small),
        time_limit: Some(std::time::Duration::from_millis(500)),
        ..Options::default()
    };
    let s = solve(&m, &w, MCLP, &o)?;
    assert_eq!(s.status, Status::Feasible);
    assert!(s.objective > 595_000.0 && s.objective <= s.bound && s.bound <= 600_000.0);
    assert!(s.load.iter().all(|&l| l <= 150_000.0));
    // LSCP with single assignment needs at least spopt's split-demand count (8); here it is 8 too.
    let s = solve(&m, &w, LSCP, &o)?;
    assert_eq!((s.status, s.objective), (Status::Optimal, 8.0));
    assert!(s.load.iter().all(|&l| l <= 150_000.0));
    assert!(s.uncovered.is_empty());
    // Two sites of 300,000 cannot hold 955,113 persons.
    let s = solve(&m, &w, Model::PMedian { p: 2 }, &opt(Method::Exact))?;
    assert_eq!(s.status, Status::Infeasible);
    assert_eq!(
        s.reason.as_deref(),
        Some(
            "capacity short by 355113: the existing sites and the 2 largest candidates hold 600000 < demand weight 955113"
        )
    );
    Ok(())
}

#[test]
fn bad_input_is_an_error() -> Res {
    let (m, w) = sf()?;
    let e = |model, w: &[f64]| run(&m, w, model, Method::Auto).err();
    assert_eq!(e(Model::PMedian { p: 0 }, &w), Some(SiteError::ZeroP));
    assert_eq!(
        e(Model::PCenter { p: 17 }, &w),
        Some(SiteError::TooManySites {
            p: 17,
            available: 16
        })
    );
    assert_eq!(
        e(PMEDIAN, &w[1..]),
        Some(SiteError::WeightsLength {
            weights: 204,
            demand: 205
        })
    );
    assert!(matches!(
        e(Model::Lscp { radius: f64::NAN }, &w),
        Some(SiteError::BadRadius(_))
    ));
    assert_eq!(
        e(Model::Mclp { radius: -1.0, p: 1 }, &w),
        Some(SiteError::BadRadius(-1.0))
    );
    let mut bad = w.clone();
    bad[3] = -1.0;
    assert!(matches!(
        e(PMEDIAN, &bad),
        Some(SiteError::BadWeight { .. })
    ));
    let opt = Options {
        existing: &[0, 0],
        ..Options::default()
    };
    assert!(matches!(
        solve(&m, &w, PMEDIAN, &opt),
        Err(SiteError::ExistingTwice(_))
    ));
    let caps = [1.0; 3];
    let opt = Options {
        capacities: Some(&caps),
        ..Options::default()
    };
    assert!(matches!(
        solve(&m, &w, PMEDIAN, &opt),
        Err(SiteError::CapacitiesLength { .. })
    ));
    assert_eq!(
        SiteError::TooManySites {
            p: 17,
            available: 16
        }
        .to_string(),
        "p = 17 but only 16 candidate sites are not open already"
    );
    Ok(())
}

#[test]
fn progress_is_reported_and_solution_serializes() -> Res {
    let (m, w) = sf()?;
    let calls = AtomicUsize::new(0);
    let report = |_: minsheng_access::site::Progress| {
        calls.fetch_add(1, Ordering::Relaxed);
    };
    let opt = Options {
        method: Method::Exact,
        progress: Some(&report),
        ..Options::default()
    };
    let s = solve(&m, &w, MCLP, &opt)?;
    assert!(calls.load(Ordering::Relaxed) >= 2);
    let json = serde_json::to_value(&s)?;
    assert_eq!(json["model"], "mclp");
    assert_eq!(json["status"], "optimal");
    assert_eq!(json["assignment"].as_object().map(|o| o.len()), Some(184));
    assert!(json["assignment"]["060750101.00"].is_string());
    assert_eq!(json["sites"].as_array().map(Vec::len), Some(4));
    let inf = run(&m, &w, Model::Lscp { radius: 20.0 }, Method::Exact)?;
    assert!(serde_json::to_value(&inf)?["objective"].is_null());
    Ok(())
}

/// A tiny random instance: integer costs (ties on purpose), some pairs missing, some weights 0.
#[derive(Debug, Clone)]
struct Tiny {
    m: CostMatrix,
    w: Vec<f64>,
    existing: Vec<usize>,
    caps: Option<Vec<f64>>,
    radius: f64,
    p: usize,
}

fn tiny() -> impl Strategy<Value = Tiny> {
    (1usize..7, 2usize..6).prop_flat_map(|(nd, ns)| {
        let cost = prop_oneof![4 => (1u32..30).prop_map(|c| c as f64), 1 => Just(f64::INFINITY)];
        (
            proptest::collection::vec(cost, nd * ns),
            proptest::collection::vec(prop_oneof![4 => 1u32..9, 1 => Just(0u32)], nd),
            proptest::collection::vec(any::<bool>(), ns),
            proptest::option::of(proptest::collection::vec(5u32..25, ns)),
            5u32..30,
            1usize..ns,
        )
            .prop_filter_map("no stored pair", move |(c, w, ex, caps, r, p)| {
                let mut existing: Vec<usize> = (0..ns).filter(|&s| ex[s] && s % 2 == 0).collect();
                existing.truncate(ns - p);
                let ids = |n: usize, x: &str| (0..n).map(|i| format!("{x}{i}")).collect();
                let m = CostMatrix::from_dense(ids(nd, "d"), ids(ns, "s"), &c).ok()?;
                (m.n_entries() > 0).then(|| Tiny {
                    m,
                    w: w.into_iter().map(f64::from).collect(),
                    existing,
                    caps: caps.map(|v| v.into_iter().map(f64::from).collect()),
                    radius: r as f64,
                    p,
                })
            })
    })
}

/// The best objective over every choice of new sites and (with capacities) every single assignment; `None` when
/// nothing is feasible. Semantics as documented in `site`: LSCP and p-median serve the points with weight > 0,
/// p-center all points, MCLP counts the weight covered (assigned, with capacities) within the radius.
fn brute_force(t: &Tiny, model: Model) -> Option<f64> {
    let (nd, ns) = (t.m.n_demand(), t.m.n_sites());
    let maximise = matches!(model, Model::Mclp { .. });
    let radius = model.radius().unwrap_or(f64::INFINITY);
    let mut best: Option<f64> = None;
    for mask in 0u32..(1 << ns) {
        if t.existing.iter().any(|&e| mask & (1 << e) == 0) {
            continue;
        }
        let n_new = (0..ns)
            .filter(|&s| mask & (1 << s) != 0 && !t.existing.contains(&s))
            .count();
        if model.p().is_some_and(|p| n_new != p) {
            continue;
        }
        // Each demand point's usable open sites (cheapest first), or the points that take part.
        let serve = |d: usize| match model {
            Model::PCenter { .. } => true,
            _ => t.w[d] > 0.0,
        };
        let usable: Vec<Vec<(usize, f64)>> = (0..nd)
            .map(|d| {
                let (s, c) = t.m.by_demand(d);
                s.iter()
                    .zip(c)
                    .filter(|(s, c)| mask & (1 << **s) != 0 && **c <= radius)
                    .map(|(s, c)| (*s as usize, *c))
                    .collect()
            })
            .collect();
        let value = match &t.caps {
            None => {
                let mut v = 0.0f64;
                let mut ok = true;
                for d in (0..nd).filter(|&d| serve(d)) {
                    match (usable[d].first(), model) {
                        (None, Model::Mclp { .. }) => {}
                        (None, _) => ok = false,
                        (Some(&(_, c)), Model::PMedian { .. }) => v += t.w[d] * c,
                        (Some(_), Model::Mclp { .. }) => v += t.w[d],
                        (Some(&(_, c)), Model::PCenter { .. }) => v = v.max(c),
                        (Some(_), Model::Lscp { .. }) => {}
                    }
                }
                if matches!(model, Model::Lscp { .. }) {
                    v = n_new as f64;
                }
                ok.then_some(v)
            }
            Some(caps) => {
                // Every assignment: choice k < usable.len() is a site, k == len is "unassigned" (MCLP only).
                let points: Vec<usize> = (0..nd).filter(|&d| serve(d)).collect();
                let mut choice = vec![0usize; points.len()];
                let mut best_here: Option<f64> = None;
                loop {
                    let mut load = vec![0.0; ns];
                    let mut v = 0.0f64;
                    let mut ok = true;
                    for (k, &d) in points.iter().enumerate() {
                        match usable[d].get(choice[k]) {
                            Some(&(s, c)) => {
                                load[s] += t.w[d];
                                match model {
                                    Model::PMedian { .. } => v += t.w[d] * c,
                                    Model::Mclp { .. } => v += t.w[d],
                                    Model::PCenter { .. } => v = v.max(c),
                                    Model::Lscp { .. } => {}
                                }
                            }
                            None => ok &= maximise,
                        }
                    }
                    if matches!(model, Model::Lscp { .. }) {
                        v = n_new as f64;
                    }
                    if ok && (0..ns).all(|s| load[s] <= caps[s]) {
                        best_here = Some(match best_here {
                            Some(b) if maximise => b.max(v),
                            Some(b) => b.min(v),
                            None => v,
                        });
                    }
                    // Next assignment (odometer).
                    let mut k = 0;
                    loop {
                        if k == points.len() {
                            break;
                        }
                        let top = usable[points[k]].len() + usize::from(maximise);
                        choice[k] += 1;
                        if choice[k] < top.max(1) {
                            break;
                        }
                        choice[k] = 0;
                        k += 1;
                    }
                    if k == points.len() {
                        break;
                    }
                }
                best_here
            }
        };
        if let Some(v) = value {
            best = Some(match best {
                Some(b) if maximise => b.max(v),
                Some(b) => b.min(v),
                None => v,
            });
        }
    }
    best
}

fn models(t: &Tiny) -> [Model; 4] {
    [
        Model::Lscp { radius: t.radius },
        Model::Mclp {
            radius: t.radius,
            p: t.p,
        },
        Model::PMedian { p: t.p },
        Model::PCenter { p: t.p },
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Exact = brute force; heuristics feasible on the right side of the optimum, bounds valid.
    #[test]
    fn exact_is_brute_force_and_heuristics_are_bounded(t in tiny()) {
        for model in models(&t) {
            let truth = brute_force(&t, model);
            let maximise = matches!(model, Model::Mclp { .. });
            let opt = |method| Options {
                method,
                existing: &t.existing,
                capacities: t.caps.as_deref(),
                ..Options::default()
            };
            let exact = solve(&t.m, &t.w, model, &opt(Method::Exact));
            let exact = exact.map_err(|e| TestCaseError::fail(format!("{model:?}: {e}")))?;
            match truth {
                None => prop_assert_eq!(exact.status, Status::Infeasible, "{:?}", model),
                Some(v) => {
                    prop_assert_eq!(exact.status, Status::Optimal, "{:?} {:?}", model, exact.reason);
                    prop_assert!(close(exact.objective, v, 1e-9), "{:?}: exact {} brute force {}", model, exact.objective, v);
                    prop_assert!(exact.existing.len() == t.existing.len());
                    if let Some(p) = model.p() {
                        prop_assert_eq!(exact.new.len(), p);
                    }
                }
            }
            match solve(&t.m, &t.w, model, &opt(Method::Heuristic)) {
                Ok(h) if h.status == Status::Infeasible => prop_assert!(truth.is_none(), "{:?}", model),
                Ok(h) => {
                    let v = truth.ok_or_else(|| TestCaseError::fail(format!("{model:?}: heuristic found a solution of an infeasible model")))?;
                    if maximise {
                        prop_assert!(h.objective <= v + 1e-9 && h.bound >= v * (1.0 - 1e-9) - 1e-9, "{:?}: {} {} {}", model, h.objective, h.bound, v);
                    } else {
                        prop_assert!(h.objective >= v - 1e-9 && h.bound <= v * (1.0 + 1e-9) + 1e-9, "{:?}: {} {} {}", model, h.objective, h.bound, v);
                    }
                    if h.status == Status::Optimal {
                        prop_assert!(close(h.objective, v, 1e-9), "{:?}", model);
                    }
                }
                Err(SiteError::NoFeasibleFound(_)) => {}
                Err(e) => return Err(TestCaseError::fail(format!("{model:?}: {e}"))),
            }
        }
    }
}
