//! Covering heuristics: LSCP by greedy set cover with a Lagrangian lower bound, MCLP by lazy greedy (CELF) and
//! 1-swap interchange with a Lagrangian upper bound; both search again from the Lagrangian solution's sites when
//! the bound leaves a gap. Coverage is `cost <= radius`, as in spopt.

use rayon::prelude::*;

use super::{Found, Inst, Lagrange, OPTIMAL_GAP, PARALLEL_WORK, lazy_greedy, map_range, top_k};
use crate::matrix::CostMatrix;

/// Who covers whom within a radius: for each site a prefix of `by_site`, for each demand point a prefix of
/// `by_demand` (both lists are sorted by cost).
pub(crate) struct Cover<'a> {
    m: &'a CostMatrix,
    site_len: Vec<u32>,
    demand_len: Vec<u32>,
}

impl<'a> Cover<'a> {
    pub fn new(m: &'a CostMatrix, radius: f64) -> Cover<'a> {
        let prefix = |c: &[f64]| c.partition_point(|&x| x <= radius) as u32;
        let work = m.n_demand() + m.n_sites();
        Cover {
            m,
            site_len: map_range(m.n_sites(), work, |s| prefix(m.by_site(s).1)),
            demand_len: map_range(m.n_demand(), work, |d| prefix(m.by_demand(d).1)),
        }
    }

    /// The demand points site `s` covers.
    pub fn demands(&self, s: usize) -> &'a [u32] {
        &self.m.by_site(s).0[..self.site_len[s] as usize]
    }

    /// The sites covering demand point `d`.
    pub fn sites(&self, d: usize) -> &'a [u32] {
        &self.m.by_demand(d).0[..self.demand_len[d] as usize]
    }

    pub fn n_sites(&self) -> usize {
        self.site_len.len()
    }

    pub fn n_demand(&self) -> usize {
        self.demand_len.len()
    }

    /// Number of (demand, site) coverage pairs: the work of a pass over all of them.
    pub fn n_pairs(&self) -> usize {
        self.site_len.iter().map(|&x| x as usize).sum()
    }
}

/// How many open sites cover each demand point.
fn counts(cover: &Cover, open: &[bool]) -> Vec<u32> {
    let mut cnt = vec![0u32; cover.n_demand()];
    for s in (0..cover.n_sites()).filter(|&s| open[s]) {
        for &d in cover.demands(s) {
            cnt[d as usize] += 1;
        }
    }
    cnt
}

/// LSCP: greedy set cover, then (if `bound`) a Lagrangian lower bound.
pub(crate) fn lscp(inst: &Inst, radius: f64, bound: bool) -> Found {
    let cover = Cover::new(inst.m, radius);
    let required: Vec<bool> = (0..inst.m.n_demand()).map(|d| inst.required(d)).collect();
    let mut new = set_cover(inst, &cover, &required, &inst.fixed, &[]);
    let bound = if bound {
        let (lb, relaxed) = cover_lower_bound(inst, &cover, &required, &inst.fixed, new.len(), 300);
        // Lagrangian heuristic: greedy completion of the relaxed solution's sites.
        if lb < new.len() {
            let other = set_cover(inst, &cover, &required, &inst.fixed, &relaxed);
            if other.len() < new.len() {
                new = other;
            }
        }
        lb as f64
    } else {
        f64::NAN
    };
    let mut open = inst.fixed.clone();
    for &s in &new {
        open[s] = true;
    }
    Found {
        open,
        assign: None,
        bound,
        proven: false,
        lagrange: None,
    }
}

