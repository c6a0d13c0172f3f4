//! The rule language: parse ([`parse`]), check against the fields and a catalogue's parameters ([`check`]),
//! evaluate column by column over a registry or trace one person ([`eval`]). Syntax: `docs/catalogue-format.md`.

pub mod check;
pub mod eval;
pub mod parse;

pub use check::{Checked, Hh, Kind, Node, ParamDecl, Scope, TextKind, Ty, check};
pub use eval::{BLOCK, Ctx, Program, Step, Val, num, params_of};
pub use parse::{RuleError, Span, parse};
