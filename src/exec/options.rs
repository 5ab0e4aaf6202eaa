//! How a run is asked for: parallelism, failure policy, dry run, variant selection, progress.

use crate::exec::progress::ProgressMode;
use crate::exec::slurm::SlurmSettings;

/// Where stages execute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Executor {
    /// On this machine, on a thread pool (the default).
    #[default]
    Local,
    /// One SLURM job per stage (see [`crate::exec::slurm`]).
    Slurm(SlurmSettings),
}

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Stages executing at once (at least 1). Default: 1.
    pub jobs: usize,
    /// Keep running independent stages after a failure. Default: false.
    pub keep_going: bool,
    /// Only say what would run and why. Default: false.
    pub dry_run: bool,
    /// Restrict to the stages these variants need (all stages when empty, the default).
    pub variants: Vec<String>,
    /// Default: [`ProgressMode::Quiet`].
    pub progress: ProgressMode,
    /// Default: [`Executor::Local`].
    pub executor: Executor,
    /// The most memory one heavy stage on the CPU may be expected to hold, in bytes: a
    /// stage whose estimate ([`crate::exec::device::memory_estimate`]) is larger is refused
    /// before it starts. `None` (the default): the memory the machine has available when
    /// the run starts.
    pub max_memory: Option<u64>,
}

impl RunOptions {
    /// The most memory one heavy CPU stage may be expected to hold: `max_memory`, else the
    /// memory available now (`None` where the platform does not tell).
    pub fn memory_limit(&self) -> Option<u64> {
        self.max_memory
            .or_else(crate::exec::memory::available_bytes)
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: 1,
            keep_going: false,
            dry_run: false,
            variants: Vec::new(),
            progress: ProgressMode::Quiet,
            executor: Executor::Local,
            max_memory: None,
        }
    }
}
