//! The engine version: part of every executor key. Bump the suffix when a stage
//! implementation changes what it writes, so that old artifacts are not reused.

/// Crate version plus the executor's artifact format revision.
pub const ENGINE_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "+exec.1");
