//! The model behind `sample_candidates`: the model runtime's batched chat generation,
//! adapted to [`ResponseSampler`].

use std::path::Path;

use crate::model::{ChatMessage, LoadedModel, SamplingConfig};
use crate::plan::params::SampleCandidatesParams;
use crate::stages::sample_candidates::{Decoding, Message, ResponseSampler, Sampled};

/// A loaded model.
pub struct ModelSampler {
    model: LoadedModel,
}

impl ResponseSampler for ModelSampler {
    fn sample(
        &self,
        conversations: &[Vec<Message>],
        decoding: &Decoding,
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
            seed: decoding.seed,
            stop: Vec::new(),
        };
        let out = self.model.generate_chat(&chats, &cfg)?;
        Ok(out
            .into_iter()
            .map(|g| Sampled {
                prompt_tokens: g.prompt_ids.len(),
                output_tokens: g.output_ids.len(),
                text: g.text,
            })
            .collect())
    }
}

/// Loads the stage's model (paths relative to the experiment file's directory).
pub fn load_sampler(
    params: &SampleCandidatesParams,
    base_dir: &Path,
) -> miette::Result<Box<dyn ResponseSampler>> {
    let model = LoadedModel::load(&params.model, base_dir)?;
    Ok(Box::new(ModelSampler { model }))
}
