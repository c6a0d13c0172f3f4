//! Columnar evaluation of checked rules over a registry, and the traced evaluation of one person that
//! `entitle explain` prints. Both run the same code: the trace is the columnar evaluation of a one-person range
//! with each node's value recorded.
//!
//! A rule is evaluated in blocks of [`BLOCK`] persons in parallel (rayon); each node produces a column of the
//! block. Household aggregates are computed first for the whole registry (the members of a household may lie in
//! different blocks) and read as columns. Derived fields (age, months, years resident) are computed once per
//! evaluation date.

use rayon::prelude::*;

use super::check::{Checked, Hh, Kind, Node, TextKind, Ty};
use super::parse::BinOp;
use crate::date;
use crate::fields::{Field, HukouType, Sex};
use crate::regions::RegionIndex;
use crate::registry::Registry;

/// Persons per block of columnar evaluation.
pub const BLOCK: usize = 4096;

/// A column of values of one block.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Bool(Vec<bool>),
    Num(Vec<f64>),
    Date(Vec<i32>),
    Code(Vec<u32>),
}

impl Val {
    fn len(&self) -> usize {
        match self {
            Val::Bool(v) => v.len(),
            Val::Num(v) => v.len(),
            Val::Date(v) => v.len(),
            Val::Code(v) => v.len(),
        }
    }
}

/// Everything a rule reads besides its own tree: the registry, the regions, the date, the catalogue's region,
/// the parameter values per region, and columns derived once per date.
pub struct Ctx<'a> {
    pub reg: &'a Registry,
    pub regions: &'a RegionIndex,
    pub at: i32,
    /// The catalogue's region (for `resident`, `local_hukou`).
    pub home: u32,
    /// Per parameter, per region index: the value at `at` (`None`: no value, the person is undetermined).
    pub params: Vec<Vec<Option<f64>>>,
    age: Vec<i32>,
    age_months: Vec<i32>,
    years_resident: Vec<i32>,
    home_table: Vec<bool>,
    hh_size: Vec<f64>,
    hh_income: Vec<f64>,
    hh_min_age: Vec<f64>,
    hh_max_age: Vec<f64>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        reg: &'a Registry,
        regions: &'a RegionIndex,
        at: i32,
        home: u32,
        params: Vec<Vec<Option<f64>>>,
    ) -> Ctx<'a> {
        let p = &reg.persons;
        let civil_at = date::civil_from_days(at);
        let (age, age_months): (Vec<i32>, Vec<i32>) = p
            .birth
            .par_iter()
            .map(|&b| date::age_and_months(b, civil_at))
            .unzip();
        let years_resident: Vec<i32> = p
            .residence_since
            .par_iter()
            .map(|&s| date::age_and_months(s, civil_at).0)
            .collect();
        let h = &reg.households;
        let nh = h.len();
        let stats: Vec<(f64, f64, f64, f64)> = (0..nh)
            .into_par_iter()
            .map(|k| {
                let m = h.members(k);
                let income: f64 = m.iter().map(|&i| p.income[i as usize]).sum();
                let (mut lo, mut hi) = (i32::MAX, i32::MIN);
                for &i in m {
                    lo = lo.min(age[i as usize]);
                    hi = hi.max(age[i as usize]);
                }
                (m.len() as f64, income, f64::from(lo), f64::from(hi))
            })
            .collect();
        Ctx {
            reg,
            regions,
            at,
            home,
            params,
            age,
            age_months,
            years_resident,
            home_table: regions.within_table(home),
            hh_size: stats.iter().map(|s| s.0).collect(),
            hh_income: stats.iter().map(|s| s.1).collect(),
            hh_min_age: stats.iter().map(|s| s.2).collect(),
            hh_max_age: stats.iter().map(|s| s.3).collect(),
        }
    }

    /// Age in full years of a person at the evaluation date.
    pub fn age(&self, i: usize) -> i32 {
        self.age[i]
    }
}

/// One line of a trace: depth in the tree, the node's span in the rule text, its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub depth: usize,
    pub start: usize,
    pub end: usize,
    pub value: String,
}

