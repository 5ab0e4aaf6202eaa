//! The vocabulary of mascot, the bottom layer every other module builds on: the stage kinds
//! (one file each, [`stages`]), checked values and field tables, the specs of models,
//! datasets, personas, rubrics, judges, rewards and the executor declaration, their lowering
//! from checked fields, what a kind's planner sees ([`wiring`]) and the error-code registry.
//! It imports nothing of the crate but [`crate::util`].

pub mod codes;
pub mod context;
pub mod dataset;
pub mod decl_kind;
pub mod decls;
pub mod decoding;
pub mod executor;
pub mod experiment;
pub mod field;
pub mod hub_id;
pub mod judge;
pub mod level;
pub mod lower;
pub mod model;
pub mod persona;
pub mod persona_prompt;
pub mod reward;
pub mod rubric;
pub mod slurm_settings;
pub mod stages;
pub mod symbol;
pub mod users;
pub mod usual;
pub mod value;
pub mod wiring;

pub use decl_kind::DeclKind;
pub use decls::Decls;
pub use stages::{KindSpec, StageKind};
pub use value::{Fields, LowerError, Val};
pub use wiring::ExternalInput;
