//! `scontrol show job -o ID`: one line of `Key=Value` pairs with a finished job's exit
//! code, restart count and log path (what `squeue` does not tell).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::exec::slurm::job_state::{JobId, JobState};

/// What mascot reads from `scontrol show job`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInfo {
    pub id: JobId,
    pub name: String,
    pub state: JobState,
    pub reason: String,
    /// `ExitCode=code:signal` of the batch script.
    pub exit_code: Option<(i32, i32)>,
    /// How many times SLURM requeued the job.
    pub restarts: u32,
    /// Whether SLURM may requeue it (node failure, preemption in REQUEUE mode).
    pub requeue: bool,
    /// `NodeList` (empty before it starts).
    pub nodes: String,
    pub time_limit: String,
    pub run_time: String,
    pub stdout: Option<PathBuf>,
}

impl JobInfo {
    /// `exit code 3` / `killed by signal 9` / `exit code 0`.
    pub fn exit_phrase(&self) -> String {
        match self.exit_code {
            Some((0, sig)) if sig != 0 => format!("killed by signal {sig}"),
            Some((code, _)) => format!("exit code {code}"),
            None => "no exit code".to_string(),
        }
    }
}

/// Splits a `scontrol -o` line into pairs. Values may hold spaces (`JobName=my job`): a
/// word that does not start a `Key=` continues the previous value.
pub fn pairs(line: &str) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut last: Option<String> = None;
    for word in line.split_whitespace() {
        match split_key(word) {
            Some((k, v)) => {
                out.insert(k.to_string(), v.to_string());
                last = Some(k.to_string());
            }
            None => {
                if let Some(v) = last.as_ref().and_then(|k| out.get_mut(k)) {
                    v.push(' ');
                    v.push_str(word);
                }
            }
        }
    }
    out
}

/// `Key=value` where the key is letters, digits, `:`, `/`, `_` starting with a letter
/// (`AllocNode:Sid`, `CPUs/Task`).
fn split_key(word: &str) -> Option<(&str, &str)> {
    let (k, v) = word.split_once('=')?;
    let first = k.chars().next()?;
    let ok = first.is_ascii_alphabetic()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '_'));
    ok.then_some((k, v))
}

/// Parses one job's line.
pub fn parse_job(line: &str) -> Result<JobInfo, String> {
    let p = pairs(line);
    let get = |k: &str| p.get(k).cloned().unwrap_or_default();
    let id = JobId::parse(&get("JobId"))
        .ok_or_else(|| format!("no JobId in scontrol output `{}`", clip(line)))?;
    let state = p
        .get("JobState")
        .map(|s| JobState::parse(s))
        .ok_or_else(|| format!("no JobState in scontrol output `{}`", clip(line)))?;
    let exit_code = p.get("ExitCode").and_then(|v| {
        let (c, s) = v.split_once(':')?;
        Some((c.parse().ok()?, s.parse().ok()?))
    });
    let stdout = p
        .get("StdOut")
        .filter(|s| !s.is_empty() && *s != "(null)")
        .map(PathBuf::from);
    Ok(JobInfo {
        id,
        name: get("JobName"),
        state,
        reason: get("Reason"),
        exit_code,
        restarts: get("Restarts").parse().unwrap_or(0),
        requeue: get("Requeue") == "1",
        nodes: get("NodeList"),
        time_limit: get("TimeLimit"),
        run_time: get("RunTime"),
        stdout,
    })
}

/// Every job of a multi-line output (`scontrol show job -o` without an id).
pub fn parse_jobs(text: &str) -> Result<Vec<JobInfo>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(parse_job)
        .collect()
}

fn clip(line: &str) -> String {
    line.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_with_spaces_and_odd_keys() {
        let p = pairs("JobId=7 JobName=my long job UserId=root(0) AllocNode:Sid=h:1 CPUs/Task=2");
        assert_eq!(p["JobName"], "my long job");
        assert_eq!(p["AllocNode:Sid"], "h:1");
        assert_eq!(p["CPUs/Task"], "2");
    }

    #[test]
    fn a_line_without_id_or_state_is_an_error() {
        assert!(parse_job("JobName=x JobState=RUNNING").is_err());
        assert!(parse_job("JobId=3 JobName=x").is_err());
        assert!(parse_job("slurm_load_jobs error: Invalid job id specified").is_err());
    }
}
