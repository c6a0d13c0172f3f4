//! 均等化 — equalization statistics: how evenly an indicator is spread across the child regions of a region.
//!
//! Plans for basic public services (基本公共服务均等化) ask not only that a province reaches a level on average but
//! that its counties converge. [`equalize`] takes one indicator's values for the child regions in one year, each with
//! its resident population as a weight, and returns the usual dispersion and inequality measures side by side, so
//! that a report can show whichever the plan or the literature uses:
//!
//! - 差异系数 — coefficient of variation, unweighted and population-weighted (Williamson 1965);
//! - 基尼系数 — Gini coefficient, unweighted and population-weighted, as the mean absolute difference over twice the
//!   mean (Gini 1912; Sen 1973, *On Economic Inequality*, ch. 2);
//! - 泰尔指数 — Theil's T (Theil 1967, *Economics and Information Theory*, ch. 4), population-weighted, with its exact
//!   decomposition into a between-group and a within-group part (Shorrocks 1980, "The class of additively
//!   decomposable inequality measures", *Econometrica* 48(3): 613–625);
//! - 极值比 — the ratio of the largest to the smallest value, and which regions they are;
//! - 达标率 — the share of regions that meet a standard.
//!
//! Every measure but the extremes divides by a mean, so the values must be non-negative and not all zero; the
//! measures are then scale-invariant (they do not change when every value is multiplied by the same positive
//! number, e.g. when a rate is given per mille instead of per cent). Inputs that make a measure meaningless are
//! errors naming the offending unit, never a silently wrong number.
//!
//! Numerics: values are divided by the largest value and weights by the largest weight before anything is summed,
//! so no intermediate sum can overflow however large the inputs are. The Gini coefficients sort once and run in
//! O(n log n); everything else is O(n).

use std::collections::HashMap;

use minsheng_core::target::{Comparison, Direction};

/// One child region's value for an indicator in a year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit<'a> {
    /// The region's identifier (usually its GB/T 2260 code); error messages and `max_id` / `min_id` name it.
    pub id: &'a str,
    /// The indicator's value, in the indicator's unit (%, beds per 1000 people …). Must be finite and ≥ 0.
    pub value: f64,
    /// 常住人口 — resident population (persons, or any unit consistent across units: only ratios of weights
    /// matter). Must be finite and > 0.
    pub weight: f64,
    /// The group for the between/within decomposition (e.g. the parent prefecture's code), if any.
    pub group: Option<&'a str>,
}

/// What [`equalize`] needs besides the units.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Options {
    /// 标准 — the standard to meet, in the indicator's unit; `share_meeting` counts the units whose value meets it.
    pub target: Option<f64>,
    /// The indicator's direction: with [`Direction::Increase`] a unit meets the target when its value is ≥ the
    /// target, with [`Direction::Decrease`] when it is ≤ the target.
    pub direction: Direction,
}

/// The statistics of one group (e.g. the counties of one prefecture) in the Theil decomposition.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupStat {
    /// The group as given in [`Unit::group`].
    pub id: String,
    /// Number of units in the group.
    pub n: usize,
    /// W_g = Σ_{i∈g} w_i, the group's total weight (the unit of [`Unit::weight`], usually persons).
    pub weight: f64,
    /// μ_g = Σ_{i∈g} w_i x_i / W_g, the group's population-weighted mean (the indicator's unit).
    pub weighted_mean: f64,
    /// s_g = W_g μ_g / (W μ_w), the group's share (0–1) of the weighted total; it weights the group's Theil index
    /// in the within-group part.
    pub share: f64,
    /// T_g, the population-weighted Theil T among the group's own units (dimensionless, in nats).
    pub theil_t: f64,
}

