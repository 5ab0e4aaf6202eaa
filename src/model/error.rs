//! Errors of the model runtime: every failure names the file (and tensor) involved and says
//! how to fix it.

use std::path::PathBuf;

/// Anything that can go wrong loading or running a model.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ModelError {
    #[error("cannot read `{path}`: {source}")]
    #[diagnostic(code(model::io), help("check that the file exists and is readable"))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("`{path}` is not valid: {reason}")]
    #[diagnostic(
        code(model::corrupt_file),
        help("the file is corrupt or truncated; download or export it again")
    )]
    CorruptFile { path: PathBuf, reason: String },

    #[error("`{path}`: invalid configuration: {reason}")]
    #[diagnostic(code(model::config))]
    Config { path: PathBuf, reason: String },

    #[error("tensor `{tensor}` is missing from {source_name}")]
    #[diagnostic(
        code(model::missing_tensor),
        help("the weights do not match the architecture in config.json")
    )]
    MissingTensor { source_name: String, tensor: String },

    #[error("tensor `{tensor}` in {source_name} has shape {found:?}, expected {expected:?}")]
    #[diagnostic(
        code(model::shape_mismatch),
        help("the weights do not match the architecture in config.json")
    )]
    ShapeMismatch {
        source_name: String,
        tensor: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },

    #[error("tensor `{tensor}` in {source_name} has unsupported dtype {dtype}")]
    #[diagnostic(
        code(model::unsupported_dtype),
        help("supported weight dtypes are f32, f16 and bf16")
    )]
    UnsupportedDtype {
        source_name: String,
        tensor: String,
        dtype: String,
    },

    #[error("tokenizer error ({context}): {reason}")]
    #[diagnostic(code(model::tokenizer))]
    Tokenizer { context: String, reason: String },

    #[error("chat template error: {reason}")]
    #[diagnostic(
        code(model::chat_template),
        help("check the `chat_template` of tokenizer_config.json (or the GGUF metadata)")
    )]
    ChatTemplate { reason: String },

    #[error("device `{device}`: {reason}")]
    #[diagnostic(code(model::device), help("use `cpu`, `cuda:N` or `wgpu:N`"))]
    Device { device: String, reason: String },

    #[error("{what} is not supported: {reason}")]
    #[diagnostic(code(model::unsupported))]
    Unsupported { what: String, reason: String },

    #[error("invalid input: {reason}")]
    #[diagnostic(code(model::invalid_input))]
    InvalidInput { reason: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Hub(#[from] super::hub::HubError),
}

impl From<crate::util::IoError> for ModelError {
    fn from(e: crate::util::IoError) -> Self {
        Self::io(e.path, e.source)
    }
}

impl ModelError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// A file that exists but cannot be parsed.
    pub fn corrupt(path: impl Into<PathBuf>, reason: impl ToString) -> Self {
        Self::CorruptFile {
            path: path.into(),
            reason: reason.to_string(),
        }
    }

    /// A caller error (empty batch, out-of-vocabulary id...).
    pub fn invalid(reason: impl ToString) -> Self {
        Self::InvalidInput {
            reason: reason.to_string(),
        }
    }
}
