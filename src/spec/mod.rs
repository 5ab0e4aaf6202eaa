//! The vocabulary of mascot, the bottom layer every other module builds on: the stage kinds
//! (one file each, [`stages`]), checked values and field tables, the specs of models,
//! datasets, personas, rubrics, judges and rewards, and what a kind's planner sees
//! ([`wiring`]). It imports nothing of the crate but [`crate::util`].

pub mod codes;
pub mod dataset;
pub mod decl;
pub mod decoding;
pub mod experiment;
pub mod field;
pub mod judge;
pub mod model;
pub mod persona;
pub mod reward;
pub mod rubric;
pub mod stages;
pub mod users;
pub mod value;
pub mod wiring;

pub use decl::{DeclKind, Decls};
pub use stages::{KindSpec, StageKind};
pub use value::{Fields, LowerError, Val};
pub use wiring::ExternalInput;
