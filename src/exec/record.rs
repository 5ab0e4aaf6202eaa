//! Run records: `runs/<timestamp>-<pid>/` in the store holds the plan (`plan.json`), what
//! each stage did and why with timings (`record.json`, written when the run starts and again
//! when it ends), and the log lines (`log.txt`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::exec::error::{ExecError, io_err};
use crate::plan::Plan;
use crate::spec::StageKind;
use crate::util::write_atomic;

/// What happened to a stage in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Computed by this run.
    Executed,
    /// Reused from the store.
    Cached,
    Failed,
    /// Not attempted because an input failed (or the run stopped after a failure).
    Skipped,
    /// `--dry-run`: would be computed.
    WouldRun,
}

/// One stage's line in a run record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageRecord {
    pub id: String,
    pub kind: StageKind,
    /// Executor key; absent when it could not be computed (an unreadable external input).
    pub key: Option<String>,
    pub outcome: Outcome,
    /// Why it ran (empty when cached), or why it was skipped.
    pub reasons: Vec<String>,
    pub error: Option<String>,
    pub seconds: f64,
    /// Peak resident memory of the process while the stage ran, bytes (executed stages on
    /// Linux; see [`crate::exec::memory`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
}

/// The whole record of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub experiment: String,
    pub source: String,
    pub engine_version: String,
    pub started: String,
    pub finished: Option<String>,
    pub dry_run: bool,
    pub jobs: usize,
    pub variants: Vec<String>,
    pub stages: Vec<StageRecord>,
}

/// The directory of one run record.
#[derive(Debug, Clone)]
pub struct RecordDir {
    pub dir: PathBuf,
}

impl RecordDir {
    /// Creates `runs/<timestamp>-<pid>/` and writes the plan into it.
    pub fn create(runs: &Path, plan: &Plan) -> Result<RecordDir, ExecError> {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        let dir = runs.join(format!("{stamp}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(io_err("create directory", &dir))?;
        let plan_json = serde_json::to_vec_pretty(plan).unwrap_or_default();
        write_atomic(&dir.join("plan.json"), &plan_json)?;
        Ok(RecordDir { dir })
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join("log.txt")
    }

    pub fn write(&self, record: &RunRecord) -> Result<(), ExecError> {
        let bytes = serde_json::to_vec_pretty(record).unwrap_or_default();
        Ok(write_atomic(&self.dir.join("record.json"), &bytes)?)
    }
}
