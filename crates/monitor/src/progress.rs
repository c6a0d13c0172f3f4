//! 序时进度 — judging an indicator against its plan by the time-share method used in Chinese plan evaluation.
//!
//! - Time share `t = (year − base_year) / (target_year − base_year)`, capped at 1.
//! - Completion `c = (value − baseline) / (target − baseline)`: the share of the planned change achieved, so it is
//!   positive when moving in the indicator's good direction whatever that direction is. Cumulative targets use the
//!   running sum from zero: `c = sum / target`.
//! - Status: `achieved` when the target's comparison holds (the target grammar decides, by direction); otherwise
//!   `regressing` when the value moved the wrong way from the baseline (`c < 0`); otherwise, before the target
//!   year, `on_track` when `c ≥ t`, `lagging` when `c ≥ serious × t`, `seriously_lagging` below; in or after the
//!   target year a missed target is `lagging` when `c ≥ serious` and `seriously_lagging` below.
//!   `not_assessable` carries its reason (no target, no baseline, reference series missing …).
//! - Warnings: red for a binding (约束性) indicator that is not achieved or on track, and for any regressing
//!   indicator; yellow for an expected (预期性) indicator that is lagging.
//!
//! The `serious` threshold (default 0.5) is configurable through [`Thresholds`].

use minsheng_core::target::{Achievement, Cell, Direction, Observed, Value, Window};

/// 进度状态 — the verdict for one indicator (or one series of a paired indicator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 已完成 — the target's comparison holds.
    Achieved,
    /// 符合序时进度 — completion at least the time share.
    OnTrack,
    /// 滞后 — behind the time share.
    Lagging,
    /// 严重滞后 — below `serious ×` the time share.
    SeriouslyLagging,
    /// 倒退 — moved the wrong way from the baseline.
    Regressing,
    /// 无法评估 — see the reason.
    NotAssessable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Achieved => "achieved",
            Status::OnTrack => "on_track",
            Status::Lagging => "lagging",
            Status::SeriouslyLagging => "seriously_lagging",
            Status::Regressing => "regressing",
            Status::NotAssessable => "not_assessable",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Status::Achieved => "已完成",
            Status::OnTrack => "符合序时进度",
            Status::Lagging => "滞后",
            Status::SeriouslyLagging => "严重滞后",
            Status::Regressing => "倒退",
            Status::NotAssessable => "无法评估",
        }
    }
}

/// 预警 — warning level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    Red,
    Yellow,
}

impl Warning {
    pub fn as_str(self) -> &'static str {
        match self {
            Warning::Red => "red",
            Warning::Yellow => "yellow",
        }
    }
}

/// Configurable thresholds of the 序时进度 method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Completion below `serious × time share` is seriously lagging (default 0.5).
    pub serious: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds { serious: 0.5 }
    }
}

/// What is known about one indicator (or one series) at the evaluation year.
#[derive(Debug, Clone, Copy)]
pub struct Case<'a> {
    pub target: &'a Cell,
    /// The baseline value (level in the base year); `None` when the cell is empty or not applicable.
    pub baseline: Option<f64>,
    pub direction: Direction,
    pub binding: bool,
    pub base_year: i32,
    pub target_year: i32,
    pub year: i32,
    /// The observed value at `year` (a level), or the running sum since the base year for a cumulative target.
    pub observed: Option<f64>,
    /// The reference series (national or western average) at `year`, for reference targets.
    pub reference: Option<f64>,
}

/// The verdict with its figures and a one-sentence reason in Chinese and English.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub status: Status,
    pub time_share: f64,
    pub completion: Option<f64>,
    /// The target quantity used for completion (the reference value for reference targets).
    pub target_value: Option<f64>,
    pub warning: Option<Warning>,
    pub reason_zh: String,
    pub reason_en: String,
}

fn not_assessable(time_share: f64, zh: &str, en: &str) -> Judgement {
    Judgement {
        status: Status::NotAssessable,
        time_share,
        completion: None,
        target_value: None,
        warning: None,
        reason_zh: zh.to_string(),
        reason_en: en.to_string(),
    }
}

