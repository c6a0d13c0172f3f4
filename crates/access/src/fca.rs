//! Floating catchment accessibility measures with the semantics of PySAL `access` 1.1.10 (`access.fca`,
//! `access.weights`, the `Access` class), so that a number computed here is the number `access` prints.
//!
//! The matrix gives the cost `c_ij` from demand location `i` (a row, `access`' `origin`) to supply site `j` (a
//! column, `access`' `dest`); one matrix serves both stages, as in `access`. Demand `P_i` and supply `S_j` are
//! given per row and per column. A pair counts when it is stored and `c_ij ≤ max_cost` (`access` keeps
//! `cost <= max_cost`, the boundary included; `None` keeps every stored pair). `w` is the weight function
//! ([`Weight`], 1 when none is given). Sums skip terms that are NaN (pandas' `groupby().sum()`), so `0 · ∞` and
//! `0 / 0` drop out, while `x / 0` gives ∞ and ∞ spreads. A demand location with no pair within `max_cost` gets
//! NaN (it has no row in `access`' result, and the `Access` class joins NaN); the measures:
//!
//! - [`weighted_catchment`] (cumulative opportunities): `A_i = Σ_j S_j w(c_ij)`.
//! - [`two_stage_fca`] (2SFCA, Luo & Wang 2003; with a weight function McGrail & Humphreys 2009):
//!   `R_j = S_j / Σ_i P_i w(c_ij)`, `A_i = Σ_j R_j w(c_ij)`. A site whose weighted demand is 0 has `R_j = ∞`
//!   (or NaN when `S_j = 0` too, and then it drops out of the sums).
//! - [`enhanced_two_stage_fca`] (E2SFCA, Luo & Qi 2009): 2SFCA with `access`' default step weights
//!   `{10: 1, 20: 0.68, 30: 0.22}`.
//! - [`three_stage_fca`] (3SFCA, Wan, Zou & Sternberg 2012): a Huff-like selection weight
//!   `G_ij = w(c_ij) / Σ_k w(c_ik)`, the sum over **every** stored pair of row `i` (`access` computes it before
//!   cutting at `max_cost`); `R_j = S_j / Σ_i P_i w(c_ij) G_ij`, `A_i = Σ_j R_j w(c_ij) G_ij`. Default weights
//!   `{10: 0.962, 20: 0.704, 30: 0.377, 60: 0.042}`.
//! - [`fca_ratio`] (FCA): supply within reach over demand within reach of each demand location, demand counted
//!   through a second matrix between demand locations (`access`' `neighbor_cost_df`):
//!   `A_i = Σ_j S_j w(c_ij) / Σ_k P_k w(n_ik)`; no site within reach is supply 0.
//! - [`nearest_supply_cost`]: the cost to the cheapest site with supply (not an `access` measure).
//! - [`normalize`]: `access`' `normalize=True`, the values divided by their demand-weighted mean.
//!
//! Demand rows are processed in parallel (rayon); the two-stage measures cut them into chunks that do not depend on
//! the number of threads, so every sum, and every result, is the same on any machine. Results are in the matrix's
//! demand order.

use std::ops::Range;

use rayon::prelude::*;

use crate::matrix::CostMatrix;

/// Why a measure cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FcaError {
    /// Demand or supply values not one per demand location or site.
    #[error("{what}: {got} values for {expected} {of}")]
    Length {
        what: &'static str,
        of: &'static str,
        expected: usize,
        got: usize,
    },
    /// A demand or supply value that is negative, infinite or NaN.
    #[error("{what} of {id:?} is {value}, not a finite number ≥ 0")]
    BadValue {
        what: &'static str,
        id: String,
        value: f64,
    },
    /// A step function with a NaN or repeated bound or a negative, infinite or NaN weight.
    #[error("step function: {0}")]
    BadStep(String),
    /// A gaussian weight with sigma 0 or not finite.
    #[error("gaussian weight: sigma must be a finite number other than 0, not {0}")]
    BadSigma(f64),
    /// A gravity weight with a scale ≤ 0 or a parameter that is not finite.
    #[error("gravity weight: scale must be a finite number > 0, alpha and min_dist finite numbers")]
    BadGravity,
    /// An FCA neighbour matrix whose rows or columns are not the demand locations.
    #[error("neighbour matrix: {0}")]
    Neighbors(String),
}

