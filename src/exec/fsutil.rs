//! Durable file-system helpers: fsync of files and directories, atomic small-file writes
//! (temporary file in the same directory, fsync, rename, fsync of the directory).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::exec::error::{ExecError, io_err};

/// fsyncs a directory so that a rename inside it is durable.
pub fn sync_dir(dir: &Path) -> Result<(), ExecError> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io_err("fsync directory", dir))
}

/// Writes `bytes` to `path` atomically: readers see the old file or the new one, never half.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ExecError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_err("create directory", dir))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(io_err("create a temporary file in", dir))?;
    tmp.write_all(bytes).map_err(io_err("write", tmp.path()))?;
    tmp.as_file()
        .sync_all()
        .map_err(io_err("fsync", tmp.path()))?;
    tmp.persist(path).map_err(|e| ExecError::Io {
        action: "rename into place",
        path: path.to_path_buf(),
        source: e.error,
    })?;
    sync_dir(dir)
}

/// Every regular file under `dir`, as sorted paths relative to `dir` (`/`-separated).
pub fn list_files(dir: &Path) -> Result<Vec<String>, ExecError> {
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), ExecError> {
    let entries = std::fs::read_dir(dir).map_err(io_err("list", dir))?;
    for entry in entries {
        let entry = entry.map_err(io_err("list", dir))?;
        let path = entry.path();
        let ty = entry.file_type().map_err(io_err("stat", &path))?;
        if ty.is_dir() {
            walk(root, &path, out)?;
        } else if ty.is_file() {
            out.push(relative(root, &path));
        }
    }
    Ok(())
}

fn relative(root: &Path, path: &Path) -> String {
    let rel: PathBuf = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// fsyncs every file under `dir` and every directory, deepest first.
pub fn sync_tree(dir: &Path) -> Result<(), ExecError> {
    let entries = std::fs::read_dir(dir).map_err(io_err("list", dir))?;
    for entry in entries {
        let entry = entry.map_err(io_err("list", dir))?;
        let path = entry.path();
        let ty = entry.file_type().map_err(io_err("stat", &path))?;
        if ty.is_dir() {
            sync_tree(&path)?;
        } else if ty.is_file() {
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(io_err("fsync", &path))?;
        }
    }
    sync_dir(dir)
}

/// blake3 of a file's contents (hex) and its size, streamed.
pub fn hash_file(path: &Path) -> Result<(String, u64), ExecError> {
    let mut hasher = blake3::Hasher::new();
    let file = File::open(path).map_err(io_err("open", path))?;
    let size = std::io::copy(
        &mut std::io::BufReader::with_capacity(1 << 20, file),
        &mut hasher,
    )
    .map_err(io_err("read", path))?;
    Ok((hasher.finalize().to_hex().to_string(), size))
}
