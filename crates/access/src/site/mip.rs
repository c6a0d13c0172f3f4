//! The exact models as mixed-integer programs through `good_lp` and `microlp`, built as spopt builds them
//! (site variables yⱼ ∈ {0, 1}, Σ yⱼ = p; LSCP Σ_{j covers i} yⱼ ≥ 1; MCLP coverage indicators zᵢ ≤ Σ_{j covers i} yⱼ;
//! p-median/p-center assignments xᵢⱼ ≤ yⱼ, Σⱼ xᵢⱼ = 1; p-center Σⱼ cᵢⱼxᵢⱼ ≤ W; capacities Σᵢ wᵢxᵢⱼ ≤ Cⱼyⱼ), with
//! reductions that keep the optimum:
//!
//! - existing sites are constants (spopt fixes their variables at 1) and Σ yⱼ = p runs over the others;
//! - without capacities, assignment and coverage variables are continuous in [0, 1]: for integral y the best
//!   assignment (cheapest open site) and coverage are integral anyway, so the optimum is that of spopt's binary
//!   model; with capacities they are binary (single assignment);
//! - assignment variables exist only for reachable pairs (spopt: every pair of its dense matrix), and without
//!   capacities only up to the demand point's cheapest existing site (a dearer one is never its cheapest open);
//! - p-center: pairs dearer than the heuristic's objective are left out and W lies between the heuristic's bound
//!   and objective (an optimal solution stays inside);
//! - MCLP and LSCP: demand points an existing site covers are constants;
//! - p-median and MCLP: sites the heuristic's Lagrangian multipliers fix (reduced-cost fixing, see
//!   [`super::lagrangian_fix`]: opening or closing them would move the Lagrangian bound past the heuristic's
//!   objective, so no optimal solution does) are constants too; when every site is fixed, that is the optimum.
//!
//! Objectives are divided by the total weight (p-median, MCLP) to keep the simplex well scaled; solutions are
//! evaluated afresh from the costs, never read from the solver's objective.

use good_lp::{
    Expression, ProblemVariables, ResolutionError, Solution as _, SolutionStatus, SolverModel,
    Variable, WithInitialSolution, WithTimeLimit, microlp, variable,
};

use super::{Found, Inst, Model, NONE, SiteError, lagrangian_fix};

/// What the MIP ends with.
pub(crate) enum Mip {
    Solved(Found),
    Infeasible,
    /// Stopped by the time limit before any feasible solution.
    Interrupted,
}

/// An assignment (or covering) variable of demand point `d` and site `s`.
struct Pair {
    d: u32,
    s: u32,
    c: f64,
    x: Variable,
}

