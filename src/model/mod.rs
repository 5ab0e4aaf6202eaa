//! The model runtime on burn: Llama/Qwen-family decoders, loading, tokenizers, sampling,
//! LoRA, reward head.

pub mod attention;
pub mod chat_template;
pub mod config;
pub mod decode;
pub mod decoder;
pub mod device;
pub mod error;
pub mod generation;
pub mod gguf;
pub mod hf_config;
pub mod hf_tokenizer;
pub mod hub;
pub mod kv_cache;
pub mod layer;
pub mod loaded;
pub mod logprobs;
pub mod lora;
pub mod memory_source;
pub mod mixed;
pub mod mlp;
pub mod reward;
pub mod rope;
pub mod safetensors_source;
pub mod sampling;
pub mod shared;
pub mod tensor_source;
pub mod tiny;
pub mod token_logprobs;
pub mod tokenizer;
pub mod weights;

pub use crate::spec::model::{LoraSpec, ModelSource, ModelSpec, Thinking, TinyConfig};
pub use chat_template::{ChatMessage, ChatTemplate};
pub use config::DecoderConfig;
pub use decoder::Decoder;
pub use device::parse_device;
pub use error::ModelError;
pub use generation::Generation;
pub use loaded::LoadedModel;
pub use logprobs::CompletionLogprobs;
pub use sampling::SamplingConfig;
pub use tensor_source::{HostTensor, TensorSource};
