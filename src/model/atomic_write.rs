//! Atomic file writes (temp file in the same folder, fsync, rename) for saved adapters and
//! reward heads.

use std::io::Write;
use std::path::Path;

use super::error::ModelError;

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ModelError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| ModelError::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| ModelError::io(path, e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| ModelError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| ModelError::io(path, e.error))?;
    Ok(())
}
