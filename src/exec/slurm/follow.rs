//! Following a run's jobs until each has ended: progress lines as the local executor prints
//! them, each finished job turned into its stage's record (from the result file the job
//! wrote, the store, and SLURM's end state with the exit code and the log's last lines),
//! the dependants of a failure cancelled and skipped, and on Ctrl-C/SIGTERM every job
//! still queued or running cancelled.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::exec::error::ExecError;
use crate::exec::record::{Outcome, StageRecord};
use crate::exec::run_stage::render;
use crate::exec::slurm::executor::{NOT_STARTED, SlurmRun};
use crate::exec::slurm::job_files::{JobFiles, read_result};
use crate::exec::slurm::job_state::{JobId, JobState};
use crate::exec::slurm::log_tail::tail;
use crate::exec::slurm::scontrol::JobInfo;
use crate::exec::slurm::signals::Interrupts;
use crate::exec::slurm::tracker::{JobEvent, Tracker};
use crate::exec::store::ArtifactState;

/// Set to a number of milliseconds to change how often SLURM is polled (default 2000).
pub const POLL_ENV: &str = "MASCOT_SLURM_POLL_MS";
/// Polling may fail this long in a row (slurmctld restarting) before the run gives up.
const POLL_FAILURES_TOLERATED: Duration = Duration::from_secs(300);
/// Lines of a failed job's log shown in its error.
const LOG_LINES: usize = 15;

fn poll_interval() -> Duration {
    let ms = std::env::var(POLL_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(2000);
    Duration::from_millis(ms.max(50))
}

/// Follows every job of `run` to its end; returns the signal that interrupted it, if any.
pub(crate) fn follow(
    run: &mut SlurmRun<'_>,
    index: &HashMap<&str, usize>,
    interrupts: &Interrupts,
) -> Result<Option<&'static str>, ExecError> {
    let mut tracker = Tracker::default();
    let mut stage_of: HashMap<JobId, usize> = HashMap::new();
    for (&i, &job) in &run.jobs {
        tracker.add(job);
        stage_of.insert(job, i);
    }
    if run.stop {
        stop_pending(run, &mut tracker);
    }
    let interval = poll_interval();
    let mut failing_since: Option<Instant> = None;
    loop {
        if let Some(signal) = interrupts.received() {
            cancel_all(run, &mut tracker, signal);
            return Ok(Some(signal));
        }
        if tracker.open().is_empty() {
            return Ok(None);
        }
        match tracker.poll(&run.client) {
            Ok(events) => {
                failing_since = None;
                for event in events {
                    handle(run, index, &mut tracker, &stage_of, event);
                }
            }
            Err(e) => {
                let since = *failing_since.get_or_insert_with(Instant::now);
                if since.elapsed() > POLL_FAILURES_TOLERATED {
                    cancel_all(run, &mut tracker, "polling failed");
                    return Err(e.into());
                }
                if since.elapsed() < interval {
                    run.reporter.line(&format!(
                        "warning: cannot poll SLURM, retrying: {}",
                        render(&miette::Report::new(e))
                    ));
                }
            }
        }
        sleep_unless_interrupted(interval, interrupts);
    }
}

fn sleep_unless_interrupted(total: Duration, interrupts: &Interrupts) {
    let t0 = Instant::now();
    while t0.elapsed() < total && interrupts.received().is_none() {
        std::thread::sleep(Duration::from_millis(50).min(total));
    }
}

