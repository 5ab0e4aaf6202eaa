//! The SLURM executor: each stage that is not in the store becomes one `sbatch` job running
//! `mascot exec-stage` on the sealed plan; jobs are chained with `--dependency=afterok`,
//! followed with `squeue`/`scontrol`, and cancelled with `scancel` on Ctrl-C/SIGTERM.

pub mod client;
pub mod error;
pub mod executor;
pub mod follow;
pub mod job_files;
pub mod job_state;
pub mod log_tail;
pub mod resources;
pub mod sbatch;
pub mod scontrol;
pub mod settings;
pub mod signals;
pub mod squeue;
pub mod submit;
pub mod tracker;

pub use client::SlurmClient;
pub use error::SlurmError;
pub use job_state::{JobId, JobState};
pub use settings::SlurmSettings;