/// A rule ready to run: the checked tree and its household-aggregate columns (one value per household).
pub struct Program<'c, 'a> {
    ctx: &'c Ctx<'a>,
    root: &'c Node,
    slots: std::borrow::Cow<'c, [Vec<f64>]>,
}

impl<'c, 'a> Program<'c, 'a> {
    pub fn new(ctx: &'c Ctx<'a>, rule: &'c Checked) -> Program<'c, 'a> {
        let mut slots = vec![Vec::new(); rule.slots];
        collect_hh(ctx, &rule.root, &mut slots);
        Program {
            ctx,
            root: &rule.root,
            slots: std::borrow::Cow::Owned(slots),
        }
    }

    /// A part of the rule (a node of its tree, such as one condition of an `and`), reading the household
    /// aggregates the whole rule computed instead of computing them again.
    pub fn part<'p>(&'p self, root: &'p Node) -> Program<'p, 'a>
    where
        'c: 'p,
    {
        Program {
            ctx: self.ctx,
            root,
            slots: std::borrow::Cow::Borrowed(&self.slots),
        }
    }

    /// The rule's boolean value for every person.
    pub fn bools(&self) -> Vec<bool> {
        let n = self.ctx.reg.persons.len();
        let mut out = vec![false; n];
        out.par_chunks_mut(BLOCK)
            .enumerate()
            .for_each(|(b, chunk)| {
                let lo = b * BLOCK;
                if let Val::Bool(v) = self.eval(self.root, lo, lo + chunk.len(), &mut None) {
                    chunk.copy_from_slice(&v);
                }
            });
        out
    }

    /// The rule's numeric value for every person.
    pub fn numbers(&self) -> Vec<f64> {
        let n = self.ctx.reg.persons.len();
        let mut out = vec![f64::NAN; n];
        out.par_chunks_mut(BLOCK)
            .enumerate()
            .for_each(|(b, chunk)| {
                let lo = b * BLOCK;
                if let Val::Num(v) = self.eval(self.root, lo, lo + chunk.len(), &mut None) {
                    chunk.copy_from_slice(&v);
                }
            });
        out
    }

    /// The rule's numeric value for the given persons (in ascending order, as unit lists are): only the blocks
    /// that hold one of them are evaluated.
    pub fn numbers_for(&self, persons: &[u32]) -> Vec<f64> {
        let n = self.ctx.reg.persons.len();
        if !persons.windows(2).all(|w| w[0] <= w[1]) {
            let all = self.numbers();
            return persons
                .iter()
                .map(|&p| all.get(p as usize).copied().unwrap_or(f64::NAN))
                .collect();
        }
        let groups: Vec<&[u32]> = persons
            .chunk_by(|a, b| a / BLOCK as u32 == b / BLOCK as u32)
            .collect();
        let parts: Vec<Vec<f64>> = groups
            .par_iter()
            .map(|g| {
                let lo = g[0] as usize / BLOCK * BLOCK;
                let hi = (lo + BLOCK).min(n);
                match self.eval(self.root, lo, hi, &mut None) {
                    Val::Num(v) => g
                        .iter()
                        .map(|&p| v.get(p as usize - lo).copied().unwrap_or(f64::NAN))
                        .collect(),
                    _ => vec![f64::NAN; g.len()],
                }
            })
            .collect();
        parts.concat()
    }

    /// The value for one person, without a trace.
    pub fn value_at(&self, person: usize) -> Val {
        self.eval(self.root, person, person + 1, &mut None)
    }

    /// The value for one person with the trace of every node, in evaluation order (children before parents).
    pub fn trace(&self, person: usize) -> (Val, Vec<Step>) {
        let mut steps = Some(Vec::new());
        let v = self.eval_traced(self.root, person, person + 1, &mut steps, 0);
        (v, steps.unwrap_or_default())
    }

    fn eval(&self, n: &Node, lo: usize, hi: usize, t: &mut Option<Vec<Step>>) -> Val {
        self.eval_traced(n, lo, hi, t, 0)
    }

    fn eval_traced(
        &self,
        n: &Node,
        lo: usize,
        hi: usize,
        t: &mut Option<Vec<Step>>,
        depth: usize,
    ) -> Val {
        let v = self.node(n, lo, hi, t, depth);
        if let Some(steps) = t {
            steps.push(Step {
                depth,
                start: n.span.start,
                end: n.span.end,
                value: show(&v, n.ty, self.ctx.regions),
            });
        }
        v
    }