/// Equalization statistics of one indicator across units. x_i is a unit's value, w_i its weight, W = Σ w_i.
/// Dimensionless measures (CV, Gini, Theil, ratios, shares) are marked so; the rest are in the indicator's unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Equalization {
    /// Number of units.
    pub n: usize,
    /// 算术平均 — unweighted arithmetic mean, Σ x_i / n (indicator's unit).
    pub mean: f64,
    /// 人口加权平均 — μ_w = Σ w_i x_i / W (indicator's unit).
    pub weighted_mean: f64,
    /// 标准差 — population standard deviation, sqrt(Σ (x_i − mean)² / n), dividing by n because the units are the
    /// whole population of regions, not a sample (indicator's unit).
    pub sd: f64,
    /// 差异系数 — coefficient of variation, sd / mean (dimensionless).
    pub cv: f64,
    /// 加权差异系数 — Williamson's coefficient, sqrt(Σ w_i (x_i − μ_w)² / W) / μ_w (dimensionless).
    pub weighted_cv: f64,
    /// 基尼系数 — Σ_i Σ_j |x_i − x_j| / (2 n² mean), 0 for perfect equality, below 1 (dimensionless).
    pub gini: f64,
    /// 人口加权基尼系数 — Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ_w) (dimensionless).
    pub weighted_gini: f64,
    /// 泰尔指数 — population-weighted Theil T, Σ_i (w_i/W)(x_i/μ_w) ln(x_i/μ_w) with 0·ln 0 = 0
    /// (dimensionless, in nats; 0 for perfect equality, at most ln(W / w_min)).
    pub theil_t: f64,
    /// 组间差异 — the between-group part Σ_g s_g ln(μ_g/μ_w); present when every unit has a group.
    pub theil_between: Option<f64>,
    /// 组内差异 — the within-group part Σ_g s_g T_g; present when every unit has a group.
    /// `theil_between + theil_within == theil_t` up to rounding.
    pub theil_within: Option<f64>,
    /// The largest value (indicator's unit).
    pub max: f64,
    /// The smallest value (indicator's unit).
    pub min: f64,
    /// 极值比 — max / min (dimensionless); None when min is 0 (or the ratio exceeds the range of f64).
    pub max_min_ratio: Option<f64>,
    /// The unit with the largest value; on ties, the first in input order.
    pub max_id: String,
    /// The unit with the smallest value; on ties, the first in input order.
    pub min_id: String,
    /// 达标率 — share (0–1) of units meeting [`Options::target`]; None without a target.
    pub share_meeting: Option<f64>,
    /// Per-group statistics in order of first appearance; empty unless every unit has a group.
    pub groups: Vec<GroupStat>,
}

/// Why [`equalize`] cannot compute the statistics.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EqualizeError {
    /// No units were given: there is nothing to compare.
    #[error("no units given: equalization needs at least one region")]
    Empty,
    /// A value is NaN or infinite (a missing observation must be left out, not passed as NaN).
    #[error("unit {id}: value {value} is not a finite number")]
    NonFiniteValue { id: String, value: f64 },
    /// A value is negative. CV, Gini and Theil compare values with their mean and are defined for x ≥ 0 only
    /// (Theil takes logarithms of x / mean); an indicator that can be negative (a growth rate) needs a different
    /// measure.
    #[error(
        "unit {id}: value {value} is negative; inequality measures (CV, Gini, Theil) need values >= 0"
    )]
    NegativeValue { id: String, value: f64 },
    /// A weight is zero, negative, NaN or infinite. A region with no resident population has no place in a
    /// population-weighted measure.
    #[error("unit {id}: weight {weight} must be a finite number > 0 (resident population)")]
    InvalidWeight { id: String, weight: f64 },
    /// Every value is 0, so the mean is 0 and CV, Gini and Theil (which divide by it) are undefined.
    #[error(
        "all {n} values are 0 (first unit {first_id}): the mean is 0, so CV, Gini and Theil are undefined"
    )]
    ZeroMean { n: usize, first_id: String },
    /// The target is NaN or infinite.
    #[error("target {target} is not a finite number")]
    InvalidTarget { target: f64 },
}

