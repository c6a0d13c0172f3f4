//! The Open SDG progress measure (进展评估, Open SDG method), for comparability with Open SDG platforms.
//!
//! A faithful re-implementation of `sdg/ProgressMeasure.py` of the `open-sdg/sdg-build` repository (MIT, Office
//! for National Statistics), series level (`SeriesProgress`) and indicator level (`IndicatorProgress`):
//!
//! - **Method 1** (no target): progress = sign × direction × CAGR(base → current).
//!   Thresholds high 0.015, med 0.005, low 0, reduced by a coefficient near a `limit`.
//! - **Method 2** (quantitative target): progress = sign × direction × CAGR_observed / |CAGR_required|, where the
//!   required CAGR runs from the base value to the target in the target year. Thresholds high 0.95, med 0.6, low 0.
//! - CAGR(v₁, v₀, t₁, t₀) = (v₁/v₀)^(1/(t₁−t₀)) − 1.
//! - Score −5…5 by the piecewise-linear functions of `get_score`; 5 when the target is already achieved.
//! - Edge rules kept as sdg-build has them: base year defaults to 2015 and moves to the first later year with data;
//!   target 0 is replaced by 0.001; a base value of 0 by 0.001; base and current values of opposite signs, fewer than
//!   two years, or a base year after the latest data give no progress value (status `not_available`); the direction
//!   defaults to *negative* (lower is better) unless configured.
//!
//! Where sdg-build raises an exception (duplicate years; no data at or after the base year) this returns an error.

use std::fmt;

/// sdg-build's `direction` option: `positive` (higher is better) or anything else, which it treats as negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SdgDirection {
    Positive,
    /// sdg-build's default.
    #[default]
    Negative,
}

impl SdgDirection {
    fn factor(self) -> f64 {
        match self {
            SdgDirection::Positive => 1.0,
            SdgDirection::Negative => -1.0,
        }
    }
}

impl From<minsheng_core::target::Direction> for SdgDirection {
    fn from(d: minsheng_core::target::Direction) -> SdgDirection {
        match d {
            minsheng_core::target::Direction::Increase => SdgDirection::Positive,
            minsheng_core::target::Direction::Decrease => SdgDirection::Negative,
        }
    }
}

/// User overrides of the progress thresholds (`progress_thresholds`); unset ones keep the method's default.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ThresholdOverrides {
    pub high: Option<f64>,
    pub med: Option<f64>,
    pub low: Option<f64>,
}

/// One `progress_calculation_options` entry of sdg-build.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressConfig {
    /// Default 2015.
    pub base_year: i32,
    /// `None` selects method 1.
    pub target: Option<f64>,
    /// Default 2030.
    pub target_year: i32,
    pub direction: SdgDirection,
    /// Method 1 only: the limit near which thresholds are reduced.
    pub limit: Option<f64>,
    pub thresholds: ThresholdOverrides,
}

impl Default for ProgressConfig {
    fn default() -> ProgressConfig {
        ProgressConfig {
            base_year: 2015,
            target: None,
            target_year: 2030,
            direction: SdgDirection::Negative,
            limit: None,
            thresholds: ThresholdOverrides::default(),
        }
    }
}

/// sdg-build's progress statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressStatus {
    TargetAchieved,
    SubstantialProgress,
    ModerateProgress,
    LimitedProgress,
    Deterioration,
    NotAvailable,
}

impl ProgressStatus {
    /// The label sdg-build writes (`target_achieved`, `substantial_progress`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ProgressStatus::TargetAchieved => "target_achieved",
            ProgressStatus::SubstantialProgress => "substantial_progress",
            ProgressStatus::ModerateProgress => "moderate_progress",
            ProgressStatus::LimitedProgress => "limited_progress",
            ProgressStatus::Deterioration => "deterioration",
            ProgressStatus::NotAvailable => "not_available",
        }
    }
}

impl fmt::Display for ProgressStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The thresholds in force after defaults, overrides and the limit coefficient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub high: f64,
    pub med: f64,
    pub low: f64,
    /// Method 1 with a limit: the reduction coefficient (1 otherwise).
    pub coefficient: f64,
}

/// The result for one series, with the components sdg-build caches.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesProgress {
    /// 1 (no target) or 2 (quantitative target).
    pub method: u8,
    pub base_year: i32,
    pub base_value: f64,
    pub current_year: i32,
    pub current_value: f64,
    /// The target after the zero rule (0 → 0.001).
    pub target: Option<f64>,
    pub target_year: i32,
    pub thresholds: Thresholds,
    pub target_achieved: bool,
    pub progress_value: Option<f64>,
    pub score: Option<f64>,
    pub status: ProgressStatus,
    /// What sdg-build would log as warnings.
    pub warnings: Vec<String>,
}

