//! Errors of the executor and the store (stage failures are reported per stage, as
//! [`miette::Report`]s, and do not stop the scheduler).

use std::path::PathBuf;

/// An executor or store error.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ExecError {
    #[error("cannot {action} `{path}`: {source}")]
    #[diagnostic(code(mascot::exec::io))]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid JSON in `{path}`: {message}")]
    #[diagnostic(
        code(mascot::exec::json),
        help("the store may be damaged; `mascot cache verify` lists damaged artifacts")
    )]
    Json { path: PathBuf, message: String },
    #[error("unknown variant `{name}`")]
    #[diagnostic(code(mascot::exec::unknown_variant), help("{help}"))]
    UnknownVariant { name: String, help: String },
    #[error("external input `{path}` ({role}) of stage `{stage}` cannot be read: {source}")]
    #[diagnostic(
        code(mascot::exec::external_input),
        help("paths in an experiment are relative to the experiment file's directory")
    )]
    External {
        stage: String,
        role: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("stage `{stage}` cannot be keyed: its input `{input}` has no key yet")]
    #[diagnostic(
        code(mascot::exec::input_not_keyed),
        help("inputs are keyed before the stages that read them; this is an executor bug")
    )]
    InputNotKeyed { stage: String, input: String },
    #[error("cannot build the thread pool: {0}")]
    #[diagnostic(code(mascot::exec::thread_pool))]
    Pool(String),
    #[error("the plan of `{plan}` has no stage `{stage}`")]
    #[diagnostic(
        code(mascot::exec::unknown_stage),
        help("stage ids are listed by `mascot plan FILE`")
    )]
    UnknownStage { stage: String, plan: String },
    #[error("stage `{stage}` cannot be keyed: {why}")]
    #[diagnostic(
        code(mascot::exec::not_keyed),
        help(
            "paths in an experiment are relative to the experiment file's directory (`--base-dir`)"
        )
    )]
    NotKeyed { stage: String, why: String },
    #[error("stage `{stage}` now has the key {found}, but it was submitted as {expected}")]
    #[diagnostic(
        code(mascot::exec::key_changed),
        help(
            "an external file (dataset, weights) changed after the run was submitted; run it again"
        )
    )]
    KeyChanged {
        stage: String,
        expected: String,
        found: String,
    },
    #[error("input `{input}` of stage `{stage}` (key {key}) is not in the store")]
    #[diagnostic(
        code(mascot::exec::input_not_built),
        help("run the stages it depends on first (`mascot run` does, in order)")
    )]
    InputNotBuilt {
        stage: String,
        input: String,
        key: String,
    },
    #[error("lost the lock of key {key} while building it: {why}")]
    #[diagnostic(
        code(mascot::exec::lock_lost),
        help(
            "another process took it over after this one's heartbeat stalled for longer than the timeout (MASCOT_LOCK_STALE_SECS); run again"
        )
    )]
    LockLost { key: String, why: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Slurm(#[from] crate::exec::slurm::SlurmError),
}

impl From<crate::util::IoError> for ExecError {
    fn from(e: crate::util::IoError) -> Self {
        ExecError::Io {
            action: e.action,
            path: e.path,
            source: e.source,
        }
    }
}

/// Shorthand for an I/O error on a path.
pub fn io_err(
    action: &'static str,
    path: impl Into<PathBuf>,
) -> impl FnOnce(std::io::Error) -> ExecError {
    let path = path.into();
    move |source| ExecError::Io {
        action,
        path,
        source,
    }
}
