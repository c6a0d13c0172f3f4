//! The floating catchment measures against PySAL `access` 1.1.10.post3: its hospital example (3 tracts, 4 travel
//! scenarios; `fixtures/access-hospital/`, BSD-3) to 1e-9, hand-worked cases (each checked against `access` when
//! written), the edge cases, and a property test against a literal transcription of `access`' pandas steps.

use std::collections::HashMap;

use minsheng_access::fca::{
    FcaError, Weight, enhanced_two_stage_fca, fca_ratio, nearest_supply_cost, normalize,
    three_stage_fca, two_stage_fca, weighted_catchment,
};
use minsheng_access::input::{align_demand, read_costs, read_weights};
use minsheng_access::{CostColumns, CostMatrix};
use proptest::prelude::*;

const TRACTS: &str = include_str!("fixtures/access-hospital/tracts.csv");
const COSTS: &str = include_str!("fixtures/access-hospital/costs.csv");
const EXPECTED: &str = include_str!("fixtures/access-hospital/expected.csv");

type Error = Box<dyn std::error::Error>;
type Res = Result<(), Error>;
/// (scenario, geoid) → (2SFCA, 3SFCA) of `expected.csv`.
type Expected = HashMap<(usize, String), (f64, f64)>;
/// 2SFCA and 3SFCA of one scenario.
type Measures = (Vec<f64>, Vec<f64>);

fn err(e: Vec<minsheng_access::Problem>) -> String {
    e.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// One scenario: the matrix (rows in `tracts.csv` order), demand `pop` and supply `doc` aligned with it.
fn scenario(n: usize) -> Result<(CostMatrix, Vec<f64>, Vec<f64>), String> {
    let mut text = String::from("origin,dest,cost\n");
    for line in COSTS.lines().skip(1) {
        if let Some(rest) = line.strip_prefix(&format!("{n},")) {
            text.push_str(rest);
            text.push('\n');
        }
    }
    let cols = CostColumns {
        demand: "origin".into(),
        site: "dest".into(),
        cost: "cost".into(),
    };
    let m = read_costs("costs.csv", &text, &cols).map_err(err)?;
    let pop = read_weights("tracts.csv", TRACTS, "pop").map_err(err)?;
    let (m, pop) = align_demand("costs.csv", &m, &pop).map_err(err)?;
    let doc: HashMap<String, f64> = read_weights("tracts.csv", TRACTS, "doc")
        .map_err(err)?
        .into_iter()
        .collect();
    let supply = m
        .site_ids()
        .iter()
        .map(|id| doc.get(id).copied().ok_or(format!("no doc for {id}")))
        .collect::<Result<_, _>>()?;
    Ok((m, pop, supply))
}

/// `expected.csv`.
fn expected() -> Result<Expected, Error> {
    let mut out = HashMap::new();
    for line in EXPECTED.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        out.insert(
            (f[0].parse()?, f[1].to_string()),
            (f[2].parse()?, f[3].parse()?),
        );
    }
    Ok(out)
}

/// 2SFCA and 3SFCA of the four scenarios, gravity weights `(1, -1)`, `max_cost` 61, in `tracts.csv` order.
fn hospital() -> Result<Vec<Measures>, Error> {
    let w = Weight::gravity(1.0, -1.0, 0.0)?;
    (0..4)
        .map(|n| {
            let (m, pop, doc) = scenario(n)?;
            assert_eq!(m.demand_ids(), ["1", "2", "3"]);
            Ok((
                two_stage_fca(&m, &pop, &doc, Some(61.0), Some(&w))?,
                three_stage_fca(&m, &pop, &doc, Some(61.0), Some(&w))?,
            ))
        })
        .collect()
}

#[test]
fn hospital_example_matches_access() -> Res {
    let want = expected()?;
    let got = hospital()?;
    let mut worst: f64 = 0.0;
    for (n, (two, three)) in got.iter().enumerate() {
        for (t, id) in ["1", "2", "3"].iter().enumerate() {
            let (w2, w3) = want[&(n, id.to_string())];
            for (ours, theirs) in [(two[t], w2), (three[t], w3)] {
                let d = (ours - theirs).abs();
                worst = worst.max(d);
                assert!(
                    d <= 1e-9,
                    "scenario {n}, tract {id}: {ours} vs access {theirs}"
                );
            }
        }
    }
    assert_eq!(want.len(), 12);
    println!("hospital example: largest difference to access {worst:e}");
    Ok(())
}