/// Greedy set cover (Chvátal): new sites, each covering the most required demand points not yet covered, after
/// the `start` sites; then the redundant ones dropped, latest first (so `start` sites last). Required points that
/// no site covers stay uncovered.
pub(crate) fn set_cover(
    inst: &Inst,
    cover: &Cover,
    required: &[bool],
    fixed: &[bool],
    start: &[usize],
) -> Vec<usize> {
    struct St<'c> {
        cover: &'c Cover<'c>,
        required: &'c [bool],
        cnt: Vec<u32>,
    }
    let gain = |st: &St, s: usize| -> f64 {
        st.cover
            .demands(s)
            .iter()
            .filter(|&&d| st.required[d as usize] && st.cnt[d as usize] == 0)
            .count() as f64
    };
    let mut taken = fixed.to_vec();
    for &s in start {
        taken[s] = true;
    }
    let mut st = St {
        cover,
        required,
        cnt: counts(cover, &taken),
    };
    let initial = free_gains(cover, &taken, |s| gain(&st, s));
    let greedy = lazy_greedy(
        inst,
        &mut st,
        initial,
        cover.n_sites(),
        true,
        gain,
        |st, s| {
            for &d in st.cover.demands(s) {
                st.cnt[d as usize] += 1;
            }
        },
    );
    let mut chosen = start.to_vec();
    chosen.extend(greedy);
    for i in (0..chosen.len()).rev() {
        let s = chosen[i];
        let redundant = cover
            .demands(s)
            .iter()
            .all(|&d| !required[d as usize] || st.cnt[d as usize] >= 2);
        if redundant {
            for &d in cover.demands(s) {
                st.cnt[d as usize] -= 1;
            }
            chosen.remove(i);
        }
    }
    chosen.sort_unstable();
    chosen
}

/// The initial gains of the sites not fixed.
fn free_gains(
    cover: &Cover,
    fixed: &[bool],
    gain: impl Fn(usize) -> f64 + Sync + Send,
) -> Vec<(u32, f64)> {
    map_range(cover.n_sites(), cover.n_pairs(), |s| {
        (s as u32, if fixed[s] { f64::NAN } else { gain(s) })
    })
    .into_iter()
    .filter(|&(s, _)| !fixed[s as usize])
    .collect()
}

/// A lower bound on the number of new sites covering every required demand point (besides those the fixed sites
/// cover), by the Lagrangian relaxation of the covering constraints (its best value is the LP bound):
/// L(u) = Σᵢ uᵢ + Σⱼ min(0, 1 − Σ_{i covered by j} uᵢ) for u ≥ 0, maximised by subgradient steps towards `target`
/// (a known cover size). Stops early once the bound reaches `target`. The number of sites is an integer, so the
/// bound is rounded up (after 1e-9 of slack for rounding). Also returns the sites the best relaxed solution opens
/// (σⱼ > 1), a start for [`set_cover`].
pub(crate) fn cover_lower_bound(
    inst: &Inst,
    cover: &Cover,
    required: &[bool],
    fixed: &[bool],
    target: usize,
    iterations: usize,
) -> (usize, Vec<usize>) {
    let cnt = counts(cover, fixed);
    let need: Vec<bool> = (0..cover.n_demand())
        .map(|d| required[d] && cnt[d] == 0 && !cover.sites(d).is_empty())
        .collect();
    if !need.iter().any(|&x| x) {
        return (0, Vec::new());
    }
    let free: Vec<usize> = (0..cover.n_sites()).filter(|&s| !fixed[s]).collect();
    let size: Vec<f64> = (0..cover.n_sites())
        .map(|s| {
            cover
                .demands(s)
                .iter()
                .filter(|&&d| need[d as usize])
                .count() as f64
        })
        .collect();
    let mut u: Vec<f64> = (0..cover.n_demand())
        .map(|d| {
            if !need[d] {
                return 0.0;
            }
            cover
                .sites(d)
                .iter()
                .filter(|&&s| !fixed[s as usize])
                .map(|&s| 1.0 / size[s as usize])
                .fold(0.0, f64::max)
        })
        .collect();
    let mut best = 1.0f64;
    let mut best_sites = Vec::new();
    let mut theta = 2.0;
    let mut stale = 0;
    let mut hits = vec![0u32; cover.n_demand()];
    for it in 0..iterations {
        let sigma: Vec<f64> = map_range(free.len(), cover.n_pairs(), |k| {
            cover.demands(free[k]).iter().map(|&d| u[d as usize]).sum()
        });
        let l = u.iter().sum::<f64>() + sigma.iter().map(|&x| (1.0 - x).min(0.0)).sum::<f64>();
        if l > best + 1e-12 {
            best = l;
            best_sites = (0..free.len())
                .filter(|&k| sigma[k] > 1.0)
                .map(|k| free[k])
                .collect();
            stale = 0;
        } else {
            stale += 1;
            if stale >= 10 {
                theta /= 2.0;
                stale = 0;
            }
        }
        if (best - 1e-9).ceil() >= target as f64 || theta < 1e-5 {
            break;
        }
        hits.iter_mut().for_each(|h| *h = 0);
        for (k, &s) in free.iter().enumerate() {
            if sigma[k] > 1.0 {
                for &d in cover.demands(s) {
                    hits[d as usize] += 1;
                }
            }
        }
        let g = |d: usize| if need[d] { 1.0 - hits[d] as f64 } else { 0.0 };
        let norm: f64 = (0..cover.n_demand()).map(|d| g(d) * g(d)).sum();
        if norm == 0.0 {
            break;
        }
        let step = theta * (target as f64 - l).max(1e-3 * target as f64) / norm;
        for d in (0..cover.n_demand()).filter(|&d| need[d]) {
            u[d] = (u[d] + step * g(d)).max(0.0);
        }
        if it % 10 == 0 {
            inst.report("bound", it, iterations);
        }
    }
    ((best - 1e-9).ceil().max(0.0) as usize, best_sites)
}

