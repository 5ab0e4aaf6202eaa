//! The syntax tree of one `.mascot` file. Every node carries the span it was parsed from.

use crate::lang::span::{FileId, Span, Spanned};

/// One parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct Ast {
    pub file: FileId,
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Import {
        path: Spanned<String>,
        span: Span,
    },
    Experiment {
        title: Spanned<String>,
        body: Block,
        span: Span,
    },
    Decl {
        keyword: Spanned<String>,
        name: Spanned<String>,
        body: Block,
        span: Span,
    },
    Reward {
        name: Spanned<String>,
        expr: Expr,
        span: Span,
    },
    Pipeline {
        entries: Vec<PipelineEntry>,
        span: Span,
    },
    Variant {
        name: Spanned<String>,
        ops: Vec<VariantOp>,
        span: Span,
    },
    Sweep {
        name: Spanned<String>,
        /// The variants it applies to (`on ["A", "B"]`; empty: the base pipeline).
        on: Vec<Spanned<String>>,
        /// One axis each; several make a grid (their cartesian product).
        axes: Vec<SweepAxis>,
        span: Span,
    },
}

/// `stage.field in [values]`, one axis of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepAxis {
    pub path: FieldPath,
    pub values: Expr,
    pub span: Span,
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Import { span, .. }
            | Item::Experiment { span, .. }
            | Item::Decl { span, .. }
            | Item::Reward { span, .. }
            | Item::Pipeline { span, .. }
            | Item::Variant { span, .. }
            | Item::Sweep { span, .. } => *span,
        }
    }
}

/// `{ key: value ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub fields: Vec<Field>,
    pub span: Span,
}

/// `key: value`
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub key: Spanned<String>,
    pub value: Expr,
    pub span: Span,
}

/// An entry of the pipeline block: a setting (`speaker: qwen8b`) or a stage.
#[derive(Debug, Clone, PartialEq)]
pub enum PipelineEntry {
    Setting(Field),
    Stage {
        name: Spanned<String>,
        body: Block,
        span: Span,
    },
}

/// `stage.field` or `setting`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    pub stage: Option<Spanned<String>>,
    pub field: Spanned<String>,
    pub span: Span,
}

/// An operation of a variant.
#[derive(Debug, Clone, PartialEq)]
pub enum VariantOp {
    Remove {
        stage: Spanned<String>,
        span: Span,
    },
    Set {
        path: FieldPath,
        value: Expr,
        span: Span,
    },
}

impl VariantOp {
    pub fn span(&self) -> Span {
        match self {
            VariantOp::Remove { span, .. } | VariantOp::Set { span, .. } => *span,
        }
    }
}

/// An expression (a value, or arithmetic over values for rewards).
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Str(String),
    /// The number and whether it was written without a fraction or exponent.
    Num {
        value: f64,
        integer: bool,
        text: String,
    },
    Bool(bool),
    Name(String),
    Range {
        lo: f64,
        hi: f64,
        text: String,
    },
    List(Vec<Expr>),
    Object(Vec<Field>),
    Call {
        name: Spanned<String>,
        args: Vec<Arg>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Paren(Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
        }
    }
}

/// A call argument, named (`think_min: 448`) or positional.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<Spanned<String>>,
    pub value: Expr,
}

impl ExprKind {
    /// What the value is, in words, for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            ExprKind::Str(_) => "a string",
            ExprKind::Num { integer: true, .. } => "an integer",
            ExprKind::Num { .. } => "a number",
            ExprKind::Bool(_) => "a boolean",
            ExprKind::Name(_) => "a name",
            ExprKind::Range { .. } => "a range",
            ExprKind::List(_) => "a list",
            ExprKind::Object(_) => "an object",
            ExprKind::Call { .. } => "a call",
            ExprKind::Binary { .. } => "an arithmetic expression",
            ExprKind::Paren(inner) => inner.kind.describe(),
        }
    }
}
