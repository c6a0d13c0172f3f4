//! p-median heuristic: lazy greedy (CELF) add, Teitz–Bart vertex substitution in Whitaker's fast-interchange form
//! (Resende & Werneck 2004's gain/loss/extra decomposition), a Lagrangian lower bound, and the interchange once
//! more from the Lagrangian solution's sites when the bound does not prove the first result optimal.
//!
//! Only demand points with weight > 0 take part. A demand point that reaches no open site costs a penalty larger
//! than any cost, so the search first reaches everyone; if it cannot, a covering bound may prove that no `p` new
//! sites reach every demand point.

use rayon::prelude::*;

use super::cover::{Cover, cover_lower_bound, set_cover, stalled};
use super::{
    Found, Inst, Lagrange, NONE, OPTIMAL_GAP, Outcome, PARALLEL_WORK, SiteError, lazy_greedy,
    map_range, top_k,
};

/// Nearest and second-nearest open site of every demand point (`penalty` and `NONE` when missing).
struct Near {
    d1: Vec<f64>,
    d2: Vec<f64>,
    f1: Vec<u32>,
}

fn near(inst: &Inst, open: &[bool], penalty: f64) -> Near {
    let v: Vec<(f64, f64, u32)> = map_range(inst.m.n_demand(), inst.m.n_entries(), |d| {
        let (sites, costs) = inst.m.by_demand(d);
        let mut it = sites.iter().zip(costs).filter(|(s, _)| open[**s as usize]);
        match (it.next(), it.next()) {
            (Some((&s, &c1)), Some((_, &c2))) => (c1, c2, s),
            (Some((&s, &c1)), None) => (c1, penalty, s),
            _ => (penalty, penalty, NONE),
        }
    });
    Near {
        d1: v.iter().map(|x| x.0).collect(),
        d2: v.iter().map(|x| x.1).collect(),
        f1: v.iter().map(|x| x.2).collect(),
    }
}

/// The p-median heuristic with its lower bound.
pub(crate) fn pmedian(inst: &Inst, p: usize) -> Result<Outcome, SiteError> {
    let m = inst.m;
    let w = inst.w;
    let max_cost = (0..m.n_sites())
        .filter_map(|s| m.by_site(s).1.last().copied())
        .fold(0.0, f64::max);
    let penalty = 2.0 * max_cost + 1.0;
    struct St {
        d1: Vec<f64>,
        open: Vec<bool>,
    }
    let gain = |st: &St, s: usize| -> f64 {
        let (ds, cs) = m.by_site(s);
        ds.iter()
            .zip(cs)
            .map(|(&d, &c)| w[d as usize] * (st.d1[d as usize] - c).max(0.0))
            .sum()
    };
    let mut st = St {
        d1: near(inst, &inst.fixed, penalty).d1,
        open: inst.fixed.clone(),
    };
    let initial = map_range(m.n_sites(), m.n_entries(), |s| (s as u32, gain(&st, s)))
        .into_iter()
        .filter(|&(s, _)| !inst.fixed[s as usize])
        .collect();
    lazy_greedy(inst, &mut st, initial, p, false, gain, |st, s| {
        st.open[s] = true;
        let (ds, cs) = m.by_site(s);
        for (&d, &c) in ds.iter().zip(cs) {
            let d1 = &mut st.d1[d as usize];
            *d1 = d1.min(c);
        }
    });
    let mut open = st.open;
    let nr = fast_interchange(inst, &mut open, penalty);
    let unreached = (0..m.n_demand()).any(|d| w[d] > 0.0 && nr.f1[d] == NONE);
    if unreached {
        return unreachable_outcome(inst, p, None);
    }
    let cost: f64 = (0..m.n_demand()).map(|d| w[d] * nr.d1[d]).sum();
    let lagrange = lower_bound(inst, p, &nr, cost, 300);
    // Lagrangian heuristic: the interchange again, from the sites of the best relaxed solution.
    if cost - lagrange.best > OPTIMAL_GAP * cost {
        let mut other = inst.fixed.clone();
        for (_, s) in top_k(lagrange.scores.clone(), p, false) {
            other[s as usize] = true;
        }
        let nr = fast_interchange(inst, &mut other, penalty);
        let reached = (0..m.n_demand()).all(|d| w[d] == 0.0 || nr.f1[d] != NONE);
        let other_cost: f64 = (0..m.n_demand()).map(|d| w[d] * nr.d1[d]).sum();
        if reached && other_cost < cost {
            open = other;
        }
    }
    Ok(Outcome::Found(Found {
        open,
        assign: None,
        bound: lagrange.best,
        proven: false,
        lagrange: Some(lagrange),
    }))
}