    fn node(&self, n: &Node, lo: usize, hi: usize, t: &mut Option<Vec<Step>>, depth: usize) -> Val {
        let len = hi - lo;
        let ctx = self.ctx;
        let p = &ctx.reg.persons;
        let d = depth + 1;
        match &n.kind {
            Kind::Num(v) => Val::Num(vec![*v; len]),
            Kind::Bool(b) => Val::Bool(vec![*b; len]),
            Kind::Date(x) => Val::Date(vec![*x; len]),
            Kind::Code(c) => Val::Code(vec![*c; len]),
            Kind::Field(f) => field(ctx, *f, lo, hi),
            Kind::Param(k) => {
                let table = &ctx.params[*k];
                let vals = p.residence_region[lo..hi]
                    .iter()
                    .map(|&r| table.get(r as usize).copied().flatten().unwrap_or(f64::NAN));
                match n.ty {
                    Ty::Date => Val::Date(vals.map(|v| v as i32).collect()),
                    _ => Val::Num(vals.collect()),
                }
            }
            Kind::Hh(agg, slot) => {
                let col: Vec<f64> = match agg {
                    Hh::Size => gather_hh(&ctx.hh_size, ctx, lo, hi),
                    Hh::Income => gather_hh(&ctx.hh_income, ctx, lo, hi),
                    Hh::IncomePerCapita => p.household[lo..hi]
                        .iter()
                        .map(|&h| ctx.hh_income[h as usize] / ctx.hh_size[h as usize])
                        .collect(),
                    Hh::IncomePerCapitaMonth => p.household[lo..hi]
                        .iter()
                        .map(|&h| ctx.hh_income[h as usize] / ctx.hh_size[h as usize] / 12.0)
                        .collect(),
                    Hh::MinAge => gather_hh(&ctx.hh_min_age, ctx, lo, hi),
                    Hh::MaxAge => gather_hh(&ctx.hh_max_age, ctx, lo, hi),
                    Hh::Count(_) | Hh::Any(_) | Hh::All(_) => self
                        .slots
                        .get(*slot)
                        .map_or_else(|| vec![f64::NAN; len], |c| gather_hh(c, ctx, lo, hi)),
                };
                match agg {
                    Hh::Any(_) | Hh::All(_) => Val::Bool(col.iter().map(|&x| x > 0.0).collect()),
                    _ => Val::Num(col),
                }
            }
            Kind::Not(x) => match self.eval_traced(x, lo, hi, t, d) {
                Val::Bool(v) => Val::Bool(v.into_iter().map(|b| !b).collect()),
                other => other,
            },
            Kind::Neg(x) => match self.eval_traced(x, lo, hi, t, d) {
                Val::Num(v) => Val::Num(v.into_iter().map(|b| -b).collect()),
                other => other,
            },
            Kind::Bin(op, a, b) => {
                // A comparison with a literal (`age >= 65`, `sex == "F"`) compares with the scalar.
                let is_cmp = matches!(
                    op,
                    BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
                );
                if t.is_none() && is_cmp {
                    match (&b.kind, &a.kind) {
                        (Kind::Num(k), _) => {
                            if let Val::Num(x) = self.eval_traced(a, lo, hi, t, d) {
                                return Val::Bool(cmp_scalar(*op, &x, *k));
                            }
                        }
                        (Kind::Code(k), Kind::Field(Field::Sex)) => {
                            return Val::Bool(cmp_scalar(*op, &p.sex[lo..hi], *k as u8));
                        }
                        (Kind::Code(k), Kind::Field(Field::HukouType)) => {
                            return Val::Bool(cmp_scalar(*op, &p.hukou_type[lo..hi], *k as u8));
                        }
                        _ => {}
                    }
                }
                let a = self.eval_traced(a, lo, hi, t, d);
                let b = self.eval_traced(b, lo, hi, t, d);
                binary(*op, a, b)
            }
            Kind::In(x, set, neg) => {
                let x = self.eval_traced(x, lo, hi, t, d);
                let neg = *neg;
                let hit: Vec<bool> = match x {
                    Val::Num(v) => {
                        let s: Vec<f64> = set.iter().map(|&b| f64::from_bits(b)).collect();
                        v.iter().map(|x| s.contains(x)).collect()
                    }
                    Val::Date(v) => {
                        let s: Vec<i32> = set.iter().map(|&b| b as u32 as i32).collect();
                        v.iter().map(|x| s.contains(x)).collect()
                    }
                    Val::Code(v) => {
                        let s: Vec<u32> = set.iter().map(|&b| b as u32).collect();
                        v.iter().map(|x| s.contains(x)).collect()
                    }
                    Val::Bool(v) => {
                        let s: Vec<bool> = set.iter().map(|&b| b != 0).collect();
                        v.iter().map(|x| s.contains(x)).collect()
                    }
                };
                Val::Bool(hit.into_iter().map(|h| h != neg).collect())
            }
            Kind::Within(x, region) => {
                let table = ctx.regions.within_table(*region);
                match self.eval_traced(x, lo, hi, t, d) {
                    Val::Code(v) => Val::Bool(
                        v.iter()
                            .map(|&r| table.get(r as usize).copied().unwrap_or(false))
                            .collect(),
                    ),
                    other => other,
                }
            }
            Kind::Min(a, b) | Kind::Max(a, b) => {
                let is_min = matches!(n.kind, Kind::Min(..));
                let (a, b) = (
                    self.eval_traced(a, lo, hi, t, d),
                    self.eval_traced(b, lo, hi, t, d),
                );
                match (a, b) {
                    (Val::Num(a), Val::Num(b)) => Val::Num(
                        a.iter()
                            .zip(&b)
                            .map(|(&x, &y)| {
                                if x.is_nan() || y.is_nan() {
                                    f64::NAN
                                } else if is_min {
                                    x.min(y)
                                } else {
                                    x.max(y)
                                }
                            })
                            .collect(),
                    ),
                    (a, _) => a,
                }
            }
            Kind::If(c, a, b) => {
                let c = self.eval_traced(c, lo, hi, t, d);
                let a = self.eval_traced(a, lo, hi, t, d);
                let b = self.eval_traced(b, lo, hi, t, d);
                let Val::Bool(c) = c else { return a };
                match (a, b) {
                    (Val::Num(a), Val::Num(b)) => Val::Num(pick(&c, &a, &b)),
                    (Val::Bool(a), Val::Bool(b)) => Val::Bool(pick(&c, &a, &b)),
                    (Val::Date(a), Val::Date(b)) => Val::Date(pick(&c, &a, &b)),
                    (Val::Code(a), Val::Code(b)) => Val::Code(pick(&c, &a, &b)),
                    (a, _) => a,
                }
            }
            // Full years since the birth date or the residence date are computed once per run.
            Kind::YearsSince(x)
                if t.is_none() && matches!(x.kind, Kind::Field(Field::BirthDate)) =>
            {
                field(ctx, Field::Age, lo, hi)
            }
            Kind::YearsSince(x)
                if t.is_none() && matches!(x.kind, Kind::Field(Field::ResidenceSince)) =>
            {
                field(ctx, Field::YearsResident, lo, hi)
            }
            Kind::YearsSince(x) => match self.eval_traced(x, lo, hi, t, d) {
                Val::Date(v) => {
                    let at = date::civil_from_days(ctx.at);
                    Val::Num(
                        v.iter()
                            .map(|&s| f64::from(date::age_and_months(s, at).0))
                            .collect(),
                    )
                }
                other => other,
            },
        }
    }
}

