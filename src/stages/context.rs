//! What a stage implementation is given: its node, where to read inputs, where to write its
//! output, and a progress handle.

use std::path::{Path, PathBuf};

use crate::exec::manifest::Manifest;
use crate::plan::{Stage, StageKind};

/// An upstream artifact.
#[derive(Debug, Clone)]
pub struct InputArtifact {
    pub id: String,
    pub kind: StageKind,
    pub key: String,
    /// The artifact directory in the store (read only).
    pub dir: PathBuf,
    pub manifest: Manifest,
}

/// Progress and log sink of one running stage.
pub trait StageProgress: Sync {
    /// Sets the number of items the stage will process.
    fn set_total(&self, total: u64);
    /// Marks `n` more items done.
    fn inc(&self, n: u64);
    /// A log line (shown to the user and kept in the run record).
    fn log(&self, message: &str);
}

/// A progress sink that drops everything (for tests and library use).
pub struct NoProgress;

impl StageProgress for NoProgress {
    fn set_total(&self, _total: u64) {}
    fn inc(&self, _n: u64) {}
    fn log(&self, _message: &str) {}
}

/// Everything a stage implementation needs.
pub struct StageContext<'a> {
    pub stage: &'a Stage,
    /// The experiment file's directory: plan paths are relative to it.
    pub base_dir: &'a Path,
    /// Empty directory the stage writes its files into.
    pub out_dir: &'a Path,
    /// Upstream artifacts, in `Stage::inputs` order.
    pub inputs: Vec<InputArtifact>,
    pub progress: &'a dyn StageProgress,
}

impl StageContext<'_> {
    /// Deserialises the stage's typed parameters.
    pub fn params<T: serde::de::DeserializeOwned>(&self) -> miette::Result<T> {
        serde_json::from_value(self.stage.params.clone()).map_err(|e| {
            miette::miette!(
                code = "mascot::stage::params",
                help = "the planner writes these parameters; recompile the experiment",
                "stage `{}`: invalid {} parameters: {e}",
                self.stage.id,
                self.stage.kind.as_str()
            )
        })
    }

    /// Joins a plan path to the experiment file's directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        self.base_dir.join(path)
    }
}
