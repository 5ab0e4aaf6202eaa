//! What a stage implementation is given: its node, where to read inputs, where to write its
//! output, and a progress handle. (The executor fills it in; stages never see the store.)

use std::path::{Path, PathBuf};

use crate::plan::Stage;
use crate::spec::StageKind;

/// An upstream artifact, as a stage reads it.
#[derive(Debug, Clone)]
pub struct InputArtifact {
    pub id: String,
    pub kind: StageKind,
    /// The artifact's executor key.
    pub key: String,
    /// The artifact directory in the store (read only).
    pub dir: PathBuf,
    /// What the upstream stage reported about its output (counts, bad rows...).
    pub summary: serde_json::Value,
    /// How many files the artifact holds, and their total size in bytes.
    pub files: usize,
    pub bytes: u64,
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
    /// The stage's resumable state (training checkpoints): it survives a killed run, so a
    /// rerun of the same key resumes from what is there; it is removed once the artifact is
    /// committed. Never part of the artifact.
    pub work_dir: &'a Path,
    /// The store's cache of model calls shared across stages and runs (judge and teacher
    /// answers), keyed by the content of each call.
    pub calls_dir: &'a Path,
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

    /// The first input of `kind`, or an error naming what the stage needs.
    pub fn input(&self, kind: StageKind) -> miette::Result<&InputArtifact> {
        self.inputs.iter().find(|i| i.kind == kind).ok_or_else(|| {
            miette::miette!(
                code = "mascot::stage::inputs",
                help = format!(
                    "{} reads the output of a {} stage; recompile the experiment",
                    self.stage.kind.as_str(),
                    kind.as_str()
                ),
                "stage `{}` has no {} input",
                self.stage.id,
                kind.as_str()
            )
        })
    }
}
