//! The decoder configuration: one struct for the whole Llama family, with the switches that
//! separate its members (Llama/SmolLM2, Qwen2, Qwen3).

use burn::config::Config;

use crate::spec::model::attention_shape_problem;

/// Hyper-parameters of a Llama-family decoder.
#[derive(Config, Debug, PartialEq)]
pub struct DecoderConfig {
    /// Vocabulary size (rows of the embedding matrix).
    pub vocab_size: usize,
    /// Width of the residual stream.
    pub hidden_size: usize,
    /// Width of the SwiGLU MLP.
    pub intermediate_size: usize,
    /// Number of decoder layers.
    pub num_layers: usize,
    /// Number of query heads.
    pub num_heads: usize,
    /// Number of key/value heads (GQA when smaller than `num_heads`).
    pub num_kv_heads: usize,
    /// Per-head width. Default: `hidden_size / num_heads` (Qwen3 sets it independently).
    #[config(default = "None")]
    pub head_dim: Option<usize>,
    /// RoPE base frequency. Default: 10000.
    #[config(default = 10000.0)]
    pub rope_theta: f64,
    /// RMSNorm epsilon. Default: 1e-6.
    #[config(default = 1e-6)]
    pub rms_eps: f64,
    /// Bias on the q, k and v projections (Qwen2). Default: false.
    #[config(default = false)]
    pub qkv_bias: bool,
    /// Bias on the output projection (Llama `attention_bias`). Default: false.
    #[config(default = false)]
    pub o_bias: bool,
    /// Per-head RMSNorm on queries and keys before RoPE (Qwen3). Default: false.
    #[config(default = false)]
    pub qk_norm: bool,
    /// The output projection reuses the embedding matrix. Default: false.
    #[config(default = false)]
    pub tie_embeddings: bool,
    /// Longest sequence (prompt + generated tokens) the model accepts. Default: 2048.
    #[config(default = 2048)]
    pub max_seq_len: usize,
}

impl DecoderConfig {
    /// Per-head width.
    pub fn head_dim(&self) -> usize {
        self.head_dim
            .unwrap_or(self.hidden_size / self.num_heads.max(1))
    }

    /// Checks the invariants the decoder relies on; the message says which one fails.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(p) = attention_shape_problem(
            self.hidden_size,
            self.num_heads,
            self.num_kv_heads,
            self.head_dim,
        ) {
            return Err(format!("{} ({})", p.message, p.help));
        }
        if self.vocab_size == 0 || self.hidden_size == 0 || self.num_layers == 0 {
            return Err("vocab_size, hidden_size and num_layers must be positive".into());
        }
        Ok(())
    }
}
