//! The learned persona reward r_phi(x, rho, y) of equation 4 as a reward term (`rm(NAME)`):
//! a reward model trained by [`crate::train::reward`] (or any Hugging Face
//! sequence-classification folder it loads) scores the conversation the policy answered,
//! its reply appended as the assistant turn, exactly as the reward model saw
//! `(system, prompt, response)` chats in training.
//!
//! By default the reply is scored without its `<think>...</think>` block: the reward model
//! was trained on replies, and the reasoning trace is rewarded by the format term.

use super::error::GrpoError;
use super::format_reward::{THINK_CLOSE, THINK_OPEN};
use super::reward::{RewardFn, ScoreRequest};
use crate::model::ChatMessage;
use crate::train::reward::LoadedRewardModel;

/// A reward term backed by a reward model.
pub struct RewardModelReward {
    name: String,
    model: LoadedRewardModel,
    /// Conversations scored per forward pass. Default 8.
    pub batch: usize,
    /// Score only the answer after a leading `<think>...</think>` block. Default true.
    pub answer_only: bool,
}

impl RewardModelReward {
    /// The term `name` (logged as `rewards/<name>/...`) scored by `model`.
    pub fn new(name: impl Into<String>, model: LoadedRewardModel) -> Self {
        Self {
            name: name.into(),
            model,
            batch: 8,
            answer_only: true,
        }
    }
}

/// The reply without a leading `<think>...</think>` block (unchanged when it has none).
pub fn strip_think(text: &str) -> &str {
    let trimmed = text.trim_start();
    match trimmed
        .strip_prefix(THINK_OPEN)
        .and_then(|rest| rest.split_once(THINK_CLOSE))
    {
        Some((_, answer)) => answer.trim(),
        None => text,
    }
}

impl RewardFn for RewardModelReward {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(&mut self, batch: &[ScoreRequest<'_>]) -> Result<Vec<Option<f64>>, GrpoError> {
        let chats: Vec<Vec<ChatMessage>> = batch
            .iter()
            .map(|r| {
                let reply = if self.answer_only {
                    strip_think(r.completion)
                } else {
                    r.completion
                };
                let mut chat = r.prompt.messages.clone();
                chat.push(ChatMessage::new("assistant", reply));
                chat
            })
            .collect();
        let mut scores = Vec::with_capacity(chats.len());
        for part in chats.chunks(self.batch.max(1)) {
            scores.extend(
                self.model
                    .score_chats(part)?
                    .into_iter()
                    .map(|s| Some(f64::from(s))),
            );
        }
        Ok(scores)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn think_blocks_are_stripped_before_scoring() {
        assert_eq!(strip_think("<think>why</think>  Hello."), "Hello.");
        assert_eq!(strip_think("  <think>a</think>b"), "b");
        assert_eq!(
            strip_think("Hello <think>x</think>"),
            "Hello <think>x</think>"
        );
        assert_eq!(strip_think("<think>unclosed"), "<think>unclosed");
    }
}
