//! The rule language's lexer and parser: text → untyped syntax tree with byte spans.
//!
//! Grammar (loosest first):
//!
//! ```text
//! expr   := or
//! or     := and ("or" and)*
//! and    := not ("and" not)*
//! not    := "not" not | cmp
//! cmp    := sum (("==" | "!=" | "<" | "<=" | ">" | ">=") sum | "in" list | "not" "in" list | "within" sum)?
//! sum    := prod (("+" | "-") prod)*
//! prod   := unary (("*" | "/") unary)*
//! unary  := "-" unary | atom
//! atom   := number | string | "true" | "false" | name ("." name)* ("(" args ")")? | "(" expr ")" | list
//! list   := "[" (expr ("," expr)*)? "]"
//! ```

use std::fmt;

/// A byte range of the rule text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A problem in a rule: where (byte span in the rule text) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleError {
    pub span: Span,
    pub message: String,
}

impl RuleError {
    pub fn new(span: Span, message: impl Into<String>) -> RuleError {
        RuleError {
            span,
            message: message.into(),
        }
    }

    /// 1-based column (in characters) of the start of the span in `text`.
    pub fn column(&self, text: &str) -> usize {
        text.get(..self.span.start)
            .map_or(1, |before| before.chars().count() + 1)
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }
}

/// The untyped syntax tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Num(f64),
    Str(String),
    Bool(bool),
    /// A dotted name such as `age`, `household.size` or `param.dibao_standard_urban`.
    Name(Vec<String>),
    /// `name(args)`; the name may be dotted (`household.count(…)`).
    Call(Vec<String>, Vec<Expr>),
    List(Vec<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Vec<Expr>, bool),
    Within(Box<Expr>, Box<Expr>),
}

/// A node of the untyped tree with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub raw: Raw,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Sym(&'static str),
    End,
}

struct Lexer<'a> {
    text: &'a str,
    toks: Vec<(Tok, Span)>,
}

const SYMBOLS: [&str; 15] = [
    "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",",
];

impl<'a> Lexer<'a> {
    fn run(text: &'a str) -> Result<Vec<(Tok, Span)>, RuleError> {
        let mut lx = Lexer {
            text,
            toks: Vec::new(),
        };
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_whitespace() {
                i += 1;
                continue;
            }
            let start = i;
            if c == b'"' {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += 1;
                }
                if j >= b.len() {
                    return Err(RuleError::new(
                        Span {
                            start,
                            end: b.len(),
                        },
                        "a text in double quotes is not closed",
                    ));
                }
                let s = text.get(i + 1..j).unwrap_or_default().to_string();
                lx.toks.push((Tok::Str(s), Span { start, end: j + 1 }));
                i = j + 1;
                continue;
            }
            if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
                let mut j = i;
                while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.' || b[j] == b'_') {
                    j += 1;
                }
                let s: String = text
                    .get(i..j)
                    .unwrap_or_default()
                    .chars()
                    .filter(|&c| c != '_')
                    .collect();
                let v: f64 = s.parse().map_err(|_| {
                    RuleError::new(Span { start, end: j }, format!("not a number: {s}"))
                })?;
                lx.toks.push((Tok::Num(v), Span { start, end: j }));
                i = j;
                continue;
            }
            if c.is_ascii_alphabetic() || c == b'_' {
                let mut j = i;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'.')
                {
                    j += 1;
                }
                let s = text.get(i..j).unwrap_or_default().to_string();
                lx.toks.push((Tok::Ident(s), Span { start, end: j }));
                i = j;
                continue;
            }
            if let Some(sym) = SYMBOLS.iter().find(|s| b[i..].starts_with(s.as_bytes())) {
                i += sym.len();
                lx.toks.push((Tok::Sym(sym), Span { start, end: i }));
                continue;
            }
            let ch = text.get(i..).and_then(|r| r.chars().next()).unwrap_or('?');
            let hint = match ch {
                '=' => " (write == to compare)",
                '&' => " (write and)",
                '|' => " (write or)",
                '!' => " (write not, or != to compare)",
                '≥' => " (write >=)",
                '≤' => " (write <=)",
                '“' | '”' => " (texts take straight double quotes \")",
                _ => "",
            };
            return Err(RuleError::new(
                Span {
                    start,
                    end: start + ch.len_utf8(),
                },
                format!("unexpected character {ch:?}{hint}"),
            ));
        }
        lx.toks.push((
            Tok::End,
            Span {
                start: lx.text.len(),
                end: lx.text.len(),
            },
        ));
        Ok(lx.toks)
    }
}

struct Parser {
    toks: Vec<(Tok, Span)>,
    pos: usize,
}