fn cmp_scalar<T: PartialOrd + Copy>(op: BinOp, a: &[T], k: T) -> Vec<bool> {
    let it = a.iter();
    match op {
        BinOp::Eq => it.map(|&x| x == k).collect(),
        BinOp::Ne => it.map(|&x| x != k).collect(),
        BinOp::Lt => it.map(|&x| x < k).collect(),
        BinOp::Le => it.map(|&x| x <= k).collect(),
        BinOp::Gt => it.map(|&x| x > k).collect(),
        _ => it.map(|&x| x >= k).collect(),
    }
}

fn pick<T: Copy>(c: &[bool], a: &[T], b: &[T]) -> Vec<T> {
    c.iter()
        .zip(a.iter().zip(b))
        .map(|(&c, (&x, &y))| if c { x } else { y })
        .collect()
}

fn gather_hh(col: &[f64], ctx: &Ctx<'_>, lo: usize, hi: usize) -> Vec<f64> {
    ctx.reg.persons.household[lo..hi]
        .iter()
        .map(|&h| col[h as usize])
        .collect()
}

fn field(ctx: &Ctx<'_>, f: Field, lo: usize, hi: usize) -> Val {
    let p = &ctx.reg.persons;
    let num_i32 = |v: &[i32]| Val::Num(v[lo..hi].iter().map(|&x| f64::from(x)).collect());
    let num_u8 = |v: &[u8]| Val::Num(v[lo..hi].iter().map(|&x| f64::from(x)).collect());
    match f {
        Field::Age => num_i32(&ctx.age),
        Field::AgeMonths => num_i32(&ctx.age_months),
        Field::YearsResident => num_i32(&ctx.years_resident),
        Field::BirthDate => Val::Date(p.birth[lo..hi].to_vec()),
        Field::ResidenceSince => Val::Date(p.residence_since[lo..hi].to_vec()),
        Field::Sex => Val::Code(p.sex[lo..hi].iter().map(|&x| u32::from(x)).collect()),
        Field::HukouType => Val::Code(p.hukou_type[lo..hi].iter().map(|&x| u32::from(x)).collect()),
        Field::HukouRegion => Val::Code(p.hukou_region[lo..hi].to_vec()),
        Field::ResidenceRegion => Val::Code(p.residence_region[lo..hi].to_vec()),
        Field::Resident => Val::Bool(
            p.residence_region[lo..hi]
                .iter()
                .map(|&r| ctx.home_table.get(r as usize).copied().unwrap_or(false))
                .collect(),
        ),
        Field::LocalHukou => Val::Bool(
            p.hukou_region[lo..hi]
                .iter()
                .map(|&r| ctx.home_table.get(r as usize).copied().unwrap_or(false))
                .collect(),
        ),
        Field::DisabilityCategory => num_u8(&p.disability_category),
        Field::DisabilityGrade => num_u8(&p.disability_grade),
        Field::Disabled => Val::Bool(p.disability_grade[lo..hi].iter().map(|&g| g > 0).collect()),
        Field::SeverelyDisabled => Val::Bool(
            p.disability_grade[lo..hi]
                .iter()
                .map(|&g| g == 1 || g == 2)
                .collect(),
        ),
        Field::Income => Val::Num(p.income[lo..hi].to_vec()),
        Field::Flag(i) => {
            let bit = 1u32 << i;
            Val::Bool(p.flags[lo..hi].iter().map(|&f| f & bit != 0).collect())
        }
    }
}