#[test]
fn hospital_scenario_directions_as_access_asserts() -> Res {
    let s: Vec<Vec<f64>> = hospital()?.into_iter().map(|(two, _)| two).collect();
    // 0 → 1 (faster inbound to tract 3): tracts 1 and 2 gain, 3 loses.
    assert!(s[1][0] > s[0][0] && s[1][1] > s[0][1] && s[1][2] < s[0][2]);
    // 0 → 2 (faster outbound from 3): the reverse.
    assert!(s[2][0] < s[0][0] && s[2][1] < s[0][1] && s[2][2] > s[0][2]);
    // 0 → 3 (faster both ways): 1 and 2 gain, 3 loses.
    assert!(s[3][0] > s[0][0] && s[3][1] > s[0][1] && s[3][2] < s[0][2]);
    Ok(())
}

/// Four demand locations a–d (pop 10, 0, 5, 7) and four sites X–W (supply 3, 2, 0, 4):
/// a→X 10, a→Y 30, b→Y 5, b→Z 30, c→Z 20, c→X 30, d→W 100, b→W 10. Every number below was also computed with
/// `access`.
fn small() -> Result<(CostMatrix, Vec<f64>, Vec<f64>), minsheng_access::MatrixError> {
    let ids = |s: &str| s.chars().map(String::from).collect::<Vec<_>>();
    let m = CostMatrix::from_entries(
        ids("abcd"),
        ids("XYZW"),
        vec![
            (0, 0, 10.0),
            (0, 1, 30.0),
            (1, 1, 5.0),
            (1, 2, 30.0),
            (2, 2, 20.0),
            (2, 0, 30.0),
            (3, 3, 100.0),
            (1, 3, 10.0),
        ],
    )?;
    Ok((m, vec![10.0, 0.0, 5.0, 7.0], vec![3.0, 2.0, 0.0, 4.0]))
}

fn close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        let same =
            (g.is_nan() && w.is_nan()) || g == w || (g - w).abs() <= 1e-12 * w.abs().max(1.0);
        assert!(same, "{got:?} vs {want:?}");
    }
}

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

#[test]
fn two_stage_by_hand_with_zero_demand_and_cut_off() -> Res {
    let (m, pop, doc) = small()?;
    // max 30 (inclusive): R_X = 3/(10+5), R_Y = 2/(10+0), R_Z = 0/5, R_W = 4/0 = ∞; d reaches nothing.
    let a = two_stage_fca(&m, &pop, &doc, Some(30.0), None)?;
    close(&a, &[0.4, INF, 0.2, NAN]);
    // no cut-off: d reaches W, R_W = 4/7.
    let a = two_stage_fca(&m, &pop, &doc, None, None)?;
    close(&a, &[0.4, 0.2 + 4.0 / 7.0, 0.2, 4.0 / 7.0]);
    Ok(())
}

#[test]
fn e2sfca_with_a_step_function_by_hand() -> Res {
    let (m, pop, doc) = small()?;
    // {10: 1, 20: 0.5}: a→Y, b→Z, c→X (30) weigh 0. R_X = 3/10, R_Y = 2/0 = ∞, R_Z = 0/2.5, R_W = 4/0 = ∞.
    // a = 0.3 + ∞·0 (NaN, skipped); b = ∞; c = 0·0.5 + 0.3·0.
    let step = Weight::step(&[(20.0, 0.5), (10.0, 1.0)])?;
    let a = enhanced_two_stage_fca(&m, &pop, &doc, Some(30.0), Some(&step))?;
    close(&a, &[0.3, INF, 0.0, NAN]);
    // access' default {10: 1, 20: 0.68, 30: 0.22}: R_X = 3/11.1, R_Y = 2/2.2.
    let a = enhanced_two_stage_fca(&m, &pop, &doc, Some(30.0), None)?;
    close(
        &a,
        &[3.0 / 11.1 + 0.22 * 2.0 / 2.2, INF, 0.22 * 3.0 / 11.1, NAN],
    );
    // without a cut-off d reaches W at 100 (weight 0): R_W = ∞ and ∞·0 drops out, so 0, not NaN.
    let a = enhanced_two_stage_fca(&m, &pop, &doc, None, None)?;
    assert_eq!(a[3], 0.0);
    Ok(())
}

