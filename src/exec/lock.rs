//! Per-key lock files (`locks/<key>.lock`, OS advisory locks via `std::fs::File::lock`): one
//! process at a time builds or replaces a given artifact. The lock is released when the
//! process exits, so a killed run never leaves a stale lock behind.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::exec::error::{ExecError, io_err};

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct KeyLock {
    _file: File,
    pub path: PathBuf,
}

fn open(path: &Path) -> Result<File, ExecError> {
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(io_err("open lock file", path))
}

/// Waits for the lock at `path`.
pub fn lock(path: &Path) -> Result<KeyLock, ExecError> {
    let file = open(path)?;
    file.lock().map_err(io_err("lock", path))?;
    Ok(KeyLock {
        _file: file,
        path: path.to_path_buf(),
    })
}

/// Takes the lock at `path` if nobody holds it.
pub fn try_lock(path: &Path) -> Result<Option<KeyLock>, ExecError> {
    let file = open(path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(KeyLock {
            _file: file,
            path: path.to_path_buf(),
        })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(io_err("lock", path)(e)),
    }
}
