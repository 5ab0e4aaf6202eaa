//! SFT demonstrations in TRL's conversational prompt-completion format and their
//! tokenization: the prompt rendered with the generation prompt, the whole conversation
//! without; the completion tokens are what follows the prompt's tokens (the only tokens the
//! loss sees). Sequences longer than `max_length` are cut from the right (TRL's truncation);
//! an example with no completion token left is counted and dropped.

use serde::{Deserialize, Serialize};

use crate::model::ChatMessage;
use crate::train::chat::ChatCodec;
use crate::train::error::TrainError;

/// One demonstration: the reply `completion` to the conversation `prompt`. Unknown fields
/// are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SftExample {
    /// The conversation so far (system prompt, user turns).
    pub prompt: Vec<ChatMessage>,
    /// The demonstrated reply (assistant messages).
    pub completion: Vec<ChatMessage>,
}

impl SftExample {
    /// A demonstration with a system prompt, one user message and one reply.
    pub fn simple(system: &str, user: &str, reply: &str) -> Self {
        let mut prompt = Vec::new();
        if !system.is_empty() {
            prompt.push(ChatMessage::new("system", system));
        }
        prompt.push(ChatMessage::new("user", user));
        Self {
            prompt,
            completion: vec![ChatMessage::new("assistant", reply)],
        }
    }
}

/// A demonstration as `(prompt ids, completion ids)`.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenizedExample {
    /// Index of the example in the input rows.
    pub index: usize,
    pub prompt: Vec<u32>,
    pub completion: Vec<u32>,
}

/// The tokenized examples and what was cut.
#[derive(Debug, Clone, Default)]
pub struct TokenizedExamples {
    pub examples: Vec<TokenizedExample>,
    /// Examples cut to `max_length` (some completion tokens kept).
    pub truncated: usize,
    /// Examples whose prompt alone reaches `max_length` (no completion token left).
    pub dropped: usize,
}

/// Tokenizes `rows` with `codec`.
pub fn tokenize_examples(
    codec: ChatCodec<'_>,
    rows: &[SftExample],
    max_length: usize,
) -> Result<TokenizedExamples, TrainError> {
    let mut out = TokenizedExamples::default();
    for (index, row) in rows.iter().enumerate() {
        let bad = |reason: String| TrainError::BadRecord {
            what: "SFT example",
            index,
            reason,
            help: "an example has a non-empty `prompt` and a non-empty `completion` of \
                   assistant messages"
                .into(),
        };
        if row.prompt.is_empty() || row.completion.is_empty() {
            return Err(bad("`prompt` or `completion` is empty".into()));
        }
        let prompt = codec
            .ids(&row.prompt, true)
            .map_err(|e| bad(e.to_string()))?;
        let messages: Vec<ChatMessage> =
            row.prompt.iter().chain(&row.completion).cloned().collect();
        let full = codec
            .ids(&messages, false)
            .map_err(|e| bad(e.to_string()))?;
        if !full.starts_with(&prompt) || full.len() == prompt.len() {
            return Err(bad(
                "the chat template does not render the prompt as a prefix of the whole \
                 conversation, so the completion tokens cannot be told apart"
                    .into(),
            ));
        }
        if prompt.len() >= max_length {
            out.dropped += 1;
            continue;
        }
        if full.len() > max_length {
            out.truncated += 1;
        }
        let end = full.len().min(max_length);
        out.examples.push(TokenizedExample {
            index,
            completion: full[prompt.len()..end].to_vec(),
            prompt,
        });
    }
    Ok(out)
}