pub(crate) fn solve(inst: &Inst, hint: Option<&Found>) -> Result<Mip, SiteError> {
    let m = inst.m;
    let (nd, ns) = (m.n_demand(), m.n_sites());
    let capacitated = inst.cap.is_some();
    let p = inst.model.p();
    let fix = hint
        .and_then(|h| {
            let l = h.lagrange.as_ref()?;
            let incumbent = inst.objective(h);
            Some(lagrangian_fix(
                ns,
                &l.scores,
                l.p,
                l.best,
                incumbent,
                inst.maximise(),
            ))
        })
        .filter(|f| consistent(inst, f, p));
    let fix = fix.as_deref();
    // Every site is an open constant (existing, or fixed open), a closed one (fixed closed) or a variable.
    let is_open = |s: usize| inst.fixed[s] || fix.is_some_and(|f| f[s] == Some(true));
    let is_closed = |s: usize| !inst.fixed[s] && fix.is_some_and(|f| f[s] == Some(false));
    let mut vars = ProblemVariables::new();
    let y: Vec<Option<Variable>> = (0..ns)
        .map(|s| (!is_open(s) && !is_closed(s)).then(|| vars.add(variable().binary())))
        .collect();
    let n_free = y.iter().flatten().count();
    if n_free == 0 && !capacitated {
        // Nothing left to choose (p-median and MCLP after Lagrangian fixing): the fixings determine the optimum.
        return Ok(Mip::Solved(Found {
            open: (0..ns).map(is_open).collect(),
            assign: None,
            bound: f64::NAN,
            proven: true,
            lagrange: None,
        }));
    }
    let scale = if inst.total_weight > 0.0 {
        1.0 / inst.total_weight
    } else {
        1.0
    };
    let x_def = || {
        if capacitated {
            variable().binary()
        } else {
            variable().clamp(0, 1)
        }
    };
    let center_range = match (inst.model, hint) {
        (Model::PCenter { .. }, Some(h)) => Some((h.bound, inst.objective(h))),
        _ => None,
    };
    // Assignment pairs grouped by demand point (`starts`), covering rows (demand point and its MCLP coverage
    // variable, none for LSCP where the row is ≥ 1).
    let mut pairs: Vec<Pair> = Vec::new();
    let mut starts: Vec<usize> = vec![0];
    let mut rows: Vec<(u32, Option<Variable>)> = Vec::new();
    let mut objective = Expression::with_capacity(ns);
    for d in 0..nd {
        if !inst.required(d) {
            continue;
        }
        let (sites, costs) = inst.options(d);
        let usable = || {
            sites
                .iter()
                .zip(costs)
                .filter(|(s, _)| !is_closed(**s as usize))
        };
        if usable().next().is_none() {
            if matches!(inst.model, Model::Mclp { .. }) {
                continue;
            }
            return Ok(Mip::Infeasible);
        }
        let covered = usable().any(|(s, _)| is_open(*s as usize));
        match inst.model {
            Model::Mclp { .. } if !capacitated => {
                if !covered {
                    let v = vars.add(variable().clamp(0, 1));
                    objective.add_mul(inst.w[d] * scale, v);
                    rows.push((d as u32, Some(v)));
                }
            }
            Model::Lscp { .. } if !capacitated => {
                if !covered {
                    rows.push((d as u32, None));
                }
            }
            _ => {
                for (&s, &c) in usable() {
                    if center_range.is_some_and(|(_, ub)| c > ub) {
                        break;
                    }
                    let x = vars.add(x_def());
                    match inst.model {
                        Model::PMedian { .. } => objective.add_mul(inst.w[d] * c * scale, x),
                        Model::Mclp { .. } => objective.add_mul(inst.w[d] * scale, x),
                        _ => {}
                    }
                    pairs.push(Pair {
                        d: d as u32,
                        s,
                        c,
                        x,
                    });
                    if !capacitated && is_open(s as usize) {
                        break;
                    }
                }
                starts.push(pairs.len());
            }
        }
    }
    let w_var = match inst.model {
        Model::Lscp { .. } => {
            for v in y.iter().flatten() {
                objective.add_mul(1.0, *v);
            }
            None
        }
        Model::PCenter { .. } => {
            let (lo, hi) = center_range.unwrap_or((0.0, f64::INFINITY));
            let v = vars.add(variable().clamp(lo.min(hi), hi));
            objective.add_mul(1.0, v);
            Some(v)
        }
        _ => None,
    };
    let mut model = if inst.maximise() {
        vars.maximise(objective).using(microlp)
    } else {
        vars.minimise(objective).using(microlp)
    };
    if let Some(p) = p
        && n_free > 0
    {
        let opened = (0..ns).filter(|&s| is_open(s) && !inst.fixed[s]).count();
        let mut e = Expression::with_capacity(n_free);
        for v in y.iter().flatten() {
            e.add_mul(1.0, *v);
        }
        model.add_constraint(e.eq((p - opened) as f64));
    }
    for &(d, zv) in &rows {
        let mut e = Expression::with_capacity(8);
        for &s in inst.options(d as usize).0 {
            if let Some(v) = y[s as usize] {
                e.add_mul(1.0, v);
            }
        }
        match zv {
            Some(zv) => model.add_constraint(e.geq(zv)),
            None => model.add_constraint(e.geq(1.0)),
        };
    }
    let mut load: Vec<Expression> = vec![Expression::default(); if capacitated { ns } else { 0 }];
    for k in 0..starts.len() - 1 {
        let group = &pairs[starts[k]..starts[k + 1]];
        let mut e = Expression::with_capacity(group.len());
        let mut dist = Expression::with_capacity(if w_var.is_some() { group.len() } else { 0 });
        for p in group {
            e.add_mul(1.0, p.x);
            if let Some(v) = y[p.s as usize] {
                model.add_constraint((p.x - v).leq(0.0));
            }
            if let Some(l) = load.get_mut(p.s as usize) {
                l.add_mul(inst.w[p.d as usize], p.x);
            }
            if w_var.is_some() {
                dist.add_mul(p.c, p.x);
            }
        }
        match inst.model {
            Model::Mclp { .. } => model.add_constraint(e.leq(1.0)),
            _ => model.add_constraint(e.eq(1.0)),
        };
        if let Some(wv) = w_var {
            model.add_constraint(dist.leq(wv));
        }
    }
    if let Some(cap) = inst.cap {
        for (s, l) in load.into_iter().enumerate() {
            match y[s] {
                Some(v) => model.add_constraint(l.leq(cap[s] * v)),
                None if is_open(s) => model.add_constraint(l.leq(cap[s])),
                None => continue,
            };
        }
    }
    if let Some(t) = inst.time_limit {
        model = model.with_time_limit(t.as_secs_f64());
    }
    if let Some(h) = hint {
        let mut start: Vec<(Variable, f64)> = (0..ns)
            .filter_map(|s| y[s].map(|v| (v, if h.open[s] { 1.0 } else { 0.0 })))
            .collect();
        if let Some(a) = &h.assign {
            start.extend(
                pairs
                    .iter()
                    .map(|p| (p.x, if a[p.d as usize] == p.s { 1.0 } else { 0.0 })),
            );
        }
        model = model.with_initial_solution(start);
    }
    let sol = match model.solve() {
        Ok(sol) => sol,
        Err(ResolutionError::Infeasible) => return Ok(Mip::Infeasible),
        Err(ResolutionError::Other(msg)) if msg.starts_with("Time limit") => {
            return Ok(Mip::Interrupted);
        }
        Err(e) => return Err(SiteError::Solver(e.to_string())),
    };
    let open: Vec<bool> = (0..ns)
        .map(|s| match y[s] {
            Some(v) => sol.value(v) > 0.5,
            None => is_open(s),
        })
        .collect();
    let assign = capacitated.then(|| {
        let mut a = vec![NONE; nd];
        for p in pairs.iter().filter(|p| sol.value(p.x) > 0.5) {
            a[p.d as usize] = p.s;
        }
        a
    });
    Ok(Mip::Solved(Found {
        open,
        assign,
        bound: f64::NAN,
        proven: matches!(sol.status(), SolutionStatus::Optimal),
        lagrange: None,
    }))
}

/// Whether site fixings leave room for exactly `p` new sites (they always should; rounding could break that,
/// and then they are ignored).
fn consistent(inst: &Inst, fix: &[Option<bool>], p: Option<usize>) -> bool {
    let Some(p) = p else {
        return false;
    };
    let free = (0..fix.len()).filter(|&s| !inst.fixed[s]);
    let opened = free.clone().filter(|&s| fix[s] == Some(true)).count();
    let open_or_free = free.filter(|&s| fix[s] != Some(false)).count();
    fix.len() == inst.fixed.len() && opened <= p && p <= open_or_free
}
