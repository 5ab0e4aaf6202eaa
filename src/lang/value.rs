//! Checked values: what a field holds once its expression has been checked against the
//! field's type. References to declarations stay names; the IR keeps the resolved
//! declarations in [`crate::lang::ir::Decls`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::plan::params::RewardSpec;

/// The kinds of named declarations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeclKind {
    Persona,
    Rubric,
    Model,
    Users,
    Dataset,
    Judge,
    Reward,
}

impl DeclKind {
    pub fn keyword(self) -> &'static str {
        match self {
            DeclKind::Persona => "persona",
            DeclKind::Rubric => "rubric",
            DeclKind::Model => "model",
            DeclKind::Users => "users",
            DeclKind::Dataset => "dataset",
            DeclKind::Judge => "judge",
            DeclKind::Reward => "reward",
        }
    }

    pub fn from_keyword(k: &str) -> Option<Self> {
        Some(match k {
            "persona" => DeclKind::Persona,
            "rubric" => DeclKind::Rubric,
            "model" => DeclKind::Model,
            "users" => DeclKind::Users,
            "dataset" => DeclKind::Dataset,
            "judge" => DeclKind::Judge,
            "reward" => DeclKind::Reward,
            _ => return None,
        })
    }

    /// The order declarations are resolved in: a kind only refers to earlier kinds.
    pub const ORDER: [DeclKind; 7] = [
        DeclKind::Persona,
        DeclKind::Rubric,
        DeclKind::Model,
        DeclKind::Users,
        DeclKind::Dataset,
        DeclKind::Judge,
        DeclKind::Reward,
    ];
}

/// Checked fields of a block, by field name.
pub type Fields = BTreeMap<&'static str, Val>;

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
    pub fn as_int(&self) -> i64 {
        match self {
            Val::Int(i) => *i,
            Val::Float(f) => *f as i64,
            _ => 0,
        }
    }

    pub fn as_usize(&self) -> usize {
        self.as_int().max(0) as usize
    }

    pub fn as_f64(&self) -> f64 {
        match self {
            Val::Int(i) => *i as f64,
            Val::Float(f) => *f,
            _ => 0.0,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Val::Str(s) | Val::Sym(s) | Val::Ref(_, s) => s,
            _ => "",
        }
    }

    pub fn as_bool(&self) -> bool {
        matches!(self, Val::Bool(true))
    }

    pub fn as_list(&self) -> &[Val] {
        match self {
            Val::List(v) => v,
            _ => &[],
        }
    }

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
}
