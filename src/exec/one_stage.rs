//! Running exactly one stage of a sealed plan, as a SLURM job does (`mascot exec-stage`):
//! the stage is keyed with its ancestors as a whole run would key it, checked against the
//! key its submitter expected, and built through the same locked, atomic commit as in a
//! local run. Its inputs must already be in the store.

use std::path::Path;

use crate::exec::error::ExecError;
use crate::exec::hash_cache::HashCache;
use crate::exec::keying::{Keyed, Keys, key_stages};
use crate::exec::progress::Reporter;
use crate::exec::record::StageRecord;
use crate::exec::run_stage::run_one;
use crate::exec::slurm::resources::{job_local_devices, remap_devices};
use crate::exec::store::{ArtifactState, Store};
use crate::exec::why::miss_reasons;
use crate::plan::{Plan, Stage};

/// Builds stage `stage_id` of `plan` (or finds it built). `expect_key`: the executor key
/// the submitter computed; a different key now (an external file changed since) is an
/// error rather than an artifact under a key nobody asked for. Stage failures are in the
/// record, not an `Err`.
pub fn exec_one_stage(
    plan: &Plan,
    stage_id: &str,
    base_dir: &Path,
    store: &Store,
    expect_key: Option<&str>,
    reporter: &Reporter,
) -> Result<StageRecord, ExecError> {
    let stage = plan
        .stage(stage_id)
        .ok_or_else(|| ExecError::UnknownStage {
            stage: stage_id.to_string(),
            plan: plan.experiment().to_string(),
        })?;
    let needed = ancestors(plan, stage);
    let hashes = HashCache::load(&store.hash_cache_path());
    let Keys { keyed, exec_keys } = key_stages(&needed, base_dir, &hashes);
    let _ = hashes.save();
    let fp = match keyed.last() {
        Some(Keyed::Yes(fp)) => fp,
        Some(Keyed::Missing(files)) => {
            let names: Vec<String> = files
                .iter()
                .map(|f| format!("{} `{}`", f.role, f.path))
                .collect();
            return Err(ExecError::NotKeyed {
                stage: stage_id.to_string(),
                why: format!("{} missing", names.join(", ")),
            });
        }
        Some(Keyed::Failed(err)) => {
            return Err(ExecError::NotKeyed {
                stage: stage_id.to_string(),
                why: err.clone(),
            });
        }
        Some(Keyed::InputMissing { input, .. }) => {
            return Err(ExecError::NotKeyed {
                stage: stage_id.to_string(),
                why: format!("its input `{input}` cannot be keyed"),
            });
        }
        None => {
            return Err(ExecError::NotKeyed {
                stage: stage_id.to_string(),
                why: "no stage was keyed (a bug)".into(),
            });
        }
    };
    if let Some(expected) = expect_key
        && expected != fp.key
    {
        return Err(ExecError::KeyChanged {
            stage: stage_id.to_string(),
            expected: expected.to_string(),
            found: fp.key.clone(),
        });
    }
    for input in &stage.inputs {
        let key = exec_keys.get(input).cloned().unwrap_or_default();
        if !matches!(store.check(&key, false), ArtifactState::Valid(_)) {
            return Err(ExecError::InputNotBuilt {
                stage: stage_id.to_string(),
                input: input.clone(),
                key,
            });
        }
    }
    let reasons = miss_reasons(
        fp,
        &store.check(&fp.key, false),
        store.last_fingerprint(&stage.id).as_ref(),
    );
    let local = in_job_devices(stage);
    Ok(run_one(
        &local, fp, reasons, &exec_keys, base_dir, store, reporter,
    ))
}

/// `stage` and every stage it depends on, in plan order (the stage last).
fn ancestors<'p>(plan: &'p Plan, stage: &'p Stage) -> Vec<&'p Stage> {
    let mut wanted = vec![stage.id.as_str()];
    let mut out = Vec::new();
    for s in plan.stages().iter().rev() {
        if wanted.contains(&s.id.as_str()) {
            wanted.extend(s.inputs.iter().map(String::as_str));
            out.push(s);
        }
    }
    out.reverse();
    out
}

/// Inside a SLURM job with GPUs, the stage's GPU devices renumbered to the allocation's
/// (`cuda:3` -> `cuda:0`); the executor key keeps the devices the experiment names.
fn in_job_devices(stage: &Stage) -> Stage {
    let mut local = stage.clone();
    let in_gpu_job = std::env::var_os("SLURM_JOB_ID").is_some()
        && ["CUDA_VISIBLE_DEVICES", "SLURM_JOB_GPUS", "SLURM_STEP_GPUS"]
            .iter()
            .any(|v| std::env::var_os(v).is_some());
    if in_gpu_job {
        let map = job_local_devices(&stage.params);
        remap_devices(&mut local.params, &map);
    }
    local
}
