//! The job of one stage: the `mascot exec-stage` command it runs (absolute paths, since it
//! runs on another node), the resources it asks for, its files in the run record; and the
//! script a dry run prints.

use std::path::{Path, PathBuf};

use crate::exec::device::device_of;
use crate::exec::error::{ExecError, io_err};
use crate::exec::slurm::SlurmError;
use crate::exec::slurm::job_files::JobFiles;
use crate::exec::slurm::resources::job_resources;
use crate::exec::slurm::sbatch::{JobSpec, sbatch_args, shell_line};
use crate::exec::slurm::settings::SlurmSettings;
use crate::plan::Stage;

/// The paths every job of a run shares, absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPaths {
    /// The `mascot` binary the jobs run: this one (it must be on a shared filesystem).
    pub mascot: PathBuf,
    /// The sealed plan the run wrote into its record.
    pub plan: PathBuf,
    pub store: PathBuf,
    /// The experiment file's directory (external inputs are relative to it).
    pub base_dir: PathBuf,
    /// `runs/<run>/jobs/`: logs and results.
    pub jobs_dir: PathBuf,
}

impl RunPaths {
    /// The paths of a run recorded in `record_dir`.
    pub fn new(record_dir: &Path, store: &Path, base_dir: &Path) -> Result<RunPaths, ExecError> {
        let abs = |p: &Path| std::path::absolute(p).map_err(io_err("resolve", p));
        let mascot = std::env::current_exe().map_err(io_err("locate", "the mascot binary"))?;
        let record_dir = abs(record_dir)?;
        Ok(RunPaths {
            mascot,
            plan: record_dir.join("plan.json"),
            store: abs(store)?,
            base_dir: abs(base_dir)?,
            jobs_dir: record_dir.join("jobs"),
        })
    }
}

/// The job that builds `stage` under executor key `key`, after the jobs `after_ok`.
pub fn job_spec(
    stage: &Stage,
    key: &str,
    after_ok: Vec<String>,
    paths: &RunPaths,
    settings: &SlurmSettings,
) -> JobSpec {
    let files = JobFiles::new(&paths.jobs_dir, &stage.id);
    let s = |p: &Path| p.display().to_string();
    let command = vec![
        s(&paths.mascot),
        "exec-stage".into(),
        s(&paths.plan),
        stage.id.clone(),
        "--store".into(),
        s(&paths.store),
        "--base-dir".into(),
        s(&paths.base_dir),
        "--expect-key".into(),
        key.to_string(),
        "--result".into(),
        s(&files.result),
    ];
    JobSpec {
        name: stage.id.clone(),
        resources: job_resources(device_of(stage).is_some(), &stage.params, settings),
        after_ok,
        log: files.log,
        comment: format!("mascot:{}:{key}", store_tag(&paths.store)),
        command,
    }
}

/// 12 hex digits naming a store (its absolute path) in job comments: a job is reused only
/// by runs on the store it builds into.
pub fn store_tag(store: &Path) -> String {
    let abs = std::path::absolute(store).unwrap_or_else(|_| store.to_path_buf());
    let h = blake3::hash(abs.display().to_string().as_bytes()).to_hex();
    h[..12].to_string()
}

/// One stage a dry run would submit: the stage, its key, and the indexes (into the same
/// list) of the stages it waits for.
pub struct PlannedJob<'a> {
    pub stage: &'a Stage,
    pub key: String,
    pub after: Vec<usize>,
}

/// The `sbatch` lines a run would submit, as a shell script: `JOB_<n>=$(sbatch ...)`,
/// dependants naming `$JOB_<n>`. `<store>/runs/RUN/` stands for the run record.
pub fn dry_run_script(
    jobs: &[PlannedJob<'_>],
    paths: &RunPaths,
    settings: &SlurmSettings,
) -> Result<String, SlurmError> {
    let mut out = format!(
        "# mascot would submit {} job{} (`{}` stands for the run record a real run creates)\n",
        jobs.len(),
        if jobs.len() == 1 { "" } else { "s" },
        paths.jobs_dir.parent().unwrap_or(&paths.jobs_dir).display()
    );
    for (n, job) in jobs.iter().enumerate() {
        let after = job
            .after
            .iter()
            .map(|a| format!("$JOB_{}", a + 1))
            .collect();
        let spec = job_spec(job.stage, &job.key, after, paths, settings);
        let line = shell_line(&sbatch_args(&spec, settings)?);
        out.push_str(&format!("JOB_{}=$({line})\n", n + 1));
    }
    Ok(out)
}
