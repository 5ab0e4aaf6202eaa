//! A Hugging Face style model config (the fields of `config.json`) read from GGUF metadata
//! (`{arch}.block_count`, `{arch}.embedding_length`, ...), for Llama, Qwen2 and Qwen3.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::error::GgufError;
use super::value::GgufValue;

/// The architectures whose tensors and metadata this reader understands.
pub const SUPPORTED_ARCHITECTURES: &[&str] = &["llama", "qwen2", "qwen3"];

/// The config of a Llama-family model, with transformers' field names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GgufModelConfig {
    /// `llama`, `qwen2` or `qwen3` (`general.architecture`).
    pub model_type: String,
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub num_key_value_heads: usize,
    pub head_dim: usize,
    pub max_position_embeddings: usize,
    pub rms_norm_eps: f64,
    pub rope_theta: f64,
    /// True when the file has no `output.weight`: the LM head reuses the embeddings.
    pub tie_word_embeddings: bool,
    /// q/k/v projections carry biases (Qwen2).
    pub attention_bias: bool,
    /// Per-head RMSNorm on q and k (Qwen3).
    pub qk_norm: bool,
    pub bos_token_id: Option<u32>,
    pub eos_token_id: Option<u32>,
}

/// What the config reader needs to know about the tensors.
pub struct TensorFacts {
    pub has_output: bool,
    pub has_q_bias: bool,
    pub has_q_norm: bool,
    /// Rows of `token_embd.weight` (the vocab size when the tokenizer list is absent).
    pub embedding_rows: Option<usize>,
}

pub fn read_config(
    metadata: &BTreeMap<String, GgufValue>,
    facts: &TensorFacts,
    path: &Path,
) -> Result<GgufModelConfig, GgufError> {
    let meta = Meta { metadata, path };
    let arch = meta.string("general.architecture")?;
    if !SUPPORTED_ARCHITECTURES.contains(&arch.as_str()) {
        return Err(meta.error(
            "general.architecture",
            format!(
                "is `{arch}`; supported: {}",
                SUPPORTED_ARCHITECTURES.join(", ")
            ),
        ));
    }
    let key = |suffix: &str| format!("{arch}.{suffix}");
    let hidden_size = meta.usize(&key("embedding_length"))?;
    let num_attention_heads = meta.usize(&key("attention.head_count"))?;
    if num_attention_heads == 0 {
        return Err(meta.error(&key("attention.head_count"), "is 0".into()));
    }
    let num_key_value_heads = match meta.opt_usize(&key("attention.head_count_kv"))? {
        Some(0) => return Err(meta.error(&key("attention.head_count_kv"), "is 0".into())),
        Some(n) => n,
        None => num_attention_heads,
    };
    let head_dim = match meta.opt_usize(&key("attention.key_length"))? {
        Some(n) => n,
        None => hidden_size / num_attention_heads,
    };
    let vocab_size = match metadata
        .get("tokenizer.ggml.tokens")
        .and_then(|v| v.as_array())
    {
        Some(tokens) => tokens.len(),
        None => match meta.opt_usize(&key("vocab_size"))? {
            Some(n) => n,
            None => facts.embedding_rows.ok_or_else(|| {
                meta.error(
                    "tokenizer.ggml.tokens",
                    "is missing, and so is the vocab size".into(),
                )
            })?,
        },
    };
    Ok(GgufModelConfig {
        vocab_size,
        hidden_size,
        intermediate_size: meta.usize(&key("feed_forward_length"))?,
        num_hidden_layers: meta.usize(&key("block_count"))?,
        num_attention_heads,
        num_key_value_heads,
        head_dim,
        max_position_embeddings: meta.opt_usize(&key("context_length"))?.unwrap_or(2048),
        rms_norm_eps: meta.f64(&key("attention.layer_norm_rms_epsilon"))?,
        rope_theta: meta.opt_f64(&key("rope.freq_base"))?.unwrap_or(10_000.0),
        tie_word_embeddings: !facts.has_output,
        attention_bias: facts.has_q_bias,
        qk_norm: facts.has_q_norm,
        bos_token_id: meta.opt_u32("tokenizer.ggml.bos_token_id")?,
        eos_token_id: meta.opt_u32("tokenizer.ggml.eos_token_id")?,
        model_type: arch,
    })
}

struct Meta<'a> {
    metadata: &'a BTreeMap<String, GgufValue>,
    path: &'a Path,
}

impl Meta<'_> {
    fn error(&self, key: &str, what: String) -> GgufError {
        GgufError::Metadata {
            path: self.path.to_path_buf(),
            key: key.to_string(),
            what,
        }
    }

    fn string(&self, key: &str) -> Result<String, GgufError> {
        match self.metadata.get(key) {
            None => Err(self.error(key, "is missing".into())),
            Some(v) => v
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| self.error(key, format!("is a {}, not a string", v.type_name()))),
        }
    }

    fn opt_usize(&self, key: &str) -> Result<Option<usize>, GgufError> {
        match self.metadata.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| self.error(key, format!("is {v}, not a non-negative integer"))),
        }
    }

    fn usize(&self, key: &str) -> Result<usize, GgufError> {
        self.opt_usize(key)?
            .ok_or_else(|| self.error(key, "is missing".into()))
    }

    fn opt_u32(&self, key: &str) -> Result<Option<u32>, GgufError> {
        match self.opt_usize(key)? {
            None => Ok(None),
            Some(n) => u32::try_from(n)
                .map(Some)
                .map_err(|_| self.error(key, format!("is {n}, too large for a token id"))),
        }
    }

    fn opt_f64(&self, key: &str) -> Result<Option<f64>, GgufError> {
        match self.metadata.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.error(key, format!("is a {}, not a number", v.type_name()))),
        }
    }

    fn f64(&self, key: &str) -> Result<f64, GgufError> {
        self.opt_f64(key)?
            .ok_or_else(|| self.error(key, "is missing".into()))
    }
}
