//! Rollouts: what the trainer learns from. A [`RolloutSource`] turns a batch of prompts into
//! G scored rollouts per prompt with the current policy; [`ChatRollouts`] is persona
//! alignment's (one sampled reply per rollout, scored by [`WeightedReward`] terms). The
//! director trainer supplies its own source: a whole episode per rollout with an action mask
//! that keeps only the director's directive tokens.

use super::error::GrpoError;
use super::prompt::PolicyPrompt;
use super::reward::{ScoreRequest, WeightedReward, score_terms};
use crate::model::{LoadedModel, SamplingConfig};

/// One sampled sequence and its rewards.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    /// Context tokens (never trained on).
    pub prompt_ids: Vec<u32>,
    /// The tokens after the prompt, including a stop token when one ended generation.
    pub completion_ids: Vec<u32>,
    /// Which completion tokens are the policy's actions (`None`: all of them). A
    /// multi-turn rollout marks the tokens other models wrote as `false`.
    pub action_mask: Option<Vec<bool>>,
    /// Whether generation was cut by `max_tokens` (no stop token).
    pub truncated: bool,
    /// One score per reward term, NaN where the term gave none.
    pub rewards: Vec<f64>,
    /// Further turns of a multi-turn policy (the director writes one directive per turn,
    /// each after its own prompt): every turn is scored as its own sequence, all of them
    /// actions, with this rollout's advantage. Empty for single-turn rollouts.
    pub later_turns: Vec<TurnPart>,
}

/// One later turn of a rollout: the prompt the policy saw and what it wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnPart {
    pub prompt_ids: Vec<u32>,
    pub completion_ids: Vec<u32>,
}

impl Rollout {
    /// A multi-turn rollout: the completion is the concatenation of `segments`, each a run of
    /// tokens and whether the trained policy wrote it (the director's directives: `true`;
    /// speakers' and users' turns: `false`). Not truncated, no rewards yet.
    pub fn from_segments(prompt_ids: Vec<u32>, segments: &[(Vec<u32>, bool)]) -> Self {
        let mut completion_ids = Vec::new();
        let mut mask = Vec::new();
        for (tokens, action) in segments {
            completion_ids.extend_from_slice(tokens);
            mask.extend(std::iter::repeat_n(*action, tokens.len()));
        }
        Self {
            prompt_ids,
            completion_ids,
            action_mask: Some(mask),
            truncated: false,
            rewards: Vec::new(),
            later_turns: Vec::new(),
        }
    }

    /// A multi-turn rollout from its turns, each a prompt and the policy's completion (every
    /// completion token an action); `None` when there is no turn. Not truncated, no rewards.
    pub fn from_turns(turns: Vec<(Vec<u32>, Vec<u32>)>) -> Option<Self> {
        let mut turns = turns.into_iter();
        let (prompt_ids, completion_ids) = turns.next()?;
        Some(Self {
            prompt_ids,
            completion_ids,
            action_mask: None,
            truncated: false,
            rewards: Vec::new(),
            later_turns: turns
                .map(|(prompt_ids, completion_ids)| TurnPart {
                    prompt_ids,
                    completion_ids,
                })
                .collect(),
        })
    }

    /// Completion tokens of every turn.
    pub fn completion_tokens(&self) -> usize {
        self.completion_ids.len()
            + self
                .later_turns
                .iter()
                .map(|t| t.completion_ids.len())
                .sum::<usize>()
    }

    /// Prompt tokens of every turn.
    pub fn prompt_tokens(&self) -> usize {
        self.prompt_ids.len()
            + self
                .later_turns
                .iter()
                .map(|t| t.prompt_ids.len())
                .sum::<usize>()
    }

    /// Number of completion tokens that count as actions (later turns included).
    pub fn action_tokens(&self) -> usize {
        let first = match &self.action_mask {
            Some(m) => m.iter().filter(|a| **a).count(),
            None => self.completion_ids.len(),
        };
        first + self.completion_tokens() - self.completion_ids.len()
    }
}

/// What produces rollouts for the trainer.
pub trait RolloutSource {
    /// The prompt rows this source reads.
    type Prompt;

    /// Names and weights of the reward terms, in the order of [`Rollout::rewards`].
    fn reward_terms(&self) -> Vec<(String, f64)>;

    /// `group` rollouts per prompt, prompt by prompt (rollouts `i * group..(i + 1) * group`
    /// belong to `prompts[i]`), sampled from `policy` (an inference copy of the current
    /// policy) with `sampling` (its seed is the step's).
    fn rollouts(
        &mut self,
        policy: &LoadedModel,
        prompts: &[Self::Prompt],
        group: usize,
        sampling: &SamplingConfig,
    ) -> Result<Vec<Rollout>, GrpoError>;
}

/// Persona alignment's rollouts: each prompt rendered with the policy's chat template,
/// repeated G times, sampled in one batch, and scored by each reward term.
#[derive(Debug)]
pub struct ChatRollouts {
    pub terms: Vec<WeightedReward>,
}

impl RolloutSource for ChatRollouts {
    type Prompt = PolicyPrompt;

    fn reward_terms(&self) -> Vec<(String, f64)> {
        self.terms
            .iter()
            .map(|t| (t.reward.name().to_string(), t.weight))
            .collect()
    }

    fn rollouts(
        &mut self,
        policy: &LoadedModel,
        prompts: &[PolicyPrompt],
        group: usize,
        sampling: &SamplingConfig,
    ) -> Result<Vec<Rollout>, GrpoError> {
        let mut ids = Vec::with_capacity(prompts.len() * group);
        let mut owners = Vec::with_capacity(prompts.len() * group);
        for prompt in prompts {
            let encoded = policy.encode_chat(&prompt.messages).map_err(|e| {
                GrpoError::input(
                    format!("prompt `{}` (persona `{}`): {e}", prompt.id, prompt.persona),
                    "check the persona prompt and context of this row",
                )
            })?;
            for _ in 0..group {
                ids.push(encoded.clone());
                owners.push(prompt);
            }
        }
        let generations = policy.generate_ids(&ids, sampling)?;
        let stop_ids = &policy.tokenizer.stop_ids;
        let truncated: Vec<bool> = generations
            .iter()
            .map(|g| g.output_ids.last().is_none_or(|t| !stop_ids.contains(t)))
            .collect();
        let requests: Vec<ScoreRequest<'_>> = generations
            .iter()
            .zip(&owners)
            .zip(&truncated)
            .map(|((g, prompt), &truncated)| ScoreRequest {
                prompt,
                completion: &g.text,
                completion_ids: &g.output_ids,
                truncated,
            })
            .collect();
        let scores = score_terms(&mut self.terms, &requests)?;
        Ok(generations
            .into_iter()
            .zip(truncated)
            .enumerate()
            .map(|(i, (g, truncated))| Rollout {
                prompt_ids: g.prompt_ids,
                completion_ids: g.output_ids,
                action_mask: None,
                truncated,
                rewards: scores.iter().map(|term| term[i]).collect(),
                later_turns: Vec::new(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_concatenate_with_their_action_mask() {
        let r = Rollout::from_segments(
            vec![1, 2],
            &[
                (vec![10, 11], true),
                (vec![20, 21, 22], false),
                (vec![12], true),
            ],
        );
        assert_eq!(r.completion_ids, vec![10, 11, 20, 21, 22, 12]);
        assert_eq!(
            r.action_mask,
            Some(vec![true, true, false, false, false, true])
        );
        assert_eq!(r.action_tokens(), 3);
    }
}
