//! A held lock file, and how it is taken, waited for, broken when abandoned, and released.
//!
//! Taking: the owner record is written to a temporary file beside the lock, fsynced, and
//! hard-linked to the lock's name. `link` is atomic and exclusive on NFS (v2 included),
//! and readers never see a half-written lock. Breaking an abandoned lock: it is renamed
//! aside (only one breaker can win), and if what was moved turns out to be a fresh lock
//! taken in between, it is linked back.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use crate::exec::error::{ExecError, io_err};
use crate::exec::lockfile::config::LockConfig;
use crate::exec::lockfile::heartbeat::{Beat, Heartbeat, beat};
use crate::exec::lockfile::owner::{LockOwner, inspect, staleness};
use crate::util::sync_dir;

/// A held lock file; dropping it stops the heartbeat and removes the file.
#[derive(Debug)]
pub struct FileLock {
    path: PathBuf,
    token: String,
    lost: Arc<AtomicBool>,
    heartbeat: Option<Heartbeat>,
}

impl FileLock {
    /// Waits until the lock at `path` is free (or abandoned) and takes it.
    pub fn acquire(path: &Path, config: &LockConfig) -> Result<FileLock, ExecError> {
        let mut pause = Duration::from_millis(5);
        loop {
            if let Some(lock) = FileLock::try_acquire(path, config)? {
                return Ok(lock);
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(config.max_poll);
        }
    }

    /// Takes the lock at `path` if it is free or abandoned (an abandoned lock is broken).
    pub fn try_acquire(path: &Path, config: &LockConfig) -> Result<Option<FileLock>, ExecError> {
        let owner = LockOwner::current();
        if create(path, &owner)? {
            return FileLock::start(path, owner, config).map(Some);
        }
        let snap = match inspect(path).map_err(io_err("read lock file", path))? {
            Some(s) => s,
            // Released between our attempt and our look: try once more.
            None => {
                return if create(path, &owner)? {
                    FileLock::start(path, owner, config).map(Some)
                } else {
                    Ok(None)
                };
            }
        };
        if staleness(&snap, config, SystemTime::now()).is_none() {
            return Ok(None);
        }
        break_lock(path, &snap, &owner.token)?;
        if create(path, &owner)? {
            return FileLock::start(path, owner, config).map(Some);
        }
        Ok(None)
    }

    fn start(path: &Path, owner: LockOwner, config: &LockConfig) -> Result<FileLock, ExecError> {
        let lost = Arc::new(AtomicBool::new(false));
        let heartbeat = Heartbeat::start(
            path.to_path_buf(),
            owner.token.clone(),
            config.heartbeat_every,
            lost.clone(),
        );
        let mut lock = FileLock {
            path: path.to_path_buf(),
            token: owner.token,
            lost,
            heartbeat: None,
        };
        match heartbeat {
            Ok(h) => {
                lock.heartbeat = Some(h);
                Ok(lock)
            }
            // Dropping `lock` removes the file.
            Err(e) => Err(io_err("start the heartbeat thread of lock", path)(e)),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this process still holds the lock: false once a waiter broke it (the
    /// heartbeat stalled for longer than the timeout). Reads the file.
    pub fn holds(&self) -> bool {
        !self.lost.load(Ordering::SeqCst) && beat(&self.path, &self.token) != Beat::Lost
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        drop(self.heartbeat.take());
        let ours = inspect(&self.path)
            .ok()
            .flatten()
            .and_then(|s| s.owner)
            .is_some_and(|o| o.token == self.token);
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn sibling(path: &Path, token: &str, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{name}.{token}.{suffix}"))
}

/// Creates the lock file holding `owner`; `Ok(false)` when it exists.
fn create(path: &Path, owner: &LockOwner) -> Result<bool, ExecError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = sibling(path, &owner.token, "tmp");
    let body = serde_json::to_vec(owner).unwrap_or_default();
    {
        let mut f = std::fs::File::options()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io_err("create lock file", &tmp))?;
        f.write_all(&body)
            .map_err(io_err("write lock file", &tmp))?;
        f.sync_all().map_err(io_err("fsync lock file", &tmp))?;
    }
    let linked = match std::fs::hard_link(&tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        // NFS: the link may have been made though its reply was lost; the link count of
        // the temporary file tells (open(2), "O_EXCL").
        Err(_) if link_count(&tmp) == Some(2) => Ok(true),
        Err(e) => Err(io_err("create lock file", path)(e)),
    };
    let _ = std::fs::remove_file(&tmp);
    if linked? {
        sync_dir(dir)?;
        return Ok(true);
    }
    Ok(false)
}

#[cfg(unix)]
fn link_count(path: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| m.nlink())
}

#[cfg(not(unix))]
fn link_count(_path: &Path) -> Option<u64> {
    None
}

/// Breaks the abandoned lock `seen` at `path` (see the module header).
fn break_lock(
    path: &Path,
    seen: &crate::exec::lockfile::LockSnapshot,
    my_token: &str,
) -> Result<(), ExecError> {
    let aside = sibling(path, my_token, "broken");
    match std::fs::rename(path, &aside) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err("break abandoned lock", path)(e)),
    }
    let moved = inspect(&aside).map_err(io_err("read lock file", &aside))?;
    if let Some(moved) = moved
        && !moved.same_acquisition(seen)
    {
        // A fresh lock was taken between our look and our rename: give it back (unless
        // yet another process has taken the name since; that holder then wins and the
        // fresh one's heartbeat reports it lost).
        let _ = std::fs::hard_link(&aside, path);
    }
    let _ = std::fs::remove_file(&aside);
    Ok(())
}
