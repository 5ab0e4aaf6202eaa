//! [`ChatModel`] over the model runtime: [`LoadedModel::generate_chat`] for a batch, its
//! tokenizer for counts, its `max_seq_len` as the context window.

use crate::dialogue::chat_model::{ChatModel, Completion, Decoding};
use crate::dialogue::rows::Message;
use crate::model::{ChatMessage, LoadedModel, SamplingConfig};

impl ChatModel for LoadedModel {
    fn generate(
        &self,
        chats: &[Vec<Message>],
        decoding: &Decoding,
    ) -> Result<Vec<Completion>, Box<dyn std::error::Error + Send + Sync>> {
        let chats: Vec<Vec<ChatMessage>> = chats
            .iter()
            .map(|c| {
                c.iter()
                    .map(|m| ChatMessage::new(m.role.clone(), m.content.clone()))
                    .collect()
            })
            .collect();
        let cfg = SamplingConfig {
            max_tokens: decoding.max_tokens,
            temperature: decoding.temperature,
            top_k: decoding.top_k,
            top_p: decoding.top_p,
            seed: decoding.seed,
            stop: Vec::new(),
        };
        let out = self.generate_chat(&chats, &cfg)?;
        Ok(out
            .into_iter()
            .map(|g| Completion {
                prompt_tokens: g.prompt_ids.len(),
                output_tokens: g.output_ids.len(),
                text: g.text,
                output_ids: g.output_ids,
            })
            .collect())
    }

    fn count_tokens(&self, text: &str) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
        Ok(self.tokenizer.encode(text)?.len())
    }

    fn context_window(&self) -> usize {
        self.config.max_seq_len
    }
}