/// A step function: sorted upper bounds, each with its weight. Build with [`Weight::step`].
#[derive(Debug, Clone, PartialEq)]
pub struct Steps(Vec<(f64, f64)>);

impl Steps {
    /// The `(upper bound, weight)` pairs, bounds ascending.
    pub fn pairs(&self) -> &[(f64, f64)] {
        &self.0
    }

    fn eval(&self, cost: f64) -> f64 {
        self.0
            .iter()
            .find(|&&(bound, _)| cost <= bound)
            .map_or(0.0, |&(_, w)| w)
    }
}

/// A weight as a function of cost (`access.weights`).
#[derive(Debug, Clone, PartialEq)]
pub enum Weight {
    /// `step_fn(dict)`: the weight of the smallest bound with `cost ≤ bound` (a cost equal to a bound takes that
    /// bound's weight); 0 beyond the largest bound.
    Step(Steps),
    /// `gaussian(sigma)`: `exp(−c² / (2σ²))`, not normalised (`f(0) = 1`).
    Gaussian {
        /// The width σ (the same unit as the costs).
        sigma: f64,
    },
    /// `gravity(scale, alpha, min_dist)`: `(max(c, min_dist) / scale)^alpha` (alpha is not negated: use −1 for
    /// `1/c`). With `min_dist = 0` a cost of 0 weighs ∞.
    Gravity {
        /// Divides the cost (the cost at which the weight is 1).
        scale: f64,
        /// The exponent, usually negative.
        alpha: f64,
        /// Costs below it count as it.
        min_dist: f64,
    },
}

impl Weight {
    /// A step function from `(upper bound, weight)` pairs in any order. Weights must be finite and ≥ 0 (`access`
    /// refuses negative ones), bounds not NaN and distinct (they are dictionary keys in `access`).
    pub fn step(pairs: &[(f64, f64)]) -> Result<Weight, FcaError> {
        let mut v = pairs.to_vec();
        if let Some(&(b, w)) = v
            .iter()
            .find(|&&(b, w)| b.is_nan() || !(w.is_finite() && w >= 0.0))
        {
            return Err(FcaError::BadStep(format!(
                "bound {b} with weight {w}: bounds must be numbers, weights finite and ≥ 0"
            )));
        }
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        if let Some(d) = v.windows(2).find(|d| d[0].0 == d[1].0) {
            return Err(FcaError::BadStep(format!("bound {} given twice", d[0].0)));
        }
        Ok(Weight::Step(Steps(v)))
    }

    /// `access`' `weights.gaussian(sigma)`.
    pub fn gaussian(sigma: f64) -> Result<Weight, FcaError> {
        if sigma == 0.0 || !sigma.is_finite() {
            return Err(FcaError::BadSigma(sigma));
        }
        Ok(Weight::Gaussian { sigma })
    }

    /// `access`' `weights.gravity(scale, alpha, min_dist)`.
    pub fn gravity(scale: f64, alpha: f64, min_dist: f64) -> Result<Weight, FcaError> {
        if !(scale > 0.0 && scale.is_finite() && alpha.is_finite() && min_dist.is_finite()) {
            return Err(FcaError::BadGravity);
        }
        Ok(Weight::Gravity {
            scale,
            alpha,
            min_dist,
        })
    }

    /// The weight E2SFCA uses when none is given: `step_fn({10: 1, 20: 0.68, 30: 0.22})` (Luo & Qi 2009).
    pub fn e2sfca_default() -> Weight {
        Weight::Step(Steps(vec![(10.0, 1.0), (20.0, 0.68), (30.0, 0.22)]))
    }

    /// The weight 3SFCA uses when none is given: `step_fn({10: 0.962, 20: 0.704, 30: 0.377, 60: 0.042})`
    /// (Wan, Zou & Sternberg 2012).
    pub fn three_stage_default() -> Weight {
        Weight::Step(Steps(vec![
            (10.0, 0.962),
            (20.0, 0.704),
            (30.0, 0.377),
            (60.0, 0.042),
        ]))
    }

