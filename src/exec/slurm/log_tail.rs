//! The last lines of a job's log, for the report of a failed stage.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// How much of the end of a log is read.
const TAIL_BYTES: u64 = 16 * 1024;

/// The last `lines` lines of the file (fewer if it is shorter; empty if unreadable).
pub fn tail(path: &Path, lines: usize) -> String {
    let Ok(mut f) = std::fs::File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(TAIL_BYTES);
    if f.seek(SeekFrom::Start(start)).is_err() {
        return String::new();
    }
    let mut bytes = Vec::new();
    if f.read_to_end(&mut bytes).is_err() {
        return String::new();
    }
    let text = String::from_utf8_lossy(&bytes);
    let all: Vec<&str> = text.lines().collect();
    // A partial first line (cut by the byte window) is dropped.
    let skip_partial = usize::from(start > 0 && all.len() > 1);
    let body = &all[skip_partial..];
    body[body.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_lines_of_short_and_long_logs() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        assert_eq!(tail(&p, 3), "");
        std::fs::write(&p, "a\nb\nc\nd\n").unwrap();
        assert_eq!(tail(&p, 2), "c\nd");
        assert_eq!(tail(&p, 10), "a\nb\nc\nd");
        let long: String = (0..5000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&p, long).unwrap();
        assert_eq!(tail(&p, 2), "line 4998\nline 4999");
    }
}
