//! The engine version: part of every executor key. It names the format of keys, manifests and
//! the store, and is bumped when one of them changes. A change to what one stage kind writes
//! bumps that kind's implementation `VERSION` instead (`crate::stages::registry`), so only
//! that kind's artifacts are rebuilt.

/// The executor's key and artifact format revision. `exec.2`: the implementation version of
/// each kind entered the key (artifacts of `exec.1` stores are rebuilt once).
pub const ENGINE_VERSION: &str = "exec.2";
