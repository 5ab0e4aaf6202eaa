//! The fast path for hashing external inputs: a file whose (path, size, mtime) is unchanged
//! since it was last hashed keeps its hash, so a 16 GB weight file is hashed once, not on
//! every run. Stored as `hash-cache.json` in the store.
//!
//! A file modified within the same mtime tick as it was hashed would look unchanged, so an
//! entry is only remembered when the file's mtime is at least [`RACY_WINDOW`] old (the "racy
//! git" rule); such recent files are simply hashed again next time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::exec::error::ExecError;
use crate::exec::fsutil::{hash_file, list_files};
use crate::util::write_atomic;

/// Files modified more recently than this are not remembered.
pub const RACY_WINDOW: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    size: u64,
    mtime_ns: u128,
    blake3: String,
}

/// The cache, loaded from and saved to one file.
#[derive(Debug)]
pub struct HashCache {
    path: PathBuf,
    entries: Mutex<BTreeMap<String, Entry>>,
    dirty: Mutex<bool>,
}

impl HashCache {
    /// Loads the cache; a missing or unreadable cache file is an empty cache.
    pub fn load(path: &Path) -> HashCache {
        let entries = std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        HashCache {
            path: path.to_path_buf(),
            entries: Mutex::new(entries),
            dirty: Mutex::new(false),
        }
    }

    /// Writes the cache back if it changed.
    pub fn save(&self) -> Result<(), ExecError> {
        if !*self.dirty.lock().unwrap_or_else(|e| e.into_inner()) {
            return Ok(());
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Forget files that are gone, so the cache does not grow forever.
        entries.retain(|path, _| Path::new(path).exists());
        let bytes = serde_json::to_vec(&*entries).unwrap_or_default();
        Ok(write_atomic(&self.path, &bytes)?)
    }

    /// Content hash (hex blake3) of a file or of a directory (sorted relative paths and the
    /// contents of every file under it).
    pub fn content_hash(&self, path: &Path) -> Result<String, std::io::Error> {
        let meta = std::fs::metadata(path)?;
        if meta.is_dir() {
            let files = list_files(path).map_err(to_io)?;
            let mut hasher = blake3::Hasher::new_derive_key("mascot external directory v1");
            for rel in files {
                let hash = self.file_hash(&path.join(&rel))?;
                hasher.update(&(rel.len() as u64).to_le_bytes());
                hasher.update(rel.as_bytes());
                hasher.update(hash.as_bytes());
            }
            Ok(hasher.finalize().to_hex().to_string())
        } else {
            self.file_hash(path)
        }
    }

    fn file_hash(&self, path: &Path) -> Result<String, std::io::Error> {
        let meta = std::fs::metadata(path)?;
        let mtime = meta.modified()?;
        let mtime_ns = mtime
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let key = std::path::absolute(path)?.to_string_lossy().into_owned();
        {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(e) = entries.get(&key)
                && e.size == meta.len()
                && e.mtime_ns == mtime_ns
            {
                return Ok(e.blake3.clone());
            }
        }
        let (hash, size) = hash_file(path).map_err(to_io)?;
        let old_enough = SystemTime::now()
            .duration_since(mtime)
            .is_ok_and(|age| age >= RACY_WINDOW);
        if old_enough && size == meta.len() {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries.insert(
                key,
                Entry {
                    size,
                    mtime_ns,
                    blake3: hash.clone(),
                },
            );
            *self.dirty.lock().unwrap_or_else(|e| e.into_inner()) = true;
        }
        Ok(hash)
    }

    /// Number of remembered files (for tests and `cache ls`).
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn to_io(e: ExecError) -> std::io::Error {
    match e {
        ExecError::Io { source, .. } => source,
        other => std::io::Error::other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_files_use_the_fast_path_and_new_contents_change_the_hash() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, "hello").unwrap();
        let old = SystemTime::now() - Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let cache = HashCache::load(&dir.path().join("cache.json"));
        let h1 = cache.content_hash(&file).unwrap();
        assert_eq!(cache.len(), 1);
        cache.save().unwrap();

        let reloaded = HashCache::load(&dir.path().join("cache.json"));
        assert_eq!(reloaded.len(), 1);
        assert_eq!(reloaded.content_hash(&file).unwrap(), h1);

        std::fs::write(&file, "hellp").unwrap();
        let h2 = reloaded.content_hash(&file).unwrap();
        assert_ne!(h1, h2);
        // Same size, fresh mtime: not remembered, so the next change is seen too.
        std::fs::write(&file, "hellq").unwrap();
        assert_ne!(reloaded.content_hash(&file).unwrap(), h2);
    }

    #[test]
    fn directory_hash_depends_on_names_and_contents() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("d/sub")).unwrap();
        std::fs::write(dir.path().join("d/sub/x"), "1").unwrap();
        let cache = HashCache::load(&dir.path().join("c.json"));
        let h1 = cache.content_hash(&dir.path().join("d")).unwrap();
        std::fs::rename(dir.path().join("d/sub/x"), dir.path().join("d/sub/y")).unwrap();
        let h2 = cache.content_hash(&dir.path().join("d")).unwrap();
        assert_ne!(h1, h2);
    }
}
