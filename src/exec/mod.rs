//! The executor: content-addressed artifact store, executor keys (fingerprints), locks,
//! scheduler, run records.

pub mod api_keys;
pub mod device;
pub mod engine;
pub mod error;
pub mod fingerprint;
pub mod fsutil;
pub mod gc;
pub mod hash_cache;
pub mod hub_inputs;
pub mod keying;
pub mod lock;
pub mod lockfile;
pub mod manifest;
pub mod memory;
pub mod one_stage;
pub mod options;
pub mod pool;
pub mod progress;
pub mod record;
pub mod run_stage;
pub mod scheduler;
pub mod select;
pub mod slurm;
pub mod store;
#[cfg(test)]
mod toy_kind_tests;
pub mod verify;
pub mod why;

pub use engine::ENGINE_VERSION;
pub use error::ExecError;
pub use fingerprint::{Fingerprint, fingerprint};
pub use manifest::Manifest;
pub use options::{Executor, RunOptions};
pub use progress::ProgressMode;
pub use record::{Outcome, StageRecord};
pub use run_stage::TEST_DELAY_ENV;
pub use scheduler::{RunReport, run_plan};
pub use store::{ArtifactState, Store};
