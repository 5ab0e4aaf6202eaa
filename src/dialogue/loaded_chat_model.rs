//! [`ChatModel`] over the model runtime: [`LoadedModel::generate_chat`] for a batch,
//! [`LoadedModel::generate_chat_streaming`] for one streamed reply, its tokenizer for
//! counts, its `max_seq_len` as the context window.

use crate::dialogue::chat_model::{ChatModel, Completion, Decoding};
use crate::dialogue::rows::Message;
use crate::model::{ChatMessage, LoadedModel, SamplingConfig, Thinking};

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
        let out = self.generate_chat_with(&chats, &sampling(decoding), decoding.thinking)?;
        Ok(out
            .into_iter()
            .map(|g| Completion {
                prompt_tokens: g.prompt_ids.len(),
                output_tokens: g.output_ids.len(),
                text: g.text,
                output_ids: g.output_ids,
                ..Completion::default()
            })
            .collect())
    }

    fn generate_streaming(
        &self,
        chat: &[Message],
        decoding: &Decoding,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Completion, Box<dyn std::error::Error + Send + Sync>> {
        let chat: Vec<ChatMessage> = chat
            .iter()
            .map(|m| ChatMessage::new(m.role.clone(), m.content.clone()))
            .collect();
        let g = self.generate_chat_streaming_with(
            &chat,
            &sampling(decoding),
            decoding.thinking,
            on_text,
        )?;
        Ok(Completion {
            prompt_tokens: g.prompt_ids.len(),
            output_tokens: g.output_ids.len(),
            text: g.text,
            output_ids: g.output_ids,
            ..Completion::default()
        })
    }

    fn count_tokens(&self, text: &str) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
        Ok(self.tokenizer.encode(text)?.len())
    }

    fn context_window(&self) -> usize {
        self.config.max_seq_len
    }

    fn thinking(&self) -> Thinking {
        self.thinking
    }
}

fn sampling(decoding: &Decoding) -> SamplingConfig {
    SamplingConfig {
        max_tokens: decoding.max_tokens,
        temperature: decoding.temperature,
        top_k: decoding.top_k,
        top_p: decoding.top_p,
        seed: decoding.seed,
        stop: Vec::new(),
    }
}
