//! `mascot snapshot FILE... (--check | --update) [--dir DIR]`: plan snapshots for CI without
//! Rust. Each experiment's compact plan YAML (`mascot plan --format yaml`) is compared with
//! (`--check`) or written to (`--update`) `<DIR>/<file stem>.plan.yaml`, where DIR defaults
//! to `snapshots/` next to the experiment file. `--check` prints a unified diff for each
//! snapshot that differs and exits 1.

use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::plan::render;
use crate::util::write_atomic;

use super::output::{err, errln, out};

/// Arguments of `mascot snapshot`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["check", "update"])))]
pub struct SnapshotArgs {
    /// Experiment files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Compare each plan with its snapshot; exit 1 with a diff when one differs or is missing.
    #[arg(long)]
    pub check: bool,
    /// Write each plan's snapshot.
    #[arg(long)]
    pub update: bool,
    /// Where the snapshots are (default: `snapshots/` next to each experiment file).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Runs `mascot snapshot`; returns the exit code.
pub fn run(args: SnapshotArgs) -> u8 {
    let mut failed = false;
    let mut report = String::new();
    for file in &args.files {
        let compiled = crate::plan::compile_file(file);
        err(&compiled.render());
        let Ok(plan) = compiled.plan else {
            failed = true;
            continue;
        };
        let snap = snapshot_path(file, args.dir.as_deref());
        let now = render::yaml(&plan);
        if args.update {
            let written = snap
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .map_err(|e| e.to_string())
                .and_then(|()| write_atomic(&snap, now.as_bytes()).map_err(|e| e.to_string()));
            match written {
                Ok(()) => report.push_str(&format!("updated {}\n", snap.display())),
                Err(e) => {
                    errln(&format!("error: cannot write {}: {e}", snap.display()));
                    failed = true;
                }
            }
            continue;
        }
        match std::fs::read_to_string(&snap) {
            Ok(stored) if stored == now => {
                report.push_str(&format!("ok      {}\n", snap.display()));
            }
            Ok(stored) => {
                failed = true;
                let diff = TextDiff::from_lines(&stored, &now);
                report.push_str(&format!("CHANGED {}\n", snap.display()));
                report.push_str(
                    &diff
                        .unified_diff()
                        .context_radius(3)
                        .header(
                            &format!("{} (stored)", snap.display()),
                            &format!("{} (now)", file.display()),
                        )
                        .to_string(),
                );
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                failed = true;
                report.push_str(&format!(
                    "MISSING {} (write it with `mascot snapshot {} --update`)\n",
                    snap.display(),
                    file.display()
                ));
            }
            Err(e) => {
                failed = true;
                errln(&format!("error: cannot read {}: {e}", snap.display()));
            }
        }
    }
    if args.check && failed {
        report.push_str(
            "plan snapshots differ: review the diff; if the change is intended, run `mascot snapshot FILE... --update`\n",
        );
    }
    if let Err(stop) = out(&report) {
        return stop.code();
    }
    u8::from(failed)
}

/// `<dir>/<stem>.plan.yaml`, `dir` defaulting to `snapshots/` next to the file.
pub fn snapshot_path(file: &Path, dir: Option<&Path>) -> PathBuf {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => super::run::parent_dir(file).join("snapshots"),
    };
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plan".into());
    dir.join(format!("{stem}.plan.yaml"))
}
