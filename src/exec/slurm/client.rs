//! The SLURM client commands mascot runs: `sbatch` to submit, `squeue` to poll states,
//! `scontrol show job` for a finished job's exit code, `scancel`.

use std::collections::BTreeMap;
use std::process::{Command, Output};

use crate::exec::slurm::error::SlurmError;
use crate::exec::slurm::job_state::JobId;
use crate::exec::slurm::scontrol::{JobInfo, parse_job};
use crate::exec::slurm::squeue::{QueueEntry, SQUEUE_FORMAT, is_unknown_jobs_error, parse_states};

/// At most this many ids per `squeue --jobs` call.
const SQUEUE_CHUNK: usize = 200;

/// Runs the SLURM client commands found on `PATH`.
#[derive(Debug, Clone, Default)]
pub struct SlurmClient;

impl SlurmClient {
    fn run(&self, program: &str, args: &[String]) -> Result<Output, SlurmError> {
        Command::new(program).args(args).output().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                SlurmError::MissingCommand {
                    command: program.to_string(),
                }
            } else {
                SlurmError::Command {
                    command: program.to_string(),
                    status: "did not start".into(),
                    stderr: e.to_string(),
                    help: "check that the SLURM client commands can be run here".into(),
                }
            }
        })
    }

    fn failed(program: &str, out: &Output, help: &str) -> SlurmError {
        SlurmError::Command {
            command: program.to_string(),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            help: help.to_string(),
        }
    }

    /// Fails unless `sbatch` can be run (before a run submits anything).
    pub fn check_installed(&self) -> Result<(), SlurmError> {
        let out = self.run("sbatch", &["--version".to_string()])?;
        if out.status.success() {
            Ok(())
        } else {
            Err(SlurmClient::failed(
                "sbatch --version",
                &out,
                "check the SLURM client installation",
            ))
        }
    }

    /// Submits a job; `args` are [`crate::exec::slurm::sbatch::sbatch_args`].
    pub fn submit(&self, args: &[String]) -> Result<JobId, SlurmError> {
        let out = self.run("sbatch", args)?;
        if !out.status.success() {
            return Err(SlurmClient::failed(
                "sbatch",
                &out,
                "check the partition, account, time and resources (`sinfo`, `--slurm-arg`); \
                 the job was not submitted",
            ));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        JobId::parse(text.lines().last().unwrap_or_default()).ok_or_else(|| SlurmError::Output {
            command: "sbatch --parsable".into(),
            message: format!("expected a job id, got `{}`", text.trim()),
        })
    }

    /// The states of `ids` that SLURM still lists (finished jobs stay listed for
    /// `MinJobAge`, 300 s by default).
    pub fn states(&self, ids: &[JobId]) -> Result<BTreeMap<JobId, QueueEntry>, SlurmError> {
        let mut all = BTreeMap::new();
        for chunk in ids.chunks(SQUEUE_CHUNK) {
            let mut args: Vec<String> = SQUEUE_FORMAT.iter().map(|s| s.to_string()).collect();
            args.push(
                chunk
                    .iter()
                    .map(JobId::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            );
            let out = self.run("squeue", &args)?;
            if !out.status.success() {
                if is_unknown_jobs_error(&String::from_utf8_lossy(&out.stderr)) {
                    continue;
                }
                return Err(SlurmClient::failed(
                    "squeue",
                    &out,
                    "is slurmctld reachable? (`sinfo`)",
                ));
            }
            let parsed = parse_states(&String::from_utf8_lossy(&out.stdout)).map_err(|m| {
                SlurmError::Output {
                    command: "squeue".into(),
                    message: m,
                }
            })?;
            all.extend(parsed);
        }
        Ok(all)
    }

    /// `scontrol show job -o ID`; `None` when SLURM no longer knows the job.
    pub fn show(&self, id: JobId) -> Result<Option<JobInfo>, SlurmError> {
        let args = [
            "show".to_string(),
            "job".into(),
            "-o".into(),
            id.to_string(),
        ];
        let out = self.run("scontrol", &args)?;
        if !out.status.success() {
            if is_unknown_jobs_error(&String::from_utf8_lossy(&out.stderr)) {
                return Ok(None);
            }
            return Err(SlurmClient::failed(
                "scontrol show job",
                &out,
                "is slurmctld reachable? (`sinfo`)",
            ));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default();
        parse_job(line).map(Some).map_err(|m| SlurmError::Output {
            command: "scontrol show job".into(),
            message: m,
        })
    }

    /// The jobs of this user that build into the store tagged `store_tag` (comment
    /// `mascot:<store_tag>:<key>`) and are still queued or running: key -> job.
    pub fn queued_by_key(&self, store_tag: &str) -> Result<BTreeMap<String, JobId>, SlurmError> {
        let args: Vec<String> = [
            "--me",
            "--noheader",
            // Not COMPLETING: such a job's outcome is decided (a cancelled one is still listed
            // for a moment after `scancel`); following it could adopt a job that was killed.
            "--states=PENDING,RUNNING,CONFIGURING,REQUEUED,SUSPENDED",
            "--format",
            "%i|%k",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let out = self.run("squeue", &args)?;
        if !out.status.success() {
            return Err(SlurmClient::failed(
                "squeue --me",
                &out,
                "is slurmctld reachable? (`sinfo`)",
            ));
        }
        Ok(parse_keyed(
            &String::from_utf8_lossy(&out.stdout),
            store_tag,
        ))
    }

    /// Cancels jobs (already finished ones are ignored by SLURM).
    pub fn cancel(&self, ids: &[JobId]) -> Result<(), SlurmError> {
        if ids.is_empty() {
            return Ok(());
        }
        let args: Vec<String> = ids.iter().map(JobId::to_string).collect();
        let out = self.run("scancel", &args)?;
        if out.status.success() {
            self.wait_gone(&args);
            Ok(())
        } else {
            Err(SlurmClient::failed(
                "scancel",
                &out,
                "cancel the jobs by hand: `scancel <id>`",
            ))
        }
    }
}

impl SlurmClient {
    /// Waits (at most 15 s) until cancelled jobs have left the queue, so that a run started
    /// right after this one exits never adopts a job that is being killed.
    fn wait_gone(&self, ids: &[String]) {
        let args = vec![
            "--noheader".to_string(),
            format!("--jobs={}", ids.join(",")),
            "--format=%i".to_string(),
        ];
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while std::time::Instant::now() < deadline {
            match self.run("squeue", &args) {
                Ok(out)
                    if out.status.success() && out.stdout.iter().all(u8::is_ascii_whitespace) =>
                {
                    return;
                }
                Ok(out) if !out.status.success() => return, // unknown ids: gone already
                Err(_) => return,
                Ok(_) => std::thread::sleep(std::time::Duration::from_millis(250)),
            }
        }
    }
}

/// `id|comment` lines -> key -> lowest job id, for comments `mascot:<store_tag>:<key>`.
pub fn parse_keyed(text: &str, store_tag: &str) -> BTreeMap<String, JobId> {
    let prefix = format!("mascot:{store_tag}:");
    let mut out: BTreeMap<String, JobId> = BTreeMap::new();
    for line in text.lines() {
        let Some((id, comment)) = line.trim().split_once('|') else {
            continue;
        };
        let (Some(id), Some(key)) = (JobId::parse(id), comment.strip_prefix(&prefix)) else {
            continue;
        };
        let slot = out.entry(key.to_string()).or_insert(id);
        *slot = (*slot).min(id);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_jobs_from_comments() {
        let m = parse_keyed(
            "12|mascot:s1:abc\n13|(null)\n14|mascot:s1:def\n11|mascot:s1:abc\n15|mascot:s2:xyz\nbad\n",
            "s1",
        );
        assert_eq!(m.len(), 2);
        assert_eq!(m["abc"], JobId(11));
        assert_eq!(m["def"], JobId(14));
    }
}
