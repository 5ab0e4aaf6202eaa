//! Runs a plan: keys every stage, reuses valid artifacts, and executes the rest on a rayon
//! pool as their inputs complete (heavy stages one per device), with per-key locks so that
//! concurrent runs on one store share work instead of corrupting it.

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::exec::device::{DeviceTokens, device_of};
use crate::exec::engine::ENGINE_VERSION;
use crate::exec::error::ExecError;
use crate::exec::fingerprint::{Fingerprint, fingerprint};
use crate::exec::hash_cache::HashCache;
use crate::exec::manifest::Manifest;
use crate::exec::progress::{ProgressMode, Reporter};
use crate::exec::record::{Outcome, RecordDir, RunRecord, StageRecord};
use crate::exec::select::select_stages;
use crate::exec::store::{ArtifactState, Store, now_rfc3339};
use crate::exec::why::miss_reasons;
use crate::plan::{Plan, Stage, StageId};
use crate::stages::context::{InputArtifact, StageContext};
use crate::stages::dispatch::EXECUTABLE;

/// Set to a number of milliseconds to slow every executed stage down just before its
/// artifact is committed (used by the crash tests to kill a run mid-stage).
pub const TEST_DELAY_ENV: &str = "MASCOT_TEST_STAGE_DELAY_MS";

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Stages executing at once (at least 1).
    pub jobs: usize,
    /// Keep running independent stages after a failure.
    pub keep_going: bool,
    /// Only say what would run and why.
    pub dry_run: bool,
    /// Restrict to the stages these variants need (all stages when empty).
    pub variants: Vec<String>,
    pub progress: ProgressMode,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: 1,
            keep_going: false,
            dry_run: false,
            variants: Vec::new(),
            progress: ProgressMode::Quiet,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// In plan order.
    pub stages: Vec<StageRecord>,
    /// `runs/<...>/` in the store (none for a dry run).
    pub record_dir: Option<PathBuf>,
}

impl RunReport {
    /// Ids of the stages with this outcome, in plan order.
    pub fn ids(&self, outcome: Outcome) -> Vec<String> {
        self.stages
            .iter()
            .filter(|s| s.outcome == outcome)
            .map(|s| s.id.clone())
            .collect()
    }

    /// No stage failed or was skipped.
    pub fn success(&self) -> bool {
        self.stages
            .iter()
            .all(|s| !matches!(s.outcome, Outcome::Failed | Outcome::Skipped))
    }

    /// `{"executed": [...], "cached": [...], "failed": [...], "skipped": [...]}` (plus
    /// `would_run` for a dry run).
    pub fn json(&self, dry_run: bool) -> serde_json::Value {
        let mut v = serde_json::json!({
            "executed": self.ids(Outcome::Executed),
            "cached": self.ids(Outcome::Cached),
            "failed": self.ids(Outcome::Failed),
            "skipped": self.ids(Outcome::Skipped),
        });
        if dry_run {
            v["would_run"] = serde_json::json!(self.ids(Outcome::WouldRun));
        }
        v
    }
}

enum Keyed {
    Yes(Box<Fingerprint>),
    /// The key could not be computed (external input unreadable).
    Failed(String),
    /// An input has no key.
    InputMissing(String),
}

