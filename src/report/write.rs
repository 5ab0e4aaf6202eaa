//! Atomic writes of report files: a temporary file in the same folder, fsync, rename, fsync
//! of the folder. A reader sees the old file or the new one, never half of one.

use std::io::Write;
use std::path::Path;

use super::error::ReportError;

/// Writes `bytes` to `path` atomically, creating the folder when needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| ReportError::io("create folder", dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(|e| ReportError::io("create a temporary file in", dir, e))?;
    tmp.write_all(bytes)
        .map_err(|e| ReportError::io("write", path, e))?;
    // Report files are meant to be read and shared: not the temporary file's 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| ReportError::io("set permissions of", path, e))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| ReportError::io("fsync", path, e))?;
    tmp.persist(path)
        .map_err(|e| ReportError::io("rename into place", path, e.error))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| ReportError::io("fsync folder", dir, e))
}
