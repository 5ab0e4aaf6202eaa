//! The content-addressed artifact store.
//!
//! ```text
//! <store>/
//!   objects/<key>/          one artifact: the stage's files + manifest.json
//!   tmp/<key>.<pid>.<n>/    artifacts being built (renamed into objects/ when complete)
//!   work/<key>/             a stage's resumable state (training checkpoints): kept when a
//!                           run is killed, so the next build of the key resumes from it;
//!                           removed once the artifact is committed
//!   calls/                  model calls cached across stages (judge and teacher answers),
//!                           by the content of the call
//!   locks/<key>.lock        per-key lock files
//!   last/<id-hash>.json     the fingerprint each stage id had last time (to explain misses)
//!   quarantine/<key>.json   artifacts `cache verify` found corrupt (rebuilt by the next run)
//!   hash-cache.json         (path, size, mtime) -> blake3 of external inputs
//!   runs/<timestamp>-<pid>/ run records
//! ```
//!
//! An artifact becomes visible in one `rename` of a complete, fsynced directory, so a reader
//! (or a run after a crash) sees a whole artifact or none.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::exec::error::{ExecError, io_err};
use crate::exec::fingerprint::Fingerprint;
use crate::exec::fsutil::{hash_file, list_files, sync_tree};
use crate::exec::lock::{KeyLock, lock, try_lock};
use crate::exec::manifest::{FileEntry, MANIFEST, Manifest, Resources};
use crate::exec::verify::verify_artifact;
use crate::util::{sync_dir, write_atomic};

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// What the store holds for a key.
#[derive(Debug, Clone)]
pub enum ArtifactState {
    Missing,
    Valid(Box<Manifest>),
    /// Present but damaged, or quarantined by `cache verify`: why.
    Invalid(String),
}

/// An artifact store rooted at a directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// A directory being filled by a stage; [`Store::commit`] makes it an artifact.
#[derive(Debug)]
pub struct PendingArtifact {
    pub key: String,
    pub dir: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store at `root`.
    pub fn open(root: &Path) -> Result<Store, ExecError> {
        for sub in [
            "objects",
            "tmp",
            "locks",
            "last",
            "quarantine",
            "runs",
            "trash",
            "work",
            "calls",
        ] {
            let d = root.join(sub);
            std::fs::create_dir_all(&d).map_err(io_err("create directory", &d))?;
        }
        Ok(Store {
            root: root.to_path_buf(),
        })
    }

    /// A handle on the store at `root` that creates nothing, for a dry run, which only reads:
    /// a store that does not exist yet reads as empty (every stage would run).
    pub fn at(root: &Path) -> Store {
        Store {
            root: root.to_path_buf(),
        }
    }

    /// Opens an existing store without creating anything (for `cache` commands).
    pub fn open_existing(root: &Path) -> Result<Store, ExecError> {
        if !root.join("objects").is_dir() {
            return Err(ExecError::Io {
                action: "open store",
                path: root.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no `objects/` directory: not a mascot store (pass --store DIR)",
                ),
            });
        }
        Store::open(root)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn artifact_dir(&self, key: &str) -> PathBuf {
        self.root.join("objects").join(key)
    }

    /// The resumable state of the stage building `key` (training checkpoints). Only the
    /// holder of the key's lock uses it; it outlives a killed run and is removed when the
    /// artifact is committed.
    pub fn work_dir(&self, key: &str) -> PathBuf {
        self.root.join("work").join(key)
    }

    /// The cache of model calls shared by every stage (judge and teacher answers).
    pub fn calls_dir(&self) -> PathBuf {
        self.root.join("calls")
    }

    pub fn hash_cache_path(&self) -> PathBuf {
        self.root.join("hash-cache.json")
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.root.join("runs")
    }

    fn lock_path(&self, key: &str) -> PathBuf {
        self.root.join("locks").join(format!("{key}.lock"))
    }

    fn quarantine_path(&self, key: &str) -> PathBuf {
        self.root.join("quarantine").join(format!("{key}.json"))
    }

    /// Waits for the lock of `key`.
    pub fn lock(&self, key: &str) -> Result<KeyLock, ExecError> {
        lock(&self.lock_path(key))
    }

