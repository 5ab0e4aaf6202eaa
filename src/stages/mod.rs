//! Executable stage kinds.
