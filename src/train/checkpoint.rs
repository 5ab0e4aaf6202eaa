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
use super::params::{
    NamedTensors, assign_stable_ids, read_trainable, stable_id, trainable_params, write_trainable,
};
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
    /// Puts the saved weights into `module` (giving its trainable parameters their stable
    /// ids, which the saved optimizer state is keyed by) and the saved state into `optimizer`.
    pub fn restore<M: Module>(
        &self,
        module: M,
        optimizer: Optimizer,
    ) -> Result<(M, Optimizer), TrainError> {
        let module = assign_stable_ids(module);
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
        if let Some(param) = trainable_params(module)
            .into_iter()
            .find(|p| p.id != stable_id(&p.path))
        {
            return Err(TrainError::config(
                "checkpoint",
                format!(
                    "trainable parameter `{}` has a random id, so its optimizer state could not \
                     be matched after a resume",
                    param.path
                ),
                "call `train::params::assign_stable_ids` on the module before the first update",
            ));
        }
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

    /// Removes the staging directories a killed run left behind.
    fn sweep_staging(&self) -> Result<(), TrainError> {
        if !self.root.exists() {
            return Ok(());
        }
        for entry in std::fs::read_dir(&self.root).map_err(TrainError::io("list", &self.root))? {
            let path = entry.map_err(TrainError::io("list", &self.root))?.path();
            let staging = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".tmp-"));
            if staging && path.is_dir() {
                std::fs::remove_dir_all(&path).map_err(TrainError::io("remove", &path))?;
            }
        }
        Ok(())
    }

    /// The newest checkpoint, if any; an error when it belongs to another run. Staging
    /// directories of a killed run are swept away first.
    pub fn latest(&self) -> Result<Option<Checkpoint>, TrainError> {
        self.sweep_staging()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::optimizer::OptimizerConfig;
    use burn::nn::{Linear, LinearConfig};
    use burn::tensor::Device;

    #[test]
    fn newest_kept_staging_swept_and_other_runs_refused() {
        let root = tempfile::tempdir().unwrap();
        let device = Device::flex().autodiff();
        let linear: Linear = LinearConfig::new(3, 2).init(&device);
        let optimizer = Optimizer::new(&OptimizerConfig::default(), 10).unwrap();
        let checkpoints = Checkpointer::new(root.path(), 2, "run-a");
        let err = checkpoints
            .save(1, &linear, &optimizer, &1, None)
            .unwrap_err();
        assert!(err.to_string().contains("random id"), "{err}");
        let linear = crate::train::params::assign_stable_ids(linear);
        assert!(checkpoints.latest().unwrap().is_none());
        for step in [2, 4, 6] {
            checkpoints
                .save(step, &linear, &optimizer, &step, None)
                .unwrap();
        }
        // A killed write leaves a staging directory behind.
        std::fs::create_dir(root.path().join(".tmp-checkpoint-000008-1")).unwrap();
        let latest = checkpoints.latest().unwrap().unwrap();
        assert_eq!(latest.step, 6);
        assert_eq!(latest.trainer_state::<usize>().unwrap(), 6);
        assert_eq!(latest.trainable.len(), 2, "weight and bias");
        assert!(latest.metrics.is_none());
        let mut names: Vec<String> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        assert_eq!(names, vec!["checkpoint-000004", "checkpoint-000006"]);
        let other = Checkpointer::new(root.path(), 2, "run-b");
        assert!(matches!(
            other.latest(),
            Err(TrainError::CheckpointMismatch { .. })
        ));
        // A corrupt state file is named in the error.
        std::fs::write(root.path().join("checkpoint-000006/state.json"), "{").unwrap();
        let err = checkpoints.latest().unwrap_err().to_string();
        assert!(err.contains("checkpoint-000006"), "{err}");
    }
}
