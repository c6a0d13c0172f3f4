//! Siting models (选址模型): where the next facilities should go.
//!
//! Four models over a [`CostMatrix`] (rows = demand points, columns = candidate sites; a pair that is not stored
//! is unreachable) and demand weights (usually population), with the semantics of PySAL spopt 0.7
//! (`spopt.locate`):
//!
//! - **LSCP** (location set covering, 集合覆盖): the fewest sites such that every demand point with weight > 0 has
//!   an open site within the radius. spopt's LSCP takes no weights; with all weights 1 (or > 0) it is the same
//!   model. The objective is the number of **new** sites.
//! - **MCLP** (maximal covering, 最大覆盖): `p` sites maximising the covered weight. Coverage is `cost <= radius`
//!   (spopt: `aij[cost_matrix <= service_radius] = 1`). The objective is the covered weight.
//! - **p-median** (p 中位): `p` sites minimising the weighted total cost Σ wᵢ·cᵢⱼ with every demand point with
//!   weight > 0 assigned to its cheapest open site. The objective is that total; [`Solution::mean_cost`] is the
//!   total over the assigned weight, which is spopt's `mean_dist` (`objective / weights.sum()`) when every demand
//!   point is assigned (always in a feasible solution).
//! - **p-center** (p 中心): `p` sites minimising the largest cost from any demand point (all of them, whatever
//!   their weight: spopt's p-center is unweighted) to its cheapest open site; spopt's formulation with the `W`
//!   variable (Σⱼ cᵢⱼ·xᵢⱼ ≤ W for every i, minimise W). The objective is that largest cost.
//!
//! # Existing facilities (补短板)
//!
//! [`Options::existing`] lists sites that are open already and stay open. **`p` counts the new sites to add**, so a
//! solution has `existing.len() + p` open sites, [`Solution::existing`] lists the kept ones and [`Solution::new`]
//! the added ones. (spopt's `predefined_facilities_arr` counts them inside `p` instead: spopt with p = k + e and e
//! predefined sites is our run with `p = k`.) The LSCP objective counts the new sites only.
//!
//! # Capacities
//!
//! With [`Options::capacities`] every open site serves at most its capacity of demand weight, and each demand
//! point is served whole by one site (single assignment, like spopt's capacitated p-median whose assignment
//! variables are binary; spopt's capacitated LSCP, CLSCP-SO, lets demand split, so its count can be lower than
//! ours). For LSCP every demand point with weight > 0 must be assigned to a site within the radius; for MCLP the
//! covered weight is the weight assigned within the radius; p-median and p-center assign every demand point.
//!
//! # Methods, statuses, bounds
//!
//! - [`Method::Exact`]: a mixed-integer program through `good_lp` with the pure-Rust `microlp` solver, built as
//!   spopt builds it (see [`mip`]'s notes on the reductions that keep it exact). [`Status::Optimal`] only when
//!   the solver proves it (relative tolerance 1e-9); with a time limit an unproven incumbent is
//!   [`Status::Feasible`].
//! - [`Method::Heuristic`]: greedy with lazy evaluation (CELF) and interchange, with a valid bound from a
//!   Lagrangian relaxation (p-median, MCLP, LSCP) or from bisection with covering bounds (p-center).
//! - [`Method::Auto`]: the heuristic first; if its bound proves it optimal, that is the answer, otherwise the MIP
//!   (warm-started with the heuristic's sites) on instances up to [`AUTO_EXACT_MAX_ENTRIES`], stopped after
//!   [`AUTO_TIME_LIMIT`] unless a time limit is given.
//!
//! [`Solution::bound`] bounds the optimum (an upper bound for MCLP, a lower bound for the others) and
//! [`Solution::gap`] is |bound − objective| / max(|bound|, |objective|) (0 when both are 0): for MCLP
//! (bound − objective) / bound. A solution is optimal when the gap is at most 1e-9.

mod capacity;
mod center;
mod cover;
mod median;
mod mip;

use std::time::Duration;

use rayon::prelude::*;
use serde::Serialize;

use crate::matrix::CostMatrix;

/// Auto solves exactly (MIP) up to this many variables-worth of pairs: coverage pairs within the radius for
/// LSCP/MCLP, reachable pairs for p-median/p-center (each one an assignment variable). Measured (release, 2 cores):
/// San Francisco (3,280 pairs) takes under 2 ms per model; random points 500 × 50 (25,000 pairs, p = 5) 3 ms
/// (p-median) to 37 ms (p-center); 400 × 100 (40,000 pairs, p = 10) 11 ms (LSCP) to 2.9 s (p-median). Beyond,
/// the heuristic answers alone.
pub const AUTO_EXACT_MAX_ENTRIES: usize = 40_000;