    /// The weight of a cost.
    pub fn eval(&self, cost: f64) -> f64 {
        match self {
            Weight::Step(s) => s.eval(cost),
            Weight::Gaussian { sigma } => gaussian(cost, 2.0 * sigma * sigma),
            Weight::Gravity {
                scale,
                alpha,
                min_dist,
            } => gravity(cost, *scale, *alpha, *min_dist),
        }
    }
}

/// `np.exp(-x * x / (2 * sigma**2))` with `two_sigma2 = 2σ²`.
#[inline]
fn gaussian(c: f64, two_sigma2: f64) -> f64 {
    (-c * c / two_sigma2).exp()
}

/// `np.power(max(x, min_dist) / scale, alpha)`. For the common `alpha = −1` a division: `pow(x, −1)` (glibc's,
/// which numpy calls) is the correctly rounded `1/x`, as the division is; both agreed on 20 million random
/// costs, and the division is an order of magnitude cheaper.
#[inline]
fn gravity(c: f64, scale: f64, alpha: f64, min_dist: f64) -> f64 {
    let x = if min_dist > c { min_dist } else { c };
    if alpha == -1.0 {
        1.0 / (x / scale)
    } else {
        (x / scale).powf(alpha)
    }
}

/// Runs `$body` with `$w` bound to a closure computing the weight (1 without one), one copy of `$body` per kind
/// of weight so that the kernels are compiled for each.
macro_rules! with_weight {
    ($weight:expr, |$w:ident| $body:expr) => {
        match $weight {
            None => {
                let $w = |_: f64| 1.0;
                $body
            }
            Some(Weight::Step(s)) => {
                let $w = |c: f64| s.eval(c);
                $body
            }
            Some(&Weight::Gaussian { sigma }) => {
                let k = 2.0 * sigma * sigma;
                let $w = move |c: f64| gaussian(c, k);
                $body
            }
            Some(&Weight::Gravity {
                scale,
                alpha,
                min_dist,
            }) => {
                let $w = move |c: f64| gravity(c, scale, alpha, min_dist);
                $body
            }
        }
    };
}

/// Rows per rayon task: small enough to balance, large enough that the task overhead does not show.
const MIN_ROWS: usize = 64;

/// The pairs of a slice sorted by cost that are within `max` (`c ≤ max`; NaN keeps none). A linear scan: the
/// pairs are read next anyway, while a binary search would miss the cache at every step.
#[inline]
fn within(costs: &[f64], max: f64) -> usize {
    costs.iter().take_while(|&&c| c <= max).count()
}

/// Adds `t` unless it is NaN (pandas' `sum` skips NaN).
#[inline]
fn add(sum: f64, t: f64) -> f64 {
    if t.is_nan() { sum } else { sum + t }
}

fn check(
    what: &'static str,
    of: &'static str,
    values: &[f64],
    ids: &[String],
) -> Result<(), FcaError> {
    if values.len() != ids.len() {
        return Err(FcaError::Length {
            what,
            of,
            expected: ids.len(),
            got: values.len(),
        });
    }
    match values.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        Some(i) => Err(FcaError::BadValue {
            what,
            id: ids[i].clone(),
            value: values[i],
        }),
        None => Ok(()),
    }
}

/// Weighted catchment (cumulative opportunities, `Access.weighted_catchment`): `A_i = Σ_j S_j w(c_ij)` over the
/// sites with `c_ij ≤ max_cost`; NaN for a demand location with none.
pub fn weighted_catchment(
    m: &CostMatrix,
    supply: &[f64],
    max_cost: Option<f64>,
    weight: Option<&Weight>,
) -> Result<Vec<f64>, FcaError> {
    check("supply", "sites", supply, m.site_ids())?;
    let max = max_cost.unwrap_or(f64::INFINITY);
    Ok(with_weight!(weight, |w| catchment(m, supply, max, w)))
}

fn catchment(m: &CostMatrix, supply: &[f64], max: f64, w: impl Fn(f64) -> f64 + Sync) -> Vec<f64> {
    (0..m.n_demand())
        .into_par_iter()
        .with_min_len(MIN_ROWS)
        .map(|i| {
            let (sites, costs) = m.by_demand(i);
            let n = within(costs, max);
            if n == 0 {
                return f64::NAN;
            }
            sites[..n]
                .iter()
                .zip(&costs[..n])
                .fold(0.0, |a, (&j, &c)| add(a, supply[j as usize] * w(c)))
        })
        .collect()
}

