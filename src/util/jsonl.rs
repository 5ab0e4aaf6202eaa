//! JSON Lines files (one JSON value per line) and pretty JSON files, with errors that name the
//! file and, for a bad record, its line.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A JSON or JSONL file that could not be read or written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum JsonlError {
    #[error("cannot {action} `{}`: {source}", path.display())]
    #[diagnostic(code(mascot::jsonl::io))]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: invalid record: {message}", path.display())]
    #[diagnostic(
        code(mascot::jsonl::record),
        help(
            "each line must be one JSON object of the shape the stage writes; the artifact may be damaged (`mascot cache verify`)"
        )
    )]
    Record {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("cannot encode a record for `{}`: {message}", path.display())]
    #[diagnostic(code(mascot::jsonl::encode))]
    Encode { path: PathBuf, message: String },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> JsonlError {
    let path = path.to_path_buf();
    move |source| JsonlError::Io {
        action,
        path,
        source,
    }
}

/// Writes one JSON value per line; returns how many.
pub fn write_jsonl<T: Serialize>(
    path: &Path,
    items: impl IntoIterator<Item = T>,
) -> Result<usize, JsonlError> {
    let file = std::fs::File::create(path).map_err(io("create", path))?;
    let mut w = BufWriter::new(file);
    let mut n = 0;
    for item in items {
        serde_json::to_writer(&mut w, &item).map_err(|e| JsonlError::Encode {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        w.write_all(b"\n").map_err(io("write", path))?;
        n += 1;
    }
    w.flush().map_err(io("write", path))?;
    Ok(n)
}

/// Reads a JSONL file (blank lines are skipped); a bad line is an error naming the file and
/// the line.
pub fn read_jsonl<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, JsonlError> {
    let file = std::fs::File::open(path).map_err(io("open", path))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io("read", path))?;
        if line.trim().is_empty() {
            continue;
        }
        let item = serde_json::from_str(&line).map_err(|e| JsonlError::Record {
            path: path.to_path_buf(),
            line: i + 1,
            message: e.to_string(),
        })?;
        out.push(item);
    }
    Ok(out)
}

/// Reads a JSON file; a value of the wrong shape is an error naming the file and the line.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, JsonlError> {
    let bytes = std::fs::read(path).map_err(io("read", path))?;
    serde_json::from_slice(&bytes).map_err(|e| JsonlError::Record {
        path: path.to_path_buf(),
        line: e.line(),
        message: e.to_string(),
    })
}

/// Writes a pretty-printed JSON file.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), JsonlError> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| JsonlError::Encode {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    std::fs::write(path, bytes).map_err(io("write", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_names_the_bad_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.jsonl");
        assert_eq!(write_jsonl(&path, [1, 2, 3]).unwrap(), 3);
        assert_eq!(read_jsonl::<i32>(&path).unwrap(), vec![1, 2, 3]);
        std::fs::write(&path, "1\n\n{oops\n").unwrap();
        let err = read_jsonl::<i32>(&path).unwrap_err();
        assert!(matches!(err, JsonlError::Record { line: 3, .. }), "{err}");
        assert!(err.to_string().contains("rows.jsonl:3"), "{err}");
    }
}
