//! The stage kinds, one file each: its field table, its typed parameters and their lowering
//! from checked fields, how its nodes are wired to earlier stages, its prerequisites, and the
//! names and row types of the files its artifact holds.
//!
//! Adding a kind: write `src/spec/stages/<kind>.rs` (a `SPEC: KindSpec`), add one line to the
//! list below, then its implementation `src/stages/<kind>.rs` and one line in the
//! executor's registry (`src/stages/mod.rs`).

mod registry;

pub mod common;
pub mod grpo;

pub use registry::{KindSpec, Planner, SummaryInput};

registry::stage_kinds! {
    /// Read a dataset split and select a subset (ED valence subset, QMSum domain).
    LoadDataset => load_dataset,
    /// The simulated user profiles (16 MBTI types).
    SimulatedUsers => simulated_users,
    /// Supervised fine-tuning of the base policy.
    TrainSft => train_sft,
    /// Equation 1: K candidate responses per (context, persona).
    SampleCandidates => sample_candidates,
    /// Score candidates with a judge on rubric criteria (equation 2).
    JudgeCandidates => judge_candidates,
    /// Keep pairs with margin >= delta.
    BuildPreferences => build_preferences,
    /// Bradley-Terry reward model (equation 3).
    TrainRewardModel => train_reward_model,
    /// Phase 1: GRPO with LoRA on RM + lambda * format reward (equations 4, 5).
    AlignPersonas => align_personas,
    /// Phase 2: GRPO for the director on the group reward (equation 7).
    OptimizeDirector => optimize_director,
    /// Generate conversations for an evaluation subset (MASCOT or a baseline).
    GenerateConversations => generate_conversations,
    /// Score conversations with agent-level and group-level rubrics (0-100).
    Evaluate => evaluate,
    /// A stage kind that exists only in test builds: it proves that a kind is one spec
    /// file, one implementation file and one line in each registry.
    #[cfg(test)]
    Toy => toy,
    /// Markdown summary of a run.
    Report => report,
}