/// The floating catchment area ratio (FCA, `Access.fca_ratio`): for each demand location, the weighted supply of
/// the sites within `max_cost` over the weighted demand of the demand locations within `max_cost`,
/// `A_i = Σ_j S_j w(c_ij) / Σ_k P_k w(n_ik)`.
///
/// `neighbors` holds the costs between demand locations: its rows must be `costs`' demand locations in the same
/// order (see [`crate::input::align_demand`]), its columns are demand locations named by id (any order). A demand
/// location with no neighbour within `max_cost` gets NaN; no site within it counts as supply 0; weighted demand 0
/// gives ∞ (NaN when the supply is 0 too).
pub fn fca_ratio(
    neighbors: &CostMatrix,
    costs: &CostMatrix,
    demand: &[f64],
    supply: &[f64],
    max_cost: Option<f64>,
    weight: Option<&Weight>,
) -> Result<Vec<f64>, FcaError> {
    check("demand", "demand locations", demand, costs.demand_ids())?;
    check("supply", "sites", supply, costs.site_ids())?;
    if neighbors.demand_ids() != costs.demand_ids() {
        return Err(FcaError::Neighbors(
            "its rows are not the cost matrix's demand locations in the same order".into(),
        ));
    }
    let index = costs.demand_index();
    let mut demand_of_column = Vec::with_capacity(neighbors.n_sites());
    for id in neighbors.site_ids() {
        match index.get(id.as_str()) {
            Some(&i) => demand_of_column.push(demand[i]),
            None => {
                return Err(FcaError::Neighbors(format!(
                    "column {id:?} is not a demand location, so its demand is unknown"
                )));
            }
        }
    }
    let max = max_cost.unwrap_or(f64::INFINITY);
    let (demand_sum, supply_sum) = with_weight!(weight, |w| (
        catchment(neighbors, &demand_of_column, max, w),
        catchment(costs, supply, max, w)
    ));
    Ok(demand_sum
        .iter()
        .zip(&supply_sum)
        .map(|(&d, &s)| {
            if d.is_nan() {
                f64::NAN
            } else {
                (if s.is_nan() { 0.0 } else { s }) / d
            }
        })
        .collect())
}

/// The two-stage floating catchment area (2SFCA, `Access.two_stage_fca`): `R_j = S_j / Σ_i P_i w(c_ij)`, then
/// `A_i = Σ_j R_j w(c_ij)`, both over the pairs with `c_ij ≤ max_cost`. See the module documentation for zero
/// demand and empty catchments.
pub fn two_stage_fca(
    m: &CostMatrix,
    demand: &[f64],
    supply: &[f64],
    max_cost: Option<f64>,
    weight: Option<&Weight>,
) -> Result<Vec<f64>, FcaError> {
    check("demand", "demand locations", demand, m.demand_ids())?;
    check("supply", "sites", supply, m.site_ids())?;
    let max = max_cost.unwrap_or(f64::INFINITY);
    Ok(with_weight!(weight, |w| two_stage::<false, _>(
        m, demand, supply, max, w
    )))
}

/// The enhanced two-stage floating catchment area (E2SFCA, `Access.enhanced_two_stage_fca`): [`two_stage_fca`]
/// with `weight`, or [`Weight::e2sfca_default`] when `None`.
pub fn enhanced_two_stage_fca(
    m: &CostMatrix,
    demand: &[f64],
    supply: &[f64],
    max_cost: Option<f64>,
    weight: Option<&Weight>,
) -> Result<Vec<f64>, FcaError> {
    match weight {
        Some(w) => two_stage_fca(m, demand, supply, max_cost, Some(w)),
        None => two_stage_fca(m, demand, supply, max_cost, Some(&Weight::e2sfca_default())),
    }
}

