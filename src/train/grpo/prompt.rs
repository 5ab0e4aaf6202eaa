//! The input rows of persona alignment: one chat prompt (the persona's system prompt and
//! the context) per row.

use serde::{Deserialize, Serialize};

use crate::model::ChatMessage;

/// One prompt of the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyPrompt {
    /// The context's id (logged with failures).
    pub id: String,
    /// The persona's name: the key of its adapter when each persona has its own.
    pub persona: String,
    /// The conversation so far, usually `[system: persona prompt, user: context]`; the
    /// assistant's turn is what the policy writes.
    pub messages: Vec<ChatMessage>,
}
