//! [`ChatBackend`]: a model that answers chat conversations, the one interface under both
//! judging (scores parsed from the answer) and plain generation (teacher demonstrations for
//! SFT). Implemented by the OpenAI-compatible HTTP client and the local runtime model.

use serde::Serialize;
use serde_json::Value;

use super::error::JudgeError;
use super::item::FailureKind;
use crate::model::ChatMessage;

/// One chat-completion request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatRequest {
    pub messages: Vec<ChatMessage>,
    /// Most tokens of the answer; the backend's default when absent.
    pub max_tokens: Option<u32>,
}

/// Why one request has no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFailure {
    /// [`FailureKind::Transient`] (retries exhausted) or [`FailureKind::Rejected`].
    pub kind: FailureKind,
    pub reason: String,
}

impl CallFailure {
    pub fn transient(reason: impl Into<String>) -> Self {
        Self {
            kind: FailureKind::Transient,
            reason: reason.into(),
        }
    }

    pub fn rejected(reason: impl Into<String>) -> Self {
        Self {
            kind: FailureKind::Rejected,
            reason: reason.into(),
        }
    }
}

/// The answer to one request, or why there is none.
pub type CallResult = Result<String, CallFailure>;

/// Called with a request's index and result as soon as it is done (from worker threads).
pub type OnResult<'a> = dyn Fn(usize, &CallResult) + Sync + 'a;

/// A model that answers chat conversations.
pub trait ChatBackend: std::fmt::Debug {
    /// Everything about the backend that changes its answers (kind, endpoint, model,
    /// temperature, seed) and nothing secret: this enters cache keys. Operational settings
    /// (timeouts, concurrency, retries, the key's variable name) are left out.
    fn identity(&self) -> Value;

    /// Attempts repeated so far by this backend after a transport fault (429, 5xx, timeouts,
    /// a 2xx whose body is not a chat completion), over its whole life; 0 for backends that
    /// never retry. Callers take differences around a batch.
    fn retries(&self) -> usize {
        0
    }

    /// One result per request, in order. `Err` stops everything (a missing API key); a
    /// request that fails on its own is an `Err` inside the vector. `on_result(i, result)` is
    /// called as soon as request `i` is done, so a caller can cache answers before the whole
    /// batch ends (a run killed mid-batch keeps what it was already given).
    fn complete(
        &self,
        requests: &[ChatRequest],
        on_result: &OnResult,
    ) -> Result<Vec<CallResult>, JudgeError>;
}