/// The three-stage floating catchment area (3SFCA, `Access.three_stage_fca`) with `weight`, or
/// [`Weight::three_stage_default`] when `None`: the selection weight `G_ij = w(c_ij) / Σ_k w(c_ik)` (the sum over
/// every stored pair of the row, also beyond `max_cost`), `R_j = S_j / Σ_i P_i w(c_ij) G_ij`,
/// `A_i = Σ_j R_j w(c_ij) G_ij` over the pairs with `c_ij ≤ max_cost`.
pub fn three_stage_fca(
    m: &CostMatrix,
    demand: &[f64],
    supply: &[f64],
    max_cost: Option<f64>,
    weight: Option<&Weight>,
) -> Result<Vec<f64>, FcaError> {
    check("demand", "demand locations", demand, m.demand_ids())?;
    check("supply", "sites", supply, m.site_ids())?;
    let max = max_cost.unwrap_or(f64::INFINITY);
    let default = Weight::three_stage_default();
    let weight = Some(weight.unwrap_or(&default));
    Ok(with_weight!(weight, |w| two_stage::<true, _>(
        m, demand, supply, max, w
    )))
}

/// Demand rows cut into at most 64 chunks that depend on the number of rows only, never on the number of threads,
/// so that every sum adds the same numbers in the same order on any machine.
fn chunks(n: usize) -> Vec<Range<usize>> {
    let len = n.div_ceil(64).max(32);
    (0..n).step_by(len).map(|s| s..(s + len).min(n)).collect()
}

/// What stage 1 leaves of a chunk of demand rows: the weights of its pairs within `max_cost` (row after row), the
/// rows' selection sums (3SFCA), and its share of each site's weighted demand.
struct Stage1 {
    weights: Vec<f64>,
    /// Where each row's weights end in `weights`.
    ends: Vec<usize>,
    totals: Vec<f64>,
    demand: Vec<f64>,
}

/// Both stages of 2SFCA (`THREE = false`) and 3SFCA (`THREE = true`), walking the demand rows twice and evaluating
/// the weight once per stored pair: stage 1 scatters `P_i w G` into per-chunk site sums (`G = w / Σ_k w(c_ik)` for
/// 3SFCA, no factor for 2SFCA; products in `access`' order) and keeps the weights; stage 2 gathers `R_j w G`.
fn two_stage<const THREE: bool, W>(
    m: &CostMatrix,
    demand: &[f64],
    supply: &[f64],
    max: f64,
    w: W,
) -> Vec<f64>
where
    W: Fn(f64) -> f64 + Sync,
{
    let chunks = chunks(m.n_demand());
    let stage1: Vec<Stage1> = chunks
        .par_iter()
        .map(|rows| {
            let mut out = Stage1 {
                weights: Vec::new(),
                ends: Vec::with_capacity(rows.len()),
                totals: Vec::with_capacity(if THREE { rows.len() } else { 0 }),
                demand: vec![0.0; m.n_sites()],
            };
            for i in rows.clone() {
                let (sites, costs) = m.by_demand(i);
                let n = within(costs, max);
                let start = out.weights.len();
                out.weights.extend(costs[..n].iter().map(|&c| w(c)));
                out.ends.push(out.weights.len());
                let ws = &out.weights[start..];
                let p = demand[i];
                if THREE {
                    let total = costs[n..]
                        .iter()
                        .fold(ws.iter().fold(0.0, |a, &x| add(a, x)), |a, &c| add(a, w(c)));
                    out.totals.push(total);
                    for (&j, &x) in sites[..n].iter().zip(ws) {
                        let d = &mut out.demand[j as usize];
                        *d = add(*d, p * x * (x / total));
                    }
                } else {
                    for (&j, &x) in sites[..n].iter().zip(ws) {
                        let d = &mut out.demand[j as usize];
                        *d = add(*d, p * x);
                    }
                }
            }
            out
        })
        .collect();
    let ratio: Vec<f64> = (0..m.n_sites())
        .map(|j| supply[j] / stage1.iter().fold(0.0, |a, c| add(a, c.demand[j])))
        .collect();
    chunks
        .par_iter()
        .zip(&stage1)
        .map(|(rows, s1)| {
            let mut k = 0;
            rows.clone()
                .enumerate()
                .map(|(r, i)| {
                    let ws = &s1.weights[k..s1.ends[r]];
                    let n = ws.len();
                    k = s1.ends[r];
                    let sites = m.by_demand(i).0;
                    if n == 0 {
                        return f64::NAN;
                    }
                    if THREE {
                        let total = s1.totals[r];
                        sites[..n].iter().zip(ws).fold(0.0, |a, (&j, &x)| {
                            add(a, ratio[j as usize] * x * (x / total))
                        })
                    } else {
                        sites[..n]
                            .iter()
                            .zip(ws)
                            .fold(0.0, |a, (&j, &x)| add(a, ratio[j as usize] * x))
                    }
                })
                .collect::<Vec<f64>>()
        })
        .collect::<Vec<_>>()
        .concat()
}

