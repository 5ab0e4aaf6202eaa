//! `build_preferences` (equation 2): preference pairs whose judge-score margin reaches delta,
//! one node per `judge_candidates` node. s(y) is the mean of the criteria scores; a pair
//! (y_w, y_l) of two candidates of the same (context, persona) is kept when
//! `s(y_w) - s(y_l) >= delta` and `s(y_w) > s(y_l)` (a tie is never a preference, also at
//! delta 0). Its artifact holds the pairs in TRL's conversational preference format, split
//! by context into [`TRAIN`] and [`HELDOUT`] (a context's pairs are all in one file).

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f, nonneg};
use crate::spec::stages::common::{light, only_needs};
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::symbol::symbols;
use crate::spec::value::{Fields, LowerError};
use crate::spec::wiring::{Graph, NewNode, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: light,
};

pub const FIELDS: &[FieldSpec] = &[
    f("delta", nonneg(), Float(0.5)),
    f("pairs", Ty::Sym(PairRule::NAMES), Sym("all")),
    f(
        "holdout",
        Ty::Float {
            min: 0.0,
            open_min: false,
            max: Some(1.0),
            open_max: true,
        },
        Float(0.1),
    ),
];

/// The training pairs, one [`PreferenceRow`] per line.
pub const TRAIN: &str = "preferences.jsonl";
/// The held-out pairs (same format): for the reward model's held-out accuracy.
pub const HELDOUT: &str = "preferences_heldout.jsonl";

symbols! {
    /// Which pairs of a (context, persona)'s candidates are compared.
    pub enum PairRule {
        /// Every two candidates whose margin reaches delta.
        All = "all",
        /// Only the best against the worst (when their margin reaches delta).
        BestWorst = "best_worst",
    }
}

/// Pairs with score margin >= delta. Input: one `judge_candidates` stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildPreferencesParams {
    /// Smallest kept margin s(y_w) - s(y_l) (the paper's 0.5).
    pub delta: f64,
    /// Default: `all`.
    pub pairs: PairRule,
    /// Share of the contexts (with their pairs) held out, in `[0, 1)`. Default: 0.1.
    pub holdout: f64,
    /// Seeds which contexts are held out.
    pub seed: u64,
}

/// One chat message of a preference row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatTurn {
    pub role: String,
    pub content: String,
}

/// One line of the preference files: TRL's conversational preference format plus the two
/// scores and where the pair comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreferenceRow {
    /// The persona's system prompt and the user's context.
    pub prompt: Vec<ChatTurn>,
    /// The preferred response (one assistant message).
    pub chosen: Vec<ChatTurn>,
    pub rejected: Vec<ChatTurn>,
    /// s(y_w) and s(y_l): the mean criteria scores.
    pub score_chosen: f64,
    pub score_rejected: f64,
    pub context_id: String,
    pub persona: String,
    /// The candidates' indices among the K samples.
    pub k_chosen: usize,
    pub k_rejected: usize,
}

fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let params = BuildPreferencesParams {
        delta: f.req("delta")?,
        pairs: f.req("pairs")?,
        holdout: f.req("holdout")?,
        seed: p.seed,
    };
    for judged in g.nodes(StageKind::JudgeCandidates) {
        let mut node = NewNode::new(StageKind::BuildPreferences, &params)?.inputs([judged.node]);
        node.label = judged.label;
        g.add(node);
    }
    Ok(())
}

fn problems(_f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    Ok(only_needs(
        StageKind::BuildPreferences,
        p,
        StageKind::JudgeCandidates,
        "pairs are built from judge scores",
    ))
}
