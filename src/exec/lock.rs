//! Per-key locks of the store (`locks/<key>.lock`): one process at a time builds or replaces
//! a given artifact. They are NFS-safe lock files ([`crate::exec::lockfile`]), so that runs
//! on different hosts sharing one store (SLURM jobs, two users) exclude each other too. A
//! killed holder's lock is taken over at once by a waiter on the same host, and after the
//! heartbeat timeout (60 s; `MASCOT_LOCK_STALE_SECS`) by a waiter on another host.

use std::path::Path;

use crate::exec::error::ExecError;
use crate::exec::lockfile::{FileLock, LockConfig};

/// A held lock; dropping it releases the lock.
pub type KeyLock = FileLock;

/// Waits for the lock at `path`.
pub fn lock(path: &Path) -> Result<KeyLock, ExecError> {
    FileLock::acquire(path, &LockConfig::from_env())
}

/// Takes the lock at `path` if nobody holds it (or its holder is gone).
pub fn try_lock(path: &Path) -> Result<Option<KeyLock>, ExecError> {
    FileLock::try_acquire(path, &LockConfig::from_env())
}