/// Parses a rule.
///
/// # Errors
/// The first syntax error with its span.
pub fn parse(text: &str) -> Result<Expr, RuleError> {
    let toks = Lexer::run(text)?;
    let mut p = Parser { toks, pos: 0 };
    let e = p.or()?;
    match p.peek() {
        Tok::End => Ok(e),
        t => Err(RuleError::new(
            p.span(),
            format!("unexpected {} after a complete expression", describe(t)),
        )),
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(v) => format!("number {v}"),
        Tok::Str(s) => format!("text \"{s}\""),
        Tok::Ident(s) => format!("'{s}'"),
        Tok::Sym(s) => format!("'{s}'"),
        Tok::End => "end of rule".into(),
    }
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.pos).map_or(&Tok::End, |t| &t.0)
    }

    fn span(&self) -> Span {
        self.toks.get(self.pos).map(|t| t.1).unwrap_or_default()
    }

    fn bump(&mut self) -> (Tok, Span) {
        let t = self
            .toks
            .get(self.pos)
            .cloned()
            .unwrap_or((Tok::End, Span::default()));
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s == w)
    }

    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Sym(x) if *x == s)
    }

    fn expect_sym(&mut self, s: &str) -> Result<Span, RuleError> {
        if self.is_sym(s) {
            Ok(self.bump().1)
        } else {
            Err(RuleError::new(
                self.span(),
                format!("expected '{s}', found {}", describe(self.peek())),
            ))
        }
    }

    fn or(&mut self) -> Result<Expr, RuleError> {
        let mut e = self.and()?;
        while self.is_word("or") {
            self.bump();
            let r = self.and()?;
            e = bin(BinOp::Or, e, r);
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, RuleError> {
        let mut e = self.not()?;
        while self.is_word("and") {
            self.bump();
            let r = self.not()?;
            e = bin(BinOp::And, e, r);
        }
        Ok(e)
    }

    fn not(&mut self) -> Result<Expr, RuleError> {
        if self.is_word("not") {
            let (_, s) = self.bump();
            let e = self.not()?;
            let span = s.to(e.span);
            return Ok(Expr {
                raw: Raw::Not(Box::new(e)),
                span,
            });
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Expr, RuleError> {
        let l = self.sum()?;
        let op = match self.peek() {
            Tok::Sym("==") => Some(BinOp::Eq),
            Tok::Sym("!=") => Some(BinOp::Ne),
            Tok::Sym("<") => Some(BinOp::Lt),
            Tok::Sym("<=") => Some(BinOp::Le),
            Tok::Sym(">") => Some(BinOp::Gt),
            Tok::Sym(">=") => Some(BinOp::Ge),
            _ => None,
        };
        let e = if let Some(op) = op {
            self.bump();
            let r = self.sum()?;
            bin(op, l, r)
        } else if self.is_word("in") {
            self.bump();
            self.in_list(l, false)?
        } else if self.is_word("not")
            && matches!(self.toks.get(self.pos + 1), Some((Tok::Ident(w), _)) if w == "in")
        {
            self.bump();
            self.bump();
            self.in_list(l, true)?
        } else if self.is_word("within") {
            self.bump();
            let r = self.sum()?;
            let span = l.span.to(r.span);
            Expr {
                raw: Raw::Within(Box::new(l), Box::new(r)),
                span,
            }
        } else {
            return Ok(l);
        };
        if matches!(self.peek(), Tok::Sym("==" | "!=" | "<" | "<=" | ">" | ">="))
            || self.is_word("in")
            || self.is_word("within")
        {
            return Err(RuleError::new(
                self.span(),
                "comparisons do not chain: write a < b and b < c",
            ));
        }
        Ok(e)
    }

    fn in_list(&mut self, l: Expr, negated: bool) -> Result<Expr, RuleError> {
        let open = self.span();
        if !self.is_sym("[") {
            return Err(RuleError::new(
                open,
                format!(
                    "expected a list in [ ] after 'in', found {}",
                    describe(self.peek())
                ),
            ));
        }
        let list = self.list()?;
        let Raw::List(items) = list.raw else {
            return Err(RuleError::new(open, "expected a list"));
        };
        let span = l.span.to(list.span);
        Ok(Expr {
            raw: Raw::In(Box::new(l), items, negated),
            span,
        })
    }

    fn sum(&mut self) -> Result<Expr, RuleError> {
        let mut e = self.prod()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("+") => BinOp::Add,
                Tok::Sym("-") => BinOp::Sub,
                _ => return Ok(e),
            };
            self.bump();
            let r = self.prod()?;
            e = bin(op, e, r);
        }
    }

    fn prod(&mut self) -> Result<Expr, RuleError> {
        let mut e = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("*") => BinOp::Mul,
                Tok::Sym("/") => BinOp::Div,
                _ => return Ok(e),
            };
            self.bump();
            let r = self.unary()?;
            e = bin(op, e, r);
        }
    }

    fn unary(&mut self) -> Result<Expr, RuleError> {
        if self.is_sym("-") {
            let (_, s) = self.bump();
            let e = self.unary()?;
            let span = s.to(e.span);
            return Ok(Expr {
                raw: Raw::Neg(Box::new(e)),
                span,
            });
        }
        self.atom()
    }

    fn list(&mut self) -> Result<Expr, RuleError> {
        let open = self.expect_sym("[")?;
        let mut items = Vec::new();
        if !self.is_sym("]") {
            loop {
                items.push(self.or()?);
                if self.is_sym(",") {
                    self.bump();
                    continue;
                }
                break;
            }
        }
        let close = self.expect_sym("]")?;
        Ok(Expr {
            raw: Raw::List(items),
            span: open.to(close),
        })
    }

    fn atom(&mut self) -> Result<Expr, RuleError> {
        let span = self.span();
        match self.peek().clone() {
            Tok::Num(v) => {
                self.bump();
                Ok(Expr {
                    raw: Raw::Num(v),
                    span,
                })
            }
            Tok::Str(s) => {
                self.bump();
                Ok(Expr {
                    raw: Raw::Str(s),
                    span,
                })
            }
            Tok::Sym("(") => {
                self.bump();
                let e = self.or()?;
                let close = self.expect_sym(")")?;
                Ok(Expr {
                    raw: e.raw,
                    span: span.to(close),
                })
            }
            Tok::Sym("[") => self.list(),
            Tok::Ident(name) => {
                self.bump();
                match name.as_str() {
                    "true" => {
                        return Ok(Expr {
                            raw: Raw::Bool(true),
                            span,
                        });
                    }
                    "false" => {
                        return Ok(Expr {
                            raw: Raw::Bool(false),
                            span,
                        });
                    }
                    "and" | "or" | "not" | "in" | "within" => {
                        return Err(RuleError::new(
                            span,
                            format!("'{name}' needs something before it"),
                        ));
                    }
                    _ => {}
                }
                let path: Vec<String> = name.split('.').map(str::to_string).collect();
                if path.iter().any(String::is_empty) {
                    return Err(RuleError::new(span, format!("malformed name '{name}'")));
                }
                if self.is_sym("(") {
                    self.bump();
                    let mut args = Vec::new();
                    if !self.is_sym(")") {
                        loop {
                            args.push(self.or()?);
                            if self.is_sym(",") {
                                self.bump();
                                continue;
                            }
                            break;
                        }
                    }
                    let close = self.expect_sym(")")?;
                    return Ok(Expr {
                        raw: Raw::Call(path, args),
                        span: span.to(close),
                    });
                }
                Ok(Expr {
                    raw: Raw::Name(path),
                    span,
                })
            }
            t => Err(RuleError::new(
                span,
                format!("expected a value, found {}", describe(&t)),
            )),
        }
    }
}

