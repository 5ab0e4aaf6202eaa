//! The plan IR: what the planner produces and the executor consumes.
//!
//! A [`Plan`] lists its stages in a topological order (every stage after its inputs), each
//! stage once: two variants that need the same stage with the same inputs share one node
//! (same [`ContentKey`]). The IR is plain serialisable data; graph algorithms live in the
//! planner passes, not here.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Stable, human-readable id of a stage node, `<variant>/<stage>[/<subset>]`, taken from the
/// first variant (in declaration order) that needs the node.
pub type StageId = String;

/// Hex blake3 digest identifying a stage's result (see `src/plan/KEYS.md`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContentKey(pub String);

impl ContentKey {
    /// The first 12 hex digits, for display.
    pub fn short(&self) -> &str {
        &self.0[..self.0.len().min(12)]
    }
}

impl std::fmt::Display for ContentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a stage does. The executor implements some kinds; running another kind fails with
/// a clear "not executable yet" error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    /// Read a dataset split and select a subset (ED valence subset, QMSum domain).
    LoadDataset,
    /// The simulated user profiles (16 MBTI types).
    SimulatedUsers,
    /// Supervised fine-tuning of the base policy.
    TrainSft,
    /// Equation 1: K candidate responses per (context, persona).
    SampleCandidates,
    /// Score candidates with a judge on rubric criteria (equation 2).
    JudgeCandidates,
    /// Keep pairs with margin >= delta.
    BuildPreferences,
    /// Bradley-Terry reward model (equation 3).
    TrainRewardModel,
    /// Phase 1: GRPO with LoRA on RM + lambda * format reward (equations 4, 5).
    AlignPersonas,
    /// Phase 2: GRPO for the director on the group reward (equation 7).
    OptimizeDirector,
    /// Generate conversations for an evaluation subset (MASCOT or a baseline).
    GenerateConversations,
    /// Score conversations with agent-level and group-level rubrics (0-100).
    Evaluate,
    /// Markdown summary of a run.
    Report,
}

impl StageKind {
    /// The snake_case name used in ids, keys and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            StageKind::LoadDataset => "load_dataset",
            StageKind::SimulatedUsers => "simulated_users",
            StageKind::TrainSft => "train_sft",
            StageKind::SampleCandidates => "sample_candidates",
            StageKind::JudgeCandidates => "judge_candidates",
            StageKind::BuildPreferences => "build_preferences",
            StageKind::TrainRewardModel => "train_reward_model",
            StageKind::AlignPersonas => "align_personas",
            StageKind::OptimizeDirector => "optimize_director",
            StageKind::GenerateConversations => "generate_conversations",
            StageKind::Evaluate => "evaluate",
            StageKind::Report => "report",
        }
    }
}

/// A file or directory a stage reads from outside the store. Its content hash enters the
/// executor's key for the stage (the plan's key holds only the path, see `KEYS.md`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExternalInput {
    /// What the file is to the stage: `dataset`, `weights`, `tokenizer`, `personas`...
    pub role: String,
    /// Path relative to the directory of the experiment file (imports resolved, `.` and
    /// `..` normalised), so that a plan and its keys do not depend on where the checkout is.
    /// The executor joins it to `Plan::source`'s directory.
    pub path: PathBuf,
}

/// One node of the DAG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub id: StageId,
    pub kind: StageKind,
    /// Canonical parameters: a JSON object (keys sorted), the typed structs of
    /// [`crate::plan::params`] for the kinds that have them.
    pub params: serde_json::Value,
    /// Upstream stages, by id, in a canonical order.
    pub inputs: Vec<StageId>,
    /// Files read from outside the store.
    pub external: Vec<ExternalInput>,
    pub key: ContentKey,
    /// The variants that need this node, in declaration order.
    pub variants: Vec<String>,
}

/// One expanded variant (MASCOT, MASCOT-P, a sweep point...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub name: String,
    /// How it was derived from the base pipeline, for display (`removes align_personas`).
    pub description: Option<String>,
    /// Every stage the variant needs, by id.
    pub stages: Vec<StageId>,
}

/// The compiled experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub experiment: String,
    /// The experiment file, as given on the command line.
    pub source: PathBuf,
    pub variants: Vec<Variant>,
    /// Topologically sorted, deduplicated.
    pub stages: Vec<Stage>,
}

impl Plan {
    /// The stage with this id.
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }
}