/// When the heuristic leaves required demand points unreached: proven infeasible if covering them all (every
/// reachable pair counts, or pairs up to `radius`) needs more than `p` new sites, otherwise a failure.
pub(crate) fn unreachable_outcome(
    inst: &Inst,
    p: usize,
    radius: Option<f64>,
) -> Result<Outcome, SiteError> {
    let cover = Cover::new(inst.m, radius.unwrap_or(f64::INFINITY));
    let required: Vec<bool> = (0..inst.m.n_demand()).map(|d| inst.required(d)).collect();
    let greedy = set_cover(inst, &cover, &required, &inst.fixed, &[]).len();
    let (lb, _) = cover_lower_bound(inst, &cover, &required, &inst.fixed, greedy, 300);
    if lb > p {
        return Ok(Outcome::Infeasible(format!(
            "reaching every demand point needs at least {lb} new sites, p = {p}"
        )));
    }
    Err(SiteError::NoFeasibleFound(
        "some demand points reach none of the chosen sites".into(),
    ))
}

/// Teitz–Bart vertex substitution, best improvement per round. For a closed `t` and an open `r`, swapping them
/// lowers the cost by gain(t) − loss(r) + extra(t, r) with
/// gain(t) = Σᵢ wᵢ·max(0, d1ᵢ − cᵢₜ), loss(r) = Σ_{i: f1ᵢ = r} wᵢ·(d2ᵢ − d1ᵢ) and
/// extra(t, r) = Σ_{i: f1ᵢ = r, cᵢₜ < d2ᵢ} wᵢ·(d2ᵢ − max(cᵢₜ, d1ᵢ)); each `t` is evaluated over the demand points
/// it reaches, in parallel.
fn fast_interchange(inst: &Inst, open: &mut [bool], penalty: f64) -> Near {
    let m = inst.m;
    let w = inst.w;
    let ns = m.n_sites();
    let max_rounds = 50 * (ns + 1);
    for round in 0..max_rounds {
        inst.report("interchange", round, max_rounds);
        let nr = near(inst, open, penalty);
        let cost: f64 = (0..m.n_demand()).map(|d| w[d] * nr.d1[d]).sum();
        let mut loss = vec![0.0; ns];
        for d in 0..m.n_demand() {
            if nr.f1[d] != NONE {
                loss[nr.f1[d] as usize] += w[d] * (nr.d2[d] - nr.d1[d]);
            }
        }
        let movable: Vec<usize> = (0..ns).filter(|&r| open[r] && !inst.fixed[r]).collect();
        let eval = |t: usize, extra: &mut Vec<f64>, touched: &mut Vec<usize>| {
            let (ds, cs) = m.by_site(t);
            let mut g = 0.0;
            for (&d, &c) in ds.iter().zip(cs) {
                let d = d as usize;
                if w[d] == 0.0 {
                    continue;
                }
                g += w[d] * (nr.d1[d] - c).max(0.0);
                let r = nr.f1[d];
                if r != NONE && c < nr.d2[d] {
                    let r = r as usize;
                    if extra[r] == 0.0 {
                        touched.push(r);
                    }
                    extra[r] += w[d] * (nr.d2[d] - c.max(nr.d1[d]));
                }
            }
            let mut best = (f64::NEG_INFINITY, t, usize::MAX);
            for &r in &movable {
                let v = g - loss[r] + extra[r];
                if v > best.0 {
                    best = (v, t, r);
                }
            }
            for &r in touched.iter() {
                extra[r] = 0.0;
            }
            touched.clear();
            best
        };
        let closed: Vec<usize> = (0..ns).filter(|&t| !open[t]).collect();
        let swaps: Vec<(f64, usize, usize)> = if m.n_entries() < PARALLEL_WORK {
            let (mut extra, mut touched) = (vec![0.0; ns], Vec::new());
            closed
                .iter()
                .map(|&t| eval(t, &mut extra, &mut touched))
                .collect()
        } else {
            closed
                .par_iter()
                .map_init(|| (vec![0.0; ns], Vec::new()), |(e, tc), &t| eval(t, e, tc))
                .collect()
        };
        // The best swap; ties to the lowest (t, r).
        let best = swaps
            .into_iter()
            .fold((f64::NEG_INFINITY, usize::MAX, usize::MAX), |a, b| {
                if b.0 > a.0 || (b.0 == a.0 && (b.1, b.2) < (a.1, a.2)) {
                    b
                } else {
                    a
                }
            });
        let (delta, t, r) = best;
        if r == usize::MAX || delta <= 1e-12 * cost.max(f64::MIN_POSITIVE) {
            return nr;
        }
        open[r] = false;
        open[t] = true;
    }
    near(inst, open, penalty)
}