/// Runs (or, with `dry_run`, explains) the plan against the store. `base_dir` is the
/// experiment file's directory. Stage failures are in the report, not an `Err`.
pub fn run_plan(
    plan: &Plan,
    base_dir: &Path,
    store: &Store,
    opts: &RunOptions,
) -> Result<RunReport, ExecError> {
    let selected = select_stages(plan, &opts.variants)?;
    if !opts.dry_run {
        store.sweep()?;
    }
    let hashes = HashCache::load(&store.hash_cache_path());
    let mut exec_keys: BTreeMap<StageId, String> = BTreeMap::new();
    let mut keyed = Vec::with_capacity(selected.len());
    for stage in &selected {
        if let Some(missing) = stage.inputs.iter().find(|i| !exec_keys.contains_key(*i)) {
            keyed.push(Keyed::InputMissing(missing.clone()));
            continue;
        }
        match fingerprint(stage, base_dir, &exec_keys, &hashes) {
            Ok(fp) => {
                exec_keys.insert(stage.id.clone(), fp.key.clone());
                keyed.push(Keyed::Yes(Box::new(fp)));
            }
            Err(e) => keyed.push(Keyed::Failed(render(&miette::Report::new(e)))),
        }
    }
    let _ = hashes.save();

    let record_dir = if opts.dry_run {
        None
    } else {
        Some(RecordDir::create(&store.runs_dir(), plan)?)
    };
    let reporter = Reporter::new(
        opts.progress,
        record_dir.as_ref().map(|r| r.log_path()).as_deref(),
    );

    // Decide what is cached.
    let mut records: Vec<Option<StageRecord>> = vec![None; selected.len()];
    for (i, (stage, k)) in selected.iter().zip(&keyed).enumerate() {
        let base = StageRecord {
            id: stage.id.clone(),
            kind: stage.kind.as_str().to_string(),
            key: None,
            outcome: Outcome::WouldRun,
            reasons: Vec::new(),
            error: None,
            seconds: 0.0,
        };
        match k {
            Keyed::Yes(fp) => {
                let state = store.check(&fp.key, false);
                let reasons = miss_reasons(fp, &state, store.last_fingerprint(&stage.id).as_ref());
                let cached = matches!(state, ArtifactState::Valid(_));
                let mut reasons = reasons;
                if !cached && opts.dry_run && !EXECUTABLE.contains(&stage.kind) {
                    reasons.push(format!(
                        "note: stage kind `{}` is not executable yet, running it will fail",
                        stage.kind.as_str()
                    ));
                }
                if cached && !opts.dry_run {
                    store.write_last_fingerprint(fp)?;
                }
                let rec = StageRecord {
                    key: Some(fp.key.clone()),
                    outcome: if cached {
                        Outcome::Cached
                    } else {
                        Outcome::WouldRun
                    },
                    reasons,
                    ..base
                };
                if cached || opts.dry_run {
                    records[i] = Some(rec);
                }
            }
            Keyed::Failed(err) => {
                records[i] = Some(StageRecord {
                    outcome: Outcome::Failed,
                    error: Some(err.clone()),
                    ..base
                });
            }
            Keyed::InputMissing(input) if opts.dry_run => {
                records[i] = Some(StageRecord {
                    outcome: Outcome::Skipped,
                    reasons: vec![format!("input {input} cannot be keyed")],
                    ..base
                });
            }
            Keyed::InputMissing(_) => {}
        }
    }

    let mut run_record = RunRecord {
        experiment: plan.experiment.clone(),
        source: plan.source.display().to_string(),
        engine_version: ENGINE_VERSION.to_string(),
        started: now_rfc3339(),
        finished: None,
        dry_run: opts.dry_run,
        jobs: opts.jobs.max(1),
        variants: opts.variants.clone(),
        stages: records.iter().flatten().cloned().collect(),
    };
    if let Some(dir) = &record_dir {
        dir.write(&run_record)?;
        for r in records.iter().flatten() {
            match r.outcome {
                Outcome::Cached => reporter.line(&format!("[{}] cached ({})", r.id, short(&r.key))),
                Outcome::Failed => reporter.line(&format!(
                    "[{}] FAILED: {}",
                    r.id,
                    r.error.as_deref().unwrap_or_default()
                )),
                _ => {}
            }
        }
    }

    if !opts.dry_run {
        execute(
            &selected,
            &keyed,
            &exec_keys,
            base_dir,
            store,
            opts,
            &reporter,
            &mut records,
        )?;
    }

    let stages: Vec<StageRecord> = records.into_iter().flatten().collect();
    if let Some(dir) = &record_dir {
        run_record.stages = stages.clone();
        run_record.finished = Some(now_rfc3339());
        dir.write(&run_record)?;
    }
    Ok(RunReport {
        stages,
        record_dir: record_dir.map(|r| r.dir),
    })
}

#[allow(clippy::too_many_arguments)]
fn execute(
    selected: &[&Stage],
    keyed: &[Keyed],
    exec_keys: &BTreeMap<StageId, String>,
    base_dir: &Path,
    store: &Store,
    opts: &RunOptions,
    reporter: &Reporter,
    records: &mut [Option<StageRecord>],
) -> Result<(), ExecError> {
    let index: HashMap<&str, usize> = selected
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| ExecError::Pool(e.to_string()))?;
    let mut running = vec![false; selected.len()];
    let mut devices = DeviceTokens::default();
    let mut stop = !opts.keep_going
        && records
            .iter()
            .flatten()
            .any(|r| r.outcome == Outcome::Failed);
    let (tx, rx) = mpsc::channel::<(usize, StageRecord)>();

    pool.in_place_scope(|scope| {
        let mut in_flight = 0usize;
        loop {
            for i in 0..selected.len() {
                if records[i].is_some() || running[i] {
                    continue;
                }
                let stage = selected[i];
                if let Some(unknown) = stage
                    .inputs
                    .iter()
                    .find(|i| !index.contains_key(i.as_str()))
                {
                    let err = format!(
                        "input `{unknown}` is not a stage of the plan (or of the selected variants)"
                    );
                    reporter.line(&format!("[{}] FAILED: {err}", stage.id));
                    let mut rec = skipped(stage, keyed_key(&keyed[i]), String::new());
                    rec.outcome = Outcome::Failed;
                    rec.reasons.clear();
                    rec.error = Some(err);
                    records[i] = Some(rec);
                    continue;
                }
                let mut blocked_by = None;
                let mut all_done = true;
                for input in &stage.inputs {
                    match index.get(input.as_str()).and_then(|j| records[*j].as_ref()) {
                        Some(r) if matches!(r.outcome, Outcome::Failed | Outcome::Skipped) => {
                            blocked_by = Some(input.clone());
                            break;
                        }
                        Some(_) => {}
                        None => all_done = false,
                    }
                }
                if let Some(input) = blocked_by {
                    let reason = format!("input {input} did not complete");
                    reporter.line(&format!("[{}] skipped: {reason}", stage.id));
                    records[i] = Some(skipped(stage, keyed_key(&keyed[i]), reason));
                    continue;
                }
                let Keyed::Yes(fp) = &keyed[i] else {
                    continue;
                };
                if stop || !all_done {
                    continue;
                }
                let device = device_of(stage);
                if !devices.try_take(device.as_deref()) {
                    continue;
                }
                running[i] = true;
                in_flight += 1;
                let tx = tx.clone();
                let reasons = records_reasons(store, fp, stage);
                scope.spawn(move |_| {
                    let rec = run_one(
                        stage, fp, reasons, exec_keys, selected, base_dir, store, reporter,
                    );
                    let _ = tx.send((i, rec));
                });
            }
            if in_flight == 0 {
                break;
            }
            let Ok((i, rec)) = rx.recv() else { break };
            in_flight -= 1;
            running[i] = false;
            devices.release(device_of(selected[i]).as_deref());
            if rec.outcome == Outcome::Failed && !opts.keep_going {
                stop = true;
            }
            records[i] = Some(rec);
        }
    });

    for i in 0..selected.len() {
        if records[i].is_none() {
            let reason = "not started: the run stopped after a failure (use --keep-going to run independent stages)".to_string();
            records[i] = Some(skipped(selected[i], keyed_key(&keyed[i]), reason));
        }
    }
    Ok(())
}

