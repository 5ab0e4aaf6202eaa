//! Conversations to token ids the way TRL tokenizes conversational rows:
//! `apply_chat_template(messages)` rendered to text, then tokenized without added special
//! tokens (the template writes its own).

use crate::model::tokenizer::ModelTokenizer;
use crate::model::{ChatMessage, ChatTemplate, LoadedModel, ModelError};

/// The tokenizer and chat template of a model, which is all conversations need.
#[derive(Clone, Copy)]
pub struct ChatCodec<'a> {
    pub tokenizer: &'a ModelTokenizer,
    pub template: Option<&'a ChatTemplate>,
}

impl<'a> ChatCodec<'a> {
    /// The codec of a loaded model.
    pub fn of(model: &'a LoadedModel) -> Self {
        Self {
            tokenizer: &model.tokenizer,
            template: model.chat_template.as_ref(),
        }
    }

    /// Token ids of `messages` rendered with the chat template; `add_generation_prompt`
    /// appends the assistant header (a prompt to complete).
    pub fn ids(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
    ) -> Result<Vec<u32>, ModelError> {
        let template = self.template.ok_or_else(|| ModelError::ChatTemplate {
            reason: "this model has no chat template, and the trainers read conversations".into(),
        })?;
        let text = template.render(
            messages,
            add_generation_prompt,
            self.tokenizer.bos_token.as_deref(),
            self.tokenizer.eos_token.as_deref(),
        )?;
        self.tokenizer.encode(&text)
    }

    /// The id of the padding token: `pad_token` when given, else the EOS token (TRL's rule
    /// when a tokenizer has no pad token).
    pub fn pad_id(&self, pad_token: Option<&str>) -> Result<u32, ModelError> {
        let token = pad_token
            .or(self.tokenizer.eos_token.as_deref())
            .ok_or_else(|| {
                ModelError::invalid("the tokenizer has no EOS token to pad with; set `pad_token`")
            })?;
        self.tokenizer.inner.token_to_id(token).ok_or_else(|| {
            ModelError::invalid(format!(
                "the padding token `{token}` is not in the tokenizer's vocabulary; set \
                 `pad_token` to a token of the vocabulary"
            ))
        })
    }
}

/// Drops the trailing `pad_id` tokens: a sequence-classification model reads its score at the
/// last token that is not padding (transformers' `*ForSequenceClassification` rule), and since
/// attention is causal, scoring the stripped sequence gives exactly that score.
pub fn strip_trailing_pad(ids: &[u32], pad_id: u32) -> &[u32] {
    let end = ids
        .iter()
        .rposition(|&id| id != pad_id)
        .map_or(0, |i| i + 1);
    &ids[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_padding_is_stripped_and_inner_padding_kept() {
        assert_eq!(strip_trailing_pad(&[5, 0, 7, 0, 0], 0), &[5, 0, 7]);
        assert_eq!(strip_trailing_pad(&[5, 7], 0), &[5, 7]);
        assert!(strip_trailing_pad(&[0, 0], 0).is_empty());
    }
}
