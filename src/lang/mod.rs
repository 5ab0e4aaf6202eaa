//! The `.mascot` language: parse (pest) -> AST with spans -> check -> IR.
//!
//! - [`load_file`] reads the experiment and its imports and parses each file ([`parse`]),
//! - [`check`] resolves names, types, ranges and rewards into the [`Ir`],
//! - [`format_source`] is the canonical formatter (`mascot fmt`).
//!
//! Every problem becomes a [`Diagnostic`] with a code, a labelled span and a help line.

pub mod ast;
pub mod check;
pub mod decls;
pub mod diagnostic;
pub mod executor;
pub mod fields;
pub mod fit;
pub mod fmt;
pub mod grammar;
pub mod ir;
pub mod judge_fit;
pub mod load;
pub mod messages;
pub mod overrides;
pub mod parse;
pub mod reward;
pub mod scan;
pub mod source;
pub mod span;
pub mod suggest;
pub mod types;
pub mod variants;

pub use ast::Ast;
pub use check::check;
pub use diagnostic::{Diagnostic, Diagnostics};
pub use fmt::format_source;
pub use ir::Ir;
pub use load::{Loaded, load_bytes, load_file};
pub use parse::parse;
pub use source::{SourceFile, SourceMap};
pub use span::{FileId, Span, Spanned};