fn records_reasons(store: &Store, fp: &Fingerprint, stage: &Stage) -> Vec<String> {
    let state = store.check(&fp.key, false);
    miss_reasons(fp, &state, store.last_fingerprint(&stage.id).as_ref())
}

fn keyed_key(k: &Keyed) -> Option<String> {
    match k {
        Keyed::Yes(fp) => Some(fp.key.clone()),
        _ => None,
    }
}

fn skipped(stage: &Stage, key: Option<String>, reason: String) -> StageRecord {
    StageRecord {
        id: stage.id.clone(),
        kind: stage.kind.as_str().to_string(),
        key,
        outcome: Outcome::Skipped,
        reasons: vec![reason],
        error: None,
        seconds: 0.0,
    }
}

/// Executes one stage under its key's lock.
#[allow(clippy::too_many_arguments)]
fn run_one(
    stage: &Stage,
    fp: &Fingerprint,
    reasons: Vec<String>,
    exec_keys: &BTreeMap<StageId, String>,
    selected: &[&Stage],
    base_dir: &Path,
    store: &Store,
    reporter: &Reporter,
) -> StageRecord {
    let t0 = Instant::now();
    let mut rec = StageRecord {
        id: stage.id.clone(),
        kind: stage.kind.as_str().to_string(),
        key: Some(fp.key.clone()),
        outcome: Outcome::Executed,
        reasons,
        error: None,
        seconds: 0.0,
    };
    let result = build(
        stage,
        fp,
        exec_keys,
        selected,
        base_dir,
        store,
        reporter,
        &rec.reasons,
    );
    rec.seconds = t0.elapsed().as_secs_f64();
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
                reporter.line(&format!("[{}] done in {:.2}s", stage.id, rec.seconds));
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

#[allow(clippy::too_many_arguments)]
fn build(
    stage: &Stage,
    fp: &Fingerprint,
    exec_keys: &BTreeMap<StageId, String>,
    selected: &[&Stage],
    base_dir: &Path,
    store: &Store,
    reporter: &Reporter,
    reasons: &[String],
) -> Result<Outcome, String> {
    let ex = |e: ExecError| render(&miette::Report::new(e));
    let _lock = store.lock(&fp.key).map_err(ex)?;
    if let ArtifactState::Valid(_) = store.check(&fp.key, false) {
        store.write_last_fingerprint(fp).map_err(ex)?;
        return Ok(Outcome::Cached);
    }
    reporter.line(&format!("[{}] run: {}", stage.id, reasons.join("; ")));
    let mut inputs = Vec::with_capacity(stage.inputs.len());
    for id in &stage.inputs {
        let key = exec_keys.get(id).cloned().unwrap_or_default();
        let dir = store.artifact_dir(&key);
        let manifest = Manifest::read(&dir).map_err(ex)?;
        let kind = selected
            .iter()
            .find(|s| &s.id == id)
            .map(|s| s.kind)
            .unwrap_or(stage.kind);
        inputs.push(InputArtifact {
            id: id.clone(),
            kind,
            key,
            dir,
            manifest,
        });
    }
    let pending = store.begin(&fp.key).map_err(ex)?;
    let started = now_rfc3339();
    let bar = reporter.stage(&stage.id);
    let ctx = StageContext {
        stage,
        base_dir,
        out_dir: &pending.dir,
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
    store
        .commit(pending, fp, started, output.summary)
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

fn short(key: &Option<String>) -> String {
    key.as_deref()
        .map(|k| k[..k.len().min(12)].to_string())
        .unwrap_or_default()
}
