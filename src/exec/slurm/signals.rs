//! Ctrl-C, SIGTERM and SIGHUP while jobs are queued: the first one asks the submitter to
//! cancel the jobs it submitted (`scancel`) and stop; a second Ctrl-C quits at once. The
//! handlers are the run's ([`crate::util::interrupts`]).

use crate::exec::slurm::error::SlurmError;
pub use crate::util::interrupts::Interrupts;

/// Installs the run's signal handlers.
pub fn install() -> Result<Interrupts, SlurmError> {
    Interrupts::install().map_err(|e| SlurmError::Signals(e.to_string()))
}
