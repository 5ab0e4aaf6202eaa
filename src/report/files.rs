//! Reading and writing the evaluation artifact files (`scores.jsonl`, `summary.json`). A bad
//! record is an error naming the file, line and column.

use std::io::{BufRead, BufReader};
use std::path::Path;

use super::artifact::{ScoreRow, Summary};
use super::error::ReportError;
use super::index::{RowLabel, ScoreIndex};
use super::write::write_atomic;

/// Reads a `scores.jsonl` into the index (several files may go into one index), each row
/// under each label, or under its own variant when `labels` is empty. Returns the number of
/// rows read.
pub fn read_scores(
    path: &Path,
    index: &mut ScoreIndex,
    labels: &[RowLabel],
) -> Result<usize, ReportError> {
    let file = std::fs::File::open(path).map_err(|e| ReportError::io("open", path, e))?;
    let mut n = 0;
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| ReportError::io("read", path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let row: ScoreRow = serde_json::from_str(&line).map_err(|e| ReportError::ScoreRow {
            location: format!("{}:{}:{}", path.display(), i + 1, e.column()),
            message: e.to_string(),
        })?;
        let added = if labels.is_empty() {
            index.add(&row)
        } else {
            labels.iter().try_for_each(|l| index.add_labelled(&row, l))
        };
        added.map_err(|message| ReportError::ScoreRow {
            location: format!("{}:{}", path.display(), i + 1),
            message,
        })?;
        n += 1;
    }
    Ok(n)
}

/// Writes rows as `scores.jsonl`, atomically.
pub fn write_scores<'r>(
    path: &Path,
    rows: impl IntoIterator<Item = &'r ScoreRow>,
) -> Result<(), ReportError> {
    let mut bytes = Vec::new();
    for row in rows {
        let line = serde_json::to_vec(row).map_err(|e| ReportError::ScoreRow {
            location: row.describe(),
            message: e.to_string(),
        })?;
        bytes.extend_from_slice(&line);
        bytes.push(b'\n');
    }
    write_atomic(path, &bytes)
}

/// Reads a `summary.json`.
pub fn read_summary(path: &Path) -> Result<Summary, ReportError> {
    let bytes = std::fs::read(path).map_err(|e| ReportError::io("read", path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| ReportError::Input {
        message: format!(
            "{}:{}:{}: invalid summary: {e}",
            path.display(),
            e.line(),
            e.column()
        ),
        help: "summary.json is written by the evaluate stage; run it again to rewrite the file"
            .into(),
    })
}

/// Writes `summary.json` (pretty-printed), atomically.
pub fn write_summary(path: &Path, summary: &Summary) -> Result<(), ReportError> {
    let mut bytes = serde_json::to_vec_pretty(summary).map_err(|e| ReportError::Input {
        message: format!("cannot serialise the summary: {e}"),
        help: "a summary holds finite numbers only".into(),
    })?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}
