//! [`ModelJudge`]: a chat model (HTTP or local) asked for JSON scores with the judge prompt,
//! its answers parsed by [`parse_scores`], every call cached. A fresh answer is cached when it
//! parses, or when the backend runs at temperature 0 (then an unparseable answer would come
//! back the same, so the failure is deterministic and asking again is pointless). Calls that
//! produced no answer (timeouts, 5xx, refusals) are never cached.

use serde_json::json;

use super::cached_chat::{CachedChat, CallStats};
use super::chat::ChatRequest;
use super::error::JudgeError;
use super::item::{FailureKind, JudgeItem, Outcome, Rubric};
use super::parse::parse_scores;
use super::prompt::judge_messages;

/// A model judge.
#[derive(Debug)]
pub struct ModelJudge {
    chat: CachedChat,
    /// Most tokens of an answer (default: the backend's).
    pub max_tokens: Option<u32>,
}

impl ModelJudge {
    pub fn new(chat: CachedChat) -> Self {
        Self {
            chat,
            max_tokens: None,
        }
    }

    pub fn chat(&self) -> &CachedChat {
        &self.chat
    }

    /// Scores every item: one outcome per item, in order.
    pub fn judge(
        &self,
        rubric: &Rubric,
        items: &[JudgeItem],
    ) -> Result<(Vec<Outcome>, CallStats), JudgeError> {
        rubric.validate()?;
        let mut requests = Vec::with_capacity(items.len());
        for item in items {
            if item.subject.level() != rubric.level {
                return Err(JudgeError::LevelMismatch {
                    item: item.id.clone(),
                    item_level: item.subject.level().as_str(),
                    rubric_level: rubric.level.as_str(),
                });
            }
            requests.push(ChatRequest {
                messages: judge_messages(rubric, item)?,
                max_tokens: self.max_tokens,
            });
        }
        let purpose = json!({ "judge": rubric });
        // Only answers that score are stored: a failed item is asked again on a rerun, even
        // at temperature 0 (a server fault or a judge update may well answer it next time).
        let keep = |answer: &str| parse_scores(rubric, answer).is_ok();
        let (answers, stats) = self.chat.complete(&purpose, &requests, &keep)?;
        let outcomes = answers
            .into_iter()
            .map(|answer| match answer {
                Ok(text) => match parse_scores(rubric, &text) {
                    Ok(scores) => Outcome::Scored { scores },
                    Err(reason) => Outcome::failed(FailureKind::Parse, reason),
                },
                Err(failure) => Outcome::failed(failure.kind, failure.reason),
            })
            .collect();
        Ok((outcomes, stats))
    }
}
