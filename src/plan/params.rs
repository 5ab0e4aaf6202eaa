//! Typed canonical parameters of the stage kinds the executor runs. The planner serialises
//! these into [`crate::plan::Stage::params`]; the executor deserialises them back. Paths are
//! relative to the experiment file's directory (see [`crate::plan::ExternalInput`]).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::model::spec::ModelSpec;

/// `load_dataset`: one subset of one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dataset", rename_all = "snake_case")]
pub enum LoadDatasetParams {
    /// Empathetic Dialogues in its original CSV format: `<path>/<split>.csv`.
    EmpatheticDialogues {
        path: PathBuf,
        split: String,
        subset: EdSubset,
        /// Keep the first N conversations of the subset (file order); all when absent.
        limit: Option<usize>,
    },
    /// QMSum meeting JSON: `<path>/data/<Domain>/<split>/*.json` (`ALL` for every domain).
    Qmsum {
        path: PathBuf,
        split: String,
        domain: QmsumDomain,
        limit: Option<usize>,
    },
}

/// Valence subsets of Empathetic Dialogues (paper Table 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdSubset {
    Positive,
    Negative,
    Neutral,
    All,
}

/// QMSum domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QmsumDomain {
    Academic,
    Committee,
    Product,
    All,
}

/// `simulated_users`: the MBTI profiles to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatedUsersParams {
    /// Four-letter MBTI codes, e.g. `INFP`.
    pub types: Vec<String>,
}

/// A speaker persona as the stages see it (paper Table 7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Persona {
    pub name: String,
    pub description: String,
    pub traits: Vec<String>,
    pub style: Option<String>,
    pub examples: Vec<FewShotExample>,
}

/// One few-shot example of a persona.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FewShotExample {
    pub context: String,
    pub response: String,
}

/// `sample_candidates` (equation 1): K responses per (context, persona). Input: one
/// `load_dataset` stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleCandidatesParams {
    pub model: ModelSpec,
    pub personas: Vec<Persona>,
    /// K, at least 2.
    pub k: usize,
    pub temperature: f32,
    pub top_p: f32,
    pub top_k: Option<usize>,
    pub max_tokens: usize,
    pub seed: u64,
    /// Use only the first N contexts of the input dataset; all when absent.
    pub limit: Option<usize>,
}

/// `report`: a Markdown summary of what the run produced. Inputs: the stages it summarises.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportParams {
    pub title: String,
    pub variants: Vec<String>,
}

// ---------------------------------------------------------------------------------------
// Parameters of the kinds the executor does not run yet. The planner emits them so plans,
// keys and snapshots are complete; their executors read the same structs.
// ---------------------------------------------------------------------------------------

/// A judge or teacher: an OpenAI-compatible endpoint, a local model or the offline
/// heuristic judge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "snake_case")]
pub enum JudgeSpec {
    /// `api_key_env` is the NAME of the environment variable holding the key, never a key.
    Openai {
        base_url: String,
        model: String,
        temperature: f32,
        api_key_env: String,
    },
    Local {
        model: ModelSpec,
        temperature: f32,
    },
    /// Deterministic lexical scores; needs no model (tests, quickstart).
    Heuristic,
}

/// Agent-level (Table 5) or group-level (Table 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Agent,
    Group,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Agent => "agent",
            Level::Group => "group",
        }
    }
}

/// A judge rubric: Likert criteria and the rescale of their mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RubricSpec {
    pub level: Level,
    pub criteria: Vec<Criterion>,
    /// Likert bounds, `[1, 5]` in the paper.
    pub scale: [f64; 2],
    /// Reported range, `[0, 100]` in the paper.
    pub rescale: [f64; 2],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    pub name: String,
    pub description: String,
}

/// One weighted term of a reward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RewardTerm {
    pub weight: f64,
    #[serde(flatten)]
    pub signal: RewardSignal,
}