/// MCLP state: how many open sites cover each demand point.
struct Mclp<'c> {
    cover: &'c Cover<'c>,
    w: &'c [f64],
    cnt: Vec<u32>,
    open: Vec<bool>,
}

impl Mclp<'_> {
    /// Weight newly covered by opening `s`.
    fn gain(&self, s: usize) -> f64 {
        self.cover
            .demands(s)
            .iter()
            .filter(|&&d| self.cnt[d as usize] == 0)
            .map(|&d| self.w[d as usize])
            .sum()
    }
}

/// MCLP: lazy greedy, 1-swap interchange, Lagrangian upper bound.
pub(crate) fn mclp(inst: &Inst, radius: f64, p: usize) -> Found {
    let cover = Cover::new(inst.m, radius);
    let mut st = Mclp {
        cover: &cover,
        w: inst.w,
        cnt: counts(&cover, &inst.fixed),
        open: inst.fixed.clone(),
    };
    let initial = free_gains(&cover, &inst.fixed, |s| st.gain(s));
    lazy_greedy(inst, &mut st, initial, p, false, Mclp::gain, |st, s| {
        st.open[s] = true;
        for &d in st.cover.demands(s) {
            st.cnt[d as usize] += 1;
        }
    });
    interchange(inst, &mut st);
    let weight = |st: &Mclp| -> f64 {
        (0..cover.n_demand())
            .filter(|&d| st.cnt[d] > 0)
            .map(|d| inst.w[d])
            .sum()
    };
    let covered = weight(&st);
    let lagrange = mclp_upper_bound(inst, &cover, p, covered, 300);
    // Lagrangian heuristic: the interchange again, from the sites of the best relaxed solution.
    if lagrange.best - covered > OPTIMAL_GAP * lagrange.best {
        let mut open = inst.fixed.clone();
        for (_, s) in top_k(lagrange.scores.clone(), p, true) {
            open[s as usize] = true;
        }
        let mut other = Mclp {
            cover: &cover,
            w: inst.w,
            cnt: counts(&cover, &open),
            open,
        };
        interchange(inst, &mut other);
        if weight(&other) > covered {
            st = other;
        }
    }
    Found {
        open: st.open,
        assign: None,
        bound: lagrange.best,
        proven: false,
        lagrange: Some(lagrange),
    }
}

