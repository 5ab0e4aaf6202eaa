//! `squeue` output: the cheap poll of many jobs' states at once.

use std::collections::BTreeMap;

use crate::exec::slurm::job_state::{JobId, JobState};

/// The `squeue` arguments whose output [`parse_states`] reads: no header, every state
/// (finished jobs stay listed for the cluster's `MinJobAge`), `id|state|reason`.
pub const SQUEUE_FORMAT: [&str; 5] = [
    "--noheader",
    "--states=all",
    "--format",
    "%i|%T|%r",
    "--jobs",
];

/// One line of [`SQUEUE_FORMAT`] output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub state: JobState,
    /// `None`, `Resources`, `Dependency`, `DependencyNeverSatisfied`, `TimeLimit`...
    pub reason: String,
}

/// Parses the output; lines that are not `id|state|reason` are returned as errors.
pub fn parse_states(text: &str) -> Result<BTreeMap<JobId, QueueEntry>, String> {
    let mut out = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut parts = line.splitn(3, '|');
        let (Some(id), Some(state), Some(reason)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!(
                "unexpected squeue line `{line}` (want `id|state|reason`)"
            ));
        };
        let Some(id) = JobId::parse(id) else {
            return Err(format!("unexpected job id in squeue line `{line}`"));
        };
        out.insert(
            id,
            QueueEntry {
                state: JobState::parse(state),
                reason: reason.to_string(),
            },
        );
    }
    Ok(out)
}

/// `squeue --jobs` with only unknown ids fails with this message (jobs purged after
/// `MinJobAge`): it means "none of them is listed", not an error.
pub fn is_unknown_jobs_error(stderr: &str) -> bool {
    stderr.contains("Invalid job id specified")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_lines_are_errors() {
        assert!(parse_states("12|RUNNING").is_err());
        assert!(parse_states("x|RUNNING|None").is_err());
        assert_eq!(parse_states("\n").unwrap().len(), 0);
    }
}
