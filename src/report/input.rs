//! What a report is made of: scores (a [`ScoreIndex`]), the variants and how they group
//! (ablation, size sweeps), training logs, example transcripts, who judged. The `report`
//! stage fills a [`ReportInput`] from its input artifacts and calls
//! [`crate::report::write_report`].

use serde::{Deserialize, Serialize};

use super::artifact::JudgeInfo;
use super::index::ScoreIndex;
use super::metrics::MetricsLog;
use super::run_stages::RunStage;

/// Everything a report shows.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub title: String,
    pub judge: JudgeInfo,
    pub scores: ScoreIndex,
    /// Variants in the order to show them, the base variant first. Empty: the variants of
    /// the scores, sorted by name.
    pub variants: Vec<String>,
    /// Ablations and sweeps: the variants each compares.
    pub groups: Vec<VariantGroup>,
    pub training: Vec<TrainingRun>,
    pub transcripts: Vec<Transcript>,
    /// The stages the report was made from, listed at its end.
    pub stages: Vec<RunStage>,
    /// "Did training work?": held-out measurements of the training stages.
    pub learning: Vec<super::learning::LearningRow>,
    /// "Run health": one sentence per thing to check before reading scores.
    pub health: Vec<String>,
    pub options: ReportOptions,
}

/// Report settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOptions {
    /// The system the variant tables and plots compare across variants. Default `mascot`.
    pub focus_system: String,
    /// Contexts shown as side-by-side example transcripts. Default 3.
    pub example_contexts: usize,
    /// Longest turn text shown in a transcript, in characters (longer ones are cut with
    /// `...`). Default 1200.
    pub max_turn_chars: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            focus_system: "mascot".into(),
            example_contexts: 3,
            max_turn_chars: 1200,
        }
    }
}

/// Variants compared as one figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantGroup {
    pub kind: GroupKind,
    /// `Ablation`, `Director size`.
    pub title: String,
    /// The variants in the order shown; for a sweep, the order of the x axis.
    pub points: Vec<GroupPoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// MASCOT vs MASCOT-P vs MASCOT-C: bars per criterion (Figure 4).
    Ablation,
    /// One axis varied (director size, speaker size): lines of the overalls (Figure 7).
    Sweep,
}

/// One variant of a group and its label (`MASCOT-P`, `qwen3_1_7b`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPoint {
    pub variant: String,
    pub label: String,
}

/// The log of one training stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingRun {
    /// The stage id (`MASCOT/align_personas`).
    pub id: String,
    /// What it trains (`align_personas: speakers, GRPO`).
    pub label: String,
    pub log: MetricsLog,
}

/// One generated conversation, as shown in the example transcripts (paper Table 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub variant: String,
    pub seed: u64,
    pub system: String,
    pub subset: String,
    pub context_id: String,
    /// The user's opening (the dataset context).
    pub context: String,
    #[serde(default)]
    pub user_type: Option<String>,
    pub turns: Vec<TranscriptTurn>,
}

/// One turn: who spoke (a persona, `Assistant`, `User`) and what they said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptTurn {
    pub speaker: String,
    pub text: String,
    /// The reply was cut inside its think block (no visible text): the transcript says so
    /// instead of showing an empty message.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

impl ReportInput {
    /// A report of scores alone, with default options.
    pub fn new(title: impl Into<String>, judge: JudgeInfo, scores: ScoreIndex) -> Self {
        ReportInput {
            title: title.into(),
            judge,
            scores,
            variants: Vec::new(),
            groups: Vec::new(),
            training: Vec::new(),
            transcripts: Vec::new(),
            stages: Vec::new(),
            learning: Vec::new(),
            health: Vec::new(),
            options: ReportOptions::default(),
        }
    }

    /// The variants in display order: the given order, then any other variant with scores.
    pub fn variant_order(&self) -> Vec<String> {
        let mut out = self.variants.clone();
        for v in self.scores.variants() {
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out
    }
}