fn binary(op: BinOp, a: Val, b: Val) -> Val {
    // One monomorphic loop per operator (a function pointer per element would stop vectorization).
    fn cmp<T: PartialOrd + Copy>(op: BinOp, a: &[T], b: &[T]) -> Vec<bool> {
        let z = a.iter().zip(b);
        match op {
            BinOp::Eq => z.map(|(x, y)| x == y).collect(),
            BinOp::Ne => z.map(|(x, y)| x != y).collect(),
            BinOp::Lt => z.map(|(x, y)| x < y).collect(),
            BinOp::Le => z.map(|(x, y)| x <= y).collect(),
            BinOp::Gt => z.map(|(x, y)| x > y).collect(),
            _ => z.map(|(x, y)| x >= y).collect(),
        }
    }
    match (op, a, b) {
        (BinOp::And, Val::Bool(a), Val::Bool(b)) => {
            Val::Bool(a.iter().zip(&b).map(|(&x, &y)| x && y).collect())
        }
        (BinOp::Or, Val::Bool(a), Val::Bool(b)) => {
            Val::Bool(a.iter().zip(&b).map(|(&x, &y)| x || y).collect())
        }
        (BinOp::Add, Val::Num(a), Val::Num(b)) => {
            Val::Num(a.iter().zip(&b).map(|(&x, &y)| x + y).collect())
        }
        (BinOp::Sub, Val::Num(a), Val::Num(b)) => {
            Val::Num(a.iter().zip(&b).map(|(&x, &y)| x - y).collect())
        }
        (BinOp::Mul, Val::Num(a), Val::Num(b)) => {
            Val::Num(a.iter().zip(&b).map(|(&x, &y)| x * y).collect())
        }
        (BinOp::Div, Val::Num(a), Val::Num(b)) => {
            Val::Num(a.iter().zip(&b).map(|(&x, &y)| x / y).collect())
        }
        (op, Val::Num(a), Val::Num(b)) => Val::Bool(cmp(op, &a, &b)),
        (op, Val::Date(a), Val::Date(b)) => Val::Bool(cmp(op, &a, &b)),
        (op, Val::Code(a), Val::Code(b)) => Val::Bool(cmp(op, &a, &b)),
        (op, Val::Bool(a), Val::Bool(b)) => Val::Bool(cmp(op, &a, &b)),
        // The checker rules the rest out.
        (_, a, _) => Val::Bool(vec![false; a.len()]),
    }
}

