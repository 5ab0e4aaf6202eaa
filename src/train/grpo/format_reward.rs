//! The rule-based format reward R_format of equation 4 (`format(think_min, answer_max)`).
//!
//! Definition: with `s` the completion text (special tokens skipped) with surrounding
//! whitespace removed, R_format(s) = 1 exactly when
//! 1. `s` starts with `<think>`, and `<think>` and `</think>` each occur exactly once in `s`;
//! 2. the reasoning between the tags, whitespace-trimmed, has at least `think_min` tokens;
//! 3. the answer after `</think>`, whitespace-trimmed, has at least 1 and at most
//!    `answer_max` tokens;
//!
//! and 0 otherwise. Tokens are counted with the policy's tokenizer (no special tokens
//! added). The paper uses think_min 448 ("a reasoning trace exceeding 448 tokens") and
//! answer_max 64 ("a final response under 64 tokens"); the bounds here are inclusive.

use super::error::GrpoError;
use super::reward::{RewardFn, ScoreRequest};
use crate::model::tokenizer::ModelTokenizer;

pub const THINK_OPEN: &str = "<think>";
pub const THINK_CLOSE: &str = "</think>";

/// Why a completion scored 0 (or that it scored 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatVerdict {
    Ok,
    NoThinkBlockFirst,
    TagCount { open: usize, close: usize },
    ThinkTooShort { tokens: usize },
    EmptyAnswer,
    AnswerTooLong { tokens: usize },
}

/// `format(think_min, answer_max)`.
#[derive(Debug, Clone)]
pub struct FormatReward {
    pub think_min: usize,
    pub answer_max: usize,
    tokenizer: ModelTokenizer,
}

impl FormatReward {
    /// A format reward counting tokens with `tokenizer`.
    pub fn new(think_min: usize, answer_max: usize, tokenizer: ModelTokenizer) -> Self {
        Self {
            think_min,
            answer_max,
            tokenizer,
        }
    }

    fn tokens(&self, text: &str) -> Result<usize, GrpoError> {
        Ok(self.tokenizer.encode(text)?.len())
    }

    /// The verdict on one completion text.
    pub fn judge(&self, text: &str) -> Result<FormatVerdict, GrpoError> {
        let s = text.trim();
        let open = s.matches(THINK_OPEN).count();
        let close = s.matches(THINK_CLOSE).count();
        if !s.starts_with(THINK_OPEN) {
            return Ok(FormatVerdict::NoThinkBlockFirst);
        }
        if open != 1 || close != 1 {
            return Ok(FormatVerdict::TagCount { open, close });
        }
        // One of each, `<think>` first: the close tag follows the open tag.
        let Some((thought, answer)) = s[THINK_OPEN.len()..].split_once(THINK_CLOSE) else {
            return Ok(FormatVerdict::TagCount { open, close });
        };
        let think_tokens = self.tokens(thought.trim())?;
        if think_tokens < self.think_min {
            return Ok(FormatVerdict::ThinkTooShort {
                tokens: think_tokens,
            });
        }
        let answer = answer.trim();
        if answer.is_empty() {
            return Ok(FormatVerdict::EmptyAnswer);
        }
        let answer_tokens = self.tokens(answer)?;
        if answer_tokens > self.answer_max {
            return Ok(FormatVerdict::AnswerTooLong {
                tokens: answer_tokens,
            });
        }
        Ok(FormatVerdict::Ok)
    }
}

impl RewardFn for FormatReward {
    fn name(&self) -> &str {
        "format"
    }

    fn score(&mut self, batch: &[ScoreRequest<'_>]) -> Result<Vec<Option<f64>>, GrpoError> {
        batch
            .iter()
            .map(|r| {
                Ok(Some(if self.judge(r.completion)? == FormatVerdict::Ok {
                    1.0
                } else {
                    0.0
                }))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The built-in byte tokenizer counts one token per byte.
    fn reward(think_min: usize, answer_max: usize) -> FormatReward {
        FormatReward::new(
            think_min,
            answer_max,
            ModelTokenizer::builtin_bytes().unwrap(),
        )
    }

    #[test]
    fn the_definition_case_by_case() {
        let r = reward(5, 4);
        assert_eq!(
            r.judge("<think>abcde</think>wxyz").unwrap(),
            FormatVerdict::Ok
        );
        // Surrounding whitespace is ignored, inside the tags too.
        assert_eq!(
            r.judge("  <think>\n abcde \n</think>\n wxyz \n").unwrap(),
            FormatVerdict::Ok
        );
        assert_eq!(
            r.judge("<think>abcd</think>wxyz").unwrap(),
            FormatVerdict::ThinkTooShort { tokens: 4 }
        );
        assert_eq!(
            r.judge("<think>abcde</think>vwxyz").unwrap(),
            FormatVerdict::AnswerTooLong { tokens: 5 }
        );
        assert_eq!(
            r.judge("<think>abcde</think>  ").unwrap(),
            FormatVerdict::EmptyAnswer
        );
        assert_eq!(
            r.judge("hi <think>abcde</think>wxyz").unwrap(),
            FormatVerdict::NoThinkBlockFirst
        );
        assert_eq!(
            r.judge("<think>abcde</think>w<think>x</think>").unwrap(),
            FormatVerdict::TagCount { open: 2, close: 2 }
        );
        assert_eq!(
            r.judge("<think>abcde wxyz").unwrap(),
            FormatVerdict::TagCount { open: 1, close: 0 }
        );
    }

    #[test]
    fn scores_are_one_or_zero() {
        let mut r = reward(1, 10);
        let prompt = super::super::prompt::PolicyPrompt {
            id: "c".into(),
            persona: "p".into(),
            messages: Vec::new(),
        };
        let texts = ["<think>x</think>ok", "ok"];
        let batch: Vec<ScoreRequest<'_>> = texts
            .iter()
            .map(|t| ScoreRequest {
                prompt: &prompt,
                completion: t,
                completion_ids: &[],
                truncated: false,
            })
            .collect();
        assert_eq!(r.score(&batch).unwrap(), vec![Some(1.0), Some(0.0)]);
    }
}
