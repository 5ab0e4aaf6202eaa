//! Durable writes for training artifacts: atomic files (temporary file, fsync, rename, fsync
//! of the directory) and atomic directories (built under a temporary name, every file
//! fsynced, renamed into place). A reader sees the old artifact or the new one, never half.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::error::TrainError;

/// fsyncs a directory so that renames inside it are durable.
pub fn sync_dir(dir: &Path) -> Result<(), TrainError> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(TrainError::io("fsync directory", dir))
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(TrainError::io("create directory", dir))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(TrainError::io("create a temporary file in", dir))?;
    tmp.write_all(bytes)
        .map_err(TrainError::io("write", tmp.path()))?;
    // Temporary files are private (0600); artifacts are ordinary files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(TrainError::io("set permissions of", tmp.path()))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(TrainError::io("fsync", tmp.path()))?;
    tmp.persist(path).map_err(|e| TrainError::Io {
        action: "rename into place",
        path: path.to_path_buf(),
        source: e.error,
    })?;
    sync_dir(dir)
}

/// Writes `value` as pretty JSON to `path` atomically.
pub fn write_json_atomic(path: &Path, value: &impl serde::Serialize) -> Result<(), TrainError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| TrainError::corrupt("JSON value", path, e))?;
    write_atomic(path, text.as_bytes())
}

/// Moves the finished directory `staged` to `target` atomically: fsyncs every file in it and
/// the directory itself, replaces an existing `target`, and fsyncs the parent.
pub fn publish_dir(staged: &Path, target: &Path) -> Result<(), TrainError> {
    for entry in std::fs::read_dir(staged).map_err(TrainError::io("list", staged))? {
        let path = entry.map_err(TrainError::io("list", staged))?.path();
        if path.is_file() {
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(TrainError::io("fsync", &path))?;
        }
    }
    sync_dir(staged)?;
    if target.exists() {
        std::fs::remove_dir_all(target).map_err(TrainError::io("remove", target))?;
    }
    std::fs::rename(staged, target).map_err(TrainError::io("rename into place", target))?;
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    sync_dir(parent)
}

/// A fresh staging directory `<parent>/.tmp-<name>-<pid>` (removed first if a killed run
/// left one behind).
pub fn staging_dir(parent: &Path, name: &str) -> Result<std::path::PathBuf, TrainError> {
    std::fs::create_dir_all(parent).map_err(TrainError::io("create directory", parent))?;
    let staged = parent.join(format!(".tmp-{name}-{}", std::process::id()));
    if staged.exists() {
        std::fs::remove_dir_all(&staged).map_err(TrainError::io("remove", &staged))?;
    }
    std::fs::create_dir(&staged).map_err(TrainError::io("create directory", &staged))?;
    Ok(staged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_replaces_the_target_whole() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("old.txt"), "old").unwrap();
        let staged = staging_dir(root.path(), "out").unwrap();
        write_atomic(&staged.join("new.txt"), b"new").unwrap();
        publish_dir(&staged, &target).unwrap();
        assert!(!staged.exists());
        assert!(!target.join("old.txt").exists());
        assert_eq!(
            std::fs::read_to_string(target.join("new.txt")).unwrap(),
            "new"
        );
    }
}