/// The signals a reward sums (equations 4 and 7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "signal", rename_all = "snake_case")]
pub enum RewardSignal {
    /// The learned persona reward model r_phi (agent level); its weights are the
    /// `train_reward_model` input of the stage.
    Rm { base: ModelSpec },
    /// Rule-based format reward: a `<think>` trace of at least `think_min` tokens and an
    /// answer of at most `answer_max` tokens (agent level).
    Format { think_min: usize, answer_max: usize },
    /// Coherence of a whole conversation block, scored by a judge (group level).
    Coherence { judge: JudgeSpec },
    /// Indicator penalising redundant persona selection (group level).
    Diverse,
}

/// `R = sum(weight * signal)` at one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RewardSpec {
    pub level: Level,
    pub terms: Vec<RewardTerm>,
}

/// `train_sft`: supervised fine-tuning of the base policy on teacher trajectories. Inputs:
/// the `load_dataset` stages of its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSftParams {
    pub model: ModelSpec,
    pub personas: Vec<Persona>,
    pub teacher: Option<JudgeSpec>,
    pub epochs: usize,
    pub batch: usize,
    pub lr: f64,
    pub seed: u64,
}

/// `judge_candidates` (equation 2): per-criterion Likert scores. Input: `sample_candidates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeCandidatesParams {
    pub judge: JudgeSpec,
    pub rubric: RubricSpec,
}

/// `build_preferences`: pairs with score margin >= delta. Input: `judge_candidates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildPreferencesParams {
    pub delta: f64,
}

/// `train_reward_model` (equation 3): Bradley-Terry head on a base model. Inputs: every
/// `build_preferences` stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRewardModelParams {
    pub base: ModelSpec,
    pub epochs: usize,
    pub batch: usize,
    pub lr: f64,
    pub seed: u64,
}

/// GRPO settings shared by both phases (equation 5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrpoParams {
    /// Group size G.
    pub group: usize,
    /// Clip epsilon.
    pub clip: f64,
    /// KL coefficient beta.
    pub beta: f64,
    pub epochs: usize,
    pub batch: usize,
    pub lr: f64,
    pub max_tokens: usize,
    pub temperature: f32,
}

/// `align_personas` (phase 1). Inputs: `train_sft` (when present), `train_reward_model`
/// (when the reward uses `rm`), the `load_dataset` stages of its prompts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlignPersonasParams {
    /// The speaker base model, with its LoRA.
    pub model: ModelSpec,
    pub personas: Vec<Persona>,
    pub reward: RewardSpec,
    pub grpo: GrpoParams,
    pub seed: u64,
}

/// `optimize_director` (phase 2). Inputs: the speaker policy stage (`align_personas`, else
/// `train_sft`), the `load_dataset` stages of its prompts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizeDirectorParams {
    /// The director model; equal to the speaker when parameters are shared.
    pub director: ModelSpec,
    pub speaker: ModelSpec,
    pub share_params: bool,
    pub personas: Vec<Persona>,
    pub reward: RewardSpec,
    /// Turns N of an episode.
    pub turns: usize,
    pub grpo: GrpoParams,
    pub seed: u64,
}

/// `generate_conversations`: N-turn conversations of one system on one subset. Inputs: the
/// `load_dataset` stage, the trained stages the system needs, `simulated_users` when set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerateConversationsParams {
    /// `mascot` or a baseline (`zero_shot`, `few_shot`, `zero_shot_cot`, `few_shot_cot`,
    /// `self_consistency`, `sft`, `multi_agent_esc`).
    pub system: String,
    pub speaker: ModelSpec,
    pub director: Option<ModelSpec>,
    pub personas: Vec<Persona>,
    /// `director`, `random` or `round_robin`.
    pub order: String,
    pub turns: usize,
    pub temperature: f32,
    pub max_tokens: usize,
    /// Samples voted over by `self_consistency`.
    pub samples: usize,
    pub limit: Option<usize>,
    pub seed: u64,
}

/// `evaluate`: rubric scores (0-100) of one conversation set. Input: `generate_conversations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluateParams {
    pub judge: JudgeSpec,
    pub rubrics: Vec<RubricSpec>,
}
