//! Per-step metrics: one JSON object a line in `metrics.jsonl`, `{"step": n, name: value...}`
//! in the order the trainer logged them (names as TRL logs them). A resumed run keeps the
//! lines up to its checkpoint and rewrites the rest, so the file ends up as an uninterrupted
//! run's.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::TrainError;
use super::fsio::write_atomic;

/// File name of the metrics log inside a training output directory.
pub const METRICS_FILE: &str = "metrics.jsonl";

/// The metrics of one optimizer step.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepMetrics {
    /// 1-based optimizer step.
    pub step: usize,
    /// `(name, value)` in logging order.
    pub values: Vec<(String, f64)>,
}

impl StepMetrics {
    /// Empty metrics of `step`.
    pub fn new(step: usize) -> Self {
        Self {
            step,
            values: Vec::new(),
        }
    }

    /// Adds (or replaces) `name`.
    pub fn set(&mut self, name: &str, value: f64) {
        match self.values.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.values.push((name.to_string(), value)),
        }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// The JSON line (non-finite values as `null`).
    pub fn to_json_line(&self) -> String {
        let mut line = format!("{{\"step\":{}", self.step);
        for (name, value) in &self.values {
            let key = serde_json::to_string(name).unwrap_or_else(|_| "\"?\"".into());
            let value = serde_json::Number::from_f64(*value)
                .map(|n| n.to_string())
                .unwrap_or_else(|| "null".into());
            line.push_str(&format!(",{key}:{value}"));
        }
        line.push('}');
        line
    }
}

/// Appends [`StepMetrics`] to a `metrics.jsonl`.
#[derive(Debug)]
pub struct MetricsWriter {
    path: PathBuf,
    file: File,
}

impl MetricsWriter {
    /// Opens `path` for a run that has already completed `steps_done` steps. The earlier
    /// lines come from `saved` (the copy a checkpoint keeps) or else from the file on disk;
    /// lines of later steps (written after that checkpoint) are dropped. A fresh run
    /// (`steps_done == 0`) starts an empty file.
    pub fn open(path: &Path, steps_done: usize, saved: Option<&str>) -> Result<Self, TrainError> {
        let mut kept = String::new();
        let previous = match saved {
            _ if steps_done == 0 => String::new(),
            Some(text) => text.to_string(),
            None if path.exists() => {
                std::fs::read_to_string(path).map_err(TrainError::io("read", path))?
            }
            None => String::new(),
        };
        for (n, line) in previous.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let step = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v.get("step")?.as_u64());
            match step {
                Some(step) if step as usize <= steps_done => {
                    kept.push_str(line);
                    kept.push('\n');
                }
                Some(_) => {}
                // A torn last line of a killed run is dropped; anything else is corrupt.
                None if n > 0 => {}
                None => {
                    return Err(TrainError::corrupt(
                        "metrics log",
                        path,
                        format!("line {}: not a JSON object with a `step`", n + 1),
                    ));
                }
            }
        }
        write_atomic(path, kept.as_bytes())?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(TrainError::io("open", path))?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends one line and flushes it.
    pub fn write(&mut self, metrics: &StepMetrics) -> Result<(), TrainError> {
        writeln!(self.file, "{}", metrics.to_json_line())
            .and_then(|()| self.file.flush())
            .map_err(TrainError::io("write", &self.path))
    }

    /// fsyncs the file (at checkpoints and at the end).
    pub fn sync(&self) -> Result<(), TrainError> {
        self.file
            .sync_all()
            .map_err(TrainError::io("fsync", &self.path))
    }
}

/// Reads a `metrics.jsonl` back (tests, reports).
pub fn read_metrics(path: &Path) -> Result<Vec<serde_json::Value>, TrainError> {
    let text = std::fs::read_to_string(path).map_err(TrainError::io("read", path))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l).map_err(|e| {
                TrainError::corrupt("metrics log", path, format!("line {}: {e}", n + 1))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_keeps_lines_up_to_the_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(METRICS_FILE);
        let mut w = MetricsWriter::open(&path, 0, None).unwrap();
        for step in 1..=4 {
            let mut m = StepMetrics::new(step);
            m.set("loss", 1.0 / step as f64);
            m.set("accuracy", f64::NAN);
            w.write(&m).unwrap();
        }
        let lines = read_metrics(&path).unwrap();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[1]["loss"], 0.5);
        assert!(lines[1]["accuracy"].is_null());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("{\"step\":1,\"loss\":1.0,\"accuracy\":null}\n"),
            "{text}"
        );
        // A torn last line, as a killed process leaves it.
        std::fs::write(&path, format!("{text}{{\"step\":5,\"lo")).unwrap();
        let mut w = MetricsWriter::open(&path, 2, None).unwrap();
        w.write(&StepMetrics::new(3)).unwrap();
        let steps: Vec<u64> = read_metrics(&path)
            .unwrap()
            .iter()
            .map(|v| v["step"].as_u64().unwrap())
            .collect();
        assert_eq!(steps, vec![1, 2, 3]);
        // A checkpoint's copy wins over the file on disk (a fresh output directory).
        std::fs::remove_file(&path).unwrap();
        let saved = "{\"step\":1}\n{\"step\":2}\n{\"step\":3}\n";
        MetricsWriter::open(&path, 2, Some(saved)).unwrap();
        assert_eq!(read_metrics(&path).unwrap().len(), 2);
    }
}
