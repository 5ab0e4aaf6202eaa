//! `mascot cache`: list, verify and garbage-collect the artifact store.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::exec::gc::{gc, referenced_keys};
use crate::exec::manifest::Manifest;
use crate::exec::store::Store;
use crate::exec::verify::verify_artifact;

use super::output::{errln, out, outln};

/// Arguments of `mascot cache`.
#[derive(Debug, clap::Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub command: CacheCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum CacheCommand {
    /// List the artifacts: store key, stage, kind, files, bytes, when made.
    Ls {
        /// An experiment file: its store (`.mascot/` next to it) is listed.
        file: Option<PathBuf>,
        /// The store (default: next to FILE, else `.mascot` in the current directory).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
    },
    /// Re-hash every file of every artifact; exit 1 naming each corrupt one (the next run
    /// rebuilds it).
    Verify {
        /// An experiment file: its store (`.mascot/` next to it) is verified.
        file: Option<PathBuf>,
        /// The store (default: next to FILE, else `.mascot` in the current directory).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
    },
    /// Remove the artifacts that none of the given experiment files references.
    Gc {
        /// Experiment files (`.mascot` or JSON plans) whose artifacts to keep.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Only list what would be removed.
        #[arg(long)]
        dry_run: bool,
        /// The store (default: `.mascot/` next to the first experiment file).
        #[arg(long, value_name = "DIR")]
        store: Option<PathBuf>,
    },
}

/// Runs `mascot cache`; returns the exit code.
pub fn run(args: CacheArgs) -> u8 {
    match args.command {
        CacheCommand::Ls { file, store } => ls(&store_dir(file, store)),
        CacheCommand::Verify { file, store } => verify(&store_dir(file, store)),
        CacheCommand::Gc {
            files,
            dry_run,
            store,
        } => run_gc(files, dry_run, store),
    }
}

/// `--store`, else the store next to the experiment file, else `.mascot` here.
fn store_dir(file: Option<PathBuf>, store: Option<PathBuf>) -> PathBuf {
    match (store, file) {
        (Some(s), _) => s,
        (None, Some(f)) => super::run::default_store(&f),
        (None, None) => PathBuf::from(".mascot"),
    }
}

fn open(dir: &std::path::Path) -> Result<Store, u8> {
    Store::open_existing(dir).map_err(|e| super::report_error(e.into()))
}

/// The store and its keys, or the exit code of the error (reported).
fn open_keys(dir: &std::path::Path) -> Result<(Store, Vec<String>), u8> {
    let store = open(dir)?;
    let keys = store.keys().map_err(|e| super::report_error(e.into()))?;
    Ok((store, keys))
}

fn ls(dir: &std::path::Path) -> u8 {
    let (store, keys) = match open_keys(dir) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let mut total = 0;
    for key in &keys {
        let line = match Manifest::read(&store.artifact_dir(key)) {
            Ok(m) => {
                total += m.total_size();
                format!(
                    "{}  {:<18} {:<40} {:>4} files {:>12} bytes  {}",
                    short(key),
                    m.kind.as_str(),
                    m.stage_id,
                    m.files.len(),
                    m.total_size(),
                    m.finished
                )
            }
            Err(e) => format!("{}  (unreadable manifest: {e})", short(key)),
        };
        if let Err(stop) = outln(&line) {
            return stop.code();
        }
    }
    match outln(&format!("{} artifacts, {total} bytes", keys.len())) {
        Ok(()) => 0,
        Err(stop) => stop.code(),
    }
}

fn verify(dir: &std::path::Path) -> u8 {
    let (store, keys) = match open_keys(dir) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let mut corrupt = 0;
    for key in &keys {
        let adir = store.artifact_dir(key);
        if let Err(why) = verify_artifact(&adir, key, true) {
            corrupt += 1;
            let stage = Manifest::read(&adir)
                .map(|m| m.stage_id)
                .unwrap_or_else(|_| "(no manifest)".into());
            // Every artifact is checked (and marked) even when the reader went away.
            let _ = outln(&format!("corrupt: {key} ({stage}): {why}"));
            if let Err(e) = store.quarantine(key, &why) {
                errln(&format!("warning: cannot mark {key} for rebuild: {e}"));
            }
        }
    }
    if corrupt == 0 {
        let _ = outln(&format!("{} artifacts verified, all intact", keys.len()));
        0
    } else {
        let _ = outln(&format!(
            "{corrupt} of {} artifacts corrupt; the next `mascot run` rebuilds them",
            keys.len()
        ));
        1
    }
}

fn run_gc(files: Vec<PathBuf>, dry_run: bool, store: Option<PathBuf>) -> u8 {
    let dir = store.unwrap_or_else(|| super::run::default_store(&files[0]));
    let store = match open(&dir) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut keep = BTreeSet::new();
    for f in &files {
        match super::run::load_plan(f, &[]) {
            Ok((plan, base)) => keep.extend(referenced_keys(&plan, &base, &store)),
            Err(e) => return super::report_error(e),
        }
    }
    match gc(&store, &keep, dry_run) {
        Ok(dropped) => {
            let verb = if dry_run { "would remove" } else { "removed" };
            let mut bytes = 0;
            let mut lines = String::new();
            for d in &dropped {
                bytes += d.size;
                lines.push_str(&format!(
                    "{verb} {} ({}, {} bytes)\n",
                    d.key, d.stage_id, d.size
                ));
            }
            lines.push_str(&format!(
                "{verb} {} artifacts, {bytes} bytes; kept {}\n",
                dropped.len(),
                keep.len()
            ));
            // What was removed stays removed when the reader went away.
            let _ = out(&lines);
            0
        }
        Err(e) => super::report_error(e.into()),
    }
}

/// The first 12 characters of a store key, as `mascot run` shows it (any directory name in
/// `objects/`, so char-safe).
fn short(key: &str) -> String {
    key.chars().take(12).collect()
}
