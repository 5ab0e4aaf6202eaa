//! [`ScriptedModel`]: a [`ChatModel`] whose replies come from a closure, for tests and
//! examples without a model. Tokens are counted as whitespace-separated words, and every
//! call is logged so a test can check the exact prompts and the batching.

use std::sync::Mutex;

use crate::dialogue::chat_model::{ChatModel, Completion, Decoding};
use crate::dialogue::rows::Message;
use crate::spec::model::Thinking;

type ReplyFn = dyn Fn(&[Message], &Decoding) -> String + Send + Sync;

/// A model that answers each chat with `reply(chat, decoding)`.
pub struct ScriptedModel {
    reply: Box<ReplyFn>,
    window: usize,
    thinking: Thinking,
    calls: Mutex<Vec<Vec<Vec<Message>>>>,
}

impl ScriptedModel {
    /// A model with a context window of 1,000,000 words.
    pub fn new(reply: impl Fn(&[Message], &Decoding) -> String + Send + Sync + 'static) -> Self {
        Self {
            reply: Box::new(reply),
            window: 1_000_000,
            thinking: Thinking::Auto,
            calls: Mutex::new(Vec::new()),
        }
    }

    /// A model that answers every chat with `text`.
    pub fn constant(text: impl Into<String>) -> Self {
        let text = text.into();
        Self::new(move |_, _| text.clone())
    }

    /// Sets the context window (in words).
    pub fn with_context_window(mut self, window: usize) -> Self {
        self.window = window;
        self
    }

    /// Sets the model's own thinking switch ([`ChatModel::thinking`]).
    pub fn with_thinking(mut self, thinking: Thinking) -> Self {
        self.thinking = thinking;
        self
    }

    /// Every call so far: one entry per call, holding its chats.
    pub fn calls(&self) -> Vec<Vec<Vec<Message>>> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Every chat sent so far, calls flattened.
    pub fn chats(&self) -> Vec<Vec<Message>> {
        self.calls().into_iter().flatten().collect()
    }
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

impl ChatModel for ScriptedModel {
    fn generate(
        &self,
        chats: &[Vec<Message>],
        decoding: &Decoding,
    ) -> Result<Vec<Completion>, Box<dyn std::error::Error + Send + Sync>> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(chats.to_vec());
        }
        Ok(chats
            .iter()
            .map(|chat| {
                let text = (self.reply)(chat, decoding);
                Completion {
                    prompt_tokens: chat.iter().map(|m| words(&m.content)).sum(),
                    output_tokens: words(&text),
                    text,
                    output_ids: Vec::new(),
                    ..Completion::default()
                }
            })
            .collect())
    }

    fn thinking(&self) -> Thinking {
        self.thinking
    }

    fn count_tokens(&self, text: &str) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
        Ok(words(text))
    }

    fn context_window(&self) -> usize {
        self.window
    }
}