/// Auto's MIP stops after this long unless [`Options::time_limit`] says otherwise; it then returns the better of
/// the MIP's incumbent and the heuristic's solution, with the heuristic's bound. Exact solve times vary by orders
/// of magnitude at equal size (measured with random points: 1,000 × 100 pairs, p = 10: MCLP 0.06 s, p-center
/// 3.8 s, p-median 32 s; 2,000 × 200 LSCP over a minute).
pub const AUTO_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Relative gap under which a solution counts as optimal (the MIP solver's pruning tolerance).
const OPTIMAL_GAP: f64 = 1e-9;

/// Marks "no site" in per-demand site arrays.
const NONE: u32 = u32::MAX;

/// A siting model and its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// Location set covering (集合覆盖): fewest sites covering every demand point with weight within `radius`.
    Lscp { radius: f64 },
    /// Maximal covering (最大覆盖): `p` new sites maximising the weight within `radius` of an open site.
    Mclp { radius: f64, p: usize },
    /// p-median (p 中位): `p` new sites minimising the weighted total cost to the cheapest open site.
    PMedian { p: usize },
    /// p-center (p 中心): `p` new sites minimising the largest cost to the cheapest open site (unweighted).
    PCenter { p: usize },
}

impl Model {
    /// `"lscp"`, `"mclp"`, `"pmedian"` or `"pcenter"`.
    pub fn name(&self) -> &'static str {
        match self {
            Model::Lscp { .. } => "lscp",
            Model::Mclp { .. } => "mclp",
            Model::PMedian { .. } => "pmedian",
            Model::PCenter { .. } => "pcenter",
        }
    }

    /// The number of new sites, `None` for LSCP.
    pub fn p(&self) -> Option<usize> {
        match *self {
            Model::Lscp { .. } => None,
            Model::Mclp { p, .. } | Model::PMedian { p } | Model::PCenter { p } => Some(p),
        }
    }

    /// The service radius of the covering models.
    pub fn radius(&self) -> Option<f64> {
        match *self {
            Model::Lscp { radius } | Model::Mclp { radius, .. } => Some(radius),
            Model::PMedian { .. } | Model::PCenter { .. } => None,
        }
    }
}

/// How to solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// Mixed-integer program (good_lp + microlp).
    Exact,
    /// Greedy + interchange with a valid bound.
    Heuristic,
    /// Heuristic, then the MIP when not proven optimal and the instance is small.
    #[default]
    Auto,
}

/// A progress report: `done` of `total` steps of a stage (`"greedy"`, `"interchange"`, `"bound"`,
/// `"bisection"`, `"mip"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub stage: &'static str,
    pub done: usize,
    pub total: usize,
}

/// How to solve and what is given besides the matrix and the weights.
#[derive(Clone, Copy, Default)]
pub struct Options<'a> {
    pub method: Method,
    /// Indices of sites already open (现有设施); they stay open and `p` counts the new sites on top.
    pub existing: &'a [usize],
    /// Capacity of every site (in demand weight), in site order.
    pub capacities: Option<&'a [f64]>,
    /// Time limit of the MIP; when reached, the best solution so far is returned as feasible.
    pub time_limit: Option<Duration>,
    /// Called now and then with the current stage, for progress bars.
    pub progress: Option<&'a (dyn Fn(Progress) + Sync)>,
}

/// Whether the answer is proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Proven optimal (by the MIP or by a bound equal to the objective).
    Optimal,
    /// A feasible solution; `bound` and `gap` say how far from optimal it can be.
    Feasible,
    /// Proven infeasible; `reason` says why.
    Infeasible,
}