#[test]
fn weighted_catchment_and_gaussian_by_hand() -> Res {
    let (m, _, doc) = small()?;
    let a = weighted_catchment(&m, &doc, Some(30.0), None)?;
    close(&a, &[5.0, 6.0, 3.0, NAN]);
    let a = weighted_catchment(&m, &doc, None, None)?;
    close(&a, &[5.0, 6.0, 3.0, 4.0]);
    let g = Weight::gaussian(20.0)?;
    let e = |c: f64| (-c * c / 800.0).exp();
    let a = weighted_catchment(&m, &doc, Some(30.0), Some(&g))?;
    close(
        &a,
        &[
            3.0 * e(10.0) + 2.0 * e(30.0),
            2.0 * e(5.0) + 4.0 * e(10.0),
            3.0 * e(30.0),
            NAN,
        ],
    );
    assert!((a[0] - 3.296796).abs() < 1e-6 && (a[1] - 5.468454).abs() < 1e-6); // access, 6 places
    Ok(())
}

#[test]
fn fca_ratio_by_hand() -> Res {
    let (m, pop, doc) = small()?;
    // Costs between demand locations, columns in another order than the rows.
    let ids = |s: &str| s.chars().map(String::from).collect::<Vec<_>>();
    let nb = CostMatrix::from_entries(
        ids("abcd"),
        ids("dcba"),
        vec![
            (0, 3, 0.0),
            (0, 2, 10.0),
            (0, 1, 25.0),
            (1, 2, 0.0),
            (1, 3, 10.0),
            (2, 1, 0.0),
            (2, 3, 25.0),
            (3, 0, 0.0),
            (3, 1, 50.0),
        ],
    )?;
    // a: supply X + Y = 5 over demand a + b + c = 15; d: no site within 30, supply 0.
    let a = fca_ratio(&nb, &m, &pop, &doc, Some(30.0), None)?;
    close(&a, &[5.0 / 15.0, 6.0 / 10.0, 3.0 / 15.0, 0.0]);
    let g = Weight::gaussian(20.0)?;
    let e = |c: f64| (-c * c / 800.0).exp();
    let a = fca_ratio(&nb, &m, &pop, &doc, Some(30.0), Some(&g))?;
    let want_a = (3.0 * e(10.0) + 2.0 * e(30.0)) / (10.0 + 5.0 * e(25.0));
    close(&a[..1], &[want_a]);
    assert!((a[0] - 0.268268).abs() < 1e-6 && (a[1] - 0.619657).abs() < 1e-6); // access, 6 places
    // Rows must be the cost matrix's demand locations; columns must be known demand locations.
    let bad = CostMatrix::from_entries(ids("abcd"), ids("ae"), vec![])?;
    assert!(matches!(
        fca_ratio(&bad, &m, &pop, &doc, None, None),
        Err(FcaError::Neighbors(_))
    ));
    let bad = CostMatrix::from_entries(ids("dcba"), ids("a"), vec![])?;
    assert!(matches!(
        fca_ratio(&bad, &m, &pop, &doc, None, None),
        Err(FcaError::Neighbors(_))
    ));
    Ok(())
}

#[test]
fn three_stage_selection_counts_pairs_beyond_max_cost() -> Res {
    // p (pop 1) → s 1, t 2; q (pop 3) → t 1, s 4; supply s 2, t 6; gravity 1/c; max 3.
    // q→s (4) is cut off but still in q's selection sum: G_qt = 1 / (1 + 1/4) = 0.8.
    let m = CostMatrix::from_entries(
        vec!["p".into(), "q".into()],
        vec!["s".into(), "t".into()],
        vec![(0, 0, 1.0), (0, 1, 2.0), (1, 1, 1.0), (1, 0, 4.0)],
    )?;
    let w = Weight::gravity(1.0, -1.0, 0.0)?;
    let a = three_stage_fca(&m, &[1.0, 3.0], &[2.0, 6.0], Some(3.0), Some(&w))?;
    let r_t = 6.0 / (0.5 / 3.0 + 3.0 * 0.8);
    close(&a, &[2.0 + r_t / 6.0, 0.8 * r_t]);
    close(&a, &[2.3896103896103895, 1.87012987012987]); // access
    // access' default step weights when none is given (also checked against access on `small`).
    let (m, pop, doc) = small()?;
    let a = three_stage_fca(&m, &pop, &doc, Some(30.0), None)?;
    assert!((a[0] - 0.473943).abs() < 1e-6 && (a[2] - 0.052113).abs() < 1e-6);
    assert!(a[1].is_infinite() && a[3].is_nan());
    Ok(())
}

