//! What a `.mascot` file says about a model: the `model` declaration's fields (its source
//! forms, dtype, device, LoRA), the serialisable [`ModelSpec`] the planner writes into stage
//! parameters and the runtime loads from, and the rules a model's shape must obey (shared by
//! the checker and the runtime). A new source form is one entry of [`MODEL_SOURCES`] and one
//! arm of `crate::spec::lower::model`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int, positive, probability_below_one};
use crate::spec::hub_id::{HubModelRef, RepoId, Revision};
use crate::spec::symbol::symbols;

symbols! {
    /// Whether a model thinks before it answers: the chat template's `enable_thinking`
    /// variable, set as transformers' `apply_chat_template(..., enable_thinking=...)` sets it.
    /// `auto` leaves the variable undefined (the template's default: Qwen3 thinks).
    pub enum Thinking {
        On = "on",
        Off = "off",
        Auto = "auto",
    }
}

// `symbols!` writes the enum's derives, so the default is given here.
#[allow(clippy::derivable_impls)]
impl Default for Thinking {
    fn default() -> Self {
        Thinking::Auto
    }
}

impl Thinking {
    /// The value of the template's `enable_thinking`: `None` (undefined) for `auto`.
    pub fn enable_thinking(self) -> Option<bool> {
        match self {
            Thinking::On => Some(true),
            Thinking::Off => Some(false),
            Thinking::Auto => None,
        }
    }

    /// True for `auto` (the setting that is not written, so plans keep their keys).
    pub fn is_auto(&self) -> bool {
        *self == Thinking::Auto
    }
}

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
    /// The chat template's thinking switch for every call of this model (a stage may
    /// override it per role). Default `auto`, not written, so existing plans keep their keys.
    #[serde(default, skip_serializing_if = "Thinking::is_auto")]
    pub thinking: Thinking,
}

fn default_dtype() -> String {
    "f32".into()
}

fn default_device() -> String {
    "cpu".into()
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
    /// A model on the Hugging Face Hub, resolved in the local Hugging Face cache (and
    /// downloaded into it when missing, unless `HF_HUB_OFFLINE` is set).
    Hf {
        /// `org/name`.
        repo: RepoId,
        /// Branch, tag or commit hash; default `main`.
        #[serde(default)]
        revision: Revision,
    },
}

impl ModelSource {
    /// The file or folder the weights are read from (none for the built-in model).
    pub fn weights_path(&self) -> Option<&PathBuf> {
        match self {
            ModelSource::HfDir { path } | ModelSource::Gguf { path } => Some(path),
            ModelSource::Tiny(_) | ModelSource::Hf { .. } => None,
        }
    }