/// A solved siting model. Ids are the matrix's; lists of sites are in site order, lists of demand points in
/// demand order. For an infeasible model `objective`, `bound` and `gap` are NaN (`null` in JSON) and the lists
/// are empty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Solution {
    /// `"lscp"`, `"mclp"`, `"pmedian"` or `"pcenter"`.
    pub model: &'static str,
    /// `"exact"` (the MIP produced it) or `"heuristic"`.
    pub method: &'static str,
    pub status: Status,
    /// Why the model is infeasible (which demand point reaches no site, by how much capacity is short).
    pub reason: Option<String>,
    pub radius: Option<f64>,
    /// New sites asked for (`None` for LSCP).
    pub p: Option<usize>,
    /// LSCP: number of new sites; MCLP: covered weight; p-median: Σ weight × cost; p-center: the largest cost.
    pub objective: f64,
    /// A bound on the optimum: upper for MCLP, lower for the others.
    pub bound: f64,
    /// |bound − objective| / max(|bound|, |objective|).
    pub gap: f64,
    /// All open sites: existing and new.
    pub sites: Vec<String>,
    /// The existing sites (kept open).
    pub existing: Vec<String>,
    /// The new sites.
    pub new: Vec<String>,
    /// Weight assigned to each site of `sites`.
    pub load: Vec<f64>,
    /// (demand, site) for every assigned demand point: its cheapest open site (within the radius for the covering
    /// models), or the site the capacitated model assigned it to. In JSON an object `{demand: site}` in demand order.
    #[serde(serialize_with = "pairs_as_object")]
    pub assignment: Vec<(String, String)>,
    /// Demand points left unassigned: not covered within the radius (LSCP/MCLP) or reaching no open site.
    pub uncovered: Vec<String>,
    /// Weight of the assigned demand points.
    pub covered_weight: f64,
    pub total_weight: f64,
    /// `covered_weight / total_weight × 100` (0 when the total is 0).
    pub covered_weight_pct: f64,
    /// Share of demand **points** assigned × 100: spopt's MCLP `perc_cov` = (1 − n_cli_uncov / n) × 100.
    pub coverage_pct: f64,
    /// Weighted mean cost of the assigned demand to its site (spopt's p-median `mean_dist`).
    pub mean_cost: f64,
}

/// Serializes `(key, value)` pairs as a JSON object, keeping their order.
fn pairs_as_object<S: serde::Serializer>(
    pairs: &[(String, String)],
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        m.serialize_entry(k, v)?;
    }
    m.end()
}

/// Why a model cannot be set up.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SiteError {
    #[error("p = 0: at least one new site is needed")]
    ZeroP,
    #[error("p = {p} but only {available} candidate sites are not open already")]
    TooManySites { p: usize, available: usize },
    #[error("{weights} weights for {demand} demand points")]
    WeightsLength { weights: usize, demand: usize },
    #[error("weight {value} of demand point {id:?} is not a finite number ≥ 0")]
    BadWeight { id: String, value: f64 },
    #[error("radius {0} is not a number ≥ 0")]
    BadRadius(f64),
    #[error("existing site index {index} out of range ({sites} sites)")]
    ExistingOutOfRange { index: usize, sites: usize },
    #[error("existing site {0:?} listed twice")]
    ExistingTwice(String),
    #[error("{capacities} capacities for {sites} sites")]
    CapacitiesLength { capacities: usize, sites: usize },
    #[error("capacity {value} of site {id:?} is not a finite number ≥ 0")]
    BadCapacity { id: String, value: f64 },
    #[error("the heuristic found no feasible solution ({0}); try Method::Exact")]
    NoFeasibleFound(String),
    #[error("MIP solver: {0}")]
    Solver(String),
}

/// Solves `model` on `matrix` with `weights` (one per demand point, finite, ≥ 0).
pub fn solve(
    matrix: &CostMatrix,
    weights: &[f64],
    model: Model,
    options: &Options,
) -> Result<Solution, SiteError> {
    let mut inst = Inst::new(matrix, weights, model, options)?;
    if let Some(reason) = inst.infeasible_reason() {
        return Ok(inst.infeasible("heuristic", reason));
    }
    match options.method {
        Method::Heuristic => match heuristic(&inst, true)? {
            Outcome::Found(f) => Ok(inst.finish(f, "heuristic")),
            Outcome::Infeasible(reason) => Ok(inst.infeasible("heuristic", reason)),
        },
        Method::Exact => {
            // LSCP's MIP needs no bound; p-center's bisection starts from the heuristic's bounds.
            let bound = !matches!(model, Model::Lscp { .. });
            let hint = match heuristic(&inst, bound) {
                Ok(Outcome::Found(f)) => Some(f),
                Ok(Outcome::Infeasible(reason)) => return Ok(inst.infeasible("heuristic", reason)),
                Err(SiteError::NoFeasibleFound(_)) => None,
                Err(e) => return Err(e),
            };
            exact(&inst, hint)
        }
        Method::Auto => {
            let hint = match heuristic(&inst, true) {
                Ok(Outcome::Found(f)) => Some(f),
                Ok(Outcome::Infeasible(reason)) => return Ok(inst.infeasible("heuristic", reason)),
                Err(SiteError::NoFeasibleFound(reason))
                    if inst.mip_entries() > AUTO_EXACT_MAX_ENTRIES =>
                {
                    return Err(SiteError::NoFeasibleFound(reason));
                }
                Err(SiteError::NoFeasibleFound(_)) => None,
                Err(e) => return Err(e),
            };
            match hint {
                Some(f) if inst.mip_entries() > AUTO_EXACT_MAX_ENTRIES => {
                    Ok(inst.finish(f, "heuristic"))
                }
                Some(f) => {
                    let s = inst.finish(f.clone(), "heuristic");
                    if s.status == Status::Optimal {
                        Ok(s)
                    } else {
                        inst.time_limit = inst.time_limit.or(Some(AUTO_TIME_LIMIT));
                        exact(&inst, Some(f))
                    }
                }
                None => {
                    inst.time_limit = inst.time_limit.or(Some(AUTO_TIME_LIMIT));
                    exact(&inst, None)
                }
            }
        }
    }
}

