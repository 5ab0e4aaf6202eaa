//! Checked values: what a field holds once its expression has been checked against the
//! field's [`crate::spec::field::Ty`]. References to declarations stay names (resolved through
//! [`crate::spec::decls::Decls`]). Values are read back through typed, fallible accessors
//! ([`Fields::req`], [`Fields::opt`]): a value of the wrong type is an error, never a 0.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::spec::decl_kind::DeclKind;
use crate::spec::reward::RewardSpec;
use crate::spec::symbol::Symbolic;

/// A checked value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    /// Relative to the root experiment file's directory, normalised.
    Path(PathBuf),
    Sym(String),
    List(Vec<Val>),
    Range(f64, f64),
    Ref(DeclKind, String),
    Reward(RewardSpec),
    Obj(Fields),
    /// A call form of a variant type (`tiny(...)`, `hf_dir("...")`): its name and arguments.
    Call(&'static str, Fields),
    /// Ordered `name: "text"` pairs (rubric criteria).
    StrMap(Vec<(String, String)>),
}

impl Val {
    /// A short label for variant names and descriptions (`qwen3_8b`, `0.5`).
    pub fn label(&self) -> String {
        match self {
            Val::Int(i) => i.to_string(),
            Val::Float(f) => f.to_string(),
            Val::Str(s) | Val::Sym(s) | Val::Ref(_, s) => s.clone(),
            Val::Bool(b) => b.to_string(),
            Val::Path(p) => p.to_string_lossy().into_owned(),
            Val::Range(a, b) => format!("{a}..{b}"),
            Val::List(v) => format!(
                "[{}]",
                v.iter().map(Val::label).collect::<Vec<_>>().join(", ")
            ),
            Val::Reward(_) => "reward".into(),
            Val::Obj(_) => "object".into(),
            Val::Call(n, _) => format!("{n}(..)"),
            Val::StrMap(_) => "map".into(),
        }
    }

    /// What kind of value this is, in words (for error messages).
    pub fn describe(&self) -> &'static str {
        match self {
            Val::Int(_) => "an integer",
            Val::Float(_) => "a number",
            Val::Str(_) => "a string",
            Val::Bool(_) => "a boolean",
            Val::Path(_) => "a path",
            Val::Sym(_) => "a symbol",
            Val::List(_) => "a list",
            Val::Range(..) => "a range",
            Val::Ref(..) => "a reference",
            Val::Reward(_) => "a reward",
            Val::Obj(_) => "an object",
            Val::Call(..) => "a call form",
            Val::StrMap(_) => "a map",
        }
    }
}

/// A value that could not be turned into what the reader needed. The checker guarantees the
/// shape of every field against its table, so this is a disagreement between a table and the
/// code that reads it: a bug, reported rather than papered over.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LowerError {
    #[error("field `{field}` is missing")]
    Missing { field: String },
    #[error("field `{field}` holds {found}, expected {expected}")]
    WrongType {
        field: String,
        expected: &'static str,
        found: String,
    },
    #[error("no {kind} named `{name}` was declared")]
    Unresolved { kind: &'static str, name: String },
    #[error("{0}")]
    Other(String),
}

impl LowerError {
    /// The same error, with the field named as `outer.field`.
    pub fn within(self, outer: &str) -> LowerError {
        match self {
            LowerError::Missing { field } => LowerError::Missing {
                field: format!("{outer}.{field}"),
            },
            LowerError::WrongType {
                field,
                expected,
                found,
            } => LowerError::WrongType {
                field: format!("{outer}.{field}"),
                expected,
                found,
            },
            other => other,
        }
    }
}

/// A type a checked value converts to.
pub trait FromVal: Sized {
    /// What the value must be, in words.
    const EXPECTED: &'static str;
    /// The converted value, or `None` when `v` is not one.
    fn from_val(v: &Val) -> Option<Self>;
}

/// Checked fields of a block, by field name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(BTreeMap<&'static str, Val>);

impl Fields {
    pub fn new() -> Self {
        Fields(BTreeMap::new())
    }

    pub fn insert(&mut self, name: &'static str, value: Val) {
        self.0.insert(name, value);
    }

    pub fn get(&self, name: &str) -> Option<&Val> {
        self.0.get(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Val)> {
        self.0.iter().map(|(k, v)| (*k, v))
    }

    /// A field that must be present, as `T`.
    pub fn req<T: FromVal>(&self, name: &str) -> Result<T, LowerError> {
        self.opt(name)?.ok_or_else(|| LowerError::Missing {
            field: name.to_string(),
        })
    }

    /// A field that may be absent, as `T`.
    pub fn opt<T: FromVal>(&self, name: &str) -> Result<Option<T>, LowerError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(v) => T::from_val(v)
                .map(Some)
                .ok_or_else(|| LowerError::WrongType {
                    field: name.to_string(),
                    expected: T::EXPECTED,
                    found: format!("{} `{}`", v.describe(), v.label()),
                }),
        }
    }
}

