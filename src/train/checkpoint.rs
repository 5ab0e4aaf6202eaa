//! Training checkpoints: the trainable weights, the optimizer state, the step and the
//! trainer's own loop state (data order, RNG...), written atomically as
//! `<root>/checkpoint-<step>/` (`trainable.safetensors`, `optimizer.bpk`, `state.json`).
//! Only the newest `keep` checkpoints are kept. A run resumes from the newest one, after
//! checking that it was written by the same run (same fingerprint of config and data).

use std::path::{Path, PathBuf};

use burn::module::Module;
use serde::{Deserialize, Serialize};

use super::error::TrainError;
use super::fsio::{publish_dir, staging_dir, write_atomic, write_json_atomic};
use super::optimizer::Optimizer;
use super::params::{NamedTensors, read_trainable, write_trainable};
use super::tensor_file::{load_tensors, save_tensors};

const WEIGHTS_FILE: &str = "trainable.safetensors";
const OPTIMIZER_FILE: &str = "optimizer.bpk";
const STATE_FILE: &str = "state.json";
const METRICS_COPY: &str = "metrics.jsonl";
const PREFIX: &str = "checkpoint-";
const FORMAT: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct StateFile {
    format: u32,
    fingerprint: String,
    step: usize,
    trainer: serde_json::Value,
}

/// A checkpoint read back from disk.
#[derive(Debug)]
pub struct Checkpoint {
    pub dir: PathBuf,
    /// Optimizer steps done when it was written.
    pub step: usize,
    pub trainable: NamedTensors,
    pub optimizer: Vec<u8>,
    /// The trainer's loop state, as the trainer serialised it.
    pub trainer: serde_json::Value,
    /// The metrics log up to this step, when the run keeps one.
    pub metrics: Option<String>,
}

impl Checkpoint {
    /// Puts the saved weights into `module` and the saved state into `optimizer`.
    pub fn restore<M: Module>(
        &self,
        module: M,
        optimizer: Optimizer,
    ) -> Result<(M, Optimizer), TrainError> {
        let module = write_trainable(module, &self.trainable, &self.dir.join(WEIGHTS_FILE))?;
        let optimizer = optimizer.restore(
            self.optimizer.clone(),
            self.step,
            &self.dir.join(OPTIMIZER_FILE),
        )?;
        Ok((module, optimizer))
    }

    /// The trainer's loop state as `T`.
    pub fn trainer_state<T: serde::de::DeserializeOwned>(&self) -> Result<T, TrainError> {
        serde_json::from_value(self.trainer.clone())
            .map_err(|e| TrainError::corrupt("checkpoint state", self.dir.join(STATE_FILE), e))
    }
}

/// Writes and finds the checkpoints of one run.
#[derive(Debug, Clone)]
pub struct Checkpointer {
    root: PathBuf,
    keep: usize,
    fingerprint: String,
}

impl Checkpointer {
    /// Checkpoints under `root`, keeping the newest `keep` (at least 1); `fingerprint`
    /// identifies the run (config and data) so a different run never resumes from them.
    pub fn new(root: &Path, keep: usize, fingerprint: impl Into<String>) -> Self {
        Self {
            root: root.to_path_buf(),
            keep: keep.max(1),
            fingerprint: fingerprint.into(),
        }
    }

    /// The checkpoint directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes the checkpoint of step `step` (with a copy of the metrics log `metrics`, when
    /// given) and prunes older ones; returns its directory.
    pub fn save<M: Module, T: Serialize>(
        &self,
        step: usize,
        module: &M,
        optimizer: &Optimizer,
        trainer: &T,
        metrics: Option<&Path>,
    ) -> Result<PathBuf, TrainError> {
        let name = format!("{PREFIX}{step:06}");
        let staged = staging_dir(&self.root, &name)?;
        if let Some(metrics) = metrics {
            let text = std::fs::read(metrics).map_err(TrainError::io("read", metrics))?;
            write_atomic(&staged.join(METRICS_COPY), &text)?;
        }
        save_tensors(&staged.join(WEIGHTS_FILE), &read_trainable(module)?)?;
        write_atomic(&staged.join(OPTIMIZER_FILE), &optimizer.state_bytes()?)?;
        let state = StateFile {
            format: FORMAT,
            fingerprint: self.fingerprint.clone(),
            step,
            trainer: serde_json::to_value(trainer)
                .map_err(|e| TrainError::corrupt("checkpoint state", &staged, e))?,
        };
        write_json_atomic(&staged.join(STATE_FILE), &state)?;
        let target = self.root.join(&name);
        publish_dir(&staged, &target)?;
        self.prune()?;
        Ok(target)
    }

    /// Steps of the complete checkpoints on disk, ascending.
    fn steps(&self) -> Result<Vec<usize>, TrainError> {
        if !self.root.exists() {
            return Ok(Vec::new());
        }
        let mut steps = Vec::new();
        for entry in std::fs::read_dir(&self.root).map_err(TrainError::io("list", &self.root))? {
            let entry = entry.map_err(TrainError::io("list", &self.root))?;
            let name = entry.file_name().to_string_lossy().to_string();
            if let Some(step) = name.strip_prefix(PREFIX).and_then(|s| s.parse().ok()) {
                steps.push(step);
            }
        }
        steps.sort_unstable();
        Ok(steps)
    }

    fn prune(&self) -> Result<(), TrainError> {
        let steps = self.steps()?;
        for step in steps.iter().take(steps.len().saturating_sub(self.keep)) {
            let dir = self.root.join(format!("{PREFIX}{step:06}"));
            std::fs::remove_dir_all(&dir).map_err(TrainError::io("remove", &dir))?;
        }
        Ok(())
    }

    /// The newest checkpoint, if any; an error when it belongs to another run.
    pub fn latest(&self) -> Result<Option<Checkpoint>, TrainError> {
        let Some(step) = self.steps()?.last().copied() else {
            return Ok(None);
        };
        let dir = self.root.join(format!("{PREFIX}{step:06}"));
        let state_path = dir.join(STATE_FILE);
        let text =
            std::fs::read_to_string(&state_path).map_err(TrainError::io("read", &state_path))?;
        let state: StateFile = serde_json::from_str(&text)
            .map_err(|e| TrainError::corrupt("checkpoint state", &state_path, e))?;
        if state.format != FORMAT {
            return Err(TrainError::CheckpointMismatch {
                path: dir,
                reason: format!("format {} (this version writes {FORMAT})", state.format),
            });
        }
        if state.fingerprint != self.fingerprint {
            return Err(TrainError::CheckpointMismatch {
                path: dir,
                reason: "its configuration or data differ from this run's".into(),
            });
        }
        let optimizer_path = dir.join(OPTIMIZER_FILE);
        let metrics_path = dir.join(METRICS_COPY);
        let metrics = if metrics_path.exists() {
            Some(
                std::fs::read_to_string(&metrics_path)
                    .map_err(TrainError::io("read", &metrics_path))?,
            )
        } else {
            None
        };
        Ok(Some(Checkpoint {
            metrics,
            step: state.step,
            trainable: load_tensors(&dir.join(WEIGHTS_FILE))?,
            optimizer: std::fs::read(&optimizer_path)
                .map_err(TrainError::io("read", &optimizer_path))?,
            trainer: state.trainer,
            dir,
        }))
    }
}