/// The cost from each demand location to the cheapest site with supply > 0 (no cut-off); ∞ when it reaches none.
pub fn nearest_supply_cost(m: &CostMatrix, supply: &[f64]) -> Result<Vec<f64>, FcaError> {
    check("supply", "sites", supply, m.site_ids())?;
    Ok((0..m.n_demand())
        .into_par_iter()
        .with_min_len(MIN_ROWS)
        .map(|i| {
            let (sites, costs) = m.by_demand(i);
            sites
                .iter()
                .zip(costs)
                .find(|&(&j, _)| supply[j as usize] > 0.0)
                .map_or(f64::INFINITY, |(_, &c)| c)
        })
        .collect())
}

/// `access`' `normalize=True`: each value divided by the demand-weighted mean `Σ_i A_i P_i / Σ_i P_i`, where the
/// numerator skips NaN products (NaN values, and ∞ values with demand 0) and the denominator counts every demand
/// location. NaN stays NaN.
pub fn normalize(values: &[f64], demand: &[f64]) -> Vec<f64> {
    let num = values
        .iter()
        .zip(demand)
        .fold(0.0, |a, (&v, &p)| add(a, v * p));
    let mean = num / demand.iter().sum::<f64>();
    values.iter().map(|v| v / mean).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_as_access_doctests() -> Result<(), FcaError> {
        // weights.step_fn({20: 1, 40: 0.68, 60: 0.22}) at 0, 10, ..., 70
        let s = Weight::step(&[(60.0, 0.22), (20.0, 1.0), (40.0, 0.68)])?;
        let got: Vec<f64> = (0..8).map(|k| s.eval(f64::from(k) * 10.0)).collect();
        assert_eq!(got, [1.0, 1.0, 1.0, 0.68, 0.68, 0.22, 0.22, 0.0]);
        // weights.gaussian(sigma=20) at 0, 20, 40, 60
        let g = Weight::gaussian(20.0)?;
        let want = [
            1.0,
            0.6065306597126334,
            0.1353352832366127,
            0.011108996538242306,
        ];
        for (k, w) in want.iter().enumerate() {
            assert!((g.eval(k as f64 * 20.0) - w).abs() < 1e-15);
        }
        // weights.gravity(scale=20, alpha=-2, min_dist=1) at 0, 1, 2, 20, 40, 60 (rounded to 2 places)
        let g = Weight::gravity(20.0, -2.0, 1.0)?;
        let got: Vec<f64> = [0.0, 1.0, 2.0, 20.0, 40.0, 60.0]
            .iter()
            .map(|&c| (g.eval(c) * 100.0).round() / 100.0)
            .collect();
        assert_eq!(got, [400.0, 400.0, 100.0, 1.0, 0.25, 0.11]);
        assert_eq!(Weight::gravity(1.0, -1.0, 0.0)?.eval(0.0), f64::INFINITY);
        Ok(())
    }

    #[test]
    fn bad_weights_are_refused() {
        assert!(Weight::step(&[(10.0, -1.0)]).is_err());
        assert!(Weight::step(&[(10.0, 1.0), (10.0, 0.5)]).is_err());
        assert!(Weight::step(&[(f64::NAN, 1.0)]).is_err());
        assert!(Weight::gaussian(0.0).is_err());
        assert!(Weight::gravity(0.0, -1.0, 0.0).is_err());
        assert_eq!(Weight::step(&[]).map(|w| w.eval(1.0)), Ok(0.0));
    }

    #[test]
    fn normalize_skips_nan_products() {
        let v = normalize(&[0.4, f64::INFINITY, 0.2, f64::NAN], &[10.0, 0.0, 5.0, 7.0]);
        assert!((v[0] - 1.76).abs() < 1e-12 && (v[2] - 0.88).abs() < 1e-12);
        assert!(v[1].is_infinite() && v[3].is_nan());
    }
}
