//! SFT demonstrations in TRL's conversational prompt-completion format and their
//! tokenization: the prompt rendered with the generation prompt, the whole conversation
//! without; the completion tokens are what follows the prompt's tokens (the only tokens the
//! loss sees). A completion may be a multi-turn trajectory (assistant turns with user turns
//! between them): the loss then sees the assistant turns only, TRL's `assistant_only_loss`
//! ([`assistant_mask`]); each assistant turn is scored after everything before it, which for
//! a causal model is the same loss as scoring the whole masked sequence at once. Sequences
//! longer than `max_length` are cut from the right (TRL's truncation); an assistant turn with
//! no token left is counted and dropped.

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
    /// Assistant turns cut to `max_length` (some of their tokens kept).
    pub truncated: usize,
    /// Assistant turns that start at or after `max_length` (no token left).
    pub dropped: usize,
}

/// `[start, end)` token positions of one assistant turn.
pub type Span = (usize, usize);

/// The token ids of a whole demonstration (prompt and completion) and, for each assistant
/// message of the completion, the span `[start, end)` of its tokens: what the model writes
/// after the assistant header, its end-of-turn token and what the template puts after it.
pub fn assistant_spans(
    codec: ChatCodec<'_>,
    row: &SftExample,
) -> Result<(Vec<u32>, Vec<Span>), String> {
    if row.prompt.is_empty() || row.completion.is_empty() {
        return Err("`prompt` or `completion` is empty".into());
    }
    if row.completion.iter().all(|m| m.role != "assistant") {
        return Err("the completion has no assistant message".into());
    }
    let messages: Vec<ChatMessage> = row.prompt.iter().chain(&row.completion).cloned().collect();
    let full = codec.ids(&messages, false).map_err(|e| e.to_string())?;
    let mut spans = Vec::new();
    for (j, m) in row.completion.iter().enumerate() {
        if m.role != "assistant" {
            continue;
        }
        let before = row.prompt.len() + j;
        let start = codec
            .ids(&messages[..before], true)
            .map_err(|e| e.to_string())?;
        let through = codec
            .ids(&messages[..=before], false)
            .map_err(|e| e.to_string())?;
        if !full.starts_with(&start) || !full.starts_with(&through) || through.len() <= start.len()
        {
            return Err(
                "the chat template does not render the conversation before an \
                        assistant turn as a prefix of the whole conversation, so the \
                        assistant tokens cannot be told apart"
                    .into(),
            );
        }
        spans.push((start.len(), through.len()));
    }
    Ok((full, spans))
}

/// TRL's `assistant_only_loss` mask of a demonstration: its token ids and, per token,
/// whether the loss sees it (the assistant turns of the completion, see [`assistant_spans`]).
pub fn assistant_mask(
    codec: ChatCodec<'_>,
    row: &SftExample,
) -> Result<(Vec<u32>, Vec<bool>), String> {
    let (full, spans) = assistant_spans(codec, row)?;
    let mut mask = vec![false; full.len()];
    for (start, end) in spans {
        mask[start..end].iter_mut().for_each(|m| *m = true);
    }
    Ok((full, mask))
}

/// Tokenizes `rows` with `codec`: one [`TokenizedExample`] per assistant turn, its prompt
/// everything before it.
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
            help: "an example has a non-empty `prompt` and a non-empty `completion` with at \
                   least one assistant message"
                .into(),
        };
        let (full, spans) = assistant_spans(codec, row).map_err(bad)?;
        for (start, end) in spans {
            if start >= max_length {
                out.dropped += 1;
                continue;
            }
            if end > max_length {
                out.truncated += 1;
            }
            out.examples.push(TokenizedExample {
                index,
                prompt: full[..start].to_vec(),
                completion: full[start..end.min(max_length)].to_vec(),
            });
        }
    }
    Ok(out)
}
