//! Errors from reading a GGUF file: every variant names the file, and the tensor or metadata
//! key where there is one.

use std::path::PathBuf;

use miette::Diagnostic;
use thiserror::Error;

/// Why a GGUF file could not be read, dequantised or turned into a tokenizer.
#[derive(Debug, Error, Diagnostic)]
pub enum GgufError {
    #[error("cannot open GGUF file {path}: {source}")]
    #[diagnostic(
        code(mascot::gguf::io),
        help("check that the path exists and is readable")
    )]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path} is not a GGUF file: the first 4 bytes are {found:?}, expected \"GGUF\"")]
    #[diagnostic(
        code(mascot::gguf::bad_magic),
        help("pass a llama.cpp .gguf file (a Hugging Face folder is loaded with the folder path)")
    )]
    BadMagic { path: PathBuf, found: Vec<u8> },

    #[error("{path}: GGUF version {version} is not supported (versions 2 and 3 are)")]
    #[diagnostic(
        code(mascot::gguf::version),
        help("re-export the model with a current llama.cpp convert script")
    )]
    UnsupportedVersion { path: PathBuf, version: u32 },

    #[error("{path} is corrupt or truncated: {what} (at byte offset {offset})")]
    #[diagnostic(
        code(mascot::gguf::corrupt),
        help("the file is damaged or was cut short; download it again")
    )]
    Corrupt {
        path: PathBuf,
        what: String,
        offset: u64,
    },

    #[error("{path}: tensor `{tensor}` {what}")]
    #[diagnostic(
        code(mascot::gguf::bad_tensor),
        help("the file is damaged or was cut short; download it again")
    )]
    BadTensor {
        path: PathBuf,
        tensor: String,
        what: String,
    },

    #[error("{path}: tensor `{tensor}` has type {dtype}, which mascot cannot dequantise")]
    #[diagnostic(
        code(mascot::gguf::unsupported_type),
        help(
            "supported types: F32, F16, BF16, Q8_0, Q4_0, Q4_1; re-quantise the model to one of them"
        )
    )]
    UnsupportedType {
        path: PathBuf,
        tensor: String,
        dtype: String,
    },

    #[error("{path}: no tensor named `{tensor}`")]
    #[diagnostic(
        code(mascot::gguf::missing_tensor),
        help("the file may be for another architecture; `tensor_names()` lists what it holds")
    )]
    MissingTensor { path: PathBuf, tensor: String },

    #[error("{path}: metadata key `{key}` {what}")]
    #[diagnostic(
        code(mascot::gguf::metadata),
        help("the file lacks what a Llama-family model needs; re-export it with llama.cpp")
    )]
    Metadata {
        path: PathBuf,
        key: String,
        what: String,
    },

    #[error("{path}: cannot build the tokenizer: {what}")]
    #[diagnostic(
        code(mascot::gguf::tokenizer),
        help("only byte-level BPE tokenizers (tokenizer.ggml.model = \"gpt2\") are supported")
    )]
    Tokenizer { path: PathBuf, what: String },
}