/// The MIP, warm-started by the heuristic's solution; falls back on it (with the better bound) when the MIP stops
/// early. Uncapacitated p-center is solved by bisection with exact covering MIPs ([`center::exact`]).
fn exact(inst: &Inst, hint: Option<Found>) -> Result<Solution, SiteError> {
    inst.report("mip", 0, 1);
    let out = match inst.model {
        Model::PCenter { p } if inst.cap.is_none() => center::exact(inst, p, hint.as_ref())?,
        _ => mip::solve(inst, hint.as_ref())?,
    };
    inst.report("mip", 1, 1);
    match (out, hint) {
        (mip::Mip::Infeasible, _) => Ok(inst.infeasible("exact", inst.mip_infeasible_reason())),
        (mip::Mip::Interrupted, Some(h)) => {
            Ok(inst.finish(with_heuristic_bound(inst, h), "heuristic"))
        }
        (mip::Mip::Interrupted, None) => Err(SiteError::Solver(
            "the time limit was reached before a feasible solution was found".into(),
        )),
        (mip::Mip::Solved(f), hint) => {
            let s = inst.finish(f, "exact");
            let Some(h) = hint else {
                return Ok(s);
            };
            // An unproven MIP incumbent: the better of the two solutions, with the better bound.
            if s.status == Status::Optimal {
                return Ok(s);
            }
            let h = with_heuristic_bound(inst, h);
            let bound = if inst.maximise() {
                h.bound.min(s.bound)
            } else {
                h.bound.max(s.bound)
            };
            let hs = inst.finish(h, "heuristic");
            let better = if inst.maximise() {
                hs.objective > s.objective
            } else {
                hs.objective < s.objective
            };
            let best = if better { hs } else { s };
            Ok(inst.with_bound(best, bound))
        }
    }
}

/// `h` with a bound: the exact path skips LSCP's, computed here when the MIP stops early.
fn with_heuristic_bound(inst: &Inst, h: Found) -> Found {
    if !h.bound.is_nan() {
        return h;
    }
    let bound = match heuristic(inst, true) {
        Ok(Outcome::Found(f)) => f.bound,
        _ => f64::NAN,
    };
    Found { bound, ..h }
}

/// A solution before evaluation: the open sites, the assignment when capacitated, a valid bound.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// Every open site, existing ones included.
    pub open: Vec<bool>,
    /// Capacitated models: the site of every demand point (`NONE` when unassigned).
    pub assign: Option<Vec<u32>>,
    /// A valid bound on the optimum (`NAN` when none is known).
    pub bound: f64,
    /// The MIP proved this solution optimal.
    pub proven: bool,
    /// The Lagrangian bound behind `bound`, for the MIP's site fixing.
    pub lagrange: Option<Lagrange>,
}

/// A Lagrangian bound whose subproblem opens the `p` free sites with the best scores (p-median: smallest ρ;
/// MCLP: largest σ); see [`lagrangian_fix`].
#[derive(Debug, Clone)]
pub(crate) struct Lagrange {
    pub best: f64,
    /// `(score, site)` of every free site.
    pub scores: Vec<(f64, u32)>,
    pub p: usize,
}

/// What a heuristic ends with.
pub(crate) enum Outcome {
    Found(Found),
    /// Proven infeasible, and why.
    Infeasible(String),
}

/// The heuristic of the model. `bound`: also compute the LSCP/p-center bounds (the exact path does without them;
/// the p-median and MCLP bounds are always computed, the MIP takes their site fixings).
fn heuristic(inst: &Inst, bound: bool) -> Result<Outcome, SiteError> {
    if inst.cap.is_some() {
        return capacity::heuristic(inst, bound);
    }
    match inst.model {
        Model::Lscp { radius } => Ok(Outcome::Found(cover::lscp(inst, radius, bound))),
        Model::Mclp { radius, p } => Ok(Outcome::Found(cover::mclp(inst, radius, p))),
        Model::PMedian { p } => median::pmedian(inst, p),
        Model::PCenter { p } => center::pcenter(inst, p, bound),
    }
}

