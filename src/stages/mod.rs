//! Executable stage kinds, one file each: a kind reads its input artifacts, calls the model
//! runtime and the dataset readers, and writes the files its spec
//! (`crate::spec::stages::<kind>`) names. [`registry`] maps kinds to implementations; kinds
//! without one fail with a clear "not executable yet" error.

pub mod context;
pub mod director_rollouts;
pub mod grpo_run;
pub mod micro_batches;
pub mod output;
pub mod registry;
pub mod sampler;
pub mod sft_trajectories;
pub mod teacher;
pub mod train_progress;

pub mod align_personas;
pub mod build_preferences;
pub mod compare;
pub mod compare_policies;
pub mod evaluate;
pub mod evaluate_items;
pub mod generate_conversations;
pub mod judge_candidates;
pub mod load_dataset;
pub mod optimize_director;
pub mod report;
pub mod sample_candidates;
pub mod simulated_users;
#[cfg(test)]
pub mod toy;
pub mod train_reward_model;
pub mod train_sft;

pub use context::{InputArtifact, NoProgress, StageContext, StageProgress};
pub use output::StageOutput;
pub use registry::{implementation, is_executable, run_stage};
