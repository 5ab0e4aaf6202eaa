//! The compiled plan: a DAG of stage nodes with content keys (see `KEYS.md`).
//!
//! [`expand`] turns the checked IR into named variants, [`build`] into the deduplicated DAG;
//! [`compile_file`] runs the whole front half (load, check, expand, build).

pub mod build;
pub mod compile;
pub mod expand;
pub mod ir;
pub mod key;
pub mod render;
pub mod rules;
pub mod sealed;
pub mod snapshot;
pub mod thinking_budget;

pub use build::build;
pub use compile::{Compiled, compile, compile_bytes, compile_file, compile_file_with};
pub use expand::{ExpandedVariant, expand};
pub use ir::{Stage, StageId, Variant};
pub use key::{ContentKey, content_key};
pub use sealed::{Plan, PlanError, PlanParts, RestrictError};