/// Below this much work (matrix entries touched) loops stay on one thread: rayon's start-up would cost more.
pub(crate) const PARALLEL_WORK: usize = 50_000;

/// `f` over `0..n`, in parallel when `work` is large enough.
pub(crate) fn map_range<T: Send>(
    n: usize,
    work: usize,
    f: impl Fn(usize) -> T + Sync + Send,
) -> Vec<T> {
    if work < PARALLEL_WORK {
        (0..n).map(f).collect()
    } else {
        (0..n).into_par_iter().map(f).collect()
    }
}

/// A validated problem.
pub(crate) struct Inst<'a> {
    pub m: &'a CostMatrix,
    pub w: &'a [f64],
    pub model: Model,
    /// `fixed[s]`: site `s` is an existing one.
    pub fixed: Vec<bool>,
    pub cap: Option<&'a [f64]>,
    pub time_limit: Option<Duration>,
    pub total_weight: f64,
    progress: Option<&'a (dyn Fn(Progress) + Sync)>,
}

impl<'a> Inst<'a> {
    fn new(
        m: &'a CostMatrix,
        w: &'a [f64],
        model: Model,
        opt: &Options<'a>,
    ) -> Result<Inst<'a>, SiteError> {
        let (nd, ns) = (m.n_demand(), m.n_sites());
        if w.len() != nd {
            return Err(SiteError::WeightsLength {
                weights: w.len(),
                demand: nd,
            });
        }
        if let Some(d) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(SiteError::BadWeight {
                id: m.demand_ids()[d].clone(),
                value: w[d],
            });
        }
        if let Some(r) = model.radius()
            && (r.is_nan() || r < 0.0)
        {
            return Err(SiteError::BadRadius(r));
        }
        let mut fixed = vec![false; ns];
        for &s in opt.existing {
            if s >= ns {
                return Err(SiteError::ExistingOutOfRange {
                    index: s,
                    sites: ns,
                });
            }
            if fixed[s] {
                return Err(SiteError::ExistingTwice(m.site_ids()[s].clone()));
            }
            fixed[s] = true;
        }
        if let Some(p) = model.p() {
            let available = ns - opt.existing.len();
            if p == 0 {
                return Err(SiteError::ZeroP);
            }
            if p > available {
                return Err(SiteError::TooManySites { p, available });
            }
        }
        if let Some(c) = opt.capacities {
            if c.len() != ns {
                return Err(SiteError::CapacitiesLength {
                    capacities: c.len(),
                    sites: ns,
                });
            }
            if let Some(s) = c.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(SiteError::BadCapacity {
                    id: m.site_ids()[s].clone(),
                    value: c[s],
                });
            }
        }
        Ok(Inst {
            m,
            w,
            model,
            fixed,
            cap: opt.capacities,
            time_limit: opt.time_limit,
            total_weight: w.iter().sum(),
            progress: opt.progress,
        })
    }

    pub fn report(&self, stage: &'static str, done: usize, total: usize) {
        if let Some(f) = self.progress {
            f(Progress { stage, done, total });
        }
    }

    pub fn maximise(&self) -> bool {
        matches!(self.model, Model::Mclp { .. })
    }

    /// The MIP's size in pairs (see [`AUTO_EXACT_MAX_ENTRIES`]).
    fn mip_entries(&self) -> usize {
        match self.model.radius() {
            Some(r) => (0..self.m.n_sites())
                .map(|s| self.m.by_site(s).1.partition_point(|&c| c <= r))
                .sum(),
            None => self.m.n_entries(),
        }
    }

    /// Demand points that must be served: weight > 0, or every point for p-center.
    pub fn required(&self, d: usize) -> bool {
        matches!(self.model, Model::PCenter { .. }) || self.w[d] > 0.0
    }

    /// The sites demand `d` may be assigned to, cheapest first: within the radius for the covering models.
    pub fn options(&self, d: usize) -> (&'a [u32], &'a [f64]) {
        let (s, c) = self.m.by_demand(d);
        let k = match self.model.radius() {
            Some(r) => c.partition_point(|&x| x <= r),
            None => c.len(),
        };
        (&s[..k], &c[..k])
    }

    /// A proof of infeasibility found before solving: demand points that reach no site, capacity short.
    fn infeasible_reason(&self) -> Option<String> {
        if matches!(self.model, Model::Mclp { .. }) {
            return None;
        }
        let m = self.m;
        let lost: Vec<usize> = (0..m.n_demand())
            .filter(|&d| self.required(d) && self.options(d).0.is_empty())
            .collect();
        if !lost.is_empty() {
            let within = match self.model.radius() {
                Some(r) => format!(" within {r}"),
                None => String::new(),
            };
            let list: Vec<String> = lost
                .iter()
                .take(5)
                .map(|&d| {
                    let (s, c) = m.by_demand(d);
                    match (s.first(), c.first()) {
                        (Some(&s), Some(c)) => format!(
                            "{} (nearest site {} at {c})",
                            m.demand_ids()[d],
                            m.site_ids()[s as usize]
                        ),
                        _ => format!("{} (reaches no site)", m.demand_ids()[d]),
                    }
                })
                .collect();
            let more = if lost.len() > 5 { ", …" } else { "" };
            let whom = if matches!(self.model, Model::PCenter { .. }) {
                "demand point(s)"
            } else {
                "demand point(s) with weight"
            };
            return Some(format!(
                "{} {whom} reach no candidate site{within}: {}{more}",
                lost.len(),
                list.join(", ")
            ));
        }
        let cap = self.cap?;
        for d in (0..m.n_demand()).filter(|&d| self.required(d)) {
            let largest = self
                .options(d)
                .0
                .iter()
                .map(|&s| cap[s as usize])
                .fold(0.0, f64::max);
            if self.w[d] > largest {
                return Some(format!(
                    "demand point {} (weight {}) exceeds the capacity of every site it may use (largest {largest})",
                    m.demand_ids()[d],
                    self.w[d]
                ));
            }
        }
        let need: f64 = (0..m.n_demand())
            .filter(|&d| self.required(d))
            .map(|d| self.w[d])
            .sum();
        let kept: f64 = (0..m.n_sites())
            .filter(|&s| self.fixed[s])
            .map(|s| cap[s])
            .sum();
        let mut others: Vec<f64> = (0..m.n_sites())
            .filter(|&s| !self.fixed[s])
            .map(|s| cap[s])
            .collect();
        others.sort_unstable_by(|a, b| b.total_cmp(a));
        let (have, what) = match self.model.p() {
            Some(p) => (
                kept + others.iter().take(p).sum::<f64>(),
                format!("the existing sites and the {p} largest candidates hold"),
            ),
            None => (
                kept + others.iter().sum::<f64>(),
                "all sites hold".to_string(),
            ),
        };
        (have < need).then(|| {
            format!(
                "capacity short by {}: {what} {have} < demand weight {need}",
                need - have
            )
        })
    }

    fn mip_infeasible_reason(&self) -> String {
        match self.model {
            Model::Lscp { radius } => format!(
                "no set of sites covers every demand point with weight within {radius} under the capacities"
            ),
            Model::Mclp { .. } => "the MIP is infeasible".into(),
            Model::PMedian { p } | Model::PCenter { p } => {
                let cap = if self.cap.is_some() {
                    " within the capacities"
                } else {
                    ""
                };
                format!("no choice of {p} new sites serves every demand point{cap}")
            }
        }
    }

    fn infeasible(&self, method: &'static str, reason: String) -> Solution {
        Solution {
            model: self.model.name(),
            method,
            status: Status::Infeasible,
            reason: Some(reason),
            radius: self.model.radius(),
            p: self.model.p(),
            objective: f64::NAN,
            bound: f64::NAN,
            gap: f64::NAN,
            sites: Vec::new(),
            existing: Vec::new(),
            new: Vec::new(),
            load: Vec::new(),
            assignment: Vec::new(),
            uncovered: Vec::new(),
            covered_weight: 0.0,
            total_weight: self.total_weight,
            covered_weight_pct: 0.0,
            coverage_pct: 0.0,
            mean_cost: f64::NAN,
        }
    }

    /// The cheapest open site each demand point may use (`NONE` if none).
    pub fn assignment(&self, open: &[bool]) -> Vec<u32> {
        map_range(self.m.n_demand(), self.m.n_entries(), |d| {
            let (s, _) = self.options(d);
            s.iter()
                .copied()
                .find(|&s| open[s as usize])
                .unwrap_or(NONE)
        })
    }

    /// The same demand points and fixed sites as an LSCP at `radius` with weights `w` (p-center's subproblem).
    pub fn lscp_at(&self, radius: f64, w: &'a [f64]) -> Inst<'a> {
        Inst {
            m: self.m,
            w,
            model: Model::Lscp { radius },
            fixed: self.fixed.clone(),
            cap: None,
            time_limit: self.time_limit,
            total_weight: w.iter().sum(),
            progress: None,
        }
    }

    /// The objective of a solution (as [`Inst::finish`] computes it).
    pub fn objective(&self, f: &Found) -> f64 {
        let assign = match &f.assign {
            Some(a) => a.clone(),
            None => self.assignment(&f.open),
        };
        let assigned = || {
            assign
                .iter()
                .enumerate()
                .filter(|(_, s)| **s != NONE)
                .map(|(d, &s)| (d, self.m.cost(d, s as usize).unwrap_or(f64::INFINITY)))
        };
        match self.model {
            Model::Lscp { .. } => (0..f.open.len())
                .filter(|&s| f.open[s] && !self.fixed[s])
                .count() as f64,
            Model::Mclp { .. } => assigned().map(|(d, _)| self.w[d]).sum(),
            Model::PMedian { .. } => assigned().map(|(d, c)| self.w[d] * c).sum(),
            Model::PCenter { .. } => assigned().map(|(_, c)| c).fold(0.0, f64::max),
        }
    }

    /// Evaluates a solution exactly (objective from the costs, not from the solver).
    fn finish(&self, f: Found, method: &'static str) -> Solution {
        let m = self.m;
        let assign = match f.assign {
            // Demand points of weight 0 need no capacity: they go to their cheapest open site.
            Some(mut a) => {
                let free = self.assignment(&f.open);
                for (d, s) in a.iter_mut().enumerate() {
                    if *s == NONE && self.w[d] == 0.0 {
                        *s = free[d];
                    }
                }
                a
            }
            None => self.assignment(&f.open),
        };
        let mut covered_weight = 0.0;
        let mut weighted_cost = 0.0;
        let mut max_cost: f64 = 0.0;
        let mut n_covered = 0usize;
        let mut load = vec![0.0; m.n_sites()];
        let mut assignment = Vec::new();
        let mut uncovered = Vec::new();
        for (d, &s) in assign.iter().enumerate() {
            let id = &m.demand_ids()[d];
            if s == NONE {
                uncovered.push(id.clone());
                continue;
            }
            let c = m.cost(d, s as usize).unwrap_or(f64::INFINITY);
            covered_weight += self.w[d];
            weighted_cost += self.w[d] * c;
            max_cost = max_cost.max(c);
            n_covered += 1;
            load[s as usize] += self.w[d];
            assignment.push((id.clone(), m.site_ids()[s as usize].clone()));
        }
        let n_new = (0..m.n_sites())
            .filter(|&s| f.open[s] && !self.fixed[s])
            .count();
        let objective = match self.model {
            Model::Lscp { .. } => n_new as f64,
            Model::Mclp { .. } => covered_weight,
            Model::PMedian { .. } => weighted_cost,
            Model::PCenter { .. } => max_cost,
        };
        let pick = |keep: &dyn Fn(usize) -> bool| -> Vec<String> {
            (0..m.n_sites())
                .filter(|&s| f.open[s] && keep(s))
                .map(|s| m.site_ids()[s].clone())
                .collect()
        };
        let n = m.n_demand();
        let s = Solution {
            model: self.model.name(),
            method,
            status: Status::Feasible,
            reason: None,
            radius: self.model.radius(),
            p: self.model.p(),
            objective,
            bound: f64::NAN,
            gap: f64::NAN,
            sites: pick(&|_| true),
            existing: pick(&|s| self.fixed[s]),
            new: pick(&|s| !self.fixed[s]),
            load: (0..m.n_sites())
                .filter(|&s| f.open[s])
                .map(|s| load[s])
                .collect(),
            assignment,
            uncovered,
            covered_weight,
            total_weight: self.total_weight,
            covered_weight_pct: if self.total_weight > 0.0 {
                covered_weight / self.total_weight * 100.0
            } else {
                0.0
            },
            coverage_pct: if n > 0 {
                (1.0 - (n - n_covered) as f64 / n as f64) * 100.0
            } else {
                0.0
            },
            mean_cost: if covered_weight > 0.0 {
                weighted_cost / covered_weight
            } else {
                0.0
            },
        };
        let bound = if f.proven { objective } else { f.bound };
        self.with_bound(s, bound)
    }

    /// Sets the bound (clamped to the objective: a bound past it can only be rounding) and the gap and status.
    fn with_bound(&self, mut s: Solution, bound: f64) -> Solution {
        if bound.is_nan() {
            s.bound = f64::NAN;
            s.gap = f64::NAN;
            s.status = Status::Feasible;
            return s;
        }
        let bound = if self.maximise() {
            bound.max(s.objective)
        } else {
            bound.min(s.objective)
        };
        let scale = bound.abs().max(s.objective.abs());
        s.bound = bound;
        s.gap = if scale > 0.0 {
            (bound - s.objective).abs() / scale
        } else {
            0.0
        };
        s.status = if s.gap <= OPTIMAL_GAP {
            Status::Optimal
        } else {
            Status::Feasible
        };
        s
    }
}

