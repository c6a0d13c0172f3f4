//! Name resolution and type checking: the untyped tree → a typed [`Node`] that the evaluator runs.
//!
//! Everything a rule can get wrong is found here, before any registry is read: unknown fields, flags,
//! parameters and functions; operators on the wrong types; text literals that are not a valid value of the field
//! they are compared with (`sex == "X"`, an unknown region code); household aggregates nested in one another.

use super::parse::{BinOp, Expr, Raw, RuleError, Span};
use crate::fields::{FLAGS, Field, HukouType, Sex};
use crate::regions::RegionIndex;

/// The kind of a text value: each is stored as a small code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    Sex,
    HukouType,
    Region,
}

/// Types of the rule language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Bool,
    Num,
    Date,
    Text(TextKind),
}

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::Bool => "true/false",
            Ty::Num => "number",
            Ty::Date => "date",
            Ty::Text(TextKind::Sex) => "sex (\"M\"/\"F\")",
            Ty::Text(TextKind::HukouType) => "hukou type (\"urban\"/\"rural\")",
            Ty::Text(TextKind::Region) => "region code",
        }
    }
}

/// Aggregates over the members of a person's household.
#[derive(Debug, Clone, PartialEq)]
pub enum Hh {
    Size,
    Income,
    IncomePerCapita,
    IncomePerCapitaMonth,
    MinAge,
    MaxAge,
    Count(Box<Node>),
    Any(Box<Node>),
    All(Box<Node>),
}

/// A typed node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Num(f64),
    Bool(bool),
    Date(i32),
    /// A text literal as its code (sex 0/1, hukou type 0/1, region index).
    Code(u32),
    Field(Field),
    /// Index of the parameter in the catalogue.
    Param(usize),
    /// A household aggregate; `slot` numbers the aggregates of one rule (their columns are computed first).
    Hh(Hh, usize),
    Not(Box<Node>),
    /// `and`, `or`, comparisons and arithmetic.
    Bin(BinOp, Box<Node>, Box<Node>),
    In(Box<Node>, Vec<u64>, bool),
    /// `x within region`: the region's index.
    Within(Box<Node>, u32),
    Neg(Box<Node>),
    Min(Box<Node>, Box<Node>),
    Max(Box<Node>, Box<Node>),
    If(Box<Node>, Box<Node>, Box<Node>),
    YearsSince(Box<Node>),
}

/// A parameter as the checker sees it.
#[derive(Debug, Clone)]
pub struct ParamDecl {
    pub id: String,
    pub ty: Ty,
}

/// What a rule may name.
pub struct Scope<'a> {
    pub params: &'a [ParamDecl],
    pub regions: &'a RegionIndex,
}

struct Checker<'a> {
    scope: &'a Scope<'a>,
    slots: usize,
    in_household: bool,
}

/// A checked rule: its root and the number of household-aggregate slots.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub root: Node,
    pub slots: usize,
}

/// Checks a parsed rule and requires its type to be `want`.
///
/// # Errors
/// Every problem found, each with its span (one per subtree: an error in an operand is not reported again for
/// the operator).
pub fn check(e: &Expr, scope: &Scope<'_>, want: Ty) -> Result<Checked, Vec<RuleError>> {
    let mut c = Checker {
        scope,
        slots: 0,
        in_household: false,
    };
    let mut errors = Vec::new();
    let root = c.node(e, &mut errors);
    match root {
        Some(root) if errors.is_empty() => {
            if root.ty != want {
                return Err(vec![RuleError::new(
                    e.span,
                    format!(
                        "the expression is a {}, but a {} is needed here",
                        root.ty.name(),
                        want.name()
                    ),
                )]);
            }
            Ok(Checked {
                root,
                slots: c.slots,
            })
        }
        _ => Err(errors),
    }
}

fn node(kind: Kind, ty: Ty, span: Span) -> Option<Node> {
    Some(Node { kind, ty, span })
}

