//! How a model samples a response: token budget, temperature, top-k, top-p. One struct that
//! the parameters of a sampling stage embed and the sampler reads, so the settings are not
//! copied field by field from struct to struct.

use serde::{Deserialize, Serialize};

/// Sampling settings of one request (the seed is per batch, so it is not here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decoding {
    /// Most new tokens.
    pub max_tokens: usize,
    /// 0 is greedy decoding.
    pub temperature: f32,
    /// Keep only the k most likely tokens; all when absent.
    pub top_k: Option<usize>,
    /// Nucleus sampling threshold in (0, 1].
    pub top_p: f32,
}
