//! Errors of GRPO training: each names what was wrong (the config field, the prompt, the
//! reward term, the checkpoint file) and says how to fix it.

use std::path::PathBuf;

use crate::model::ModelError;
use crate::train::error::TrainError;

/// Anything that can stop a GRPO run.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum GrpoError {
    #[error("GRPO setting `{field}`: {reason}")]
    #[diagnostic(code(grpo::config), help("{help}"))]
    Config {
        field: &'static str,
        reason: String,
        help: String,
    },

    #[error("GRPO input: {reason}")]
    #[diagnostic(code(grpo::input), help("{help}"))]
    Input { reason: String, help: String },

    #[error("reward term `{term}`: {reason}")]
    #[diagnostic(
        code(grpo::reward),
        help("a reward function must return one finite score (or none) per completion")
    )]
    Reward { term: String, reason: String },

    #[error("cannot write `{path}`: {source}")]
    #[diagnostic(code(grpo::io), help("check that the output folder is writable"))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Model(#[from] ModelError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Train(#[from] TrainError),
}

impl GrpoError {
    /// A config value out of range.
    pub fn config(field: &'static str, reason: impl ToString, help: impl ToString) -> Self {
        Self::Config {
            field,
            reason: reason.to_string(),
            help: help.to_string(),
        }
    }

    /// Bad caller data (empty prompt, mask of the wrong length...).
    pub fn input(reason: impl ToString, help: impl ToString) -> Self {
        Self::Input {
            reason: reason.to_string(),
            help: help.to_string(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