impl FromVal for i64 {
    const EXPECTED: &'static str = "an integer";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl FromVal for usize {
    const EXPECTED: &'static str = "a non-negative integer";
    fn from_val(v: &Val) -> Option<Self> {
        i64::from_val(v).and_then(|i| usize::try_from(i).ok())
    }
}

impl FromVal for u64 {
    const EXPECTED: &'static str = "a non-negative integer";
    fn from_val(v: &Val) -> Option<Self> {
        i64::from_val(v).and_then(|i| u64::try_from(i).ok())
    }
}

impl FromVal for f64 {
    const EXPECTED: &'static str = "a number";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::Float(f) => Some(*f),
            Val::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl FromVal for f32 {
    const EXPECTED: &'static str = "a number";
    fn from_val(v: &Val) -> Option<Self> {
        f64::from_val(v).map(|x| x as f32)
    }
}

impl FromVal for bool {
    const EXPECTED: &'static str = "a boolean";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl FromVal for String {
    const EXPECTED: &'static str = "a string";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::Str(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl FromVal for PathBuf {
    const EXPECTED: &'static str = "a path";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::Path(p) => Some(p.clone()),
            _ => None,
        }
    }
}

impl<T: FromVal> FromVal for Vec<T> {
    const EXPECTED: &'static str = "a list";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::List(items) => items.iter().map(T::from_val).collect(),
            _ => None,
        }
    }
}

impl FromVal for [f64; 2] {
    const EXPECTED: &'static str = "a range";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::Range(a, b) => Some([*a, *b]),
            _ => None,
        }
    }
}

impl FromVal for Fields {
    const EXPECTED: &'static str = "an object";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::Obj(f) => Some(f.clone()),
            _ => None,
        }
    }
}

/// A symbol from an open list (LoRA targets, dtypes, MBTI codes): kept as its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol(pub String);

impl FromVal for Symbol {
    const EXPECTED: &'static str = "a symbol";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::Sym(s) => Some(Symbol(s.clone())),
            _ => None,
        }
    }
}

/// A reference to a declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    pub kind: DeclKind,
    pub name: String,
}

impl FromVal for Ref {
    const EXPECTED: &'static str = "the name of a declaration";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::Ref(kind, name) => Some(Ref {
                kind: *kind,
                name: name.clone(),
            }),
            _ => None,
        }
    }
}

/// A call form (`tiny(...)`, `openai(...)`): which one and its checked arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub form: &'static str,
    pub args: Fields,
}

impl FromVal for Call {
    const EXPECTED: &'static str = "a call form";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::Call(form, args) => Some(Call {
                form,
                args: args.clone(),
            }),
            _ => None,
        }
    }
}

/// Ordered `name: "text"` entries.
#[derive(Debug, Clone, PartialEq)]
pub struct StrMap(pub Vec<(String, String)>);

impl FromVal for StrMap {
    const EXPECTED: &'static str = "a map of strings";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::StrMap(m) => Some(StrMap(m.clone())),
            _ => None,
        }
    }
}

impl<T: Symbolic> FromVal for T {
    const EXPECTED: &'static str = "one of the field's symbols";
    fn from_val(v: &Val) -> Option<Self> {
        match v {
            Val::Sym(s) => T::from_name(s),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_type_is_an_error_not_a_zero() {
        let mut f = Fields::new();
        f.insert("k", Val::Str("eight".into()));
        f.insert("n", Val::Int(-1));
        let err = f.req::<usize>("k").unwrap_err();
        assert_eq!(
            err.to_string(),
            "field `k` holds a string `eight`, expected a non-negative integer"
        );
        assert!(f.req::<usize>("n").is_err());
        assert_eq!(
            f.req::<usize>("absent").unwrap_err(),
            LowerError::Missing {
                field: "absent".into()
            }
        );
        assert_eq!(f.opt::<usize>("absent").unwrap(), None);
    }

    #[test]
    fn lists_convert_element_by_element() {
        let mut f = Fields::new();
        f.insert("l", Val::List(vec![Val::Int(1), Val::Int(2)]));
        f.insert("m", Val::List(vec![Val::Int(1), Val::Str("x".into())]));
        assert_eq!(f.req::<Vec<usize>>("l").unwrap(), vec![1, 2]);
        assert!(f.req::<Vec<usize>>("m").is_err());
    }
}
