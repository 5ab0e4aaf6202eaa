//! The datasets shipped in `data/`. A test that reads them skips with a notice when they are
//! absent (a trimmed checkout), except in CI (`CI=true`), where their absence is a failure.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `data/<rel>`, or `None` (with a notice) when it does not exist outside CI.
pub fn shipped(rel: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(rel);
    if path.exists() {
        return Some(path);
    }
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !in_ci,
        "{} is missing; the project ships it in data/ (see data/README.md)",
        path.display()
    );
    eprintln!("SKIPPED: {} is absent", path.display());
    None
}
