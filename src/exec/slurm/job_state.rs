//! SLURM job ids and states as `squeue -o %T` and `scontrol show job` print them, and what
//! each state means for the stage the job runs.

use serde::{Deserialize, Serialize};

/// A SLURM job id (`sbatch --parsable` prints `123` or `123;cluster`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(pub u64);

impl JobId {
    /// Parses `123` or `123;cluster`; `None` for anything else (array ids included).
    pub fn parse(text: &str) -> Option<JobId> {
        let id = text.trim().split(';').next()?.trim();
        id.parse().ok().map(JobId)
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The state of a job (`JOB STATE CODES` in `man squeue`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobState {
    Pending,
    Configuring,
    Running,
    Completing,
    Suspended,
    /// Requeued (`REQUEUED`, `REQUEUE_FED`, `REQUEUE_HOLD`): it will run again.
    Requeued,
    Completed,
    Failed,
    Cancelled,
    Timeout,
    Preempted,
    NodeFail,
    OutOfMemory,
    BootFail,
    Deadline,
    /// A state this version does not know (`RESIZING`, `SIGNALING`, `STAGE_OUT`...): the
    /// job is treated as still going.
    Other(String),
}

impl JobState {
    /// Parses a state name; `CANCELLED by 0` (scontrol) counts as `CANCELLED`.
    pub fn parse(text: &str) -> JobState {
        let word = text.split_whitespace().next().unwrap_or_default();
        match word.trim_end_matches('+') {
            "PENDING" | "PD" => JobState::Pending,
            "CONFIGURING" | "CF" => JobState::Configuring,
            "RUNNING" | "R" => JobState::Running,
            "COMPLETING" | "CG" => JobState::Completing,
            "SUSPENDED" | "S" => JobState::Suspended,
            "REQUEUED" | "REQUEUE_FED" | "REQUEUE_HOLD" | "RQ" | "RF" | "RH" => JobState::Requeued,
            "COMPLETED" | "CD" => JobState::Completed,
            "FAILED" | "F" => JobState::Failed,
            "CANCELLED" | "CA" => JobState::Cancelled,
            "TIMEOUT" | "TO" => JobState::Timeout,
            "PREEMPTED" | "PR" => JobState::Preempted,
            "NODE_FAIL" | "NF" => JobState::NodeFail,
            "OUT_OF_MEMORY" | "OOM" => JobState::OutOfMemory,
            "BOOT_FAIL" | "BF" => JobState::BootFail,
            "DEADLINE" | "DL" => JobState::Deadline,
            other => JobState::Other(other.to_string()),
        }
    }

    /// The job is over and will not run again by itself.
    pub fn is_finished(&self) -> bool {
        matches!(
            self,
            JobState::Completed
                | JobState::Failed
                | JobState::Cancelled
                | JobState::Timeout
                | JobState::Preempted
                | JobState::NodeFail
                | JobState::OutOfMemory
                | JobState::BootFail
                | JobState::Deadline
        )
    }

    /// It has started on a node.
    pub fn is_running(&self) -> bool {
        matches!(self, JobState::Running | JobState::Completing)
    }

    /// How a finished job that did not complete ended, in words for the run log.
    pub fn failure_phrase(&self) -> &'static str {
        match self {
            JobState::Failed => "failed",
            JobState::Cancelled => "was cancelled",
            JobState::Timeout => "timed out (it reached its time limit)",
            JobState::Preempted => "was preempted by SLURM",
            JobState::NodeFail => "was lost to a node failure",
            JobState::OutOfMemory => "ran out of memory (it exceeded its --mem)",
            JobState::BootFail => "could not start (node boot failure)",
            JobState::Deadline => "passed its deadline",
            _ => "ended",
        }
    }

    /// A rerun resumes the stage from its checkpoints: the job was stopped from outside
    /// rather than failing by itself.
    pub fn was_interrupted(&self) -> bool {
        matches!(
            self,
            JobState::Timeout | JobState::Preempted | JobState::NodeFail | JobState::BootFail
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_from_parsable_output() {
        assert_eq!(JobId::parse("42\n"), Some(JobId(42)));
        assert_eq!(JobId::parse("42;cluster2"), Some(JobId(42)));
        assert_eq!(JobId::parse("42_3"), None);
        assert_eq!(JobId::parse(""), None);
        assert_eq!(JobId::parse("sbatch: error"), None);
    }

    #[test]
    fn states_long_short_and_unknown() {
        assert_eq!(JobState::parse("OUT_OF_MEMORY"), JobState::OutOfMemory);
        assert_eq!(JobState::parse("CANCELLED by 0"), JobState::Cancelled);
        assert_eq!(JobState::parse("CA+"), JobState::Cancelled);
        assert_eq!(JobState::parse("NF"), JobState::NodeFail);
        assert_eq!(JobState::parse("REQUEUE_HOLD"), JobState::Requeued);
        assert_eq!(
            JobState::parse("STAGE_OUT"),
            JobState::Other("STAGE_OUT".into())
        );
        assert!(JobState::parse("TIMEOUT").is_finished());
        assert!(!JobState::parse("STAGE_OUT").is_finished());
        assert!(!JobState::Requeued.is_finished());
        assert!(JobState::Preempted.was_interrupted());
        assert!(!JobState::Failed.was_interrupted());
    }
}