#[test]
fn edge_cases() -> Res {
    // Site Q is reached by nobody, demand z reaches nothing, site V has no supply.
    let m = CostMatrix::from_entries(
        vec!["x".into(), "y".into(), "z".into()],
        vec!["P".into(), "Q".into(), "V".into()],
        vec![(0, 0, 5.0), (1, 0, 15.0), (0, 2, 1.0), (1, 2, 2.0)],
    )?;
    let pop = [2.0, 6.0, 4.0];
    let doc = [4.0, 100.0, 0.0];
    let w = Weight::gravity(10.0, -1.0, 0.0)?;
    for weight in [None, Some(&w)] {
        let two = two_stage_fca(&m, &pop, &doc, Some(20.0), weight)?;
        let three = three_stage_fca(&m, &pop, &doc, Some(20.0), weight)?;
        let e2 = enhanced_two_stage_fca(&m, &pop, &doc, Some(20.0), weight)?;
        let wc = weighted_catchment(&m, &doc, Some(20.0), weight)?;
        for a in [&two, &three, &e2, &wc] {
            assert!(
                a[0].is_finite() && a[1].is_finite() && a[2].is_nan(),
                "{a:?}"
            );
        }
    }
    // Unweighted: P serves 8 people with 4 → 0.5 each; Q's 100 reach nobody; V adds 0.
    close(
        &two_stage_fca(&m, &pop, &doc, None, None)?,
        &[0.5, 0.5, NAN],
    );
    // Zero supply everywhere: 0 for whoever reaches a site.
    close(
        &two_stage_fca(&m, &pop, &[0.0; 3], None, None)?,
        &[0.0, 0.0, NAN],
    );
    // Zero demand everywhere: supply over no one is ∞; 0 / 0 at V drops out.
    close(
        &two_stage_fca(&m, &[0.0; 3], &doc, None, None)?,
        &[INF, INF, NAN],
    );
    // Nearest site with supply: V (no supply) is skipped.
    close(&nearest_supply_cost(&m, &doc)?, &[5.0, 15.0, INF]);
    // normalize: the demand-weighted mean of [0.5, 0.5, NaN] with pop [2, 6, 4] is 4 / 12.
    close(&normalize(&[0.5, 0.5, NAN], &pop), &[1.5, 1.5, NAN]);
    // Inputs that do not fit are errors, not panics.
    assert!(matches!(
        two_stage_fca(&m, &pop[..2], &doc, None, None),
        Err(FcaError::Length { .. })
    ));
    assert!(matches!(
        three_stage_fca(&m, &pop, &[1.0, -1.0, 0.0], None, None),
        Err(FcaError::BadValue { .. })
    ));
    assert!(matches!(
        weighted_catchment(&m, &[1.0, NAN, 0.0], None, None),
        Err(FcaError::BadValue { .. })
    ));
    Ok(())
}

#[test]
fn same_bits_with_any_number_of_threads() -> Res {
    // 700 demand rows (several chunks) × 40 sites, about half the pairs stored; MMIX LCG.
    let mut state = 7u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut entries = Vec::new();
    for i in 0..700u32 {
        for j in 0..40u32 {
            if next() < 0.5 {
                entries.push((i, j, (next() * 9000.0).floor() / 100.0));
            }
        }
    }
    let pop: Vec<f64> = (0..700).map(|_| (next() * 1000.0).floor()).collect();
    let doc: Vec<f64> = (0..40).map(|_| (next() * 20.0).floor()).collect();
    let ids = |n: usize, p: &str| (0..n).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
    let m = CostMatrix::from_entries(ids(700, "d"), ids(40, "s"), entries)?;
    let w = Weight::gravity(1.0, -1.5, 1.0)?;
    let run = |threads: usize| -> Result<Vec<u64>, Error> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let (two, three) = pool.install(|| {
            (
                two_stage_fca(&m, &pop, &doc, Some(60.0), Some(&w)),
                three_stage_fca(&m, &pop, &doc, Some(60.0), Some(&w)),
            )
        });
        Ok(two?.iter().chain(&three?).map(|x| x.to_bits()).collect())
    };
    assert_eq!(run(1)?, run(3)?);
    Ok(())
}

