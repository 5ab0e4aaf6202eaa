//! A teacher (a judge declaration's chat backend: an OpenAI-compatible endpoint or a local
//! model) behind the call cache, as the two interfaces the sampling stages drive: a
//! [`ResponseSampler`] (`sample_candidates { teacher: NAME }`: B.2's GPT-4o teacher) and a
//! dialogue [`ChatModel`] (`train_sft` trajectories: the teacher plays director, personas and
//! users). Every call is keyed by its conversation, its token budget and a sample number
//! drawn from the caller's seed and the call's index, so equal prompts asked for several
//! samples are distinct calls, and a rerun with the same seed is answered from the cache.

use crate::dialogue::{ChatModel, Completion, Decoding as DialogueDecoding, mix_seed};
use crate::judge::{CachedChat, CallStats, ChatRequest};
use crate::model::ChatMessage;
use crate::spec::decoding::Decoding;
use crate::stages::sampler::{Message, ResponseSampler, Sampled};

/// A cached teacher. `counter` counts tokens and gives the context window (the teacher's
/// own tokenizer is unknown): the speaker model whose prompts the teacher's text becomes.
pub struct Teacher<'a> {
    pub chat: CachedChat,
    pub counter: Option<&'a dyn ChatModel>,
    /// What the calls cost so far.
    pub stats: std::cell::RefCell<CallStats>,
}

impl<'a> Teacher<'a> {
    pub fn new(chat: CachedChat, counter: Option<&'a dyn ChatModel>) -> Self {
        Self {
            chat,
            counter,
            stats: Default::default(),
        }
    }

    /// One answer per conversation, sample `mix_seed(seed, i)` for conversation `i`; the
    /// first failed call is an error (the answers already given stay cached).
    fn answer(
        &self,
        conversations: Vec<Vec<ChatMessage>>,
        max_tokens: usize,
        seed: u64,
    ) -> Result<Vec<String>, String> {
        let requests: Vec<ChatRequest> = conversations
            .into_iter()
            .map(|messages| ChatRequest {
                messages,
                max_tokens: Some(u32::try_from(max_tokens).unwrap_or(u32::MAX)),
            })
            .collect();
        let samples: Vec<u64> = (0..requests.len())
            .map(|i| mix_seed(seed, i as u64))
            .collect();
        let (answers, stats) = self
            .chat
            .generate_samples(&requests, &samples)
            .map_err(|e| format!("teacher: {e}"))?;
        self.stats.borrow_mut().add(stats);
        answers
            .into_iter()
            .map(|a| {
                a.map_err(|f| format!("teacher call failed ({}): {}", f.kind.as_str(), f.reason))
            })
            .collect()
    }
}

impl ResponseSampler for Teacher<'_> {
    fn sample(
        &self,
        conversations: &[Vec<Message>],
        decoding: &Decoding,
        seed: u64,
    ) -> miette::Result<Vec<Sampled>> {
        let chats = conversations
            .iter()
            .map(|c| {
                c.iter()
                    .map(|m| ChatMessage::new(m.role.clone(), m.content.clone()))
                    .collect()
            })
            .collect();
        let answers = self
            .answer(chats, decoding.max_tokens, seed)
            .map_err(|e| miette::miette!(code = "mascot::stage::teacher", "{e}"))?;
        Ok(answers
            .into_iter()
            .map(|text| Sampled {
                text,
                prompt_tokens: 0,
                output_tokens: 0,
                cut_by_context: false,
            })
            .collect())
    }
}

impl ChatModel for Teacher<'_> {
    fn generate(
        &self,
        chats: &[Vec<crate::dialogue::Message>],
        decoding: &DialogueDecoding,
    ) -> Result<Vec<Completion>, Box<dyn std::error::Error + Send + Sync>> {
        let conversations = chats
            .iter()
            .map(|c| {
                c.iter()
                    .map(|m| ChatMessage::new(m.role.clone(), m.content.clone()))
                    .collect()
            })
            .collect();
        let answers = self.answer(conversations, decoding.max_tokens, decoding.seed)?;
        Ok(answers
            .into_iter()
            .map(|text| Completion {
                text,
                ..Completion::default()
            })
            .collect())
    }

    fn count_tokens(&self, text: &str) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
        match self.counter {
            Some(c) => c.count_tokens(text),
            // Roughly 4 characters a token, when no model counts.
            None => Ok(text.len().div_ceil(4)),
        }
    }

    fn context_window(&self) -> usize {
        self.counter.map_or(usize::MAX / 4, |c| c.context_window())
    }
}