/// Computes the equalization statistics of `units` (see [`Equalization`] for each definition).
///
/// The units are checked in input order and the first problem is returned: an empty list, a non-finite or
/// negative value, a weight that is not a finite number > 0, a non-finite target, or all values 0. When some units
/// have a group and others do not, the Theil decomposition is left out (`theil_between`, `theil_within` = None,
/// `groups` empty) rather than guessed.
pub fn equalize(units: &[Unit<'_>], options: &Options) -> Result<Equalization, EqualizeError> {
    let first = units.first().ok_or(EqualizeError::Empty)?;
    for u in units {
        if !u.value.is_finite() {
            return Err(EqualizeError::NonFiniteValue {
                id: u.id.to_string(),
                value: u.value,
            });
        }
        if u.value < 0.0 {
            return Err(EqualizeError::NegativeValue {
                id: u.id.to_string(),
                value: u.value,
            });
        }
        if !(u.weight.is_finite() && u.weight > 0.0) {
            return Err(EqualizeError::InvalidWeight {
                id: u.id.to_string(),
                weight: u.weight,
            });
        }
    }
    if let Some(target) = options.target {
        if !target.is_finite() {
            return Err(EqualizeError::InvalidTarget { target });
        }
    }

    let n = units.len();
    let nf = n as f64;
    // Extremes, first in input order on ties.
    let (mut imax, mut imin) = (first, first);
    for u in units {
        if u.value > imax.value {
            imax = u;
        }
        if u.value < imin.value {
            imin = u;
        }
    }
    let (max, min) = (imax.value, imin.value);
    if max == 0.0 {
        return Err(EqualizeError::ZeroMean {
            n,
            first_id: first.id.to_string(),
        });
    }
    let wmax = units.iter().fold(0.0_f64, |m, u| m.max(u.weight));

    // Scaled values y_i = x_i / max ∈ [0, 1] and weights q_i = w_i / w_max ∈ (0, 1]: sums of at most n such
    // terms cannot overflow, and every measure below is a ratio, so the scale cancels.
    let y: Vec<f64> = units.iter().map(|u| u.value / max).collect();
    let q: Vec<f64> = units.iter().map(|u| u.weight / wmax).collect();
    let q_total: f64 = q.iter().sum();
    let qy_total: f64 = q.iter().zip(&y).map(|(q, y)| q * y).sum();
    let y_mean = y.iter().sum::<f64>() / nf;
    let y_wmean = qy_total / q_total;
    if y_wmean <= 0.0 {
        // Only reachable when the weights of all non-zero units underflow next to the largest weight.
        return Err(EqualizeError::ZeroMean {
            n,
            first_id: first.id.to_string(),
        });
    }

    let y_sd = (y.iter().map(|y| (y - y_mean).powi(2)).sum::<f64>() / nf).sqrt();
    let weighted_var = q
        .iter()
        .zip(&y)
        .map(|(q, y)| q * (y - y_wmean).powi(2))
        .sum::<f64>()
        / q_total;

    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| y[a].total_cmp(&y[b]));
    let gini = gini_sorted(&order, &y, |_| 1.0, nf, y_mean);
    let weighted_gini = gini_sorted(&order, &y, |i| q[i], q_total, y_wmean);

    let theil_t = theil(q.iter().copied().zip(y.iter().copied()), q_total, y_wmean);
    let decomposition = decompose(units, &q, &y, y_wmean, qy_total, max);
    let (theil_between, theil_within, groups) = match decomposition {
        Some(d) => (Some(d.between), Some(d.within), d.groups),
        None => (None, None, Vec::new()),
    };

    let share_meeting = options.target.map(|target| {
        let rule = Comparison::Eq.effective(options.direction);
        let meeting = units.iter().filter(|u| rule.holds(u.value, target)).count();
        meeting as f64 / nf
    });
    let ratio = max / min;

    Ok(Equalization {
        n,
        mean: y_mean * max,
        weighted_mean: y_wmean * max,
        sd: y_sd * max,
        cv: y_sd / y_mean,
        weighted_cv: weighted_var.sqrt() / y_wmean,
        gini,
        weighted_gini,
        theil_t,
        theil_between,
        theil_within,
        max,
        min,
        max_min_ratio: (min > 0.0 && ratio.is_finite()).then_some(ratio),
        max_id: imax.id.to_string(),
        min_id: imin.id.to_string(),
        share_meeting,
        groups,
    })
}

