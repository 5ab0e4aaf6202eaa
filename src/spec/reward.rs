//! Rewards (equations 4 and 7): a reward is a weighted sum of signals, each signal agent-level
//! (`rm`, `format`) or group-level (`coherence`, `diverse`). The signal table drives the
//! checker; `crate::spec::lower::reward_signal` turns a checked call into its [`RewardSignal`].

use serde::{Deserialize, Serialize};

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int};
use crate::spec::judge::JudgeSpec;
use crate::spec::level::Level;
use crate::spec::model::ModelSpec;

/// `R = sum(weight * signal)` at one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RewardSpec {
    pub level: Level,
    pub terms: Vec<RewardTerm>,
}

impl RewardSpec {
    /// The base model of the `rm(...)` term, when the reward has one.
    pub fn reward_model(&self) -> Option<&ModelSpec> {
        self.terms.iter().find_map(|t| match &t.signal {
            RewardSignal::Rm { base } => Some(base),
            _ => None,
        })
    }

    /// The judge of the `coherence(...)` term, when the reward has one.
    pub fn coherence_judge(&self) -> Option<&JudgeSpec> {
        self.terms.iter().find_map(|t| match &t.signal {
            RewardSignal::Coherence { judge } => Some(judge),
            _ => None,
        })
    }
}

/// One weighted term of a reward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RewardTerm {
    pub weight: f64,
    #[serde(flatten)]
    pub signal: RewardSignal,
}

/// The signals a reward sums.
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

pub const RM: &[FieldSpec] = &[f("model", Ty::Ref(DeclKind::Model), Required)];
pub const FORMAT: &[FieldSpec] = &[
    f("think_min", int(0), Int(448)),
    f("answer_max", int(1), Int(64)),
];
pub const COHERENCE: &[FieldSpec] = &[f("judge", Ty::Ref(DeclKind::Judge), Required)];

/// Every signal: its name, arguments and level.
pub const REWARD_SIGNALS: &[(&str, &[FieldSpec], Level)] = &[
    ("rm", RM, Level::Agent),
    ("format", FORMAT, Level::Agent),
    ("coherence", COHERENCE, Level::Group),
    ("diverse", &[], Level::Group),
];
