//! File-system helpers of the store: listing and hashing the files of an artifact, fsyncing a
//! whole artifact tree. (Atomic single-file writes are [`crate::util::write_atomic`].)

use std::fs::File;
use std::path::Path;

use crate::exec::error::{ExecError, io_err};
use crate::util::{slash, sync_dir};

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
            out.push(slash(path.strip_prefix(root).unwrap_or(&path)));
        }
    }
    Ok(())
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
    Ok(sync_dir(dir)?)
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