/// A max-heap entry for lazy greedy: larger gain first, then the lower site index; `round` is the number of
/// sites chosen when the gain was computed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub gain: f64,
    pub site: u32,
    pub round: u32,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == std::cmp::Ordering::Equal
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Entry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.gain.total_cmp(&o.gain).then(o.site.cmp(&self.site))
    }
}

/// Lazy greedy (CELF, Leskovec et al. 2007): adds up to `k` sites, each time one with the largest marginal gain,
/// and stops early at a gain ≤ 0 when `stop_at_zero`. Gains must not grow as sites are added (submodularity), so
/// a stale gain bounds the fresh one and a fresh gain on top of the heap is the largest. `gain(state, s)` is the
/// marginal gain of `s`, `take(state, s)` adds it; `initial` has the gains of the candidates.
pub(crate) fn lazy_greedy<S>(
    inst: &Inst,
    state: &mut S,
    initial: Vec<(u32, f64)>,
    k: usize,
    stop_at_zero: bool,
    gain: impl Fn(&S, usize) -> f64,
    mut take: impl FnMut(&mut S, usize),
) -> Vec<usize> {
    let mut heap: std::collections::BinaryHeap<Entry> = initial
        .into_iter()
        .map(|(site, gain)| Entry {
            gain,
            site,
            round: 0,
        })
        .collect();
    let mut chosen = Vec::with_capacity(k);
    let every = (k / 100).max(1);
    while chosen.len() < k {
        let Some(top) = heap.pop() else {
            break;
        };
        let round = chosen.len() as u32;
        if top.round == round {
            if stop_at_zero && top.gain <= 0.0 {
                break;
            }
            take(state, top.site as usize);
            chosen.push(top.site as usize);
            if chosen.len() % every == 0 {
                inst.report("greedy", chosen.len(), k);
            }
        } else {
            heap.push(Entry {
                gain: gain(state, top.site as usize),
                site: top.site,
                round,
            });
        }
    }
    chosen
}

