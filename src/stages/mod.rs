//! Executable stage kinds, one file each: a kind reads its input artifacts, calls the model
//! runtime and the dataset readers, and writes the files its spec
//! (`crate::spec::stages::<kind>`) names. [`registry`] maps kinds to implementations; kinds
//! without one fail with a clear "not executable yet" error.

pub mod context;
pub mod output;
pub mod registry;
pub mod sampler;

pub mod compare;
pub mod load_dataset;
pub mod report;
pub mod sample_candidates;
pub mod simulated_users;
#[cfg(test)]
pub mod toy;

pub use context::{InputArtifact, NoProgress, StageContext, StageProgress};
pub use output::StageOutput;
pub use registry::{implementation, is_executable, run_stage};
