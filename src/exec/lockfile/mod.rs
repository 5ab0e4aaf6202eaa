//! NFS-safe per-key locks: lock files created atomically (hard link of a complete temporary
//! file), naming their holder (user, host, pid, token), kept fresh by a heartbeat thread,
//! and broken by a waiter when the holder is gone or its heartbeat is older than a timeout.
//! Unlike OS advisory locks, they exclude processes on different NFS clients (two SLURM
//! jobs on two nodes, two users on one shared store).

pub mod config;
pub mod file_lock;
pub mod heartbeat;
pub mod owner;

pub use config::LockConfig;
pub use file_lock::FileLock;
pub use owner::{LockOwner, LockSnapshot, inspect, staleness};