fn handle(
    run: &mut SlurmRun<'_>,
    index: &HashMap<&str, usize>,
    tracker: &mut Tracker,
    stage_of: &HashMap<JobId, usize>,
    event: JobEvent,
) {
    match event {
        JobEvent::Started { job, nodes } => {
            if let Some(&i) = stage_of.get(&job) {
                run.started.insert(i, Instant::now());
                let on = if nodes.is_empty() {
                    String::new()
                } else {
                    format!(" on {nodes}")
                };
                run.reporter
                    .line(&format!("[{}] running{on} (job {job})", run.selected[i].id));
            }
        }
        JobEvent::Requeued { job, restarts } => {
            if let Some(&i) = stage_of.get(&job) {
                run.started.remove(&i);
                run.reporter.line(&format!(
                    "[{}] requeued by SLURM (job {job}, restart {restarts}): it resumes from its checkpoints",
                    run.selected[i].id
                ));
            }
        }
        JobEvent::Finished { job, state, info } => {
            let Some(&i) = stage_of.get(&job) else {
                return;
            };
            if run.records[i].is_some() {
                return;
            }
            let rec = finished(run, i, job, state, info);
            let failed = rec.outcome == Outcome::Failed;
            run.records[i] = Some(rec);
            if failed {
                skip_dependants(run, index, tracker);
                if !run.opts.keep_going && !run.stop {
                    run.stop = true;
                    stop_pending(run, tracker);
                }
            }
        }
    }
}

/// The record of a stage whose job ended.
fn finished(
    run: &SlurmRun<'_>,
    i: usize,
    job: JobId,
    state: Option<JobState>,
    info: Option<JobInfo>,
) -> StageRecord {
    let stage = run.selected[i];
    let key = run.key(i).unwrap_or_default();
    let own = JobFiles::new(&run.paths.jobs_dir, &stage.id);
    // A job another run queued writes into that run's record: scontrol knows where.
    let log = info
        .as_ref()
        .and_then(|i| i.stdout.clone())
        .unwrap_or(own.log);
    let result_path = result_beside(&log).unwrap_or(own.result);
    let result = read_result(&result_path).ok().flatten();
    let seconds = result
        .as_ref()
        .map(|r| r.seconds)
        .or_else(|| run.started.get(&i).map(|t| t.elapsed().as_secs_f64()))
        .unwrap_or(0.0);
    let mut rec = StageRecord {
        id: stage.id.clone(),
        kind: stage.kind,
        key: Some(key.clone()),
        outcome: Outcome::Executed,
        reasons: run.reasons.get(&i).cloned().unwrap_or_default(),
        error: None,
        seconds,
        peak_rss_bytes: result.as_ref().and_then(|r| r.peak_rss_bytes),
    };
    let ended_well = matches!(state, None | Some(JobState::Completed));
    let in_store = matches!(run.store.check(&key, false), ArtifactState::Valid(_));
    if ended_well && in_store {
        if run.adopted.contains(&i) {
            // Another run queued and owns this job: for this run the artifact was reused.
            rec.outcome = Outcome::Cached;
            rec.reasons = vec![format!("built by job {job}, queued by another run")];
            run.reporter.line(&format!(
                "[{}] cached (built by job {job} of another run)",
                stage.id
            ));
        } else if result
            .as_ref()
            .is_some_and(|r| r.outcome == Outcome::Cached)
        {
            rec.outcome = Outcome::Cached;
            rec.reasons = vec!["built by a concurrent run while this one waited for it".into()];
            run.reporter.line(&format!(
                "[{}] cached (built by a concurrent run; job {job})",
                stage.id
            ));
        } else {
            run.reporter.line(&format!(
                "[{}] done in {:.2}s (job {job})",
                stage.id, seconds
            ));
        }
        return rec;
    }
    let error = failure_message(job, state.as_ref(), info.as_ref(), result.as_ref(), &log);
    run.reporter
        .line(&format!("[{}] FAILED: {error}", stage.id));
    rec.outcome = Outcome::Failed;
    rec.error = Some(error);
    rec
}

/// `runs/<run>/jobs/x.log` -> `runs/<run>/jobs/x.result.json`.
fn result_beside(log: &std::path::Path) -> Option<PathBuf> {
    let name = log.file_name()?.to_str()?.strip_suffix(".log")?;
    Some(log.with_file_name(format!("{name}.result.json")))
}

