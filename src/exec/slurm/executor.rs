//! The SLURM executor: submits one job per stage that is not in the store, in plan order,
//! each with `--dependency=afterok` on the jobs of its inputs, then follows them to the end
//! ([`crate::exec::slurm::follow`]).
//!
//! Why submit everything at once with dependencies (rather than each job when its inputs
//! are done): SLURM starts a dependant the moment its inputs complete, without waiting for
//! the submitter's next poll, and the queued work survives the submitter (a login-node
//! session that ends). The submitter still decides what a failure means: it cancels the
//! dependants of a failed job itself (besides `--kill-on-invalid-dep=yes`) and records them
//! as skipped, exactly as the local executor would.
//!
//! A job already queued by another submitter for the same key (`--comment=mascot:<key>`,
//! e.g. before that submitter was killed) is followed instead of submitted again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::Instant;

use crate::exec::error::ExecError;
use crate::exec::fingerprint::Fingerprint;
use crate::exec::keying::Keyed;
use crate::exec::options::RunOptions;
use crate::exec::progress::Reporter;
use crate::exec::record::{Outcome, StageRecord};
use crate::exec::run_stage::render;
use crate::exec::slurm::client::SlurmClient;
use crate::exec::slurm::follow::follow;
use crate::exec::slurm::job_state::JobId;
use crate::exec::slurm::sbatch::sbatch_args;
use crate::exec::slurm::settings::{SlurmSettings, validate};
use crate::exec::slurm::signals::{self, Interrupts};
use crate::exec::slurm::submit::{PlannedJob, RunPaths, dry_run_script as script, job_spec};
use crate::exec::store::Store;
use crate::exec::why::miss_reasons;
use crate::plan::Stage;

/// Why a stage that never ran is skipped after a failure without `--keep-going`.
pub const NOT_STARTED: &str =
    "not started: the run stopped after a failure (use --keep-going to run independent stages)";

/// The state of a SLURM run, shared by submission and following.
pub(crate) struct SlurmRun<'a> {
    pub selected: &'a [&'a Stage],
    pub keyed: &'a [Keyed],
    pub store: &'a Store,
    pub opts: &'a RunOptions,
    pub reporter: &'a Reporter,
    pub client: SlurmClient,
    pub paths: RunPaths,
    pub records: &'a mut [Option<StageRecord>],
    /// Stage index -> its job.
    pub jobs: BTreeMap<usize, JobId>,
    /// Why each submitted stage runs.
    pub reasons: BTreeMap<usize, Vec<String>>,
    /// When the submitter saw each job start.
    pub started: BTreeMap<usize, Instant>,
    /// Stages whose job another run queued: followed, never cancelled by this run.
    pub adopted: BTreeSet<usize>,
    /// A stage failed and `--keep-going` was not given.
    pub stop: bool,
}

impl SlurmRun<'_> {
    pub fn fingerprint(&self, i: usize) -> Option<&Fingerprint> {
        match &self.keyed[i] {
            Keyed::Yes(fp) => Some(fp),
            _ => None,
        }
    }

    pub fn key(&self, i: usize) -> Option<String> {
        self.fingerprint(i).map(|fp| fp.key.clone())
    }

    /// Records stage `i` with an outcome that did not run it.
    pub fn settle(&mut self, i: usize, outcome: Outcome, reason: String, error: Option<String>) {
        let stage = self.selected[i];
        self.records[i] = Some(StageRecord {
            id: stage.id.clone(),
            kind: stage.kind,
            key: self.key(i),
            outcome,
            reasons: if reason.is_empty() {
                Vec::new()
            } else {
                vec![reason]
            },
            error,
            seconds: 0.0,
            peak_rss_bytes: None,
        });
    }

    /// The first input of stage `i` that failed or was skipped.
    pub fn blocked_by(&self, i: usize, index: &HashMap<&str, usize>) -> Option<String> {
        self.selected[i].inputs.iter().find_map(|input| {
            let j = index.get(input.as_str())?;
            let r = self.records[*j].as_ref()?;
            matches!(r.outcome, Outcome::Failed | Outcome::Skipped).then(|| input.clone())
        })
    }
}

/// Submits and follows every selected stage that has no record yet, filling in `records`.
/// Returns the signal that interrupted the run, if one did.
#[allow(clippy::too_many_arguments)]
pub(crate) fn execute_slurm(
    selected: &[&Stage],
    keyed: &[Keyed],
    base_dir: &Path,
    store: &Store,
    opts: &RunOptions,
    settings: &SlurmSettings,
    reporter: &Reporter,
    record_dir: &Path,
    records: &mut [Option<StageRecord>],
) -> Result<Option<&'static str>, ExecError> {
    validate(settings)?;
    let client = SlurmClient;
    client.check_installed()?;
    let interrupts = signals::install()?;
    let paths = RunPaths::new(record_dir, store.root(), base_dir)?;
    std::fs::create_dir_all(&paths.jobs_dir).map_err(crate::exec::error::io_err(
        "create directory",
        &paths.jobs_dir,
    ))?;
    let stop = !opts.keep_going
        && records
            .iter()
            .flatten()
            .any(|r| r.outcome == Outcome::Failed);
    let mut run = SlurmRun {
        selected,
        keyed,
        store,
        opts,
        reporter,
        client,
        paths,
        records,
        jobs: BTreeMap::new(),
        reasons: BTreeMap::new(),
        started: BTreeMap::new(),
        adopted: BTreeSet::new(),
        stop,
    };
    let index: HashMap<&str, usize> = selected
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();

    submit_all(&mut run, &index, settings, &interrupts)?;
    let interrupted = follow(&mut run, &index, &interrupts)?;

    for i in 0..selected.len() {
        if run.records[i].is_none() {
            run.settle(i, Outcome::Skipped, NOT_STARTED.into(), None);
        }
    }
    Ok(interrupted)
}