/// 1-swap interchange for MCLP: for each open new site `s`, the best closed `t` to put in its place, taken when it
/// covers more. With `gain[t]` = weight only `t` would newly cover, `loss[s]` = weight only `s` covers and
/// `ov(s, t)` = the part of `loss[s]` that `t` also covers, the swap adds `gain[t] − loss[s] + ov(s, t)`; gains
/// and losses are kept up to date incrementally, `ov` is gathered per `s` from the demand points only `s` covers.
fn interchange(inst: &Inst, st: &mut Mclp) {
    let cover = st.cover;
    let ns = cover.n_sites();
    let mut gain: Vec<f64> = map_range(ns, cover.n_pairs(), |t| st.gain(t));
    let mut loss: Vec<f64> = map_range(ns, cover.n_pairs(), |s| {
        if !st.open[s] {
            return 0.0;
        }
        cover
            .demands(s)
            .iter()
            .filter(|&&d| st.cnt[d as usize] == 1)
            .map(|&d| st.w[d as usize])
            .sum()
    });
    let eps = 1e-12 * inst.total_weight;
    let mut ov = vec![0.0f64; ns];
    let mut touched: Vec<usize> = Vec::new();
    for pass in 0..100 {
        inst.report("interchange", pass, 100);
        let mut improved = false;
        let movable: Vec<usize> = (0..ns).filter(|&s| st.open[s] && !inst.fixed[s]).collect();
        for s in movable {
            if !st.open[s] {
                continue;
            }
            for &d in cover.demands(s) {
                let d = d as usize;
                if st.cnt[d] != 1 || st.w[d] == 0.0 {
                    continue;
                }
                for &t in cover.sites(d) {
                    let t = t as usize;
                    if !st.open[t] {
                        if ov[t] == 0.0 {
                            touched.push(t);
                        }
                        ov[t] += st.w[d];
                    }
                }
            }
            let mut best = (f64::NEG_INFINITY, usize::MAX);
            for t in (0..ns).filter(|&t| !st.open[t]) {
                let v = gain[t] + ov[t];
                if v > best.0 {
                    best = (v, t);
                }
            }
            for &t in &touched {
                ov[t] = 0.0;
            }
            touched.clear();
            let (v, t) = best;
            if t == usize::MAX || v - loss[s] <= eps {
                continue;
            }
            close(st, s, &mut gain, &mut loss);
            open(st, t, &mut gain, &mut loss);
            improved = true;
        }
        if !improved {
            break;
        }
    }
}

fn open(st: &mut Mclp, t: usize, gain: &mut [f64], loss: &mut [f64]) {
    let cover = st.cover;
    st.open[t] = true;
    for &d in cover.demands(t) {
        let d = d as usize;
        st.cnt[d] += 1;
        if st.cnt[d] == 1 {
            for &u in cover.sites(d) {
                gain[u as usize] -= st.w[d];
            }
            loss[t] += st.w[d];
        } else if st.cnt[d] == 2
            && let Some(&u) = cover
                .sites(d)
                .iter()
                .find(|&&u| u as usize != t && st.open[u as usize])
        {
            loss[u as usize] -= st.w[d];
        }
    }
}

fn close(st: &mut Mclp, s: usize, gain: &mut [f64], loss: &mut [f64]) {
    let cover = st.cover;
    st.open[s] = false;
    for &d in cover.demands(s) {
        let d = d as usize;
        st.cnt[d] -= 1;
        if st.cnt[d] == 0 {
            for &u in cover.sites(d) {
                gain[u as usize] += st.w[d];
            }
        } else if st.cnt[d] == 1
            && let Some(&u) = cover.sites(d).iter().find(|&&u| st.open[u as usize])
        {
            loss[u as usize] += st.w[d];
        }
    }
    loss[s] = 0.0;
}

