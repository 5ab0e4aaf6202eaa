//! `manifest.json` of an artifact: what made it and the hash of every file it holds.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::exec::error::{ExecError, io_err};
use crate::exec::fingerprint::{HashedExternal, InputKey};
use crate::spec::StageKind;

/// The manifest's file name inside an artifact directory.
pub const MANIFEST: &str = "manifest.json";

/// One file of an artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative to the artifact directory, `/`-separated.
    pub path: String,
    pub size: u64,
    pub blake3: String,
}

/// The manifest of one artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub stage_id: String,
    pub kind: StageKind,
    /// The `VERSION` of the kind's implementation that wrote it.
    #[serde(default)]
    pub kind_version: u32,
    /// The executor key (the artifact's directory name).
    pub key: String,
    pub plan_key: String,
    pub inputs: Vec<InputKey>,
    pub external: Vec<HashedExternal>,
    pub params: serde_json::Value,
    pub engine_version: String,
    /// RFC 3339 UTC.
    pub started: String,
    pub finished: String,
    /// What the stage reported about its output (counts, bad rows...).
    pub summary: serde_json::Value,
    pub files: Vec<FileEntry>,
    /// What building it took (absent in manifests written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
}

/// Wall time and peak resident memory of the process while a stage ran
/// ([`crate::exec::memory`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    pub seconds: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
}

impl Manifest {
    /// Reads `<dir>/manifest.json`.
    pub fn read(dir: &Path) -> Result<Manifest, ExecError> {
        let path = dir.join(MANIFEST);
        let bytes = std::fs::read(&path).map_err(io_err("read", &path))?;
        serde_json::from_slice(&bytes).map_err(|e| ExecError::Json {
            path,
            message: e.to_string(),
        })
    }

    /// Total size of the files.
    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}
