//! Field tables: the fields a declaration, a call form or a stage accepts, each with its type,
//! range and default (the paper's, Appendix B.2). The checker is driven by these tables, so an
//! unknown field, a missing one or an out-of-range value is reported the same way everywhere.

use crate::spec::decl_kind::DeclKind;
use crate::spec::level::Level;

/// The type of a field.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// An integer `>= min`.
    Int {
        min: i64,
    },
    /// A number in `min..=max` (`min` excluded when `open_min`, `max` when `open_max`).
    Float {
        min: f64,
        open_min: bool,
        max: Option<f64>,
        open_max: bool,
    },
    Str,
    /// The NAME of an environment variable (`OPENAI_API_KEY`), never its value.
    EnvName,
    /// A relative path, rebased onto the experiment file's directory. Never checked for
    /// existence: model weights and datasets may be absent when an experiment is checked or
    /// planned (the executor reports a missing file when a stage needs it).
    Path,
    Bool,
    /// One of the listed symbols.
    Sym(&'static [&'static str]),
    /// One of the listed symbols, or an integer `>= min` (`queries: all | first | 3`).
    SymOrInt {
        syms: &'static [&'static str],
        min: i64,
    },
    /// A list of the listed symbols (a single symbol is accepted as a list of one).
    SymList(&'static [&'static str]),
    StrList,
    /// A non-empty list of integers `>= min` (`layers: [26, 27, 28, 29]`).
    IntList {
        min: i64,
    },
    Range,
    Ref(DeclKind),
    /// A list of references (a single name is accepted as a list of one).
    RefList(DeclKind),
    /// A reward of this level: a `reward` name or an inline reward expression.
    Reward(Level),
    Object(&'static [FieldSpec]),
    ObjList(&'static [FieldSpec]),
    /// `{ name: "text" ... }`
    StrMap,
    /// One of the call forms `name(args)`; a bare `name` is a call without arguments.
    Variant(&'static [(&'static str, &'static [FieldSpec])]),
}

/// Whether a field must be written, may be left out, or has a default.
#[derive(Debug, Clone, Copy)]
pub enum Preset {
    Required,
    Optional,
    Int(i64),
    Float(f64),
    Str(&'static str),
    Bool(bool),
    Sym(&'static str),
    Syms(&'static [&'static str]),
    Range(f64, f64),
    EmptyList,
}

/// One accepted field.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub ty: Ty,
    pub default: Preset,
}

/// A table entry.
pub const fn f(name: &'static str, ty: Ty, default: Preset) -> FieldSpec {
    FieldSpec { name, ty, default }
}

/// An integer `>= min`.
pub const fn int(min: i64) -> Ty {
    Ty::Int { min }
}

/// A number `>= 0`.
pub const fn nonneg() -> Ty {
    Ty::Float {
        min: 0.0,
        open_min: false,
        max: None,
        open_max: false,
    }
}

/// A number `> 0`.
pub const fn positive() -> Ty {
    Ty::Float {
        min: 0.0,
        open_min: true,
        max: None,
        open_max: false,
    }
}

/// A number in `(0, 1]`.
pub const fn unit_open() -> Ty {
    Ty::Float {
        min: 0.0,
        open_min: true,
        max: Some(1.0),
        open_max: false,
    }
}

/// A probability in `[0, 1)`.
pub const fn probability_below_one() -> Ty {
    Ty::Float {
        min: 0.0,
        open_min: false,
        max: Some(1.0),
        open_max: true,
    }
}

/// Two tables as one (`N` = `A + B`), for kinds that share a group of fields.
pub const fn join<const A: usize, const B: usize, const N: usize>(
    a: [FieldSpec; A],
    b: [FieldSpec; B],
) -> [FieldSpec; N] {
    assert!(A + B == N, "join: N must be A + B");
    let mut out = [f("", Ty::Bool, Preset::Optional); N];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - A];
        i += 1;
    }
    out
}

/// The field called `name` in a table.
pub fn find(table: &'static [FieldSpec], name: &str) -> Option<&'static FieldSpec> {
    table.iter().find(|f| f.name == name)
}
