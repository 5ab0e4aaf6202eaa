//! Preference pairs in TRL's conversational format (`prompt` messages, `chosen` and
//! `rejected` assistant messages) and their tokenization: each side is `prompt + side`
//! rendered with the chat template; pairs with a side longer than `max_length` tokens are
//! counted and dropped, never truncated (TRL's rule).

use serde::{Deserialize, Serialize};

use crate::model::ChatMessage;
use crate::train::chat::{ChatCodec, strip_trailing_pad};
use crate::train::error::TrainError;

/// One preference pair: `chosen` is preferred to `rejected` as a reply to `prompt`.
/// Unknown fields (scores, ids) are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreferencePair {
    /// The conversation so far (the persona's system prompt, the user's turns).
    pub prompt: Vec<ChatMessage>,
    /// The preferred reply (assistant messages).
    pub chosen: Vec<ChatMessage>,
    /// The other reply.
    pub rejected: Vec<ChatMessage>,
}

impl PreferencePair {
    /// A pair with a system prompt, one user message and two single-message replies.
    pub fn simple(system: &str, user: &str, chosen: &str, rejected: &str) -> Self {
        let mut prompt = Vec::new();
        if !system.is_empty() {
            prompt.push(ChatMessage::new("system", system));
        }
        prompt.push(ChatMessage::new("user", user));
        Self {
            prompt,
            chosen: vec![ChatMessage::new("assistant", chosen)],
            rejected: vec![ChatMessage::new("assistant", rejected)],
        }
    }
}

/// A pair as token ids, each side already cut at its last non-pad token.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenizedPair {
    /// Index of the pair in the input rows.
    pub index: usize,
    pub chosen: Vec<u32>,
    pub rejected: Vec<u32>,
    /// Tokens of both sides as tokenized (before the padding cut), for `num_tokens`.
    pub tokens: usize,
}

/// The tokenized pairs that fit, and how many did not.
#[derive(Debug, Clone, Default)]
pub struct TokenizedPairs {
    pub pairs: Vec<TokenizedPair>,
    /// Pairs with a side longer than `max_length` tokens.
    pub dropped_too_long: usize,
}

/// Tokenizes `rows` with `codec`, dropping pairs longer than `max_length`; `pad_id` is the
/// padding token the scores are read before.
pub fn tokenize_pairs(
    codec: ChatCodec<'_>,
    rows: &[PreferencePair],
    max_length: usize,
    pad_id: u32,
) -> Result<TokenizedPairs, TrainError> {
    let mut out = TokenizedPairs::default();
    for (index, row) in rows.iter().enumerate() {
        let bad = |reason: String| TrainError::BadRecord {
            what: "preference pair",
            index,
            reason,
            help: "a pair has a non-empty `prompt` and non-empty `chosen` and `rejected` \
                   assistant messages"
                .into(),
        };
        if row.prompt.is_empty() || row.chosen.is_empty() || row.rejected.is_empty() {
            return Err(bad("`prompt`, `chosen` or `rejected` is empty".into()));
        }
        let side = |reply: &[ChatMessage]| -> Result<Vec<u32>, TrainError> {
            let messages: Vec<ChatMessage> = row.prompt.iter().chain(reply).cloned().collect();
            codec.ids(&messages, false).map_err(|e| bad(e.to_string()))
        };
        let (chosen, rejected) = (side(&row.chosen)?, side(&row.rejected)?);
        if chosen.len() > max_length || rejected.len() > max_length {
            out.dropped_too_long += 1;
            continue;
        }
        let tokens = chosen.len() + rejected.len();
        let (chosen, rejected) = (
            strip_trailing_pad(&chosen, pad_id).to_vec(),
            strip_trailing_pad(&rejected, pad_id).to_vec(),
        );
        if chosen.is_empty() || rejected.is_empty() {
            return Err(bad("a side renders to padding tokens only".into()));
        }
        out.pairs.push(TokenizedPair {
            index,
            chosen,
            rejected,
            tokens,
        });
    }
    Ok(out)
}
