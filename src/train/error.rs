//! Errors of the trainers: each names the file, the record or the setting involved and says
//! how to fix it.

use std::path::PathBuf;

use crate::model::ModelError;

/// Anything that can go wrong preparing, running, checkpointing or exporting a training run.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum TrainError {
    #[error("cannot {action} `{path}`: {source}")]
    #[diagnostic(
        code(mascot::train::io),
        help("check that the directory exists, is writable and has free space")
    )]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("`{path}` is not a valid {what}: {reason}")]
    #[diagnostic(
        code(mascot::train::corrupt),
        help("the file is corrupt or was written by another version; delete it to start over")
    )]
    Corrupt {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },

    #[error("invalid training setting `{field}`: {reason}")]
    #[diagnostic(code(mascot::train::config), help("{help}"))]
    Config {
        field: &'static str,
        reason: String,
        help: String,
    },

    #[error("{what} {index}: {reason}")]
    #[diagnostic(code(mascot::train::bad_record), help("{help}"))]
    BadRecord {
        /// What the record is (`preference pair`, `SFT example`).
        what: &'static str,
        index: usize,
        reason: String,
        help: String,
    },

    #[error("nothing to train on: {reason}")]
    #[diagnostic(code(mascot::train::no_data), help("{help}"))]
    NoData { reason: String, help: String },

    #[error("checkpoint `{path}` was made by a different run: {reason}")]
    #[diagnostic(
        code(mascot::train::checkpoint_mismatch),
        help(
            "a checkpoint resumes only the run that wrote it; delete the checkpoint directory to start over"
        )
    )]
    CheckpointMismatch { path: PathBuf, reason: String },

    #[error("training stopped after step {step} ({})", describe_checkpoint(.checkpoint.as_deref()))]
    #[diagnostic(
        code(mascot::train::stopped),
        help("run the same training again with the same checkpoint directory to resume")
    )]
    Stopped {
        step: usize,
        checkpoint: Option<PathBuf>,
    },

    #[error("the loss is not finite at step {step}: {value}")]
    #[diagnostic(
        code(mascot::train::non_finite),
        help("lower the learning rate or set max_grad_norm; check the data for empty sequences")
    )]
    NonFinite { step: usize, value: f64 },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Model(#[from] ModelError),
}

fn describe_checkpoint(checkpoint: Option<&std::path::Path>) -> String {
    match checkpoint {
        Some(dir) => format!("checkpoint `{}`", dir.display()),
        None => "no checkpoint directory was given, so it cannot resume".into(),
    }
}

impl TrainError {
    /// An I/O error while doing `action` on `path`.
    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }

    /// A file that exists but cannot be read back.
    pub fn corrupt(what: &'static str, path: impl Into<PathBuf>, reason: impl ToString) -> Self {
        Self::Corrupt {
            what,
            path: path.into(),
            reason: reason.to_string(),
        }
    }

    /// A setting out of range.
    pub fn config(field: &'static str, reason: impl ToString, help: impl ToString) -> Self {
        Self::Config {
            field,
            reason: reason.to_string(),
            help: help.to_string(),
        }
    }
}
