//! A malformed input record: where it is and what is wrong with it. Readers keep every bad
//! row (counted in the artifact's stats, logged), never drop one silently.

use serde::{Deserialize, Serialize};

/// One malformed row of a dataset file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadRow {
    /// The file, as the reader was given it.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong, and how to fix it.
    pub reason: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}
