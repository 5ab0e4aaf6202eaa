//! Executable stage kinds. [`run_stage`] dispatches on the kind; kinds without an
//! implementation fail with a clear "not executable yet" error.

pub mod context;
pub mod dispatch;
pub mod jsonl;
pub mod load_dataset;
pub mod persona_prompt;
pub mod report;
pub mod sample_candidates;
pub mod sample_candidates_model;
pub mod simulated_users;

pub use context::{InputArtifact, NoProgress, StageContext, StageProgress};
pub use dispatch::{StageOutput, run_stage};
