//! The group reward of director training (equation 7):
//! `R_group(x, Y) = R_coherence(Y) + eta * I_diverse(Y)`, with the coherence weight (1 in the
//! paper) kept general: `w_c * R_coherence + eta * I_diverse`.
//!
//! `I_diverse`, exactly: for an episode whose speakers are `s_1..s_N`, it is 1 when no
//! speaker speaks twice in a row (`s_t != s_{t-1}` for every `t`) and at least
//! `min(N, |personas|)` distinct speakers speak; otherwise 0. An episode in which the
//! director named no persona on some turn (its speaker chosen by the fallback rule) scores 0.
//!
//! `R_coherence` comes from a [`CoherenceScorer`] (a judge's relevance/coherence criterion,
//! a Likert score scaled to [0, 1] by [`scale_to_unit`]).

use serde::{Deserialize, Serialize};

use crate::dialogue::error::DialogueError;
use crate::dialogue::rows::ConversationRow;

/// The diversity indicator of a speaker sequence (see the module docs).
pub fn diverse<S: AsRef<str>>(speakers: &[S], personas: usize) -> f64 {
    let adjacent_repeat = speakers.windows(2).any(|w| w[0].as_ref() == w[1].as_ref());
    let mut distinct: Vec<&str> = speakers.iter().map(AsRef::as_ref).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let needed = speakers.len().min(personas);
    if !adjacent_repeat && distinct.len() >= needed {
        1.0
    } else {
        0.0
    }
}

/// The diversity indicator of an episode. It rewards the director's selections: an episode
/// with a turn whose speaker came from the fallback rule (the director's directive named no
/// persona) scores 0, since the fallback's least-recently-used order is diverse by
/// construction and would otherwise reward a director for writing no usable directive.
pub fn episode_diverse(row: &ConversationRow, personas: usize) -> f64 {
    if row
        .turns
        .iter()
        .any(|t| t.directive.as_ref().is_some_and(|d| d.fallback))
    {
        return 0.0;
    }
    let speakers: Vec<&str> = row.turns.iter().map(|t| t.speaker.as_str()).collect();
    diverse(&speakers, personas)
}

/// Scores whole conversations for coherence (the judge branch implements it).
pub trait CoherenceScorer {
    /// One score in [0, 1] per conversation, in order.
    fn coherence(&self, conversations: &[ConversationRow]) -> Result<Vec<f64>, DialogueError>;
}

/// A Likert score in `[lo, hi]` mapped linearly onto [0, 1]; a score outside the scale (a
/// judge answering nonsense) is an error.
pub fn scale_to_unit(score: f64, lo: f64, hi: f64) -> Result<f64, DialogueError> {
    if hi <= lo || !lo.is_finite() || !hi.is_finite() || !(lo..=hi).contains(&score) {
        return Err(DialogueError::config(
            format!("score {score} is not on the scale [{lo}, {hi}]"),
            "the judge's scores must lie on the rubric's Likert scale (1-5 in the paper)",
        ));
    }
    Ok((score - lo) / (hi - lo))
}

/// The weights of the two terms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GroupRewardWeights {
    /// Weight of `R_coherence`. Default 1 (the paper).
    pub coherence: f64,
    /// `eta`, the weight of `I_diverse`. Default 1 (the experiments' `1.0 * diverse()`).
    pub eta: f64,
}

impl Default for GroupRewardWeights {
    fn default() -> Self {
        Self {
            coherence: 1.0,
            eta: 1.0,
        }
    }
}

/// One episode's reward and its parts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GroupReward {
    pub coherence: f64,
    pub diverse: f64,
    /// `weights.coherence * coherence + weights.eta * diverse`.
    pub total: f64,
}

/// `R_group = w_c * coherence + eta * diverse`.
pub fn group_reward(coherence: f64, diverse: f64, weights: GroupRewardWeights) -> GroupReward {
    GroupReward {
        coherence,
        diverse,
        total: weights.coherence * coherence + weights.eta * diverse,
    }
}

/// The group reward of every episode: coherence from `scorer` (checked to lie in [0, 1]),
/// diversity against `personas` personas.
pub fn group_rewards(
    rows: &[ConversationRow],
    scorer: &dyn CoherenceScorer,
    weights: GroupRewardWeights,
    personas: usize,
) -> Result<Vec<GroupReward>, DialogueError> {
    let scores = scorer.coherence(rows)?;
    if scores.len() != rows.len() {
        return Err(DialogueError::config(
            format!(
                "{} coherence scores for {} conversations",
                scores.len(),
                rows.len()
            ),
            "a CoherenceScorer returns one score per conversation",
        ));
    }
    rows.iter()
        .zip(scores)
        .map(|(row, c)| {
            if !(0.0..=1.0).contains(&c) {
                return Err(DialogueError::Coherence {
                    context_id: row.context_id.clone(),
                    value: c,
                });
            }
            Ok(group_reward(c, episode_diverse(row, personas), weights))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diverse_by_hand() {
        // 3 personas, N = 3: needs 3 distinct, no adjacent repeat.
        assert_eq!(diverse(&["A", "B", "C"], 3), 1.0);
        assert_eq!(diverse(&["A", "B", "A"], 3), 0.0); // only 2 distinct
        assert_eq!(diverse(&["A", "A", "B"], 3), 0.0); // repeat
        // N = 4 > 3 personas: needs 3 distinct.
        assert_eq!(diverse(&["A", "B", "C", "A"], 3), 1.0);
        assert_eq!(diverse(&["A", "B", "A", "B"], 3), 0.0);
        // N = 2 < 4 personas: needs 2 distinct.
        assert_eq!(diverse(&["A", "B"], 4), 1.0);
        assert_eq!(diverse(&["A", "A"], 4), 0.0);
        // N = 1: one speaker is enough.
        assert_eq!(diverse(&["A"], 3), 1.0);
    }

    #[test]
    fn reward_by_hand() {
        let eta = |eta| GroupRewardWeights {
            coherence: 1.0,
            eta,
        };
        let r = group_reward(0.75, 1.0, eta(0.5));
        assert_eq!((r.coherence, r.diverse, r.total), (0.75, 1.0, 1.25));
        assert_eq!(group_reward(0.75, 0.0, eta(0.5)).total, 0.75);
        let w = GroupRewardWeights {
            coherence: 2.0,
            eta: 0.25,
        };
        assert_eq!(group_reward(0.5, 1.0, w).total, 1.25);
        assert_eq!(scale_to_unit(4.0, 1.0, 5.0).unwrap(), 0.75);
        assert_eq!(scale_to_unit(1.0, 1.0, 5.0).unwrap(), 0.0);
        assert!(scale_to_unit(6.0, 1.0, 5.0).is_err());
        assert!(scale_to_unit(f64::NAN, 1.0, 5.0).is_err());
        assert!(scale_to_unit(3.0, 5.0, 5.0).is_err());
    }
}