fn bin(op: BinOp, l: Expr, r: Expr) -> Expr {
    let span = l.span.to(r.span);
    Expr {
        raw: Raw::Binary(op, Box::new(l), Box::new(r)),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_spans() {
        let Ok(e) = parse("age >= 65 and not dibao or x in [1, 2]") else {
            unreachable!()
        };
        let Raw::Binary(BinOp::Or, l, r) = &e.raw else {
            unreachable!("{e:?}")
        };
        assert!(matches!(l.raw, Raw::Binary(BinOp::And, _, _)));
        assert!(matches!(r.raw, Raw::In(_, _, false)));
        assert_eq!(e.span, Span { start: 0, end: 38 });
        let Ok(e) = parse("1 + 2 * 3") else {
            unreachable!()
        };
        let Raw::Binary(BinOp::Add, _, r) = &e.raw else {
            unreachable!()
        };
        assert!(matches!(r.raw, Raw::Binary(BinOp::Mul, _, _)));
    }

    #[test]
    fn errors_point_at_the_place() {
        let text = "age >= 65 and 低保";
        let Err(e) = parse(text) else { unreachable!() };
        assert_eq!(e.column(text), 15);
        let Err(e) = parse("a < b < c") else {
            unreachable!()
        };
        assert!(e.message.contains("chain"), "{e}");
        let Err(e) = parse("age = 65") else {
            unreachable!()
        };
        assert!(e.message.contains("=="), "{e}");
        let Err(e) = parse("(age > 1") else {
            unreachable!()
        };
        assert!(e.message.contains("expected ')'"), "{e}");
        let Err(e) = parse("sex == \"F") else {
            unreachable!()
        };
        assert!(e.message.contains("not closed"), "{e}");
        assert!(parse("x not in [1]").is_ok());
        assert!(parse("").is_err());
    }
}
