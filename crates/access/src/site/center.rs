//! p-center by bisection over the sorted distinct costs (Minieka 1970). The optimum is one of them, and a radius
//! is achievable with `p` new sites exactly when covering every demand point within it needs at most `p` new
//! sites. The heuristic proves radii achievable by a cover of at most `p` new sites (greedy, or greedy completion
//! of the Lagrangian solution: upper bound) and unachievable by the Lagrangian covering bound exceeding `p` (lower
//! bound), then improves the sites by vertex substitution; the exact solver decides each radius with the exact set-covering MIP, so its bisection ends at the
//! optimum.

use std::time::Instant;

use super::cover::{Cover, cover_lower_bound, set_cover};
use super::median::unreachable_outcome;
use super::mip::{self, Mip};
use super::{Found, Inst, NONE, Outcome, SiteError};

/// The sorted distinct costs and the index of the first one at least the largest cheapest cost of a demand
/// point (every demand point needs some site, so the optimum is at least that).
fn radii(inst: &Inst) -> (Vec<f64>, usize) {
    let m = inst.m;
    let mut radii: Vec<f64> = (0..m.n_sites())
        .flat_map(|s| m.by_site(s).1.iter().copied())
        .collect();
    radii.sort_unstable_by(f64::total_cmp);
    radii.dedup();
    let floor = (0..m.n_demand())
        .filter_map(|d| m.by_demand(d).1.first().copied())
        .fold(0.0, f64::max);
    let k = radii.partition_point(|&r| r < floor);
    (radii, k)
}

