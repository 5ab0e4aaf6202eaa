//! llama.cpp GGUF files: header and metadata reader, dequantisation (F32, F16, BF16, Q8_0,
//! Q4_0, Q4_1), Hugging Face tensor names, model config, the embedded tokenizer, and the
//! glue that loads a GGUF file into the runtime's `LoadedModel`.

mod config;
mod dequant;
mod dtype;
mod error;
mod file;
mod names;
mod reader;
mod runtime;
mod tokenizer;
mod value;

pub use config::{GgufModelConfig, SUPPORTED_ARCHITECTURES};
pub use dequant::dequantize;
pub use dtype::GgmlType;
pub use error::GgufError;
pub use file::GgufFile;
pub use names::{hf_name, reverse_permutation_order, reverse_permute_rows};
pub use reader::{GgufHeader, TensorInfo, parse_header};
pub use runtime::{decoder_config, load_gguf, model_tokenizer};
pub use value::GgufValue;
