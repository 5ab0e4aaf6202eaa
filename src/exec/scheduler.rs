//! Runs a plan: keys every stage, reuses valid artifacts, and hands the rest to the pool
//! ([`crate::exec::pool`]), which executes them as their inputs complete; records what
//! happened to each stage and why.

use std::path::{Path, PathBuf};

use crate::exec::device::{device_of, memory_estimate, memory_refusal};
use crate::exec::engine::ENGINE_VERSION;
use crate::exec::error::ExecError;
use crate::exec::hash_cache::HashCache;
use crate::exec::hub_inputs::fetch_hub_models;
use crate::exec::keying::{Keyed, Keys, MissingFile, key_stages};
use crate::exec::options::{Executor, RunOptions};
use crate::exec::pool::execute;
use crate::exec::progress::Reporter;
use crate::exec::record::{Outcome, RecordDir, RunRecord, StageRecord};
use crate::exec::select::select_stages;
use crate::exec::slurm::executor::{dry_run_script, execute_slurm};
use crate::exec::store::{ArtifactState, Store, now_rfc3339};
use crate::exec::why::miss_reasons;
use crate::plan::Plan;
use crate::stages::is_executable;
use crate::util::interrupts::Interrupts;

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// In plan order.
    pub stages: Vec<StageRecord>,
    /// `runs/<...>/` in the store (none for a dry run).
    pub record_dir: Option<PathBuf>,
    /// External files the run needs that do not exist (`weights ../models/x`), each once.
    pub missing: Vec<String>,
    /// `--executor slurm --dry-run`: the `sbatch` lines the run would submit, as a script.
    pub submit_script: Option<String>,
    /// The signal (`SIGINT`, `SIGTERM`, `SIGHUP`) that stopped the run: a SLURM run after it
    /// cancelled its jobs; a local run after its running stages finished or, for training
    /// stages, checkpointed.
    pub interrupted: Option<&'static str>,
    /// Why the run record (`runs/<...>/`) could not be written, when it could not (a full
    /// disk, an unwritable `runs/`). The stages ran and their artifacts are in the store;
    /// the run still counts as failed, so a script notices.
    pub record_error: Option<String>,
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

    /// No stage failed or was skipped, and the run record was written.
    pub fn success(&self) -> bool {
        self.record_error.is_none()
            && self
                .stages
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
        if let Some(why) = &self.record_error {
            v["record_error"] = serde_json::json!(why);
        }
        v
    }
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
    let unavailable = if opts.dry_run {
        Vec::new()
    } else {
        fetch_hub_models(selected.iter().copied())
    };
    let Keys { keyed, exec_keys } = key_stages(&selected, base_dir, &hashes);
    if !opts.dry_run {
        let _ = hashes.save();
    }
    let mut missing: Vec<String> = Vec::new();

    // The record is what the run did, not what it is for: a run whose record cannot be
    // written still runs its stages locally and says so at the end. A SLURM run keeps its
    // job scripts in the record's folder, so it cannot start without one.
    let mut record_error: Option<String> = None;
    let record_dir = if opts.dry_run {
        None
    } else {
        match RecordDir::create(&store.runs_dir(), plan) {
            Ok(dir) => Some(dir),
            Err(e) if matches!(opts.executor, Executor::Slurm(_)) => return Err(e),
            Err(e) => {
                record_error = Some(e.to_string());
                None
            }
        }
    };
    let reporter = Reporter::new(
        opts.progress,
        record_dir.as_ref().map(|r| r.log_path()).as_deref(),
    );
    for (model, err) in &unavailable {
        reporter.line(&format!("model {model} could not be fetched: {err}"));
    }

    // Decide what is cached.
    let mut records: Vec<Option<StageRecord>> = vec![None; selected.len()];
    let memory_limit = opts.memory_limit();
    for (i, (stage, k)) in selected.iter().zip(&keyed).enumerate() {
        let base = StageRecord {
            id: stage.id.clone(),
            kind: stage.kind,
            key: None,
            outcome: Outcome::WouldRun,
            reasons: Vec::new(),
            error: None,
            seconds: 0.0,
            peak_rss_bytes: None,
        };
        match k {
            Keyed::Yes(fp) => {
                let state = store.check(&fp.key, false);
                let reasons = miss_reasons(fp, &state, store.last_fingerprint(&stage.id).as_ref());
                let cached = matches!(state, ArtifactState::Valid(_));
                let mut reasons = reasons;
                if !cached && opts.dry_run {
                    let device = device_of(stage);
                    let estimate = memory_estimate(stage, base_dir);
                    if let Some(refusal) =
                        memory_refusal(stage, device.as_deref(), estimate, memory_limit)
                    {
                        reasons.push(format!("note: it would fail: {refusal}"));
                    }
                }
                if !cached && opts.dry_run && !is_executable(stage.kind) {
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
            Keyed::Missing(files) => {
                note_missing(&mut missing, files);
                records[i] = Some(if opts.dry_run {
                    StageRecord {
                        reasons: files.iter().map(needs).collect(),
                        ..base
                    }
                } else {
                    let names: Vec<String> = files
                        .iter()
                        .map(|f| format!("{} `{}`", f.role, f.path))
                        .collect();
                    StageRecord {
                        outcome: Outcome::Failed,
                        error: Some(format!(
                            "{} of stage `{}` does not exist (help: paths in an experiment are relative to the experiment file's directory)",
                            names.join(", "),
                            stage.id
                        )),
                        ..base
                    }
                });
            }
            Keyed::Failed(err) => {
                records[i] = Some(StageRecord {
                    outcome: Outcome::Failed,
                    error: Some(err.clone()),
                    ..base
                });
            }
            Keyed::InputMissing {
                input,
                missing: files,
            } if opts.dry_run => {
                note_missing(&mut missing, files);
                let mut reasons = vec![format!("input {input} has no artifact yet: it runs first")];
                reasons.extend(files.iter().map(needs));
                records[i] = Some(StageRecord { reasons, ..base });
            }
            Keyed::InputMissing { .. } => {}
        }
    }

    let mut run_record = RunRecord {
        experiment: plan.experiment().to_string(),
        source: plan.source().display().to_string(),
        engine_version: ENGINE_VERSION.to_string(),
        started: now_rfc3339(),
        finished: None,
        dry_run: opts.dry_run,
        jobs: opts.jobs.max(1),
        variants: opts.variants.clone(),
        stages: records.iter().flatten().cloned().collect(),
    };
    if let Some(dir) = &record_dir {
        if let Err(e) = dir.write(&run_record) {
            record_error.get_or_insert(e.to_string());
        }
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

    let mut submit_script = None;
    let mut interrupted = None;
    match (&opts.executor, &record_dir) {
        (Executor::Slurm(settings), _) if opts.dry_run => {
            submit_script = Some(dry_run_script(
                &selected, &keyed, &records, store, base_dir, settings,
            )?);
        }
        (Executor::Slurm(settings), Some(dir)) => {
            interrupted = execute_slurm(
                &selected,
                &keyed,
                base_dir,
                store,
                opts,
                settings,
                &reporter,
                &dir.dir,
                &mut records,
            )?;
        }
        _ if opts.dry_run => {}
        _ => {
            // The first Ctrl-C or SIGTERM: no new stage starts, training stages checkpoint at
            // their next step boundary, running stages finish; a second Ctrl-C quits at once.
            let interrupts = Interrupts::install().ok();
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
            interrupted = interrupts.as_ref().and_then(Interrupts::received);
        }
    }

    let stages: Vec<StageRecord> = records.into_iter().flatten().collect();
    if let Some(dir) = &record_dir {
        run_record.stages = stages.clone();
        run_record.finished = Some(now_rfc3339());
        if let Err(e) = dir.write(&run_record) {
            record_error.get_or_insert(e.to_string());
        }
    }
    Ok(RunReport {
        stages,
        record_dir: record_dir.map(|r| r.dir),
        missing,
        submit_script,
        interrupted,
        record_error,
    })
}

/// The dry-run reason of a missing external file.
fn needs(f: &MissingFile) -> String {
    let mut why = format!(
        "needs {} `{}`, which is missing: the run will fail until it is there",
        f.role, f.path
    );
    if let Some(hint) = &f.hint {
        why.push_str(&format!(" ({hint})"));
    }
    why
}

/// Adds each missing file (`role path`) to the run's list, once.
fn note_missing(list: &mut Vec<String>, files: &[MissingFile]) {
    for f in files {
        let entry = format!("{} {}", f.role, f.path);
        if !list.contains(&entry) {
            list.push(entry);
        }
    }
}

fn short(key: &Option<String>) -> String {
    key.as_deref()
        .map(|k| k[..k.len().min(12)].to_string())
        .unwrap_or_default()
}