/// The weighted Gini coefficient Σ_i Σ_j q_i q_j |y_i − y_j| / (2 Q² μ) from values sorted ascending, in
/// O(n): for sorted values the double sum is 2 Σ_j q_j (y_j B_j − S_j), where B_j = Σ_{i<j} q_i and
/// S_j = Σ_{i<j} q_i y_i are running sums over the smaller values. Each term is ≥ 0, so nothing cancels; ties
/// contribute 0 whatever their order.
fn gini_sorted(
    order: &[usize],
    y: &[f64],
    weight: impl Fn(usize) -> f64,
    q_total: f64,
    mean: f64,
) -> f64 {
    let mut below_weight = 0.0;
    let mut below_sum = 0.0;
    let mut half_double_sum = 0.0;
    for &i in order {
        let (qi, yi) = (weight(i), y[i]);
        half_double_sum += qi * (yi * below_weight - below_sum).max(0.0);
        below_weight += qi;
        below_sum += qi * yi;
    }
    // Σ_iΣ_j = 2 · half_double_sum, and the factor 2 cancels against the 2 in the denominator.
    half_double_sum / (q_total * q_total * mean)
}

/// Theil T over (weight, value) pairs with total weight `q_total` and weighted mean `mean`:
/// Σ (q_i/Q)(y_i/μ) ln(y_i/μ), with 0·ln 0 = 0 (the limit of r ln r as r → 0).
fn theil(pairs: impl Iterator<Item = (f64, f64)>, q_total: f64, mean: f64) -> f64 {
    pairs
        .filter(|&(_, y)| y > 0.0)
        .map(|(q, y)| {
            let r = y / mean;
            q / q_total * r * r.ln()
        })
        .sum()
}

/// The Theil decomposition by group and the per-group statistics.
struct Decomposition {
    between: f64,
    within: f64,
    groups: Vec<GroupStat>,
}

/// Decomposes Theil T by group (Shorrocks 1980), or None unless every unit has a group. With s_g the group's
/// share of the weighted total and μ_g its weighted mean, T = Σ_g s_g ln(μ_g/μ_w) + Σ_g s_g T_g exactly.
/// `q`, `y` are the scaled weights and values, `mean` = Σ q_i y_i / Σ q_i and `qy_total` = Σ q_i y_i over all
/// units, `max` the value scale (to report group means in the indicator's unit).
fn decompose(
    units: &[Unit<'_>],
    q: &[f64],
    y: &[f64],
    mean: f64,
    qy_total: f64,
    max: f64,
) -> Option<Decomposition> {
    // Members of each group in order of first appearance.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut members: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, u) in units.iter().enumerate() {
        let g = u.group?;
        let k = *index.entry(g).or_insert_with(|| {
            members.push((g, Vec::new()));
            members.len() - 1
        });
        if let Some((_, m)) = members.get_mut(k) {
            m.push(i);
        }
    }
    let mut between = 0.0;
    let mut within = 0.0;
    let mut groups = Vec::with_capacity(members.len());
    for (id, m) in members {
        let qg: f64 = m.iter().map(|&i| q[i]).sum();
        let qyg: f64 = m.iter().map(|&i| q[i] * y[i]).sum();
        let mean_g = qyg / qg;
        let share = qyg / qy_total;
        let theil_t = if mean_g > 0.0 {
            theil(m.iter().map(|&i| (q[i], y[i])), qg, mean_g)
        } else {
            // A group whose values are all 0 is perfectly equal inside; its share is 0, so it adds nothing.
            0.0
        };
        if share > 0.0 {
            between += share * (mean_g / mean).ln();
            within += share * theil_t;
        }
        groups.push(GroupStat {
            id: id.to_string(),
            n: m.len(),
            weight: m.iter().map(|&i| units[i].weight).sum(),
            weighted_mean: mean_g * max,
            share,
            theil_t,
        });
    }
    Some(Decomposition {
        between,
        within,
        groups,
    })
}