impl Checker<'_> {
    fn node(&mut self, e: &Expr, errors: &mut Vec<RuleError>) -> Option<Node> {
        let span = e.span;
        match &e.raw {
            Raw::Num(v) => node(Kind::Num(*v), Ty::Num, span),
            Raw::Bool(b) => node(Kind::Bool(*b), Ty::Bool, span),
            Raw::Str(s) => {
                errors.push(RuleError::new(
                    span,
                    format!(
                        "a text such as \"{s}\" can only be compared with a field (sex, hukou_type, a region)"
                    ),
                ));
                None
            }
            Raw::List(_) => {
                errors.push(RuleError::new(span, "a list can only follow 'in'"));
                None
            }
            Raw::Name(path) => self.name(path, span, errors),
            Raw::Call(path, args) => self.call(path, args, span, errors),
            Raw::Not(x) => {
                let x = self.node(x, errors)?;
                self.want(&x, Ty::Bool, "'not'", errors)?;
                node(Kind::Not(Box::new(x)), Ty::Bool, span)
            }
            Raw::Neg(x) => {
                let x = self.node(x, errors)?;
                self.want(&x, Ty::Num, "'-'", errors)?;
                node(Kind::Neg(Box::new(x)), Ty::Num, span)
            }
            Raw::Binary(op, l, r) => self.binary(*op, l, r, span, errors),
            Raw::In(x, items, neg) => {
                let x = self.node(x, errors)?;
                let mut codes = Vec::new();
                let mut ok = true;
                for it in items {
                    match self.literal_of(x.ty, it) {
                        Ok(c) => codes.push(c),
                        Err(m) => {
                            errors.push(RuleError::new(it.span, m));
                            ok = false;
                        }
                    }
                }
                if !ok {
                    return None;
                }
                if x.ty == Ty::Bool {
                    errors.push(RuleError::new(
                        span,
                        "'in' needs a number, date or text on its left",
                    ));
                    return None;
                }
                node(Kind::In(Box::new(x), codes, *neg), Ty::Bool, span)
            }
            Raw::Within(x, r) => {
                let x = self.node(x, errors)?;
                if x.ty != Ty::Text(TextKind::Region) {
                    errors.push(RuleError::new(
                        x.span,
                        format!("'within' needs a region on its left, not a {}", x.ty.name()),
                    ));
                    return None;
                }
                match self.literal_of(x.ty, r) {
                    Ok(code) => node(Kind::Within(Box::new(x), code as u32), Ty::Bool, span),
                    Err(m) => {
                        errors.push(RuleError::new(r.span, m));
                        None
                    }
                }
            }
        }
    }

    fn want(&self, x: &Node, ty: Ty, what: &str, errors: &mut Vec<RuleError>) -> Option<()> {
        if x.ty == ty {
            Some(())
        } else {
            errors.push(RuleError::new(
                x.span,
                format!("{what} needs a {}, this is a {}", ty.name(), x.ty.name()),
            ));
            None
        }
    }

    /// A literal (number, text, date call, true/false) as a value of type `ty`, encoded as in the columns.
    fn literal_of(&self, ty: Ty, e: &Expr) -> Result<u64, String> {
        match (&e.raw, ty) {
            (Raw::Num(v), Ty::Num) => Ok(v.to_bits()),
            (Raw::Neg(x), Ty::Num) => match x.raw {
                Raw::Num(v) => Ok((-v).to_bits()),
                _ => Err("list items must be literal values".into()),
            },
            (Raw::Bool(b), Ty::Bool) => Ok(u64::from(*b)),
            (Raw::Call(p, args), Ty::Date) if p.len() == 1 && p[0] == "date" => {
                match args.as_slice() {
                    [
                        Expr {
                            raw: Raw::Str(s), ..
                        },
                    ] => crate::date::parse(s)
                        .map(|d| d as u32 as u64)
                        .ok_or_else(|| format!("not a date YYYY-MM-DD: \"{s}\"")),
                    _ => Err("date(…) takes one text \"YYYY-MM-DD\"".into()),
                }
            }
            (Raw::Str(s), Ty::Text(kind)) => text_code(kind, s, self.scope.regions).map(u64::from),
            (Raw::Num(v), Ty::Text(TextKind::Region)) => Err(format!(
                "write region codes as texts in double quotes: \"{v}\""
            )),
            _ => Err(format!("expected a literal {} here", ty.name())),
        }
    }

    fn name(&mut self, path: &[String], span: Span, errors: &mut Vec<RuleError>) -> Option<Node> {
        let joined = path.join(".");
        match path {
            [one] => {
                if let Some(f) = Field::parse(one) {
                    return node(Kind::Field(f), f.ty(), span);
                }
                if let Some(i) = FLAGS.iter().position(|(n, _)| n == one) {
                    return node(Kind::Field(Field::Flag(i as u8)), Ty::Bool, span);
                }
                let hint = if one == "today" {
                    " (the evaluation date is not a field; use age or years_since)".to_string()
                } else {
                    suggest(one)
                };
                errors.push(RuleError::new(span, format!("unknown field '{one}'{hint}")));
                None
            }
            [p, id] if p == "param" => match self.scope.params.iter().position(|d| &d.id == id) {
                Some(i) => node(Kind::Param(i), self.scope.params[i].ty, span),
                None => {
                    let known: Vec<&str> =
                        self.scope.params.iter().map(|d| d.id.as_str()).collect();
                    errors.push(RuleError::new(
                        span,
                        format!(
                            "unknown parameter '{id}' (this catalogue declares: {})",
                            if known.is_empty() {
                                "none".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    ));
                    None
                }
            },
            [h, what] if h == "household" => {
                let agg = match what.as_str() {
                    "size" => Hh::Size,
                    "income" => Hh::Income,
                    "income_per_capita" => Hh::IncomePerCapita,
                    "income_per_capita_month" => Hh::IncomePerCapitaMonth,
                    "min_age" => Hh::MinAge,
                    "max_age" => Hh::MaxAge,
                    "count" | "any" | "all" => {
                        errors.push(RuleError::new(
                            span,
                            format!(
                                "household.{what} takes a condition: household.{what}(age < 18)"
                            ),
                        ));
                        return None;
                    }
                    _ => {
                        errors.push(RuleError::new(
                            span,
                            format!(
                                "unknown household field '{joined}' (known: size, income, income_per_capita, income_per_capita_month, min_age, max_age, count(…), any(…), all(…))"
                            ),
                        ));
                        return None;
                    }
                };
                self.household(agg, span, errors)
            }
            _ => {
                errors.push(RuleError::new(
                    span,
                    format!("unknown name '{joined}' (fields, param.<id> and household.<field> are known)"),
                ));
                None
            }
        }
    }

    fn household(&mut self, agg: Hh, span: Span, errors: &mut Vec<RuleError>) -> Option<Node> {
        if self.in_household {
            errors.push(RuleError::new(
                span,
                "household aggregates cannot be nested inside household.count/any/all",
            ));
            return None;
        }
        let ty = match agg {
            Hh::Any(_) | Hh::All(_) => Ty::Bool,
            _ => Ty::Num,
        };
        let slot = self.slots;
        self.slots += 1;
        node(Kind::Hh(agg, slot), ty, span)
    }

    fn call(
        &mut self,
        path: &[String],
        args: &[Expr],
        span: Span,
        errors: &mut Vec<RuleError>,
    ) -> Option<Node> {
        let name = path.join(".");
        let arity = |n: usize, errors: &mut Vec<RuleError>| -> Option<()> {
            if args.len() == n {
                Some(())
            } else {
                errors.push(RuleError::new(
                    span,
                    format!("{name}(…) takes {n} argument(s), {} given", args.len()),
                ));
                None
            }
        };
        match name.as_str() {
            "date" => {
                arity(1, errors)?;
                match &args[0].raw {
                    Raw::Str(s) => match crate::date::parse(s) {
                        Some(d) => node(Kind::Date(d), Ty::Date, span),
                        None => {
                            errors.push(RuleError::new(
                                args[0].span,
                                format!("not a date YYYY-MM-DD: \"{s}\""),
                            ));
                            None
                        }
                    },
                    _ => {
                        errors.push(RuleError::new(
                            span,
                            "date(…) takes one text \"YYYY-MM-DD\"",
                        ));
                        None
                    }
                }
            }
            "min" | "max" => {
                arity(2, errors)?;
                let a = self.node(&args[0], errors);
                let b = self.node(&args[1], errors);
                let (a, b) = (a?, b?);
                self.want(&a, Ty::Num, &format!("{name}(…)"), errors)?;
                self.want(&b, Ty::Num, &format!("{name}(…)"), errors)?;
                let k = if name == "min" {
                    Kind::Min(Box::new(a), Box::new(b))
                } else {
                    Kind::Max(Box::new(a), Box::new(b))
                };
                node(k, Ty::Num, span)
            }
            "if" => {
                arity(3, errors)?;
                let c = self.node(&args[0], errors);
                let a = self.node(&args[1], errors);
                let b = self.node(&args[2], errors);
                let (c, a, b) = (c?, a?, b?);
                self.want(&c, Ty::Bool, "the condition of if(…)", errors)?;
                if a.ty != b.ty || matches!(a.ty, Ty::Text(_)) {
                    errors.push(RuleError::new(
                        span,
                        format!(
                            "both branches of if(…) must be numbers, dates or true/false of the same type ({} and {})",
                            a.ty.name(),
                            b.ty.name()
                        ),
                    ));
                    return None;
                }
                let ty = a.ty;
                node(Kind::If(Box::new(c), Box::new(a), Box::new(b)), ty, span)
            }
            "years_since" => {
                arity(1, errors)?;
                let a = self.node(&args[0], errors)?;
                self.want(&a, Ty::Date, "years_since(…)", errors)?;
                node(Kind::YearsSince(Box::new(a)), Ty::Num, span)
            }
            "household.count" | "household.any" | "household.all" => {
                arity(1, errors)?;
                if self.in_household {
                    errors.push(RuleError::new(
                        span,
                        "household aggregates cannot be nested inside household.count/any/all",
                    ));
                    return None;
                }
                self.in_household = true;
                let inner = self.node(&args[0], errors);
                self.in_household = false;
                let inner = inner?;
                self.want(&inner, Ty::Bool, &format!("{name}(…)"), errors)?;
                let agg = match name.as_str() {
                    "household.count" => Hh::Count(Box::new(inner)),
                    "household.any" => Hh::Any(Box::new(inner)),
                    _ => Hh::All(Box::new(inner)),
                };
                self.household(agg, span, errors)
            }
            _ => {
                errors.push(RuleError::new(
                    span,
                    format!(
                        "unknown function '{name}' (known: date, min, max, if, years_since, household.count, household.any, household.all)"
                    ),
                ));
                None
            }
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        l: &Expr,
        r: &Expr,
        span: Span,
        errors: &mut Vec<RuleError>,
    ) -> Option<Node> {
        // A text literal takes the kind of the other side.
        if op.is_comparison() {
            for (lit, other) in [(l, r), (r, l)] {
                if let Raw::Str(_) = lit.raw {
                    let o = self.node(other, errors)?;
                    let Ty::Text(_) = o.ty else {
                        errors.push(RuleError::new(
                            lit.span,
                            format!("a text cannot be compared with a {}", o.ty.name()),
                        ));
                        return None;
                    };
                    if !matches!(op, BinOp::Eq | BinOp::Ne) {
                        errors.push(RuleError::new(
                            span,
                            "texts can only be compared with == or !=",
                        ));
                        return None;
                    }
                    let code = match self.literal_of(o.ty, lit) {
                        Ok(c) => c as u32,
                        Err(m) => {
                            errors.push(RuleError::new(lit.span, m));
                            return None;
                        }
                    };
                    let litnode = Node {
                        kind: Kind::Code(code),
                        ty: o.ty,
                        span: lit.span,
                    };
                    let (a, b) = if std::ptr::eq(lit, l) {
                        (litnode, o)
                    } else {
                        (o, litnode)
                    };
                    return node(Kind::Bin(op, Box::new(a), Box::new(b)), Ty::Bool, span);
                }
            }
        }
        let a = self.node(l, errors);
        let b = self.node(r, errors);
        let (a, b) = (a?, b?);
        let ty = match op {
            BinOp::And | BinOp::Or => {
                self.want(&a, Ty::Bool, &format!("'{}'", op.symbol()), errors)?;
                self.want(&b, Ty::Bool, &format!("'{}'", op.symbol()), errors)?;
                Ty::Bool
            }
            BinOp::Eq | BinOp::Ne => {
                if a.ty != b.ty {
                    errors.push(RuleError::new(
                        span,
                        format!("cannot compare a {} with a {}", a.ty.name(), b.ty.name()),
                    ));
                    return None;
                }
                Ty::Bool
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                if a.ty != b.ty || !matches!(a.ty, Ty::Num | Ty::Date) {
                    errors.push(RuleError::new(
                        span,
                        format!(
                            "'{}' compares two numbers or two dates, not a {} and a {}",
                            op.symbol(),
                            a.ty.name(),
                            b.ty.name()
                        ),
                    ));
                    return None;
                }
                Ty::Bool
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                self.want(&a, Ty::Num, &format!("'{}'", op.symbol()), errors)?;
                self.want(&b, Ty::Num, &format!("'{}'", op.symbol()), errors)?;
                Ty::Num
            }
        };
        node(Kind::Bin(op, Box::new(a), Box::new(b)), ty, span)
    }
}

/// The code of a text value of a kind: sex 0 = M, 1 = F; hukou type 0 = urban, 1 = rural; a region's index.
pub fn text_code(kind: TextKind, s: &str, regions: &RegionIndex) -> Result<u32, String> {
    match kind {
        TextKind::Sex => Sex::parse(s)
            .map(|x| x as u32)
            .ok_or_else(|| format!("\"{s}\" is not a sex (write \"M\" or \"F\")")),
        TextKind::HukouType => HukouType::parse(s)
            .map(|x| x as u32)
            .ok_or_else(|| format!("\"{s}\" is not a hukou type (write \"urban\" or \"rural\")")),
        TextKind::Region => regions.index_of(s).ok_or_else(|| {
            format!("\"{s}\" is not a known region code (GB/T 2260, data/regions/regions.csv)")
        }),
    }
}

fn suggest(name: &str) -> String {
    let mut best: Option<(usize, &str)> = None;
    let known = Field::NAMES
        .iter()
        .copied()
        .chain(FLAGS.iter().map(|(n, _)| *n));
    for k in known {
        let d = edit_distance(name, k);
        if d <= 2 && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
    }
    best.map_or_else(String::new, |(_, k)| format!(" (did you mean '{k}'?)"))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
