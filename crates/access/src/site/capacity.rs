//! Capacitated heuristics (single assignment). Sites come from the uncapacitated heuristic (LSCP: plus sites
//! until the demand fits; MCLP: a greedy whose gains are capped by capacity), demand points are assigned in
//! regret order. The bounds are those of the uncapacitated model (a relaxation), tightened by capacity sums.
//! For capacitated instances the MIP is the method of choice; [`super::Method::Auto`] takes it when small.

use super::cover::{Cover, cover_lower_bound, mclp_upper_bound, set_cover};
use super::{
    Found, Inst, Model, NONE, Outcome, SiteError, center, lazy_greedy, map_range, median, top_k,
};

/// The capacitated heuristic of the model; `bound` as in [`super::heuristic`].
pub(crate) fn heuristic(inst: &Inst, bound: bool) -> Result<Outcome, SiteError> {
    let Some(cap) = inst.cap else {
        return Err(SiteError::NoFeasibleFound("no capacities given".into()));
    };
    let (f, radius) = match inst.model {
        Model::Lscp { radius } => return lscp(inst, cap, radius, bound),
        Model::Mclp { radius, p } => return Ok(Outcome::Found(mclp(inst, cap, radius, p))),
        Model::PMedian { p } => (median::pmedian(inst, p)?, None),
        Model::PCenter { p } => (center::pcenter(inst, p, bound)?, None::<f64>),
    };
    let Outcome::Found(mut f) = f else {
        return Ok(f);
    };
    let a = if matches!(inst.model, Model::PCenter { .. }) {
        swaps(inst, &mut f.open, |open| bottleneck(inst, cap, open))
    } else {
        swaps(inst, &mut f.open, |open| {
            assign(inst, cap, open, f64::INFINITY)
        })
    };
    if (0..inst.m.n_demand()).any(|d| inst.required(d) && a[d] == NONE) {
        return Err(SiteError::NoFeasibleFound(format!(
            "the capacities of the chosen sites{} cannot take every demand point",
            radius.map(|r| format!(" within {r}")).unwrap_or_default()
        )));
    }
    // The uncapacitated Lagrangian bound holds here too (capacities only raise the cost), and the MIP fixes
    // sites against this solution's own objective.
    Ok(Outcome::Found(Found {
        assign: Some(a),
        ..f
    }))
}

/// Assigns demand points to open sites under the capacities, in regret order (Martello & Toth): the points that
/// lose most by missing their cheapest usable site (second-cheapest minus cheapest; points with a single usable
/// site first) go first, heavier first on ties, each to its cheapest open site with room left. For MCLP, where
/// cost does not count, the points with the fewest usable sites go first. Only sites at cost ≤ `limit` are used.
pub(crate) fn assign(inst: &Inst, cap: &[f64], open: &[bool], limit: f64) -> Vec<u32> {
    let nd = inst.m.n_demand();
    let usable = |d: usize| {
        let (s, c) = inst.options(d);
        let k = c.partition_point(|&x| x <= limit);
        s[..k]
            .iter()
            .zip(&c[..k])
            .filter(|(s, _)| open[**s as usize])
    };
    let coverage = matches!(inst.model, Model::Mclp { .. });
    let mut order: Vec<(f64, usize)> = map_range(nd, inst.m.n_entries(), |d| {
        if coverage {
            let n = usable(d).count();
            return (if n > 0 { -(n as f64) } else { f64::NAN }, d);
        }
        let mut it = usable(d);
        match (it.next(), it.next()) {
            (Some((_, c1)), Some((_, c2))) => (c2 - c1, d),
            (Some(_), None) => (f64::INFINITY, d),
            _ => (f64::NAN, d),
        }
    })
    .into_iter()
    .filter(|x| !x.0.is_nan())
    .collect();
    let w = inst.w;
    order.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(w[b.1].total_cmp(&w[a.1]))
            .then(a.1.cmp(&b.1))
    });
    let mut room = cap.to_vec();
    let mut out = vec![NONE; nd];
    for (_, d) in order {
        if let Some((&s, _)) = usable(d).find(|(s, _)| w[d] <= room[**s as usize]) {
            room[s as usize] -= w[d];
            out[d] = s;
        }
    }
    out
}