    /// Whether the artifact exists and matches its manifest (sizes always, hashes when small
    /// or when `full`).
    pub fn check(&self, key: &str, full: bool) -> ArtifactState {
        let dir = self.artifact_dir(key);
        if !dir.exists() {
            return ArtifactState::Missing;
        }
        if let Ok(bytes) = std::fs::read(self.quarantine_path(key)) {
            let reason = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v["reason"].as_str().map(str::to_string))
                .unwrap_or_else(|| "quarantined by `mascot cache verify`".into());
            return ArtifactState::Invalid(reason);
        }
        match verify_artifact(&dir, key, full) {
            Ok(m) => ArtifactState::Valid(Box::new(m)),
            Err(why) => ArtifactState::Invalid(why),
        }
    }

    /// Marks an artifact corrupt so that the next run rebuilds it.
    pub fn quarantine(&self, key: &str, reason: &str) -> Result<(), ExecError> {
        let body = serde_json::json!({ "key": key, "reason": reason });
        Ok(write_atomic(
            &self.quarantine_path(key),
            body.to_string().as_bytes(),
        )?)
    }

    /// A fresh temporary directory for building `key` (the caller holds the key's lock).
    pub fn begin(&self, key: &str) -> Result<PendingArtifact, ExecError> {
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = self
            .root
            .join("tmp")
            .join(format!("{key}.{}.{n}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io_err("remove", &dir))?;
        }
        std::fs::create_dir_all(&dir).map_err(io_err("create directory", &dir))?;
        Ok(PendingArtifact {
            key: key.to_string(),
            dir,
        })
    }

    /// Hashes the pending files, writes the manifest, fsyncs everything and renames the
    /// directory into `objects/` (replacing a damaged artifact of the same key).
    pub fn commit(
        &self,
        pending: PendingArtifact,
        fp: &Fingerprint,
        started: String,
        summary: serde_json::Value,
    ) -> Result<Manifest, ExecError> {
        self.commit_with(pending, fp, started, summary, None)
    }

    /// [`Self::commit`], recording what building the artifact took.
    pub fn commit_with(
        &self,
        pending: PendingArtifact,
        fp: &Fingerprint,
        started: String,
        summary: serde_json::Value,
        resources: Option<Resources>,
    ) -> Result<Manifest, ExecError> {
        let mut files = Vec::new();
        for rel in list_files(&pending.dir)? {
            if rel == MANIFEST {
                continue;
            }
            let (blake3, size) = hash_file(&pending.dir.join(&rel))?;
            files.push(FileEntry {
                path: rel,
                size,
                blake3,
            });
        }
        let manifest = Manifest {
            stage_id: fp.stage_id.clone(),
            kind: fp.kind,
            kind_version: fp.kind_version,
            key: fp.key.clone(),
            plan_key: fp.plan_key.clone(),
            inputs: fp.inputs.clone(),
            external: fp.external.clone(),
            params: fp.params.clone(),
            engine_version: fp.engine_version.clone(),
            started,
            finished: now_rfc3339(),
            summary,
            files,
            resources,
        };
        let bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        let mpath = pending.dir.join(MANIFEST);
        std::fs::write(&mpath, bytes).map_err(io_err("write", &mpath))?;
        sync_tree(&pending.dir)?;

        let target = self.artifact_dir(&pending.key);
        if target.exists() {
            self.discard(&pending.key)?;
        }
        std::fs::rename(&pending.dir, &target).map_err(io_err("rename into place", &target))?;
        sync_dir(&self.root.join("objects"))?;
        let work = self.work_dir(&pending.key);
        if work.exists() {
            std::fs::remove_dir_all(&work).map_err(io_err("remove", &work))?;
        }
        let q = self.quarantine_path(&pending.key);
        if q.exists() {
            std::fs::remove_file(&q).map_err(io_err("remove", &q))?;
        }
        Ok(manifest)
    }

    /// Removes an artifact: renamed out of `objects/` first (atomic), then deleted.
    pub fn discard(&self, key: &str) -> Result<(), ExecError> {
        let target = self.artifact_dir(key);
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let trash = self
            .root
            .join("trash")
            .join(format!("{key}.{}.{n}", std::process::id()));
        std::fs::rename(&target, &trash).map_err(io_err("move to trash", &target))?;
        sync_dir(&self.root.join("objects"))?;
        std::fs::remove_dir_all(&trash).map_err(io_err("remove", &trash))?;
        let q = self.quarantine_path(key);
        if q.exists() {
            std::fs::remove_file(&q).map_err(io_err("remove", &q))?;
        }
        Ok(())
    }

    /// Removes leftovers of killed runs: temporary build directories whose key nobody is
    /// building now, and trash. Returns how many were removed.
    pub fn sweep(&self) -> Result<usize, ExecError> {
        let mut removed = 0;
        let tmp = self.root.join("tmp");
        for entry in std::fs::read_dir(&tmp).map_err(io_err("list", &tmp))? {
            let entry = entry.map_err(io_err("list", &tmp))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let key = name.split('.').next().unwrap_or_default().to_string();
            if let Some(_held) = try_lock(&self.lock_path(&key))? {
                std::fs::remove_dir_all(entry.path()).map_err(io_err("remove", entry.path()))?;
                removed += 1;
            }
        }
        let trash = self.root.join("trash");
        for entry in std::fs::read_dir(&trash).map_err(io_err("list", &trash))? {
            let entry = entry.map_err(io_err("list", &trash))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let key = name.split('.').next().unwrap_or_default().to_string();
            if let Some(_held) = try_lock(&self.lock_path(&key))? {
                std::fs::remove_dir_all(entry.path()).map_err(io_err("remove", entry.path()))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Every key in `objects/`, sorted.
    pub fn keys(&self) -> Result<Vec<String>, ExecError> {
        let dir = self.root.join("objects");
        let mut keys = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io_err("list", &dir))? {
            let entry = entry.map_err(io_err("list", &dir))?;
            if entry.path().is_dir() {
                keys.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        keys.sort();
        Ok(keys)
    }

    fn last_path(&self, stage_id: &str) -> PathBuf {
        let h = blake3::hash(stage_id.as_bytes()).to_hex();
        self.root.join("last").join(format!("{}.json", &h[..32]))
    }

    /// The fingerprint this stage id had the last time a run executed or reused it.
    pub fn last_fingerprint(&self, stage_id: &str) -> Option<Fingerprint> {
        let bytes = std::fs::read(self.last_path(stage_id)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Records `fp` as the stage id's last fingerprint (no write when unchanged).
    pub fn write_last_fingerprint(&self, fp: &Fingerprint) -> Result<(), ExecError> {
        let path = self.last_path(&fp.stage_id);
        let bytes = serde_json::to_vec_pretty(fp).unwrap_or_default();
        if std::fs::read(&path).is_ok_and(|old| old == bytes) {
            return Ok(());
        }
        Ok(write_atomic(&path, &bytes)?)
    }
}

/// The current UTC time, RFC 3339 with milliseconds.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