    /// The Hub model (`org/name@revision`) the weights come from, if any.
    pub fn hub_ref(&self) -> Option<HubModelRef> {
        match self {
            ModelSource::Hf { repo, revision } => Some(HubModelRef {
                repo: repo.clone(),
                revision: revision.clone(),
            }),
            _ => None,
        }
    }
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
    /// Module names as PEFT writes them: one of [`LORA_TARGETS`].
    pub targets: Vec<String>,
    /// rsLoRA scaling `alpha / sqrt(r)` instead of `alpha / r`. Default: false (not written
    /// when false, so existing plans keep their content keys).
    #[serde(default, skip_serializing_if = "is_false")]
    pub rslora: bool,
    /// The decoder layers (0-based) that get adapters, PEFT's `layers_to_transform`; every
    /// layer when absent (not written then, so existing plans keep their content keys).
    /// Adapting only the top layers also ends the backward pass there: the layers below
    /// keep no activations and compute no input gradients (the CPU-sized experiments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<Vec<usize>>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// Module names a LoRA target may have (PEFT's names).
pub const LORA_TARGETS: &[&str] = &[
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
];

/// Special tokens of the built-in byte-level tokenizer.
pub const BUILTIN_SPECIAL_TOKEN_COUNT: usize = 3;

/// Smallest vocabulary of a tiny model: the 256 bytes plus the built-in special tokens.
pub const MIN_TINY_VOCAB: usize = 256 + BUILTIN_SPECIAL_TOKEN_COUNT;

/// Architectures of the built-in tiny model.
pub const TINY_ARCHS: &[&str] = &["llama", "qwen3"];

pub const TINY: &[FieldSpec] = &[
    f("arch", Ty::Sym(TINY_ARCHS), Sym("llama")),
    f("layers", int(1), Required),
    f("hidden", int(1), Required),
    f("intermediate", int(1), Required),
    f("heads", int(1), Required),
    f("kv_heads", int(1), Required),
    f("vocab", int(MIN_TINY_VOCAB as i64), Required),
    f("max_seq_len", int(1), Int(512)),
    f("seed", int(0), Int(0)),
];

pub const WEIGHTS_PATH: &[FieldSpec] = &[f("path", Ty::Path, Required)];

/// `hf("org/name", revision: "...")`: a Hugging Face Hub model id and its revision.
pub const HF_REPO: &[FieldSpec] = &[
    f("repo", Ty::Str, Required),
    f("revision", Ty::Str, Str("main")),
];

/// The source forms of a model: `tiny(...)`, `hf_dir("...")`, `gguf("...")`, `hf("org/name")`.
pub const MODEL_SOURCES: &[(&str, &[FieldSpec])] = &[
    ("tiny", TINY),
    ("hf_dir", WEIGHTS_PATH),
    ("gguf", WEIGHTS_PATH),
    ("hf", HF_REPO),
];

pub const LORA: &[FieldSpec] = &[
    f("r", int(1), Int(16)),
    f("alpha", positive(), Float(32.0)),
    f("dropout", probability_below_one(), Float(0.1)),
    f(
        "targets",
        Ty::SymList(LORA_TARGETS),
        Syms(&["q_proj", "k_proj", "v_proj", "o_proj"]),
    ),
    f("rslora", Ty::Bool, Bool(false)),
    f("layers", Ty::IntList { min: 0 }, Optional),
];

pub const MODEL: &[FieldSpec] = &[
    f("source", Ty::Variant(MODEL_SOURCES), Required),
    f("dtype", Ty::Sym(&["f32", "f16", "bf16"]), Sym("f32")),
    f("device", Ty::Str, Str("cpu")),
    f("lora", Ty::Object(LORA), Optional),
    f("thinking", Ty::Sym(Thinking::NAMES), Sym("auto")),
];

/// Why a decoder's attention sizes do not fit together: what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeProblem {
    pub message: String,
    pub help: &'static str,
}

/// The attention geometry every decoder obeys: `hidden` splits evenly into `heads` (unless
/// the head width is given), `heads` into `kv_heads` groups, and the head width is even (RoPE
/// rotates pairs of dimensions). `None` when the sizes fit.
pub fn attention_shape_problem(
    hidden: usize,
    heads: usize,
    kv_heads: usize,
    head_dim: Option<usize>,
) -> Option<ShapeProblem> {
    if heads == 0 || kv_heads == 0 {
        return Some(ShapeProblem {
            message: "heads and kv_heads must be positive".into(),
            help: "every decoder has at least one query and one key/value head",
        });
    }
    if head_dim.is_none() && !hidden.is_multiple_of(heads) {
        return Some(ShapeProblem {
            message: format!("hidden ({hidden}) is not a multiple of heads ({heads})"),
            help: "choose hidden = heads * head_dim",
        });
    }
    if !heads.is_multiple_of(kv_heads) {
        return Some(ShapeProblem {
            message: format!("heads ({heads}) is not a multiple of kv_heads ({kv_heads})"),
            help: "grouped-query attention shares each kv head among heads / kv_heads query heads",
        });
    }
    let head_dim = head_dim.unwrap_or(hidden / heads);
    if !head_dim.is_multiple_of(2) {
        return Some(ShapeProblem {
            message: format!("head dimension hidden / heads = {head_dim} is odd"),
            help: "rotary embeddings rotate pairs of dimensions: make hidden / heads even",
        });
    }
    None
}

impl TinyConfig {
    /// Whether the sizes fit together ([`attention_shape_problem`]).
    pub fn shape_problem(&self) -> Option<ShapeProblem> {
        attention_shape_problem(self.hidden, self.heads, self.kv_heads, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_rule_names_the_first_problem() {
        assert_eq!(attention_shape_problem(64, 4, 2, None), None);
        let p = attention_shape_problem(60, 8, 2, None).unwrap();
        assert_eq!(p.message, "hidden (60) is not a multiple of heads (8)");
        let p = attention_shape_problem(64, 4, 3, None).unwrap();
        assert!(p.message.starts_with("heads (4)"), "{}", p.message);
        let p = attention_shape_problem(12, 4, 2, None).unwrap();
        assert!(p.message.contains("= 3 is odd"), "{}", p.message);
        // An explicit head width (Qwen3) need not divide the hidden size.
        assert_eq!(attention_shape_problem(100, 4, 2, Some(64)), None);
    }
}