/// The heuristic; with `bound`, also the lower bound by bisection with the covering bound.
pub(crate) fn pcenter(inst: &Inst, p: usize, bound: bool) -> Result<Outcome, SiteError> {
    let m = inst.m;
    let (radii, k_floor) = radii(inst);
    let required = vec![true; m.n_demand()];
    let steps = (usize::BITS - radii.len().leading_zeros()) as usize * 2;
    let mut step = 0;
    // Whether `p` new sites cover everyone within radii[k]: `Ok(sites)`, `Err(true)` when the covering bound
    // proves they cannot, `Err(false)` when undecided.
    let mut test = |k: usize| -> Result<Vec<usize>, bool> {
        step += 1;
        inst.report("bisection", step, steps);
        let cover = Cover::new(m, radii[k]);
        let greedy = set_cover(inst, &cover, &required, &inst.fixed, &[]);
        if greedy.len() <= p {
            return Ok(greedy);
        }
        let (lb, relaxed) = cover_lower_bound(inst, &cover, &required, &inst.fixed, p + 1, 150);
        if lb > p {
            return Err(true);
        }
        let other = set_cover(inst, &cover, &required, &inst.fixed, &relaxed);
        if other.len() <= p {
            Ok(other)
        } else {
            Err(false)
        }
    };
    let Some(k_top) = radii.len().checked_sub(1) else {
        return unreachable_outcome(inst, p, None);
    };
    let Ok(mut best) = test(k_top) else {
        return unreachable_outcome(inst, p, None);
    };
    let (mut lo, mut hi) = (k_floor.min(k_top), k_top);
    let mut k_lb = lo;
    while lo < hi {
        let mid = (lo + hi) / 2;
        match test(mid) {
            Ok(s) => {
                hi = mid;
                best = s;
            }
            Err(proven) => {
                lo = mid + 1;
                if proven {
                    k_lb = mid + 1;
                }
            }
        }
    }
    // Radii skipped as undecided may still be provably too small.
    let (mut lo, mut hi) = (k_lb, hi);
    while bound && lo < hi {
        let mid = (lo + hi) / 2;
        let cover = Cover::new(m, radii[mid]);
        if cover_lower_bound(inst, &cover, &required, &inst.fixed, p + 1, 150).0 > p {
            k_lb = mid + 1;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let mut open = inst.fixed.clone();
    for &s in &best {
        open[s] = true;
    }
    fill(inst, &mut open, p);
    substitute(inst, &mut open);
    Ok(Outcome::Found(Found {
        open,
        assign: None,
        bound: radii[k_lb],
        proven: false,
        lagrange: None,
    }))
}

/// Opens new sites until there are `p`: each one the cheapest closed site nearer than its current site to the
/// demand point with the largest cost (the lowest closed site when none is nearer).
pub(crate) fn fill(inst: &Inst, open: &mut [bool], p: usize) {
    let m = inst.m;
    let n_new = (0..open.len())
        .filter(|&s| open[s] && !inst.fixed[s])
        .count();
    for _ in n_new..p {
        let assign = inst.assignment(open);
        let worst = (0..m.n_demand())
            .filter(|&d| assign[d] != NONE)
            .map(|d| (m.cost(d, assign[d] as usize).unwrap_or(0.0), d))
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        let closer = worst.and_then(|(c, d)| {
            let (s, cs) = m.by_demand(d);
            s.iter()
                .zip(cs)
                .find(|(s, x)| !open[**s as usize] && **x < c)
                .map(|(s, _)| *s as usize)
        });
        let Some(t) = closer.or_else(|| (0..m.n_sites()).find(|&s| !open[s])) else {
            break;
        };
        open[t] = true;
    }
}

/// Matrix entries the substitution search may scan (each evaluation scans them all).
const SUBSTITUTE_WORK: usize = 200_000_000;

/// Vertex substitution on the p-center objective: a new site is swapped for a closed one cheaper for the worst
/// served demand point when that lowers the largest cost, or the number of points at it; best swap per round,
/// until none helps or the work budget ([`SUBSTITUTE_WORK`]) is spent.
fn substitute(inst: &Inst, open: &mut [bool]) {
    let m = inst.m;
    // (largest cost, points at it, one of them)
    let eval = |open: &[bool]| -> (f64, usize, usize) {
        let a = inst.assignment(open);
        let mut worst = (0.0f64, 0usize, usize::MAX);
        for (d, &s) in a.iter().enumerate() {
            let c = if s == NONE {
                f64::INFINITY
            } else {
                m.cost(d, s as usize).unwrap_or(f64::INFINITY)
            };
            if c > worst.0 {
                worst = (c, 1, d);
            } else if c == worst.0 {
                worst.1 += 1;
            }
        }
        worst
    };
    let mut budget = SUBSTITUTE_WORK / (m.n_entries() + m.n_demand()).max(1);
    let mut current = eval(open);
    while budget > 0 && current.2 != usize::MAX {
        let (sites, costs) = m.by_demand(current.2);
        let closer: Vec<usize> = sites
            .iter()
            .zip(costs)
            .take_while(|(_, c)| **c < current.0)
            .map(|(s, _)| *s as usize)
            .filter(|&s| !open[s])
            .collect();
        let movable: Vec<usize> = (0..open.len())
            .filter(|&r| open[r] && !inst.fixed[r])
            .collect();
        let mut best: Option<((f64, usize, usize), usize, usize)> = None;
        'search: for &t in &closer {
            for &r in &movable {
                if budget == 0 {
                    break 'search;
                }
                budget -= 1;
                open[r] = false;
                open[t] = true;
                let v = eval(open);
                open[t] = false;
                open[r] = true;
                let reference = best.map_or(current, |b| b.0);
                if v.0 < reference.0 || v.0 == reference.0 && v.1 < reference.1 {
                    best = Some((v, t, r));
                }
            }
        }
        let Some((v, t, r)) = best else {
            break;
        };
        open[r] = false;
        open[t] = true;
        current = v;
    }
}

/// Exact uncapacitated p-center: bisection between the heuristic's bound and objective (or the whole range),
/// each radius decided by the exact LSCP MIP (all demand points, the fixed sites open). A MIP stopped by the time
/// limit ends the search with the best solution and bound so far.
pub(crate) fn exact(inst: &Inst, p: usize, hint: Option<&Found>) -> Result<Mip, SiteError> {
    let m = inst.m;
    let (radii, k_floor) = radii(inst);
    let Some(k_top) = radii.len().checked_sub(1) else {
        return Ok(Mip::Infeasible);
    };
    let index = |r: f64| radii.partition_point(|&x| x < r).min(k_top);
    let (mut lo, mut hi) = match hint {
        Some(h) => {
            let ub = inst.objective(h);
            let lb = if h.bound.is_nan() { 0.0 } else { h.bound };
            (index(lb).max(k_floor).min(index(ub)), index(ub))
        }
        None => (k_floor.min(k_top), k_top),
    };
    let ones = vec![1.0; m.n_demand()];
    let all = vec![true; m.n_demand()];
    let start = Instant::now();
    let mut best = hint.map(|h| h.open.clone());
    let mut proven_hi = hint.is_some();
    while lo < hi || !proven_hi {
        let mid = if proven_hi { (lo + hi) / 2 } else { hi };
        let mut sub = inst.lscp_at(radii[mid], &ones);
        if let Some(t) = inst.time_limit {
            match t.checked_sub(start.elapsed()) {
                Some(left) => sub.time_limit = Some(left),
                None => break,
            }
        }
        let cover = Cover::new(m, radii[mid]);
        let greedy = set_cover(&sub, &cover, &all, &inst.fixed, &[]);
        let mut warm = inst.fixed.clone();
        for &s in &greedy {
            warm[s] = true;
        }
        let warm = Found {
            open: warm,
            assign: None,
            bound: f64::NAN,
            proven: false,
            lagrange: None,
        };
        match mip::solve(&sub, Some(&warm))? {
            Mip::Solved(f) if f.proven => {
                let n_new = (0..f.open.len())
                    .filter(|&s| f.open[s] && !inst.fixed[s])
                    .count();
                if n_new <= p {
                    hi = mid;
                    proven_hi = true;
                    best = Some(f.open);
                } else if !proven_hi {
                    return Ok(Mip::Infeasible);
                } else {
                    lo = mid + 1;
                }
            }
            Mip::Infeasible if !proven_hi => return Ok(Mip::Infeasible),
            Mip::Infeasible => lo = mid + 1,
            Mip::Solved(_) | Mip::Interrupted => break,
        }
    }
    let Some(mut open) = best else {
        return Ok(Mip::Interrupted);
    };
    fill(inst, &mut open, p);
    Ok(Mip::Solved(Found {
        open,
        assign: None,
        bound: radii[lo],
        proven: lo >= hi,
        lagrange: None,
    }))
}
