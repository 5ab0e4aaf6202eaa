//! Checking an artifact against its manifest: every listed file present with its size and,
//! when asked (or when the artifact is small), its blake3.

use std::path::Path;

use crate::exec::fsutil::hash_file;
use crate::exec::manifest::Manifest;

/// Artifacts up to this size are fully re-hashed each time a run reuses them; bigger ones
/// are checked by size, and fully by `mascot cache verify`.
pub const FULL_CHECK_ON_REUSE: u64 = 64 << 20;

/// Checks the artifact in `dir`; `Err` says what is wrong.
pub fn verify_artifact(dir: &Path, key: &str, full: bool) -> Result<Manifest, String> {
    let manifest = Manifest::read(dir).map_err(|e| e.to_string())?;
    if manifest.key != key {
        return Err(format!(
            "manifest key {} does not match the directory name",
            manifest.key
        ));
    }
    let hash = full || manifest.total_size() <= FULL_CHECK_ON_REUSE;
    for f in &manifest.files {
        let path = dir.join(&f.path);
        let meta = std::fs::metadata(&path).map_err(|e| format!("file `{}`: {e}", f.path))?;
        if meta.len() != f.size {
            return Err(format!(
                "file `{}` has {} bytes, the manifest says {}",
                f.path,
                meta.len(),
                f.size
            ));
        }
        if hash {
            let (b3, _) = hash_file(&path).map_err(|e| e.to_string())?;
            if b3 != f.blake3 {
                return Err(format!("file `{}` does not match its blake3 hash", f.path));
            }
        }
    }
    Ok(manifest)
}
