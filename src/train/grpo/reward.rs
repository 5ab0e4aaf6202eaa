//! Reward terms: a [`RewardFn`] scores a batch of completions (one score, or none, per
//! completion); a [`WeightedReward`] is one term of `R = sum_f w_f * r_f`. Each term is
//! logged on its own (`rewards/<name>/mean`, `rewards/<name>/std`).

use super::error::GrpoError;
use super::prompt::PolicyPrompt;

/// One completion to score.
#[derive(Debug, Clone, Copy)]
pub struct ScoreRequest<'a> {
    pub prompt: &'a PolicyPrompt,
    /// The completion text (special tokens skipped).
    pub completion: &'a str,
    pub completion_ids: &'a [u32],
    /// Whether `max_tokens` cut the completion (no stop token).
    pub truncated: bool,
}

/// A reward signal over completions.
pub trait RewardFn {
    /// The term's name in logs (`rewards/<name>/mean`).
    fn name(&self) -> &str;

    /// One score per request, in order; `None` when the term does not apply to a completion
    /// (it is then left out of the means and of the total, as TRL does).
    fn score(&mut self, batch: &[ScoreRequest<'_>]) -> Result<Vec<Option<f64>>, GrpoError>;
}

/// One weighted term of the total reward.
pub struct WeightedReward {
    pub weight: f64,
    pub reward: Box<dyn RewardFn>,
}

impl std::fmt::Debug for WeightedReward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeightedReward")
            .field("name", &self.reward.name())
            .field("weight", &self.weight)
            .finish()
    }
}

/// Scores `batch` with every term: `[term][completion]`, NaN where a term gave no score.
pub fn score_terms(
    terms: &mut [WeightedReward],
    batch: &[ScoreRequest<'_>],
) -> Result<Vec<Vec<f64>>, GrpoError> {
    terms
        .iter_mut()
        .map(|term| {
            let name = term.reward.name().to_string();
            let scores = term.reward.score(batch)?;
            if scores.len() != batch.len() {
                return Err(GrpoError::Reward {
                    term: name,
                    reason: format!(
                        "returned {} scores for {} completions",
                        scores.len(),
                        batch.len()
                    ),
                });
            }
            scores
                .into_iter()
                .enumerate()
                .map(|(i, s)| match s {
                    Some(v) if !v.is_finite() => Err(GrpoError::Reward {
                        term: name.clone(),
                        reason: format!("completion {i} got the non-finite score {v}"),
                    }),
                    Some(v) => Ok(v),
                    None => Ok(f64::NAN),
                })
                .collect()
        })
        .collect()
}
