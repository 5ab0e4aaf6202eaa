//! The stage kinds, one file each: its field table, its typed parameters and their lowering
//! from checked fields, how its nodes are wired to earlier stages, its prerequisites, and the
//! names and row types of the files its artifact holds.
//!
//! Adding a kind: write `src/spec/stages/<kind>.rs` (a `SPEC: KindSpec`) and add one line to
//! the list in `kind.rs`; then its implementation `src/stages/<kind>.rs` and one line in the
//! executor's registry (`src/stages/registry.rs`).

pub mod common;
pub mod grpo;
pub mod kind;
pub mod kind_spec;
pub mod registry;

kind::with_stage_kinds!(declare_modules);
use kind::declare_modules;

pub use kind::StageKind;
pub use kind_spec::{KindSpec, Planner, SummaryInput, SummaryVariant};