/// Inputs sdg-build rejects with an exception.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProgressError {
    #[error("duplicate value for year {year}")]
    DuplicateYear { year: i32 },
    #[error("no data in or after the base year {base_year}")]
    NoBaseYear { base_year: i32 },
    #[error("value for year {year} is not a finite number")]
    NotFinite { year: i32 },
}

fn growth(v1: f64, v0: f64, t1: i32, t0: i32) -> f64 {
    (v1 / v0).powf(1.0 / f64::from(t1 - t0)) - 1.0
}

/// Progress of one series (`(year, value)` pairs in any order) under `config`.
///
/// Returns `Ok(None)` when there is no data at all (sdg-build: status `not_available`, score `None`).
///
/// # Errors
/// Duplicate years, a non-finite value, or no year at or after the base year.
pub fn series_progress(
    data: &[(i32, f64)],
    config: &ProgressConfig,
) -> Result<Option<SeriesProgress>, ProgressError> {
    let mut rows: Vec<(i32, f64)> = data.to_vec();
    rows.sort_by_key(|r| r.0);
    for w in rows.windows(2) {
        if w[0].0 == w[1].0 {
            return Err(ProgressError::DuplicateYear { year: w[0].0 });
        }
    }
    if let Some(&(year, _)) = rows.iter().find(|r| !r.1.is_finite()) {
        return Err(ProgressError::NotFinite { year });
    }
    let Some(&(current_year, current_value)) = rows.last() else {
        return Ok(None);
    };
    let mut warnings = Vec::new();
    let mut target = config.target;
    if target == Some(0.0) {
        warnings.push("target is zero (invalid): calculating progress with target = 0.001".into());
        target = Some(0.001);
    }
    let method: u8 = if target.is_none() { 1 } else { 2 };
    let direction = config.direction.factor();

    // The base year moves to the first later year with data when it has none.
    let (base_year, mut base_value) = match rows.iter().find(|r| r.0 == config.base_year) {
        Some(&r) => r,
        None => match rows.iter().find(|r| r.0 > config.base_year) {
            Some(&r) => r,
            None => {
                return Err(ProgressError::NoBaseYear {
                    base_year: config.base_year,
                });
            }
        },
    };
    let sign = if base_value < 0.0 { -1.0 } else { 1.0 };
    let thresholds = thresholds(method, base_value, config, &mut warnings);

    let target_achieved = match target {
        Some(t) => {
            (config.direction == SdgDirection::Negative && current_value <= t)
                || (config.direction == SdgDirection::Positive && current_value >= t)
        }
        None => false,
    };

    let progress_value = {
        if base_value == 0.0 {
            warnings.push(
                "base value is zero (invalid): calculating progress with base value = 0.001".into(),
            );
            base_value = 0.001;
        }
        if (base_value > 0.0 && current_value < 0.0) || (base_value < 0.0 && current_value > 0.0) {
            warnings.push(format!(
                "base value ({base_value}) and current value ({current_value}) must both be positive or both negative"
            ));
            None
        } else if base_year > current_year {
            warnings.push(format!(
                "base year ({base_year}) is greater than the most recent available data ({current_year})"
            ));
            None
        } else if current_year - base_year < 1 {
            warnings.push(
                "not enough data to calculate progress (must have at least 2 data points)".into(),
            );
            None
        } else {
            let cagr_o = growth(current_value, base_value, current_year, base_year);
            let v = match target {
                None => sign * direction * cagr_o,
                Some(t) => {
                    let cagr_r = growth(t, base_value, config.target_year, base_year);
                    sign * direction * cagr_o / cagr_r.abs()
                }
            };
            // A negative ratio under a fractional power is complex in Python; there is no real progress value.
            if v.is_finite() {
                Some(v)
            } else {
                warnings.push("the growth rate is not a real number for these values".into());
                None
            }
        }
    };

    let status = status_from_value(progress_value, &thresholds, target_achieved);
    let score = score(method, progress_value, &thresholds, target_achieved);
    Ok(Some(SeriesProgress {
        method,
        base_year,
        base_value,
        current_year,
        current_value,
        target,
        target_year: config.target_year,
        thresholds,
        target_achieved,
        progress_value,
        score,
        status,
        warnings,
    }))
}

