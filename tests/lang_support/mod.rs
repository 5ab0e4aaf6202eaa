//! Shared by the language tests.

use std::path::{Path, PathBuf};

/// The `.mascot` files directly in `dir`, sorted. Directories are skipped: `mascot run`
/// leaves its artifact store `.mascot/` next to the experiment files, and that name ends in
/// `.mascot` too.
pub fn mascot_files(dir: impl AsRef<Path>) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "mascot"))
        .collect();
    files.sort();
    files
}