/// Submits the stages in plan order (inputs first, so their job ids are known).
fn submit_all(
    run: &mut SlurmRun<'_>,
    index: &HashMap<&str, usize>,
    settings: &SlurmSettings,
    interrupts: &Interrupts,
) -> Result<(), ExecError> {
    let queued = match run
        .client
        .queued_by_key(&crate::exec::slurm::submit::store_tag(&run.paths.store))
    {
        Ok(q) => q,
        Err(e) => {
            run.reporter.line(&format!(
                "warning: cannot list queued jobs, so jobs another run queued will not be reused: {}",
                render(&miette::Report::new(e))
            ));
            BTreeMap::new()
        }
    };
    for i in 0..run.selected.len() {
        if run.records[i].is_some() {
            continue;
        }
        if interrupts.received().is_some() {
            break;
        }
        let stage = run.selected[i];
        if let Some(unknown) = stage
            .inputs
            .iter()
            .find(|x| !index.contains_key(x.as_str()))
        {
            let err = format!(
                "input `{unknown}` is not a stage of the plan (or of the selected variants)"
            );
            run.reporter.line(&format!("[{}] FAILED: {err}", stage.id));
            run.settle(i, Outcome::Failed, String::new(), Some(err));
            run.stop |= !run.opts.keep_going;
            continue;
        }
        if let Some(input) = run.blocked_by(i, index) {
            let reason = format!("input {input} did not complete");
            run.reporter
                .line(&format!("[{}] skipped: {reason}", stage.id));
            run.settle(i, Outcome::Skipped, reason, None);
            continue;
        }
        let Some(fp) = run.fingerprint(i).cloned() else {
            continue;
        };
        if run.stop {
            continue;
        }
        let after_ok: Vec<String> = stage
            .inputs
            .iter()
            .filter_map(|input| index.get(input.as_str()))
            .filter_map(|j| run.jobs.get(j))
            .map(JobId::to_string)
            .collect();
        let state = run.store.check(&fp.key, false);
        let reasons = miss_reasons(&fp, &state, run.store.last_fingerprint(&stage.id).as_ref());
        let job = match queued.get(&fp.key) {
            Some(job) => {
                run.reporter.line(&format!(
                    "[{}] run: already queued as job {job} by another run: following it",
                    stage.id
                ));
                run.adopted.insert(i);
                *job
            }
            None => {
                let spec = job_spec(stage, &fp.key, after_ok, &run.paths, settings);
                let args = sbatch_args(&spec, settings)?;
                match run.client.submit(&args) {
                    Ok(job) => {
                        run.reporter.line(&format!(
                            "[{}] run: {} (job {job})",
                            stage.id,
                            reasons.join("; ")
                        ));
                        job
                    }
                    Err(e) => {
                        let err = render(&miette::Report::new(e));
                        run.reporter.line(&format!("[{}] FAILED: {err}", stage.id));
                        run.settle(i, Outcome::Failed, String::new(), Some(err));
                        run.stop |= !run.opts.keep_going;
                        continue;
                    }
                }
            }
        };
        run.jobs.insert(i, job);
        run.reasons.insert(i, reasons);
    }
    Ok(())
}

/// `--dry-run`: the script of `sbatch` lines for the stages the dry run says would run.
pub(crate) fn dry_run_script(
    selected: &[&Stage],
    keyed: &[Keyed],
    records: &[Option<StageRecord>],
    store: &Store,
    base_dir: &Path,
    settings: &SlurmSettings,
) -> Result<String, ExecError> {
    validate(settings)?;
    let paths = RunPaths::new(&store.runs_dir().join("RUN"), store.root(), base_dir)?;
    let mut planned: Vec<PlannedJob<'_>> = Vec::new();
    let mut position: HashMap<&str, usize> = HashMap::new();
    for (i, stage) in selected.iter().enumerate() {
        let would_run = records[i]
            .as_ref()
            .is_none_or(|r| r.outcome == Outcome::WouldRun);
        if !would_run {
            continue;
        }
        // A stage whose input has no key yet is listed under its plan key.
        let key = match &keyed[i] {
            Keyed::Yes(fp) => fp.key.clone(),
            _ => stage.key.0.clone(),
        };
        let after = stage
            .inputs
            .iter()
            .filter_map(|input| position.get(input.as_str()).copied())
            .collect();
        position.insert(stage.id.as_str(), planned.len());
        planned.push(PlannedJob { stage, key, after });
    }
    Ok(script(&planned, &paths, settings)?)
}