fn thresholds(
    method: u8,
    base_value: f64,
    config: &ProgressConfig,
    warnings: &mut Vec<String>,
) -> Thresholds {
    let (h, m, l) = if method == 1 {
        (0.015, 0.005, 0.0)
    } else {
        (0.95, 0.6, 0.0)
    };
    let mut t = Thresholds {
        high: config.thresholds.high.unwrap_or(h),
        med: config.thresholds.med.unwrap_or(m),
        low: config.thresholds.low.unwrap_or(l),
        coefficient: 1.0,
    };
    if let Some(limit) = config.limit {
        if method == 1 {
            if base_value < limit && config.direction == SdgDirection::Negative {
                warnings.push(format!(
                    "base value ({base_value}) is below minimum limit ({limit})"
                ));
            }
            if base_value > limit && config.direction == SdgDirection::Positive {
                warnings.push(format!(
                    "base value ({base_value}) is above maximum limit ({limit})"
                ));
            }
            let (b, lim) = (base_value.abs(), limit.abs());
            let a = 4.44;
            let coeff = if b >= 2.0 * lim {
                1.0
            } else if b <= lim {
                1.0 - (b / lim).powf(a)
            } else {
                1.0 - ((2.0 * lim - b) / lim).powf(a)
            };
            t.high *= coeff;
            t.med *= coeff;
            t.low *= coeff;
            t.coefficient = coeff;
        } else {
            warnings.push(format!("ignoring limit ({limit}) as a target is provided"));
        }
    }
    t
}

fn status_from_value(value: Option<f64>, t: &Thresholds, target_achieved: bool) -> ProgressStatus {
    if target_achieved {
        return ProgressStatus::TargetAchieved;
    }
    match value {
        Some(v) if v >= t.high => ProgressStatus::SubstantialProgress,
        Some(v) if t.med <= v && v < t.high => ProgressStatus::ModerateProgress,
        Some(v) if t.low <= v && v < t.med => ProgressStatus::LimitedProgress,
        Some(v) if v < t.low => ProgressStatus::Deterioration,
        _ => ProgressStatus::NotAvailable,
    }
}

fn score(method: u8, value: Option<f64>, t: &Thresholds, target_achieved: bool) -> Option<f64> {
    if target_achieved {
        return Some(5.0);
    }
    let v = value?;
    if method == 1 {
        let coeff = t.coefficient;
        if v < t.low {
            return Some((125.0 * v - 2.5).max(-5.0));
        }
        if coeff == 0.0 {
            return Some(5.0);
        }
        if v >= t.high {
            return Some((500.0 * v / coeff - 5.0).min(5.0));
        }
        if v >= t.med {
            return Some(250.0 * v / coeff - 1.25);
        }
        // v >= low here.
        Some(500.0 * v / coeff - 2.5)
    } else if v >= t.med {
        Some((7.1429 * v - 4.2857).min(5.0))
    } else {
        Some((4.1667 * v - 2.5).max(-5.0))
    }
}

/// sdg-build's `get_progress_status_from_score`.
pub fn status_from_score(score: Option<f64>, target_achieved: bool) -> ProgressStatus {
    if target_achieved {
        return ProgressStatus::TargetAchieved;
    }
    match score {
        Some(s) if (2.5..=5.0).contains(&s) => ProgressStatus::SubstantialProgress,
        Some(s) if (0.0..2.5).contains(&s) => ProgressStatus::ModerateProgress,
        Some(s) if (-2.5..0.0).contains(&s) => ProgressStatus::LimitedProgress,
        Some(s) if (-5.0..-2.5).contains(&s) => ProgressStatus::Deterioration,
        _ => ProgressStatus::NotAvailable,
    }
}

/// sdg-build's indicator level: the mean of the series scores that exist, and the status of that mean; the target
/// counts as achieved only when every scored series achieved it.
pub fn indicator_progress(series: &[SeriesProgress]) -> (Option<f64>, ProgressStatus) {
    let scored: Vec<&SeriesProgress> = series.iter().filter(|s| s.score.is_some()).collect();
    if scored.is_empty() {
        return (None, ProgressStatus::NotAvailable);
    }
    let mean = scored.iter().filter_map(|s| s.score).sum::<f64>() / scored.len() as f64;
    let achieved = scored.iter().all(|s| s.target_achieved);
    (Some(mean), status_from_score(Some(mean), achieved))
}