/// An upper bound on the MCLP optimum by the Lagrangian relaxation of the coverage constraints zᵢ ≤ Σⱼ yⱼ
/// (its best value is the LP bound): with the weight the fixed sites cover set aside,
/// L(λ) = Σᵢ max(0, wᵢ − λᵢ) + (sum of the `p` largest σⱼ = Σ_{i covered by j} λᵢ) for 0 ≤ λ ≤ w, minimised by
/// subgradient steps towards `target` (a known covered weight) from λ = w (where L is the weight of the `p`
/// heaviest sites' catchments). Few λᵢ change in a step (gᵢ = 0 for a point covered once with λᵢ < wᵢ or uncovered
/// with λᵢ = wᵢ), so σ and Σλ are updated from the changed points only and recomputed every 25 steps; the bound
/// returned is L recomputed exactly at the best λ. Stops early when the bound stalls ([`stalled`]).
pub(crate) fn mclp_upper_bound(
    inst: &Inst,
    cover: &Cover,
    p: usize,
    target: f64,
    iterations: usize,
) -> Lagrange {
    let cnt = counts(cover, &inst.fixed);
    let w = inst.w;
    let nd = cover.n_demand();
    let base: f64 = (0..nd).filter(|&d| cnt[d] > 0).map(|d| w[d]).sum();
    let active: Vec<u32> = (0..nd)
        .filter(|&d| cnt[d] == 0 && w[d] > 0.0 && !cover.sites(d).is_empty())
        .map(|d| d as u32)
        .collect();
    let free: Vec<usize> = (0..cover.n_sites()).filter(|&s| !inst.fixed[s]).collect();
    let mut lambda = vec![0.0; nd];
    for &d in &active {
        lambda[d as usize] = w[d as usize];
    }
    let active_weight: f64 = active.iter().map(|&d| w[d as usize]).sum();
    let sigma_of = |lambda: &[f64]| -> Vec<f64> {
        map_range(cover.n_sites(), cover.n_pairs(), |s| {
            cover.demands(s).iter().map(|&d| lambda[d as usize]).sum()
        })
    };
    // Σᵢ max(0, wᵢ − λᵢ) = Σᵢ wᵢ − Σᵢ λᵢ over the active points, since λ ≤ w.
    let sum_of = |lambda: &[f64]| -> f64 { active.iter().map(|&d| lambda[d as usize]).sum() };
    let value = |sum_lambda: f64, sigma: &[f64]| -> (f64, Vec<(f64, u32)>) {
        let scores: Vec<(f64, u32)> = free.iter().map(|&s| (sigma[s], s as u32)).collect();
        let top: f64 = top_k(scores.clone(), p, true).iter().map(|x| x.0).sum();
        (base + (active_weight - sum_lambda).max(0.0) + top, scores)
    };
    // ∂L/∂λᵢ = hitsᵢ − [wᵢ > λᵢ], the nonzero ones and their squared sum.
    let gradient = |chunk: &[u32], hits: &[u32], lambda: &[f64]| -> (f64, Vec<(u32, f64)>) {
        let mut norm = 0.0;
        let mut nz = Vec::new();
        for &d in chunk {
            let i = d as usize;
            let g = hits[i] as f64 - if w[i] > lambda[i] { 1.0 } else { 0.0 };
            if g != 0.0 {
                norm += g * g;
                nz.push((d, g));
            }
        }
        (norm, nz)
    };
    let mut sigma = sigma_of(&lambda);
    let mut sum_lambda = sum_of(&lambda);
    let mut history = Vec::with_capacity(iterations);
    let mut best = f64::INFINITY;
    let mut best_lambda = lambda.clone();
    let mut theta = 2.0;
    let mut stale = 0;
    let mut hits = vec![0u32; nd];
    for it in 0..iterations {
        if it % 25 == 24 {
            sigma = sigma_of(&lambda);
            sum_lambda = sum_of(&lambda);
        }
        let (l, scores) = value(sum_lambda, &sigma);
        if l < best - 1e-12 * l.abs() {
            best = l;
            best_lambda.copy_from_slice(&lambda);
            stale = 0;
        } else {
            stale += 1;
            if stale >= 10 {
                theta /= 2.0;
                stale = 0;
            }
        }
        history.push(best);
        if best - target <= 1e-10 * best || theta < 1e-5 || stalled(&history, target) {
            break;
        }
        let top = top_k(scores, p, true);
        for &(_, s) in &top {
            for &d in cover.demands(s as usize) {
                hits[d as usize] += 1;
            }
        }
        let parts: Vec<(f64, Vec<(u32, f64)>)> = if active.len() < PARALLEL_WORK {
            vec![gradient(&active, &hits, &lambda)]
        } else {
            active
                .par_chunks(1 << 15)
                .map(|c| gradient(c, &hits, &lambda))
                .collect()
        };
        let norm: f64 = parts.iter().map(|x| x.0).sum();
        if norm == 0.0 {
            break;
        }
        let step = theta * (l - target).max(1e-6 * l) / norm;
        for &(d, g) in parts.iter().flat_map(|x| &x.1) {
            let d = d as usize;
            let new = (lambda[d] - step * g).clamp(0.0, w[d]);
            let delta = new - lambda[d];
            if delta != 0.0 {
                lambda[d] = new;
                sum_lambda += delta;
                for &s in cover.sites(d) {
                    sigma[s as usize] += delta;
                }
            }
        }
        for &(_, s) in &top {
            for &d in cover.demands(s as usize) {
                hits[d as usize] = 0;
            }
        }
        if it % 10 == 0 {
            inst.report("bound", it, iterations);
        }
    }
    let (best, scores) = value(sum_of(&best_lambda), &sigma_of(&best_lambda));
    Lagrange { best, scores, p }
}

/// Whether a subgradient search has stalled: over the last 40 steps its best bound (`history`, one per step) moved
/// by less than 5 % of the gap left to `target`.
pub(crate) fn stalled(history: &[f64], target: f64) -> bool {
    let n = history.len();
    n > 40 && (history[n - 41] - history[n - 1]).abs() < 0.05 * (history[n - 1] - target).abs()
}