/// The assignment for p-center: [`assign`] under the smallest cost limit (bisection over the costs to open
/// sites) at which it serves every demand point; without a limit when none does.
fn bottleneck(inst: &Inst, cap: &[f64], open: &[bool]) -> Vec<u32> {
    let m = inst.m;
    let mut costs: Vec<f64> = (0..m.n_sites())
        .filter(|&s| open[s])
        .flat_map(|s| m.by_site(s).1.iter().copied())
        .collect();
    costs.sort_unstable_by(f64::total_cmp);
    costs.dedup();
    let serves = |a: &[u32]| (0..a.len()).all(|d| !inst.required(d) || a[d] != NONE);
    let mut best = assign(inst, cap, open, f64::INFINITY);
    if !serves(&best) {
        return best;
    }
    let (mut lo, mut hi) = (0, costs.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        let a = assign(inst, cap, open, costs[mid]);
        if serves(&a) {
            best = a;
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    best
}

/// Pair evaluations (each an assignment over the whole matrix) the swap search may spend, in matrix entries.
const SWAP_WORK: usize = 200_000_000;

/// Swap local search: a new site is replaced by a closed one when the assignment (`eval`) then serves more
/// required demand points (p-median, p-center), or as many with a better objective; first improvement, until no
/// swap helps or the work budget ([`SWAP_WORK`]) is spent. Returns the final assignment.
fn swaps(inst: &Inst, open: &mut [bool], eval: impl Fn(&[bool]) -> Vec<u32>) -> Vec<u32> {
    let ns = open.len();
    let coverage = inst.maximise();
    let score = |a: &[u32]| -> (usize, f64) {
        let lost = (0..a.len())
            .filter(|&d| !coverage && inst.required(d) && a[d] == NONE)
            .count();
        let f = Found {
            open: Vec::new(),
            assign: Some(a.to_vec()),
            bound: f64::NAN,
            proven: false,
            lagrange: None,
        };
        let v = inst.objective(&f);
        (lost, if coverage { -v } else { v })
    };
    let mut a = eval(open);
    let mut current = score(&a);
    let mut budget = SWAP_WORK / (inst.m.n_entries() + inst.m.n_demand()).max(1);
    let better =
        |x: (usize, f64), y: (usize, f64)| x.0 < y.0 || x.0 == y.0 && x.1 < y.1 - 1e-12 * y.1.abs();
    let mut improved = true;
    while improved && budget > 0 {
        improved = false;
        let movable: Vec<usize> = (0..ns).filter(|&r| open[r] && !inst.fixed[r]).collect();
        for r in movable {
            for t in 0..ns {
                if open[t] || budget == 0 {
                    continue;
                }
                budget -= 1;
                open[r] = false;
                open[t] = true;
                let b = eval(open);
                let v = score(&b);
                if better(v, current) {
                    a = b;
                    current = v;
                    improved = true;
                    break;
                }
                open[t] = false;
                open[r] = true;
            }
        }
    }
    a
}

/// Capacitated LSCP: greedy set cover, then while some demand point does not fit, the site that takes the most
/// of the unassigned weight is added.
fn lscp(inst: &Inst, cap: &[f64], radius: f64, bound: bool) -> Result<Outcome, SiteError> {
    let cover = Cover::new(inst.m, radius);
    let nd = inst.m.n_demand();
    let required: Vec<bool> = (0..nd).map(|d| inst.required(d)).collect();
    let mut open = inst.fixed.clone();
    let greedy = set_cover(inst, &cover, &required, &inst.fixed, &[]);
    for &s in &greedy {
        open[s] = true;
    }
    let a = loop {
        let a = assign(inst, cap, &open, f64::INFINITY);
        let short: Vec<bool> = (0..nd).map(|d| required[d] && a[d] == NONE).collect();
        if !short.iter().any(|&x| x) {
            break a;
        }
        let best = (0..cover.n_sites())
            .filter(|&s| !open[s])
            .map(|s| {
                let reach: f64 = cover
                    .demands(s)
                    .iter()
                    .filter(|&&d| short[d as usize])
                    .map(|&d| inst.w[d as usize])
                    .sum();
                (reach.min(cap[s]), s)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        match best {
            Some((v, s)) if v > 0.0 => open[s] = true,
            _ => {
                return Err(SiteError::NoFeasibleFound(
                    "no further site within reach has room for the unassigned demand".into(),
                ));
            }
        }
    };
    // Drop new sites whose demand the others can take (latest first).
    let mut a = a;
    let new: Vec<usize> = (0..open.len())
        .filter(|&s| open[s] && !inst.fixed[s])
        .collect();
    for s in new.into_iter().rev() {
        open[s] = false;
        let b = assign(inst, cap, &open, f64::INFINITY);
        if (0..nd).all(|d| !required[d] || b[d] != NONE) {
            a = b;
        } else {
            open[s] = true;
        }
    }
    if !bound {
        return Ok(Outcome::Found(Found {
            open,
            assign: Some(a),
            bound: f64::NAN,
            proven: false,
            lagrange: None,
        }));
    }
    // Sites needed by capacity alone: the fewest largest free capacities that, with the fixed ones, hold the
    // required weight.
    let need: f64 = (0..nd).filter(|&d| required[d]).map(|d| inst.w[d]).sum();
    let mut have: f64 = (0..cap.len())
        .filter(|&s| inst.fixed[s])
        .map(|s| cap[s])
        .sum();
    let mut free: Vec<f64> = (0..cap.len())
        .filter(|&s| !inst.fixed[s])
        .map(|s| cap[s])
        .collect();
    free.sort_unstable_by(|a, b| b.total_cmp(a));
    let mut by_capacity = 0;
    for c in free {
        if have >= need {
            break;
        }
        have += c;
        by_capacity += 1;
    }
    let n_new = (0..open.len())
        .filter(|&s| open[s] && !inst.fixed[s])
        .count();
    let (covering, _) = cover_lower_bound(inst, &cover, &required, &inst.fixed, n_new, 300);
    Ok(Outcome::Found(Found {
        open,
        assign: Some(a),
        bound: covering.max(by_capacity) as f64,
        proven: false,
        lagrange: None,
    }))
}

/// Capacitated MCLP: lazy greedy where a site's gain is the uncovered weight it reaches, capped by its capacity;
/// an added site takes the uncovered points it reaches, cheapest first, while they fit.
fn mclp(inst: &Inst, cap: &[f64], radius: f64, p: usize) -> Found {
    let cover = Cover::new(inst.m, radius);
    let w = inst.w;
    struct St {
        assign: Vec<u32>,
        room: Vec<f64>,
        open: Vec<bool>,
    }
    let gain = |st: &St, s: usize| -> f64 {
        let reach: f64 = cover
            .demands(s)
            .iter()
            .filter(|&&d| st.assign[d as usize] == NONE)
            .map(|&d| w[d as usize])
            .sum();
        reach.min(st.room[s])
    };
    let take = |st: &mut St, s: usize| {
        st.open[s] = true;
        for &d in cover.demands(s) {
            let d = d as usize;
            if st.assign[d] == NONE && w[d] > 0.0 && w[d] <= st.room[s] {
                st.assign[d] = s as u32;
                st.room[s] -= w[d];
            }
        }
    };
    let mut st = St {
        assign: vec![NONE; inst.m.n_demand()],
        room: cap.to_vec(),
        open: vec![false; cap.len()],
    };
    for s in (0..cap.len()).filter(|&s| inst.fixed[s]) {
        take(&mut st, s);
    }
    let initial = map_range(cap.len(), cover.n_pairs(), |s| (s as u32, gain(&st, s)))
        .into_iter()
        .filter(|&(s, _)| !inst.fixed[s as usize])
        .collect();
    lazy_greedy(inst, &mut st, initial, p, false, gain, take);
    let weight = |a: &[u32]| -> f64 { (0..a.len()).filter(|&d| a[d] != NONE).map(|d| w[d]).sum() };
    let mut open = st.open.clone();
    let swapped = swaps(inst, &mut open, |open| {
        assign(inst, cap, open, f64::INFINITY)
    });
    let (open, assign, covered) = if weight(&swapped) > weight(&st.assign) {
        let c = weight(&swapped);
        (open, swapped, c)
    } else {
        let c = weight(&st.assign);
        (st.open, st.assign, c)
    };
    // The uncapacitated bound holds here too: capacities only lower what a set of sites covers.
    let lagrange = mclp_upper_bound(inst, &cover, p, covered, 300);
    let free: Vec<(f64, u32)> = (0..cap.len())
        .filter(|&s| !inst.fixed[s])
        .map(|s| (cap[s], s as u32))
        .collect();
    let by_capacity = (0..cap.len())
        .filter(|&s| inst.fixed[s])
        .map(|s| cap[s])
        .sum::<f64>()
        + top_k(free, p, true).iter().map(|x| x.0).sum::<f64>();
    Found {
        open,
        assign: Some(assign),
        bound: lagrange.best.min(by_capacity),
        proven: false,
        lagrange: Some(lagrange),
    }
}