/// Computes the household-aggregate columns of `n` and below (count, any, all) for the whole registry.
fn collect_hh(ctx: &Ctx<'_>, n: &Node, slots: &mut [Vec<f64>]) {
    if let Kind::Hh(agg, slot) = &n.kind {
        if let Hh::Count(inner) | Hh::Any(inner) | Hh::All(inner) = agg {
            let sub = Checked {
                root: (**inner).clone(),
                slots: 0,
            };
            let prog = Program::new(ctx, &sub);
            let per_person = prog.bools();
            let h = &ctx.reg.households;
            let per_household: Vec<f64> = (0..h.len())
                .into_par_iter()
                .map(|k| {
                    let m = h.members(k);
                    let yes = m.iter().filter(|&&i| per_person[i as usize]).count();
                    match agg {
                        Hh::Count(_) => yes as f64,
                        Hh::Any(_) => f64::from(u8::from(yes > 0)),
                        _ => f64::from(u8::from(yes == m.len())),
                    }
                })
                .collect();
            if let Some(s) = slots.get_mut(*slot) {
                *s = per_household;
            }
        }
        return;
    }
    for c in children(n) {
        collect_hh(ctx, c, slots);
    }
}

/// The direct children of a node.
pub fn children(n: &Node) -> Vec<&Node> {
    match &n.kind {
        Kind::Not(x)
        | Kind::Neg(x)
        | Kind::In(x, _, _)
        | Kind::Within(x, _)
        | Kind::YearsSince(x) => {
            vec![x]
        }
        Kind::Bin(_, a, b) | Kind::Min(a, b) | Kind::Max(a, b) => vec![a, b],
        Kind::If(c, a, b) => vec![c, a, b],
        Kind::Hh(Hh::Count(x) | Hh::Any(x) | Hh::All(x), _) => vec![x],
        _ => Vec::new(),
    }
}

/// The parameters a rule reads (their indices), sorted and unique.
pub fn params_of(n: &Node) -> Vec<usize> {
    let mut out = Vec::new();
    fn walk(n: &Node, out: &mut Vec<usize>) {
        if let Kind::Param(k) = n.kind {
            out.push(k);
        }
        for c in children(n) {
            walk(c, out);
        }
    }
    walk(n, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

/// A value of a one-person column as text.
pub fn show(v: &Val, ty: Ty, regions: &RegionIndex) -> String {
    match v {
        Val::Bool(b) => b
            .first()
            .map_or("—", |&b| if b { "true" } else { "false" })
            .into(),
        Val::Num(x) => x.first().map_or_else(|| "—".into(), |&x| num(x)),
        Val::Date(d) => d.first().map_or_else(|| "—".into(), |&d| date::format(d)),
        Val::Code(c) => c.first().map_or_else(
            || "—".into(),
            |&c| match ty {
                Ty::Text(TextKind::Sex) => Sex::label(c).into(),
                Ty::Text(TextKind::HukouType) => HukouType::label(c).into(),
                _ => format!("{} {}", regions.code(c), regions.name(c)),
            },
        ),
    }
}

/// A number as people write it: integers without a decimal point, others with up to 4 decimals.
pub fn num(x: f64) -> String {
    if x.is_nan() {
        "(no value)".into()
    } else if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
