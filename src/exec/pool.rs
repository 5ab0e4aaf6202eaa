//! The execution pool: runs the stages that are not cached on a rayon pool as their inputs
//! complete (heavy stages beside each other on a device while their memory estimates fit
//! in the machine's available memory, [`crate::exec::device`]), skips the dependants of a
//! failure, and stops starting new stages after a failure unless asked to keep going, or
//! after Ctrl-C.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::mpsc;

use crate::exec::device::{DeviceTokens, device_of, memory_estimate, memory_refusal};
use crate::exec::error::ExecError;
use crate::exec::fingerprint::Fingerprint;
use crate::exec::keying::Keyed;
use crate::exec::options::RunOptions;
use crate::exec::progress::Reporter;
use crate::exec::record::{Outcome, StageRecord};
use crate::exec::run_stage::run_one;
use crate::exec::store::Store;
use crate::exec::why::miss_reasons;
use crate::plan::{Stage, StageId};
use crate::util::interrupts;

/// Executes every selected stage that has no record yet, filling in `records`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn execute(
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
    let estimates: Vec<Option<u64>> = selected
        .iter()
        .map(|s| memory_estimate(s, base_dir))
        .collect();
    let mut devices = DeviceTokens::default();
    let memory_limit = opts.memory_limit();
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
                    records[i] = Some(failed_before_start(stage, keyed_key(&keyed[i]), err));
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
                if stop || !all_done || interrupts::received().is_some() {
                    continue;
                }
                let device = device_of(stage);
                if let Some(refusal) =
                    memory_refusal(stage, device.as_deref(), estimates[i], memory_limit)
                {
                    reporter.line(&format!("[{}] FAILED: {refusal}", stage.id));
                    records[i] = Some(failed_before_start(stage, keyed_key(&keyed[i]), refusal));
                    stop |= !opts.keep_going;
                    continue;
                }
                if !devices.try_take(device.as_deref(), estimates[i]) {
                    continue;
                }
                running[i] = true;
                in_flight += 1;
                let tx = tx.clone();
                let reasons = records_reasons(store, fp, stage);
                scope.spawn(move |_| {
                    let rec = run_one(stage, fp, reasons, exec_keys, base_dir, store, reporter);
                    let _ = tx.send((i, rec));
                });
            }
            if in_flight == 0 {
                break;
            }
            let Ok((i, rec)) = rx.recv() else { break };
            in_flight -= 1;
            running[i] = false;
            devices.release(device_of(selected[i]).as_deref(), estimates[i]);
            if rec.outcome == Outcome::Failed && !opts.keep_going {
                stop = true;
            }
            records[i] = Some(rec);
        }
    });

    for i in 0..selected.len() {
        if records[i].is_none() {
            let reason = match interrupts::received() {
                Some(signal) => format!("not started: the run was interrupted ({signal})"),
                None => "not started: the run stopped after a failure (use --keep-going to run independent stages)".to_string(),
            };
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

/// The record of a stage that failed without running: `error` says why.
fn failed_before_start(stage: &Stage, key: Option<String>, error: String) -> StageRecord {
    StageRecord {
        outcome: Outcome::Failed,
        reasons: Vec::new(),
        error: Some(error),
        ..skipped(stage, key, String::new())
    }
}

fn skipped(stage: &Stage, key: Option<String>, reason: String) -> StageRecord {
    StageRecord {
        id: stage.id.clone(),
        kind: stage.kind,
        key,
        outcome: Outcome::Skipped,
        reasons: vec![reason],
        error: None,
        seconds: 0.0,
        peak_rss_bytes: None,
    }
}
