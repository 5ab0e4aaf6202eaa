//! The SLURM output parsers on outputs recorded from a real slurmctld 22.05 (see
//! `tests/fixtures/slurm/README.md`): every end state mascot must tell apart, with exit
//! codes, reasons and restart counts.

use std::path::{Path, PathBuf};

use mascot::exec::slurm::job_state::{JobId, JobState};
use mascot::exec::slurm::scontrol::{JobInfo, parse_jobs};
use mascot::exec::slurm::squeue::{is_unknown_jobs_error, parse_states};

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/slurm")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn jobs() -> Vec<JobInfo> {
    parse_jobs(&fixture("scontrol_show_job_o.txt")).unwrap()
}

fn job(id: u64) -> JobInfo {
    jobs()
        .into_iter()
        .find(|j| j.id == JobId(id))
        .unwrap_or_else(|| panic!("job {id} not in the fixture"))
}

#[test]
fn scontrol_end_states_with_exit_codes() {
    assert_eq!(jobs().len(), 12);

    let done = job(10);
    assert_eq!(done.state, JobState::Completed);
    assert_eq!(done.exit_code, Some((0, 0)));
    assert_eq!(done.name, "rec/preemptor");
    assert_eq!(done.stdout, Some(PathBuf::from("/tmp/slurmrec/10.out")));

    let failed = job(9);
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.reason, "NonZeroExitCode");
    assert_eq!(failed.exit_code, Some((7, 0)));
    assert_eq!(failed.exit_phrase(), "exit code 7");
    assert!(!failed.state.was_interrupted());

    let timeout = job(6);
    assert_eq!(timeout.state, JobState::Timeout);
    assert_eq!(timeout.reason, "TimeLimit");
    assert_eq!(timeout.time_limit, "00:01:00");
    assert!(timeout.state.was_interrupted());

    let preempted = job(5);
    assert_eq!(preempted.state, JobState::Preempted);
    assert_eq!(preempted.exit_code, Some((0, 15)));
    assert_eq!(preempted.exit_phrase(), "killed by signal 15");
    assert!(preempted.state.was_interrupted());

    let node_fail = job(11);
    assert_eq!(node_fail.state, JobState::NodeFail);
    assert_eq!(node_fail.reason, "NodeDown");
    assert!(!node_fail.requeue);

    let oom = job(13);
    assert_eq!(oom.state, JobState::OutOfMemory);
    assert_eq!(oom.reason, "OutOfMemory");
    assert_eq!(oom.exit_code, Some((0, 125)));

    // Over its memory without cgroups (jobacct_gather OverMemoryKill): FAILED, signal 9.
    let killed = job(7);
    assert_eq!(killed.state, JobState::Failed);
    assert_eq!(killed.exit_phrase(), "killed by signal 9");

    let cancelled = job(8);
    assert_eq!(cancelled.state, JobState::Cancelled);

    let never = job(15);
    assert_eq!(never.state, JobState::Cancelled);
    assert_eq!(never.reason, "DependencyNeverSatisfied");

    // Requeued after its node failed: pending again, one restart.
    let requeued = job(12);
    assert_eq!(requeued.state, JobState::Pending);
    assert_eq!(requeued.restarts, 1);
    assert!(requeued.requeue);
    assert!(!requeued.state.is_finished());

    let running = job(16);
    assert!(running.state.is_running());
    assert_eq!(running.nodes, "vm");

    for j in jobs() {
        let finished = j.state.is_finished();
        let expected = ![12, 16].contains(&j.id.0);
        assert_eq!(finished, expected, "job {} in {:?}", j.id, j.state);
    }
}

#[test]
fn squeue_states_and_reasons() {
    let mixed = parse_states(&fixture("squeue_mixed.txt")).unwrap();
    assert_eq!(mixed.len(), 8);
    assert_eq!(mixed[&JobId(5)].state, JobState::Preempted);
    assert_eq!(mixed[&JobId(6)].state, JobState::Timeout);
    assert_eq!(mixed[&JobId(6)].reason, "TimeLimit");
    assert_eq!(mixed[&JobId(7)].reason, "JobLaunchFailure");
    assert_eq!(mixed[&JobId(11)].state, JobState::NodeFail);
    assert_eq!(mixed[&JobId(12)].state, JobState::Pending);

    let pending = parse_states(&fixture("squeue_dependency_pending.txt")).unwrap();
    assert_eq!(pending[&JobId(15)].state, JobState::Pending);
    assert_eq!(pending[&JobId(15)].reason, "Dependency");
    let cancelled = parse_states(&fixture("squeue_dependency_cancelled.txt")).unwrap();
    assert_eq!(cancelled[&JobId(15)].state, JobState::Cancelled);
    assert_eq!(cancelled[&JobId(15)].reason, "DependencyNeverSatisfied");
    assert_eq!(cancelled[&JobId(14)].state, JobState::Failed);

    assert!(is_unknown_jobs_error(
        "slurm_load_jobs error: Invalid job id specified\n"
    ));
}
