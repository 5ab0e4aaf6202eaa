//! The compiled plan: a DAG of stage nodes with content keys (see `KEYS.md`).

pub mod ir;
pub mod params;

pub use ir::{ContentKey, ExternalInput, Plan, Stage, StageId, StageKind, Variant};