/// A lower bound by the Lagrangian relaxation of the assignment constraints Σⱼ xᵢⱼ = 1 (its best value is the LP
/// bound): L(λ) = Σᵢ λᵢ + Σ_{j open} ρⱼ with ρⱼ = Σᵢ min(0, wᵢcᵢⱼ − λᵢ), the fixed sites and the `p` other sites
/// with the smallest ρ open; maximised by subgradient steps towards `ub` from λᵢ = wᵢ·d1ᵢ.
fn lower_bound(inst: &Inst, p: usize, nr: &Near, ub: f64, iterations: usize) -> Lagrange {
    let m = inst.m;
    let w = inst.w;
    let nd = m.n_demand();
    let free: Vec<usize> = (0..m.n_sites()).filter(|&s| !inst.fixed[s]).collect();
    let fixed: Vec<usize> = (0..m.n_sites()).filter(|&s| inst.fixed[s]).collect();
    let mut lambda: Vec<f64> = (0..nd)
        .map(|d| if w[d] > 0.0 { w[d] * nr.d1[d] } else { 0.0 })
        .collect();
    let rho = |s: usize, lambda: &[f64]| -> f64 {
        let (ds, cs) = m.by_site(s);
        ds.iter()
            .zip(cs)
            .map(|(&d, &c)| {
                let d = d as usize;
                if w[d] > 0.0 {
                    (w[d] * c - lambda[d]).min(0.0)
                } else {
                    0.0
                }
            })
            .sum()
    };
    let mut best = f64::NEG_INFINITY;
    let mut best_rho = Vec::new();
    let mut history = Vec::with_capacity(iterations);
    let mut theta = 2.0;
    let mut stale = 0;
    let mut hits = vec![0u32; nd];
    for it in 0..iterations {
        let r: Vec<(f64, u32)> = map_range(free.len(), m.n_entries(), |k| {
            (rho(free[k], &lambda), free[k] as u32)
        });
        let mut chosen: Vec<usize> = top_k(r.clone(), p, false)
            .iter()
            .map(|x| x.1 as usize)
            .collect();
        chosen.extend(&fixed);
        let l = lambda.iter().sum::<f64>() + chosen.iter().map(|&s| rho(s, &lambda)).sum::<f64>();
        if l > best + 1e-12 * l.abs() {
            best = l;
            best_rho = r;
            stale = 0;
        } else {
            stale += 1;
            if stale >= 10 {
                theta /= 2.0;
                stale = 0;
            }
        }
        history.push(best);
        if ub - best <= OPTIMAL_GAP * ub || theta < 1e-5 || stalled(&history, ub) {
            break;
        }
        for &s in &chosen {
            let (ds, cs) = m.by_site(s);
            for (&d, &c) in ds.iter().zip(cs) {
                let d = d as usize;
                if w[d] * c < lambda[d] {
                    hits[d] += 1;
                }
            }
        }
        let g = |d: usize| {
            if w[d] > 0.0 {
                1.0 - hits[d] as f64
            } else {
                0.0
            }
        };
        let norm: f64 = (0..nd).map(|d| g(d).powi(2)).sum();
        if norm == 0.0 {
            break;
        }
        let step = theta * (ub - l).max(1e-9 * ub) / norm;
        for (d, l) in lambda.iter_mut().enumerate() {
            *l += step * g(d);
        }
        hits.iter_mut().for_each(|h| *h = 0);
        if it % 10 == 0 {
            inst.report("bound", it, iterations);
        }
    }
    Lagrange {
        best,
        scores: best_rho,
        p,
    }
}
