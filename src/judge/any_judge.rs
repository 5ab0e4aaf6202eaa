//! [`Judge`]: the heuristic judge or a model judge behind one call, returning every item's
//! id with its outcome and what the calls cost.

use serde::Serialize;

use super::cached_chat::CallStats;
use super::error::JudgeError;
use super::heuristic::HeuristicJudge;
use super::item::{JudgeItem, Judged, Rubric};
use super::model_judge::ModelJudge;

/// A judge of any backend.
#[derive(Debug)]
pub enum Judge {
    Heuristic(HeuristicJudge),
    Model(ModelJudge),
}

/// The result of judging a batch of items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgeRun {
    /// One per item, in item order.
    pub judged: Vec<Judged>,
    /// Model calls made and saved by the cache (all zero for the heuristic judge).
    pub stats: CallStats,
}

impl Judge {
    /// Whether the scores are heuristic proxies (reports must say so).
    pub fn is_proxy(&self) -> bool {
        matches!(self, Judge::Heuristic(_))
    }

    /// Scores `items` on `rubric`.
    pub fn judge(&self, rubric: &Rubric, items: &[JudgeItem]) -> Result<JudgeRun, JudgeError> {
        let (outcomes, stats) = match self {
            Judge::Heuristic(h) => (h.judge(rubric, items)?, CallStats::default()),
            Judge::Model(m) => m.judge(rubric, items)?,
        };
        let judged = items
            .iter()
            .zip(outcomes)
            .map(|(item, outcome)| Judged {
                id: item.id.clone(),
                outcome,
            })
            .collect();
        Ok(JudgeRun { judged, stats })
    }
}
