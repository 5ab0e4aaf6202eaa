//! How many tokens a model's context holds, when that can be known before running: the
//! `max_seq_len` of a tiny model, the `max_position_embeddings` of a Hugging Face folder's
//! `config.json`. Used to refuse a `max_tokens` that cannot fit at check time.

use std::path::Path;

use crate::spec::model::{ModelSource, ModelSpec};

/// The context length of `model` (paths relative to `base`, the experiment file's
/// directory), or `None` when it cannot be known without loading the model.
pub fn context_tokens(model: &ModelSpec, base: &Path) -> Option<usize> {
    match &model.source {
        ModelSource::Tiny(t) => Some(t.max_seq_len),
        ModelSource::HfDir { path } => {
            let bytes = std::fs::read(base.join(path).join("config.json")).ok()?;
            let config: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
            let n = config
                .get("max_position_embeddings")
                .or_else(|| config.get("text_config")?.get("max_position_embeddings"))?
                .as_u64()?;
            usize::try_from(n).ok()
        }
        ModelSource::Gguf { .. } | ModelSource::Hf { .. } => None,
    }
}
