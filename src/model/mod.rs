//! The model runtime on burn: Llama/Qwen-family decoders, loading, tokenizers, sampling,
//! LoRA, reward head.

pub mod gguf;
pub mod spec;

pub use spec::{LoraSpec, ModelSource, ModelSpec, TinyConfig};
