//! Models from the Hugging Face Hub (`hf("org/name")`): resolution in the local Hugging Face
//! cache, shared with Python's huggingface_hub, and download of the files a model needs when
//! they are missing and the network is allowed.

pub mod blob_download;
pub mod blob_hash;
pub mod cache;
pub mod client;
pub mod config;
pub mod download;
pub mod error;
pub mod model_files;
pub mod progress;

pub use crate::spec::hub_id::{HubModelRef, RepoId, Revision, is_commit_hash};
pub use cache::{CachedModel, HubCache, resolve_cached};
pub use config::HubConfig;
pub use download::resolve_or_download;
pub use error::HubError;
