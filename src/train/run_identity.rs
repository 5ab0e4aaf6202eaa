//! The identity of a supervised training run (reward model, SFT): a hash of its settings, the
//! base's shape and its tokenized data, stored with each checkpoint so that a checkpoint never
//! resumes a different run.

use serde::Serialize;

use crate::model::DecoderConfig;
use crate::train::error::TrainError;

/// Hashes `tag`, `config` (as JSON), `base` and every token sequence, each sequence prefixed
/// with its length so that the split between sequences is part of the identity.
pub fn run_identity<'a>(
    tag: &str,
    config: &impl Serialize,
    base: &DecoderConfig,
    sequences: impl IntoIterator<Item = &'a [u32]>,
) -> Result<String, TrainError> {
    let mut hasher = blake3::Hasher::new();
    hasher.update(tag.as_bytes());
    let json = serde_json::to_vec(config)
        .map_err(|e| TrainError::config("config", e, "this is a bug; please report it"))?;
    hasher.update(&json);
    hasher.update(format!("{base:?}").as_bytes());
    for sequence in sequences {
        hasher.update(&(sequence.len() as u64).to_le_bytes());
        for id in sequence {
            hasher.update(&id.to_le_bytes());
        }
    }
    Ok(hasher.finalize().to_hex().to_string())
}
