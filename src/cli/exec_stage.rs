//! `mascot exec-stage PLAN STAGE_ID --store DIR`: runs exactly one stage of a sealed plan
//! through the same locked, atomic commit as `mascot run` (what each SLURM job runs).

use std::path::PathBuf;

use crate::exec::Store;
use crate::exec::one_stage::exec_one_stage;
use crate::exec::progress::{ProgressMode, Reporter};
use crate::exec::record::Outcome;
use crate::exec::slurm::job_files::write_result;

use super::output::errln;

/// Arguments of `mascot exec-stage`.
#[derive(Debug, clap::Args)]
pub struct ExecStageArgs {
    /// The sealed plan as JSON (`mascot plan FILE --format json`, or a run record's
    /// `plan.json`).
    pub plan: PathBuf,
    /// The id of the stage to run (`main/load/positive`).
    pub stage: String,
    /// The artifact store.
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// The directory the plan's paths are relative to (the experiment file's directory).
    /// Default: the plan file's directory.
    #[arg(long, value_name = "DIR")]
    pub base_dir: Option<PathBuf>,
    /// Fail, without running, unless the stage's executor key is this one.
    #[arg(long, value_name = "KEY")]
    pub expect_key: Option<String>,
    /// Write the stage's record (outcome, seconds, error) here as JSON when it ends.
    #[arg(long, value_name = "FILE")]
    pub result: Option<PathBuf>,
}

/// Runs `mascot exec-stage`; exit code 0 when the stage's artifact is in the store.
pub fn run(args: ExecStageArgs) -> u8 {
    size_thread_pool_to_allocation();
    let (plan, plan_dir) = match super::run::load_plan(&args.plan, &[]) {
        Ok(p) => p,
        Err(e) => return super::report_error(e),
    };
    let base_dir = args.base_dir.clone().unwrap_or(plan_dir);
    let store = match Store::open(&args.store) {
        Ok(s) => s,
        Err(e) => return super::report_error(e.into()),
    };
    let reporter = Reporter::new(ProgressMode::Lines, None);
    let record = match exec_one_stage(
        &plan,
        &args.stage,
        &base_dir,
        &store,
        args.expect_key.as_deref(),
        &reporter,
    ) {
        Ok(r) => r,
        Err(e) => return super::report_error(e.into()),
    };
    if let Some(path) = &args.result
        && let Err(e) = write_result(path, &record)
    {
        return super::report_error(e.into());
    }
    match record.outcome {
        Outcome::Executed | Outcome::Cached => 0,
        _ => {
            errln(&format!(
                "error: stage `{}` failed: {}",
                record.id,
                record.error.as_deref().unwrap_or("unknown error")
            ));
            1
        }
    }
}

/// In a SLURM job, the model runtime's thread pool gets the cores allocated to the job
/// (`--cpus-per-task`) rather than every core of the node.
fn size_thread_pool_to_allocation() {
    if std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return;
    }
    let Some(n) = std::env::var("SLURM_CPUS_PER_TASK")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    else {
        return;
    };
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global();
}
