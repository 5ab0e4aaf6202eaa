//! What a `.mascot` file says about a model: the serialisable spec the planner writes into
//! stage parameters and the runtime loads from.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where the weights come from, plus how to run them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    #[serde(flatten)]
    pub source: ModelSource,
    /// `f32` (default), `f16` or `bf16`: the dtype computations run in.
    #[serde(default = "default_dtype")]
    pub dtype: String,
    /// `cpu` (default), `cuda:N` or `wgpu:N`.
    #[serde(default = "default_device")]
    pub device: String,
    /// LoRA adapters to train on top of the frozen base, when set.
    #[serde(default)]
    pub lora: Option<LoraSpec>,
}

fn default_dtype() -> String {
    "f32".into()
}

fn default_device() -> String {
    "cpu".into()
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum ModelSource {
    /// The built-in tiny configuration, randomly initialised from a seed (no download).
    Tiny(TinyConfig),
    /// A local Hugging Face folder (`config.json`, safetensors, `tokenizer.json`).
    HfDir { path: PathBuf },
    /// A llama.cpp GGUF file.
    Gguf { path: PathBuf },
}

/// The built-in tiny decoder. Its tokenizer is the built-in byte-level one, whose
/// vocabulary is 256 bytes plus a few special tokens, so `vocab` must cover it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TinyConfig {
    /// `llama` or `qwen3` (per-head q/k RMSNorm).
    pub arch: String,
    pub layers: usize,
    pub hidden: usize,
    pub intermediate: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub vocab: usize,
    pub max_seq_len: usize,
    pub seed: u64,
}

/// LoRA on a frozen base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoraSpec {
    pub r: usize,
    pub alpha: f32,
    pub dropout: f32,
    /// Module names as PEFT writes them: `q_proj`, `k_proj`, `v_proj`, `o_proj`,
    /// `gate_proj`, `up_proj`, `down_proj`.
    pub targets: Vec<String>,
    /// rsLoRA scaling `alpha / sqrt(r)` instead of `alpha / r`. Default: false (not written
    /// when false, so existing plans keep their content keys).
    #[serde(default, skip_serializing_if = "is_false")]
    pub rslora: bool,
}