/// `access`' pandas steps transcribed literally on a long table `(origin, dest, cost)` in file order:
/// merge, filter `cost <= max_cost`, multiply, `groupby().sum()` skipping NaN, right join on the stage-1 groups.
fn literal(
    rows: &[(usize, usize, f64)],
    pop: &[f64],
    doc: &[f64],
    max: f64,
    w: &dyn Fn(f64) -> f64,
    three: bool,
) -> Vec<f64> {
    let mut wsum: HashMap<usize, f64> = HashMap::new();
    for &(o, _, c) in rows {
        let e = wsum.entry(o).or_insert(0.0);
        if !w(c).is_nan() {
            *e += w(c);
        }
    }
    let g = |o: usize, c: f64| if three { w(c) / wsum[&o] } else { 1.0 };
    let kept: Vec<_> = rows.iter().filter(|r| r.2 <= max).collect();
    let mut demand: HashMap<usize, f64> = HashMap::new();
    for &&(o, d, c) in &kept {
        let t = pop[o] * w(c) * g(o, c);
        let e = demand.entry(d).or_insert(0.0);
        if !t.is_nan() {
            *e += t;
        }
    }
    let mut access: HashMap<usize, f64> = HashMap::new();
    for &&(o, d, c) in &kept {
        let t = doc[d] / demand[&d] * w(c) * g(o, c);
        let e = access.entry(o).or_insert(0.0);
        if !t.is_nan() {
            *e += t;
        }
    }
    (0..pop.len())
        .map(|o| access.get(&o).copied().unwrap_or(NAN))
        .collect()
}

proptest! {
    #[test]
    fn agrees_with_a_literal_transcription_of_access(
        nd in 1usize..80,
        ns in 1usize..6,
        cells in prop::collection::vec((0u8..4, 0u32..50), 400),
        pop in prop::collection::vec(prop::sample::select(vec![0.0, 1.0, 2.5, 40.0]), 80),
        doc in prop::collection::vec(prop::sample::select(vec![0.0, 1.0, 3.0, 12.5]), 6),
        max in prop::sample::select(vec![0.0, 10.0, 25.0, 30.0, f64::INFINITY]),
        kind in 0usize..4,
    ) {
        // About one pair in four is missing; costs are integers so that they hit the step bounds and max_cost;
        // more than 32 demand rows are cut into several chunks.
        let rows: Vec<(usize, usize, f64)> = (0..nd * ns)
            .filter(|&k| cells[k].0 > 0)
            .map(|k| (k / ns, k % ns, f64::from(cells[k].1)))
            .collect();
        let entries = rows.iter().map(|&(o, d, c)| (o as u32, d as u32, c)).collect();
        let ids = |n: usize, p: &str| (0..n).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
        let m = CostMatrix::from_entries(ids(nd, "d"), ids(ns, "s"), entries);
        prop_assert!(m.is_ok());
        let Ok(m) = m else { return Ok(()) };
        let weight = match kind {
            0 => Weight::step(&[(10.0, 1.0), (20.0, 0.68), (30.0, 0.22)]),
            1 => Weight::gaussian(15.0),
            2 => Weight::gravity(1.0, -1.0, 0.0),
            _ => Weight::gravity(10.0, -2.0, 2.0),
        };
        let Ok(weight) = weight else { return Err(TestCaseError::fail("weight")) };
        let (pop, doc) = (&pop[..nd], &doc[..ns]);
        let max_cost = if max.is_finite() { Some(max) } else { None };
        let w = |c: f64| weight.eval(c);
        for three in [false, true] {
            let ours = if three {
                three_stage_fca(&m, pop, doc, max_cost, Some(&weight))
            } else {
                two_stage_fca(&m, pop, doc, max_cost, Some(&weight))
            };
            let Ok(ours) = ours else { return Err(TestCaseError::fail("error")) };
            let theirs = literal(&rows, pop, doc, max, &w, three);
            for (a, b) in ours.iter().zip(&theirs) {
                prop_assert!(
                    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                    "three={} {:?} vs {:?}", three, ours, theirs
                );
            }
        }
    }
}
