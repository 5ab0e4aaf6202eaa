//! Shared helpers with no project knowledge: atomic file writes (the file and its directory
//! fsynced), path normalisation, JSON Lines files, the run's signal handlers. Nothing here imports the rest of the crate.

pub mod atomic;
pub mod interrupts;
pub mod jsonl;
pub mod path;

pub use atomic::{IoError, sync_dir, write_atomic};
pub use jsonl::{JsonlError, read_json, read_jsonl, write_json, write_jsonl};
pub use path::{normalize, slash};
