//! The `sbatch` command line of one stage: `--parsable`, the stage id as job name, the log
//! in the run record, resources, `--dependency=afterok:<upstream jobs>` (with
//! `--kill-on-invalid-dep=yes`, so SLURM drops the dependants of a failed job), and the
//! job's own command (`mascot exec-stage ...`) as `--wrap`.

use std::path::PathBuf;

use crate::exec::slurm::error::SlurmError;
use crate::exec::slurm::resources::JobResources;
use crate::exec::slurm::settings::SlurmSettings;

/// One job to submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSpec {
    /// `--job-name`: the stage id.
    pub name: String,
    pub resources: JobResources,
    /// Jobs that must complete first: job ids, or in a dry run's script `$JOB_<n>` names.
    pub after_ok: Vec<String>,
    /// stdout and stderr of the job (appended to across requeues).
    pub log: PathBuf,
    /// `--comment`: `mascot:<store tag>:<key>`, so a later submitter on the same store finds
    /// the jobs already queued.
    pub comment: String,
    /// The job's command line.
    pub command: Vec<String>,
}

/// The `sbatch` arguments of `spec` (without the program name).
pub fn sbatch_args(spec: &JobSpec, settings: &SlurmSettings) -> Result<Vec<String>, SlurmError> {
    let r = &spec.resources;
    let mut a = vec![
        "--parsable".to_string(),
        format!("--job-name={}", spec.name),
        format!("--output={}", spec.log.display()),
        "--open-mode=append".to_string(),
        format!("--cpus-per-task={}", r.cpus),
        format!("--mem={}", r.mem),
    ];
    if r.gpus > 0 {
        a.push(format!("--gres=gpu:{}", r.gpus));
    }
    if let Some(p) = &settings.partition {
        a.push(format!("--partition={p}"));
    }
    if let Some(acc) = &settings.account {
        a.push(format!("--account={acc}"));
    }
    if let Some(t) = &settings.time {
        a.push(format!("--time={t}"));
    }
    if !spec.after_ok.is_empty() {
        a.push(format!("--dependency=afterok:{}", spec.after_ok.join(":")));
        a.push("--kill-on-invalid-dep=yes".to_string());
    }
    a.push(format!("--comment={}", spec.comment));
    a.extend(settings.extra_args.iter().cloned());
    a.push(format!("--wrap=exec {}", quote_all(&spec.command)?));
    Ok(a)
}

fn quote_all(words: &[String]) -> Result<String, SlurmError> {
    shlex::try_join(words.iter().map(String::as_str)).map_err(|e| SlurmError::Setting {
        field: "command",
        message: format!("cannot quote the job's command line: {e}"),
        help: "paths of the store, the plan and the experiment must not hold NUL bytes".into(),
    })
}

/// `sbatch <args>` as a shell line. A dependency on `$JOB_<n>` names stays unquoted, so
/// that a dry run's script runs as printed.
pub fn shell_line(args: &[String]) -> String {
    let mut line = String::from("sbatch");
    for arg in args {
        line.push(' ');
        if is_script_dependency(arg) {
            line.push_str(arg);
        } else {
            line.push_str(&shlex::try_quote(arg).unwrap_or_else(|_| arg.replace('\0', "").into()));
        }
    }
    line
}

fn is_script_dependency(arg: &str) -> bool {
    arg.strip_prefix("--dependency=afterok:")
        .is_some_and(|ids| {
            ids.split(':').all(|id| {
                let name = id.strip_prefix('$').unwrap_or(id);
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> JobSpec {
        JobSpec {
            name: "MASCOT/align_personas/positive".into(),
            resources: JobResources {
                cpus: 4,
                mem: "32G".into(),
                gpus: 1,
            },
            after_ok: vec!["17".into(), "18".into()],
            log: PathBuf::from("/shared/store/runs/r1/jobs/x.log"),
            comment: "mascot:abc".into(),
            command: vec![
                "/opt/mascot".into(),
                "exec-stage".into(),
                "/shared/my plans/plan.json".into(),
                "MASCOT/align_personas/positive".into(),
            ],
        }
    }

    #[test]
    fn every_option_in_order() {
        let settings = SlurmSettings {
            partition: Some("gpu".into()),
            account: Some("lab".into()),
            time: Some("4:00:00".into()),
            extra_args: vec!["--qos=high".into()],
            ..SlurmSettings::default()
        };
        let args = sbatch_args(&spec(), &settings).unwrap();
        assert_eq!(
            args,
            vec![
                "--parsable",
                "--job-name=MASCOT/align_personas/positive",
                "--output=/shared/store/runs/r1/jobs/x.log",
                "--open-mode=append",
                "--cpus-per-task=4",
                "--mem=32G",
                "--gres=gpu:1",
                "--partition=gpu",
                "--account=lab",
                "--time=4:00:00",
                "--dependency=afterok:17:18",
                "--kill-on-invalid-dep=yes",
                "--comment=mascot:abc",
                "--qos=high",
                "--wrap=exec /opt/mascot exec-stage '/shared/my plans/plan.json' MASCOT/align_personas/positive",
            ]
        );
    }

    #[test]
    fn no_dependency_no_gpu_and_a_runnable_script_line() {
        let mut s = spec();
        s.after_ok.clear();
        s.resources.gpus = 0;
        let args = sbatch_args(&s, &SlurmSettings::default()).unwrap();
        assert!(
            !args
                .iter()
                .any(|a| a.starts_with("--dependency") || a.starts_with("--gres"))
        );

        let mut s = spec();
        s.after_ok = vec!["$JOB_1".into(), "$JOB_2".into()];
        let line = shell_line(&sbatch_args(&s, &SlurmSettings::default()).unwrap());
        assert!(
            line.contains(" --dependency=afterok:$JOB_1:$JOB_2 "),
            "{line}"
        );
        // What sh would pass to sbatch is the argument itself.
        let words = shlex::split(&line).unwrap();
        assert_eq!(
            words.last().unwrap(),
            "--wrap=exec /opt/mascot exec-stage '/shared/my plans/plan.json' MASCOT/align_personas/positive"
        );
        assert!(!is_script_dependency("--dependency=afterok:$(rm -rf ~)"));
    }
}
