//! The files of one job in the run record (`runs/<run>/jobs/`): its log (stdout and stderr
//! of `mascot exec-stage`) and its result (the stage's record as JSON, written by the job
//! when the stage ends, read by the submitter).

use std::path::{Path, PathBuf};

use crate::exec::error::{ExecError, io_err};
use crate::exec::record::StageRecord;
use crate::util::write_atomic;

/// `runs/<run>/jobs/<stem>.log` and `.result.json` of a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFiles {
    pub log: PathBuf,
    pub result: PathBuf,
}

impl JobFiles {
    pub fn new(jobs_dir: &Path, stage_id: &str) -> JobFiles {
        let stem = file_stem(stage_id);
        JobFiles {
            log: jobs_dir.join(format!("{stem}.log")),
            result: jobs_dir.join(format!("{stem}.result.json")),
        }
    }
}

/// A file name for a stage id: its characters outside `[A-Za-z0-9._-]` become `_`, and 8
/// hex digits of its hash keep two ids that differ only there apart.
pub fn file_stem(stage_id: &str) -> String {
    let safe: String = stage_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let h = blake3::hash(stage_id.as_bytes()).to_hex();
    format!("{safe}-{}", &h[..8])
}

/// Writes a job's result (atomically: the submitter may read it at any time).
pub fn write_result(path: &Path, record: &StageRecord) -> Result<(), ExecError> {
    let bytes = serde_json::to_vec_pretty(record).unwrap_or_default();
    Ok(write_atomic(path, &bytes)?)
}

/// Reads a job's result; `Ok(None)` when the job wrote none (it was killed first).
pub fn read_result(path: &Path) -> Result<Option<StageRecord>, ExecError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ExecError::Json {
                path: path.to_path_buf(),
                message: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err("read", path)(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_safe_and_distinct() {
        let a = file_stem("MASCOT-P/align_personas/positive");
        assert!(a.starts_with("MASCOT-P_align_personas_positive-"), "{a}");
        assert_eq!(a.len(), "MASCOT-P_align_personas_positive-".len() + 8);
        assert_ne!(file_stem("a/b"), file_stem("a_b"));
        assert!(!file_stem("../x y").contains('/'));
    }
}
