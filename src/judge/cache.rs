//! The judge-call cache: one file per call, named by the blake3 hash of what determines the
//! answer (the backend's identity without any key, the purpose and rubric, the messages, the
//! answer length), holding the answer text. The caller gives the folder (the stages use one
//! inside the store, shared by every stage, so a rerun or another stage asking the same
//! question does not call again).
//!
//! [`super::CachedChat`] stores each answer as soon as it arrives. Entries are written
//! atomically (temporary file, fsync, rename, fsync of the folder). An
//! entry that cannot be read back (truncated, edited, from another version) counts as a miss
//! and is overwritten by the next answer. Only answers are stored, never failures: what
//! makes a failure reproducible from the cache (an unparseable answer at temperature 0) is
//! decided by the caller, which stores such an answer and parses it again on a hit.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::JudgeError;

/// Bump when the entry format or the key material changes.
const CACHE_VERSION: u32 = 1;

/// A folder of cached answers.
#[derive(Debug, Clone)]
pub struct CallCache {
    dir: PathBuf,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Hit(String),
    Miss,
    /// The entry exists but cannot be used; the reason says why.
    Corrupt(String),
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    version: u32,
    key: String,
    answer: String,
}

impl CallCache {
    /// The cache in `dir` (created when missing).
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, JudgeError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| JudgeError::Cache {
            path: dir.clone(),
            reason: e.to_string(),
        })?;
        Ok(Self { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of a call: blake3 of the canonical JSON of `material` (hex).
    pub fn key(material: &Value) -> String {
        let mut canonical = Vec::new();
        write_canonical(material, &mut canonical);
        let mut hasher = blake3::Hasher::new();
        hasher.update(&CACHE_VERSION.to_le_bytes());
        hasher.update(&canonical);
        hasher.finalize().to_hex().to_string()
    }

    /// The file of `key`: `<dir>/<first two hex digits>/<key>.json`.
    pub fn path(&self, key: &str) -> PathBuf {
        self.dir
            .join(key.get(..2).unwrap_or("xx"))
            .join(format!("{key}.json"))
    }

    pub fn get(&self, key: &str) -> Lookup {
        let path = self.path(key);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Lookup::Miss,
            Err(e) => return Lookup::Corrupt(format!("{}: {e}", path.display())),
        };
        match serde_json::from_slice::<Entry>(&bytes) {
            Ok(entry) if entry.version == CACHE_VERSION && entry.key == key => {
                Lookup::Hit(entry.answer)
            }
            Ok(_) => Lookup::Corrupt(format!(
                "{}: written for another key or version",
                path.display()
            )),
            Err(e) => Lookup::Corrupt(format!("{}: {e}", path.display())),
        }
    }

    /// Stores `answer` under `key`, atomically.
    pub fn put(&self, key: &str, answer: &str) -> Result<(), JudgeError> {
        let path = self.path(key);
        let entry = Entry {
            version: CACHE_VERSION,
            key: key.to_string(),
            answer: answer.to_string(),
        };
        let bytes = serde_json::to_vec(&entry).map_err(|e| JudgeError::Cache {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        write_atomic(&path, &bytes).map_err(|e| JudgeError::Cache {
            path,
            reason: e.to_string(),
        })
    }
}

/// Temp file in the same folder, fsync, rename over `path`, fsync the folder.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()
}

/// JSON with object keys sorted, so a key does not depend on field order.
fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend(Value::String(k.clone()).to_string().as_bytes());
                out.push(b':');
                if let Some(v) = map.get(k) {
                    write_canonical(v, out);
                }
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(v, out);
            }
            out.push(b']');
        }
        scalar => out.extend(scalar.to_string().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_ignores_field_order_and_sees_every_value() {
        let a = CallCache::key(&json!({"model": "m", "messages": [1, 2], "t": 0.0}));
        let b = CallCache::key(&json!({"t": 0.0, "messages": [1, 2], "model": "m"}));
        let c = CallCache::key(&json!({"t": 0.0, "messages": [2, 1], "model": "m"}));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn round_trip_and_corrupt_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CallCache::open(dir.path().join("calls")).unwrap();
        let key = CallCache::key(&json!({"q": 1}));
        assert_eq!(cache.get(&key), Lookup::Miss);
        cache.put(&key, "{\"a\": 1}").unwrap();
        assert_eq!(cache.get(&key), Lookup::Hit("{\"a\": 1}".into()));
        std::fs::write(cache.path(&key), b"{\"version\": 1, \"key\": \"").unwrap();
        assert!(matches!(cache.get(&key), Lookup::Corrupt(_)));
        cache.put(&key, "again").unwrap();
        assert_eq!(cache.get(&key), Lookup::Hit("again".into()));
        let other = CallCache::key(&json!({"q": 2}));
        std::fs::create_dir_all(cache.path(&other).parent().unwrap()).unwrap();
        std::fs::copy(cache.path(&key), cache.path(&other)).unwrap();
        assert!(matches!(cache.get(&other), Lookup::Corrupt(_)));
    }
}
