//! File-system helpers of the store: listing and hashing the files of an artifact, fsyncing a
//! whole artifact tree. (Atomic single-file writes are [`crate::util::write_atomic`].)

use std::fs::File;
use std::path::Path;

use crate::exec::error::{ExecError, io_err};
use crate::util::{slash, sync_dir};

/// Every regular file under `dir`, as sorted paths relative to `dir` (`/`-separated).
pub fn list_files(dir: &Path) -> Result<Vec<String>, ExecError> {
    let mut out = Vec::new();
    let mut add = |path: &Path| {
        out.push(slash(path.strip_prefix(dir).unwrap_or(path)));
        Ok(())
    };
    walk(dir, &mut add, &mut |_| Ok(()))?;
    out.sort();
    Ok(out)
}

/// fsyncs every file under `dir` and every directory, deepest first.
pub fn sync_tree(dir: &Path) -> Result<(), ExecError> {
    let mut sync_file = |path: &Path| {
        File::open(path)
            .and_then(|f| f.sync_all())
            .map_err(io_err("fsync", path))
    };
    walk(dir, &mut sync_file, &mut |d| Ok(sync_dir(d)?))
}

/// Calls `on_file` for every regular file under `dir`, depth first, and `after_dir` for each
/// directory (`dir` included) once everything inside it has been visited.
fn walk(
    dir: &Path,
    on_file: &mut dyn FnMut(&Path) -> Result<(), ExecError>,
    after_dir: &mut dyn FnMut(&Path) -> Result<(), ExecError>,
) -> Result<(), ExecError> {
    for entry in std::fs::read_dir(dir).map_err(io_err("list", dir))? {
        let entry = entry.map_err(io_err("list", dir))?;
        let path = entry.path();
        let ty = entry.file_type().map_err(io_err("stat", &path))?;
        if ty.is_dir() {
            walk(&path, on_file, after_dir)?;
        } else if ty.is_file() {
            on_file(&path)?;
        }
    }
    after_dir(dir)
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