/// What went wrong with a job, with its id, exit code and the end of its log.
pub fn failure_message(
    job: JobId,
    state: Option<&JobState>,
    info: Option<&JobInfo>,
    result: Option<&StageRecord>,
    log: &std::path::Path,
) -> String {
    let mut msg = match state {
        None => format!("job {job} left the queue without a result"),
        Some(JobState::Completed) => {
            format!("job {job} completed but the artifact is not in the store")
        }
        Some(s) => {
            let exit = info
                .map(|i| format!(" ({})", i.exit_phrase()))
                .unwrap_or_default();
            format!("job {job} {}{exit}", s.failure_phrase())
        }
    };
    if let Some(e) = result.and_then(|r| r.error.as_deref()) {
        msg.push_str(": ");
        msg.push_str(e);
    }
    if state.is_some_and(JobState::was_interrupted) {
        msg.push_str("; rerun to resume it (finished stages are kept, training stages restart from their last checkpoint)");
    }
    let tail = tail(log, LOG_LINES);
    if tail.is_empty() {
        msg.push_str(&format!("\n  log: {} (empty or missing)", log.display()));
    } else {
        msg.push_str(&format!("\n  log: {}, last lines:", log.display()));
        for line in tail.lines() {
            msg.push_str("\n  | ");
            msg.push_str(line);
        }
    }
    msg
}

/// Cancels and skips every submitted stage downstream of a failed or skipped one.
fn skip_dependants(run: &mut SlurmRun<'_>, index: &HashMap<&str, usize>, tracker: &mut Tracker) {
    for i in 0..run.selected.len() {
        if run.records[i].is_some() {
            continue;
        }
        let Some(input) = run.blocked_by(i, index) else {
            continue;
        };
        let reason = format!("input {input} did not complete");
        if let Some(&job) = run.jobs.get(&i) {
            cancel(run, tracker, i, job);
        }
        run.reporter
            .line(&format!("[{}] skipped: {reason}", run.selected[i].id));
        run.settle(i, Outcome::Skipped, reason, None);
    }
}

/// After a failure without `--keep-going`: cancels the jobs that have not started (running
/// ones finish, as in a local run).
fn stop_pending(run: &mut SlurmRun<'_>, tracker: &mut Tracker) {
    let pending: Vec<(usize, JobId)> = run
        .jobs
        .iter()
        .filter(|(i, _)| run.records[**i].is_none() && !run.started.contains_key(i))
        .map(|(i, j)| (*i, *j))
        .collect();
    for (i, job) in pending {
        cancel(run, tracker, i, job);
        run.reporter.line(&format!(
            "[{}] skipped: {NOT_STARTED} (job {job} cancelled)",
            run.selected[i].id
        ));
        run.settle(i, Outcome::Skipped, NOT_STARTED.into(), None);
    }
}

/// Ctrl-C/SIGTERM: cancels every open job; a started stage fails, a queued one is skipped.
fn cancel_all(run: &mut SlurmRun<'_>, tracker: &mut Tracker, why: &str) {
    let open: Vec<(usize, JobId)> = run
        .jobs
        .iter()
        .filter(|(i, _)| run.records[**i].is_none())
        .map(|(i, j)| (*i, *j))
        .collect();
    let ids: Vec<JobId> = open
        .iter()
        .filter(|(i, _)| !run.adopted.contains(i))
        .map(|(_, j)| *j)
        .collect();
    if let Err(e) = run.client.cancel(&ids) {
        run.reporter.line(&format!(
            "warning: cannot cancel jobs {}: {}",
            ids.iter()
                .map(JobId::to_string)
                .collect::<Vec<_>>()
                .join(","),
            render(&miette::Report::new(e))
        ));
    }
    for (i, job) in open {
        tracker.forget(job);
        let what = format!("cancelled (job {job}): the submitter received {why}");
        run.reporter
            .line(&format!("[{}] {what}", run.selected[i].id));
        if run.started.contains_key(&i) {
            run.settle(i, Outcome::Failed, String::new(), Some(what));
        } else {
            run.settle(i, Outcome::Skipped, what, None);
        }
    }
}

/// Stops following a job, and cancels it unless another run queued it.
fn cancel(run: &SlurmRun<'_>, tracker: &mut Tracker, i: usize, job: JobId) {
    tracker.forget(job);
    if run.adopted.contains(&i) {
        return;
    }
    if let Err(e) = run.client.cancel(&[job]) {
        run.reporter.line(&format!(
            "warning: cannot cancel job {job}: {}",
            render(&miette::Report::new(e))
        ));
    }
}