/// Lagrangian site fixing (reduced-cost fixing). The Lagrangian bound `best` opens the `p` free sites with the
/// best `scores` (`(value, site)`: largest when `maximise`, else smallest); forcing a chosen site closed moves
/// the bound by its value's difference to the (p+1)-th, forcing another open by the difference to the p-th. When
/// that moves the bound past the `incumbent` objective (by more than 1e-9 relative), no optimal solution does it:
/// the site is fixed open (`Some(true)`) or closed (`Some(false)`). Sites not in `scores` stay `None`.
pub(crate) fn lagrangian_fix(
    n_sites: usize,
    scores: &[(f64, u32)],
    p: usize,
    best: f64,
    incumbent: f64,
    maximise: bool,
) -> Vec<Option<bool>> {
    let mut fix = vec![None; n_sites];
    if p == 0 || p > scores.len() || !best.is_finite() {
        return fix;
    }
    let mut order = scores.to_vec();
    order.sort_by(|a, b| {
        let o = a.0.total_cmp(&b.0);
        (if maximise { o.reverse() } else { o }).then(a.1.cmp(&b.1))
    });
    let tol = 1e-9 * best.abs().max(incumbent.abs());
    let past = |v: f64| {
        if maximise {
            v < incumbent - tol
        } else {
            v > incumbent + tol
        }
    };
    let pth = order[p - 1].0;
    for (k, &(v, s)) in order.iter().enumerate() {
        fix[s as usize] = if k < p {
            // Closing it: the bound takes the (p+1)-th instead, if there is one.
            match order.get(p) {
                Some(next) => past(best - v + next.0).then_some(true),
                None => Some(true),
            }
        } else {
            past(best - pth + v).then_some(false)
        };
    }
    fix
}

/// Indices of the `k` smallest (`largest == false`) or largest values among `(value, site)` pairs, ties by the
/// lower site.
pub(crate) fn top_k(mut v: Vec<(f64, u32)>, k: usize, largest: bool) -> Vec<(f64, u32)> {
    let order = |a: &(f64, u32), b: &(f64, u32)| {
        let o = if largest {
            b.0.total_cmp(&a.0)
        } else {
            a.0.total_cmp(&b.0)
        };
        o.then(a.1.cmp(&b.1))
    };
    if k < v.len() {
        if k > 0 {
            v.select_nth_unstable_by(k - 1, order);
        }
        v.truncate(k);
    }
    v
}