/// Judges one case by the 序时进度 method.
pub fn judge(case: &Case<'_>, thresholds: &Thresholds) -> Judgement {
    let span = f64::from(case.target_year - case.base_year);
    let time_share = if span > 0.0 {
        (f64::from(case.year - case.base_year) / span).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let final_year = case.year >= case.target_year;
    let cumulative =
        matches!(case.target.value(), Value::Quantity(q) if q.window == Window::Cumulative);

    let target_value = match case.target.value() {
        Value::Empty => {
            return not_assessable(time_share, "规划未设目标值", "the plan sets no target");
        }
        Value::NotApplicable => {
            return not_assessable(
                time_share,
                "目标为“—”，不适用",
                "the target is “—” (not applicable)",
            );
        }
        Value::Pair(_) => {
            return not_assessable(
                time_share,
                "成对目标须逐项评估",
                "a paired target is judged series by series",
            );
        }
        Value::Quantity(q) => q.value,
        Value::Qualitative(q) => q.rule().1,
        Value::Reference(_) => match case.reference {
            Some(r) => r,
            None => {
                return not_assessable(
                    time_share,
                    "缺少参照值（全国或西部平均水平）",
                    "reference series missing (national or western average)",
                );
            }
        },
    };
    let Some(value) = case.observed else {
        return not_assessable(time_share, "缺少监测数据", "no observation for this year");
    };

    let achievement = case
        .target
        .achieved(case.direction, Observed::One(value), case.reference);
    let baseline = if cumulative { Some(0.0) } else { case.baseline };
    let completion = baseline.map(|b| {
        let planned = target_value - b;
        if planned.abs() < f64::EPSILON * target_value.abs().max(1.0) {
            // No change planned (hold the level): full completion unless the value moved the wrong way.
            let moved = value - b;
            let wrong = match case.direction {
                Direction::Increase => moved < 0.0,
                Direction::Decrease => moved > 0.0,
            };
            if wrong { -1.0 } else { 1.0 }
        } else {
            (value - b) / planned
        }
    });

    let (status, zh, en) = match achievement {
        Achievement::NotAssessable(reason) => {
            return not_assessable(time_share, "无法判定", reason);
        }
        Achievement::Achieved => (
            Status::Achieved,
            "已达到目标".to_string(),
            "the target is met".to_string(),
        ),
        Achievement::NotAchieved => match completion {
            None if final_year => (
                Status::Lagging,
                "未达到目标；缺少基期值，无法计算完成度".to_string(),
                "target missed; no baseline, so completion cannot be computed".to_string(),
            ),
            None => {
                return not_assessable(
                    time_share,
                    "缺少基期值，无法计算完成度",
                    "no baseline: completion cannot be computed",
                );
            }
            Some(c) if c < 0.0 => (
                Status::Regressing,
                format!("较基期倒退（完成度 {:.0}%）", c * 100.0),
                format!(
                    "moved the wrong way from the baseline (completion {:.0}%)",
                    c * 100.0
                ),
            ),
            Some(c) => {
                let bar = if final_year { 1.0 } else { time_share };
                if !final_year && c >= time_share {
                    (
                        Status::OnTrack,
                        format!(
                            "完成度 {:.0}% 不低于序时进度 {:.0}%",
                            c * 100.0,
                            time_share * 100.0
                        ),
                        format!(
                            "completion {:.0}% is at or above the time share {:.0}%",
                            c * 100.0,
                            time_share * 100.0
                        ),
                    )
                } else if c >= thresholds.serious * bar {
                    (
                        Status::Lagging,
                        format!("完成度 {:.0}% 低于序时进度 {:.0}%", c * 100.0, bar * 100.0),
                        format!(
                            "completion {:.0}% is below the time share {:.0}%",
                            c * 100.0,
                            bar * 100.0
                        ),
                    )
                } else {
                    (
                        Status::SeriouslyLagging,
                        format!(
                            "完成度 {:.0}% 不足序时进度 {:.0}% 的一半",
                            c * 100.0,
                            bar * 100.0
                        ),
                        format!(
                            "completion {:.0}% is below {:.0}% of the time share {:.0}%",
                            c * 100.0,
                            thresholds.serious * 100.0,
                            bar * 100.0
                        ),
                    )
                }
            }
        },
    };
    let warning = match status {
        Status::Regressing => Some(Warning::Red),
        Status::Lagging | Status::SeriouslyLagging if case.binding => Some(Warning::Red),
        Status::Lagging | Status::SeriouslyLagging => Some(Warning::Yellow),
        _ => None,
    };
    Judgement {
        status,
        time_share,
        completion,
        target_value: Some(target_value),
        warning,
        reason_zh: zh,
        reason_en: en,
    }
}
