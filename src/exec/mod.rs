//! The executor: content-addressed artifact store, executor keys (fingerprints), locks,
//! scheduler, run records.

pub mod device;
pub mod engine;
pub mod error;
pub mod fingerprint;
pub mod fsutil;
pub mod gc;
pub mod hash_cache;
pub mod lock;
pub mod lockfile;
pub mod manifest;
pub mod progress;
pub mod record;
pub mod scheduler;
pub mod select;
pub mod slurm;
pub mod store;
pub mod verify;
pub mod why;

pub use engine::ENGINE_VERSION;
pub use error::ExecError;
pub use fingerprint::{Fingerprint, fingerprint};
pub use manifest::Manifest;
pub use progress::ProgressMode;
pub use record::{Outcome, StageRecord};
pub use scheduler::{RunOptions, RunReport, run_plan};
pub use store::{ArtifactState, Store};
