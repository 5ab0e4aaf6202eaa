//! The chat model a sampling stage talks to: the [`ResponseSampler`] trait (tests script one)
//! and its implementation on the model runtime's batched chat generation.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::{ChatMessage, LoadedModel, SamplingConfig};
use crate::spec::decoding::Decoding;
use crate::spec::model::ModelSpec;

/// One chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: String,
    pub content: String,
}

/// One sampled response.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    pub text: String,
    pub prompt_tokens: usize,
    pub output_tokens: usize,
    /// The reply stopped because prompt and reply filled the model's context, before
    /// `max_tokens` and before an end token.
    pub cut_by_context: bool,
}

/// A chat model that samples one response per conversation.
pub trait ResponseSampler {
    fn sample(
        &self,
        conversations: &[Vec<Message>],
        decoding: &Decoding,
        seed: u64,
    ) -> miette::Result<Vec<Sampled>>;
}

/// A loaded model.
pub struct ModelSampler {
    model: LoadedModel,
}

impl ModelSampler {
    /// Loads `spec` (paths relative to the experiment file's directory).
    pub fn load(spec: &ModelSpec, base_dir: &Path) -> miette::Result<ModelSampler> {
        Ok(ModelSampler {
            model: LoadedModel::load(spec, base_dir)?,
        })
    }

    /// Loads `spec` without its declared LoRA and attaches the PEFT adapter saved in
    /// `adapter` (a `train_sft` artifact: the SFT policy).
    pub fn load_with_adapter(
        spec: &ModelSpec,
        base_dir: &Path,
        adapter: &Path,
    ) -> miette::Result<ModelSampler> {
        let mut base = spec.clone();
        base.lora = None;
        Ok(ModelSampler {
            model: LoadedModel::load(&base, base_dir)?.with_adapter(adapter)?,
        })
    }
}

impl ResponseSampler for ModelSampler {
    fn sample(
        &self,
        conversations: &[Vec<Message>],
        decoding: &Decoding,
        seed: u64,
    ) -> miette::Result<Vec<Sampled>> {
        let chats: Vec<Vec<ChatMessage>> = conversations
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
            seed,
            stop: Vec::new(),
        };
        let out = self.model.generate_chat(&chats, &cfg)?;
        let context = self.model.config.max_seq_len;
        Ok(out
            .into_iter()
            .map(|g| Sampled {
                prompt_tokens: g.prompt_ids.len(),
                output_tokens: g.output_ids.len(),
                cut_by_context: g.prompt_ids.len() + g.output_ids.len() >= context
                    && g.output_ids.len() < decoding.max_tokens,
                text: g.text,
            })
            .collect())
    }
}
