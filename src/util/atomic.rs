//! Atomic file writes: a temporary file in the target's directory, written and fsynced, renamed
//! over the target, then the directory fsynced so the rename itself survives a crash. Readers
//! see the old file or the new one, never half of one.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A failed file-system step, with the path it concerned.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} `{}`: {source}", path.display())]
pub struct IoError {
    /// What was being done: `write`, `fsync`, `rename into place`...
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl IoError {
    fn at(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> IoError {
        let path = path.to_path_buf();
        move |source| IoError {
            action,
            path,
            source,
        }
    }
}

/// fsyncs a directory so that a rename or a new entry inside it is durable.
pub fn sync_dir(dir: &Path) -> Result<(), IoError> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(IoError::at("fsync directory", dir))
}

/// Writes `bytes` to `path` atomically, creating the parent directory when needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(IoError::at("create directory", dir))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(IoError::at("create a temporary file in", dir))?;
    tmp.write_all(bytes)
        .map_err(IoError::at("write", tmp.path()))?;
    tmp.as_file()
        .sync_all()
        .map_err(IoError::at("fsync", tmp.path()))?;
    tmp.persist(path)
        .map_err(|e| IoError::at("rename into place", path)(e.error))?;
    sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.json")]);
    }

    #[test]
    fn a_failure_names_the_step_and_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        let err = write_atomic(&blocker.join("inside"), b"y").unwrap_err();
        assert_eq!(err.action, "create directory");
        assert!(err.to_string().contains("file"), "{err}");
    }
}
