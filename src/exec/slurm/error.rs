//! Errors of the SLURM executor: a missing client command, a command that failed, output
//! mascot cannot read, an invalid setting.

/// A SLURM executor error.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SlurmError {
    #[error("`{command}` is not installed or not on PATH")]
    #[diagnostic(
        code(mascot::slurm::missing_command),
        help(
            "run mascot on a node of the cluster where the SLURM client commands (sbatch, \
             squeue, scontrol, scancel) are installed, or leave out `--executor slurm` to run \
             locally"
        )
    )]
    MissingCommand { command: String },
    #[error("`{command}` failed ({status}): {stderr}")]
    #[diagnostic(code(mascot::slurm::command), help("{help}"))]
    Command {
        command: String,
        status: String,
        stderr: String,
        help: String,
    },
    #[error("cannot read the output of `{command}`: {message}")]
    #[diagnostic(
        code(mascot::slurm::output),
        help(
            "this SLURM version prints something mascot does not expect; report it with the output"
        )
    )]
    Output { command: String, message: String },
    #[error("invalid SLURM setting `{field}`: {message}")]
    #[diagnostic(code(mascot::slurm::setting), help("{help}"))]
    Setting {
        field: &'static str,
        message: String,
        help: String,
    },
    #[error("cannot install the Ctrl-C/SIGTERM handler: {0}")]
    #[diagnostic(code(mascot::slurm::signals))]
    Signals(String),
}
