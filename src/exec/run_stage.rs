//! Executing one stage: under its key's lock (reusing what a concurrent run built meanwhile),
//! in a fresh temporary directory of the store, with its input artifacts described to it;
//! a failure or a panic of the stage is its error, never the executor's.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::exec::error::ExecError;
use crate::exec::fingerprint::Fingerprint;
use crate::exec::manifest::{Manifest, Resources};
use crate::exec::memory::StageWatch;
use crate::exec::progress::Reporter;
use crate::exec::record::{Outcome, StageRecord};
use crate::exec::store::{ArtifactState, Store, now_rfc3339};
use crate::plan::{Stage, StageId};
use crate::stages::{InputArtifact, StageContext};

/// Set to a number of milliseconds to slow every executed stage down just before its
/// artifact is committed (used by the crash tests to kill a run mid-stage).
pub const TEST_DELAY_ENV: &str = "MASCOT_TEST_STAGE_DELAY_MS";

/// Executes one stage under its key's lock.
pub(crate) fn run_one(
    stage: &Stage,
    fp: &Fingerprint,
    reasons: Vec<String>,
    exec_keys: &BTreeMap<StageId, String>,
    base_dir: &Path,
    store: &Store,
    reporter: &Reporter,
) -> StageRecord {
    let t0 = Instant::now();
    let memory = crate::exec::memory::watch();
    let mut rec = StageRecord {
        id: stage.id.clone(),
        kind: stage.kind,
        key: Some(fp.key.clone()),
        outcome: Outcome::Executed,
        reasons,
        error: None,
        seconds: 0.0,
        peak_rss_bytes: None,
    };
    let result = build(
        stage,
        fp,
        exec_keys,
        base_dir,
        store,
        reporter,
        &rec.reasons,
        (t0, &memory),
    );
    rec.seconds = t0.elapsed().as_secs_f64();
    rec.peak_rss_bytes = memory.finish();
    crate::exec::memory::release_freed();
    match result {
        Ok(outcome) => {
            rec.outcome = outcome;
            if outcome == Outcome::Cached {
                rec.reasons = vec!["built by a concurrent run while this one waited for it".into()];
                reporter.line(&format!(
                    "[{}] cached (built by a concurrent run)",
                    stage.id
                ));
            } else {
                let peak = rec
                    .peak_rss_bytes
                    .map(|b| format!(", peak memory {}", crate::exec::memory::human_bytes(b)))
                    .unwrap_or_default();
                reporter.line(&format!("[{}] done in {:.2}s{peak}", stage.id, rec.seconds));
            }
        }
        Err(err) => {
            reporter.line(&format!("[{}] FAILED: {err}", stage.id));
            rec.outcome = Outcome::Failed;
            rec.error = Some(err);
        }
    }
    rec
}

/// Builds the artifact of `stage` (or finds that a concurrent run built it); `measure` is
/// when the stage started and its memory watch, recorded in the manifest.
#[allow(clippy::too_many_arguments)]
fn build(
    stage: &Stage,
    fp: &Fingerprint,
    exec_keys: &BTreeMap<StageId, String>,
    base_dir: &Path,
    store: &Store,
    reporter: &Reporter,
    reasons: &[String],
    measure: (Instant, &StageWatch),
) -> Result<Outcome, String> {
    let ex = |e: ExecError| render(&miette::Report::new(e));
    let lock = store.lock(&fp.key).map_err(ex)?;
    if let ArtifactState::Valid(_) = store.check(&fp.key, false) {
        store.write_last_fingerprint(fp).map_err(ex)?;
        return Ok(Outcome::Cached);
    }
    reporter.line(&format!("[{}] run: {}", stage.id, reasons.join("; ")));
    let mut inputs = Vec::with_capacity(stage.inputs.len());
    for id in &stage.inputs {
        let key = exec_keys.get(id).cloned().ok_or_else(|| {
            ex(ExecError::InputNotKeyed {
                stage: stage.id.clone(),
                input: id.clone(),
            })
        })?;
        let dir = store.artifact_dir(&key);
        let manifest = Manifest::read(&dir).map_err(ex)?;
        inputs.push(InputArtifact {
            id: id.clone(),
            kind: manifest.kind,
            key,
            dir,
            summary: manifest.summary.clone(),
            files: manifest.files.len(),
            bytes: manifest.total_size(),
        });
    }
    let pending = store.begin(&fp.key).map_err(ex)?;
    let started = now_rfc3339();
    let bar = reporter.stage(&stage.id);
    let work_dir = store.work_dir(&fp.key);
    std::fs::create_dir_all(&work_dir)
        .map_err(|e| ex(crate::exec::error::io_err("create directory", &work_dir)(e)))?;
    let calls_dir = store.calls_dir();
    let ctx = StageContext {
        stage,
        base_dir,
        out_dir: &pending.dir,
        work_dir: &work_dir,
        calls_dir: &calls_dir,
        inputs,
        progress: &bar,
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| crate::stages::run_stage(&ctx)));
    bar.finish();
    let output = match outcome {
        Ok(Ok(out)) => out,
        Ok(Err(report)) => {
            let _ = std::fs::remove_dir_all(&pending.dir);
            return Err(render(&report));
        }
        Err(panic) => {
            let _ = std::fs::remove_dir_all(&pending.dir);
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            return Err(format!("internal error (stage panicked): {msg}"));
        }
    };
    if let Some(ms) = std::env::var(TEST_DELAY_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
    // A holder whose heartbeat stalled past the stale timeout (a suspended job, an NFS
    // outage) may have been replaced: it must not commit over the new holder's work.
    if !lock.holds() {
        let _ = std::fs::remove_dir_all(&pending.dir);
        return Err(ex(ExecError::LockLost {
            key: fp.key.clone(),
            why: format!("{} now names another holder", lock.path().display()),
        }));
    }
    let resources = Resources {
        seconds: measure.0.elapsed().as_secs_f64(),
        peak_rss_bytes: measure.1.peak(),
    };
    store
        .commit_with(pending, fp, started, output.summary, Some(resources))
        .map_err(ex)?;
    store.write_last_fingerprint(fp).map_err(ex)?;
    Ok(Outcome::Executed)
}

/// One line: the error, its causes and its help.
pub fn render(err: &miette::Report) -> String {
    let mut s = err.to_string();
    for cause in err.chain().skip(1) {
        let c = cause.to_string();
        if !s.contains(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
    }
    if let Some(help) = err.help() {
        s.push_str(&format!(" (help: {help})"));
    }
    s
}
