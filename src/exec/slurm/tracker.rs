//! Following submitted jobs: each poll compares SLURM's view (`squeue`, then `scontrol
//! show job` for a job that ended) with the last one and yields what changed: a job
//! started, was requeued, or finished (with its exit code when SLURM still knows it).

use std::collections::BTreeMap;

use crate::exec::slurm::client::SlurmClient;
use crate::exec::slurm::error::SlurmError;
use crate::exec::slurm::job_state::{JobId, JobState};
use crate::exec::slurm::scontrol::JobInfo;
use crate::exec::slurm::squeue::QueueEntry;

/// A preempted job that SLURM may requeue is taken as finished only after this many polls
/// still show it preempted.
pub const PREEMPT_GRACE_POLLS: u32 = 3;

/// What changed for a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEvent {
    /// It started on `nodes`.
    Started { job: JobId, nodes: String },
    /// SLURM put it back in the queue (node failure, preemption in REQUEUE mode).
    Requeued { job: JobId, restarts: u32 },
    /// It is over. `state` is `None` when SLURM no longer lists it (purged after
    /// `MinJobAge` before a poll saw it end); `info` is `scontrol show job`'s when known.
    Finished {
        job: JobId,
        state: Option<JobState>,
        info: Option<JobInfo>,
    },
}

#[derive(Debug, Clone, Default)]
struct Tracked {
    started: bool,
    restarts: u32,
    finished: bool,
    preempted_polls: u32,
}

/// The jobs being followed.
#[derive(Debug, Default)]
pub struct Tracker {
    jobs: BTreeMap<JobId, Tracked>,
}

impl Tracker {
    pub fn add(&mut self, job: JobId) {
        self.jobs.entry(job).or_default();
    }

    /// Jobs not finished yet.
    pub fn open(&self) -> Vec<JobId> {
        self.jobs
            .iter()
            .filter(|(_, t)| !t.finished)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Stops following `job` (it was cancelled by the submitter).
    pub fn forget(&mut self, job: JobId) {
        if let Some(t) = self.jobs.get_mut(&job) {
            t.finished = true;
        }
    }

    /// One poll through the client.
    pub fn poll(&mut self, client: &SlurmClient) -> Result<Vec<JobEvent>, SlurmError> {
        let open = self.open();
        if open.is_empty() {
            return Ok(Vec::new());
        }
        let states = client.states(&open)?;
        let mut err = None;
        let events = self.observe(&states, |id| match client.show(id) {
            Ok(info) => info,
            Err(e) => {
                err.get_or_insert(e);
                None
            }
        });
        match err {
            // A failed `scontrol` leaves the job open; the next poll asks again.
            Some(e) if events.is_empty() => Err(e),
            _ => Ok(events),
        }
    }

    /// Folds one `squeue` answer in. `show` answers `scontrol show job` for jobs that
    /// ended, were requeued, or are no longer listed.
    pub fn observe(
        &mut self,
        states: &BTreeMap<JobId, QueueEntry>,
        mut show: impl FnMut(JobId) -> Option<JobInfo>,
    ) -> Vec<JobEvent> {
        let mut events = Vec::new();
        for (id, t) in self.jobs.iter_mut().filter(|(_, t)| !t.finished) {
            let Some(entry) = states.get(id) else {
                // Not listed: ask scontrol; if it does not know the job either, it is over.
                let info = show(*id);
                let state = info.as_ref().map(|i| i.state.clone());
                if state.as_ref().is_none_or(JobState::is_finished) {
                    t.finished = true;
                    events.push(JobEvent::Finished {
                        job: *id,
                        state,
                        info,
                    });
                }
                continue;
            };
            match &entry.state {
                s if s.is_running() && !t.started => {
                    t.started = true;
                    let nodes = show(*id).map(|i| i.nodes).unwrap_or_default();
                    events.push(JobEvent::Started { job: *id, nodes });
                }
                JobState::Pending | JobState::Requeued if t.started => {
                    t.started = false;
                    t.preempted_polls = 0;
                    let restarts = show(*id).map(|i| i.restarts).unwrap_or(t.restarts + 1);
                    t.restarts = restarts;
                    events.push(JobEvent::Requeued { job: *id, restarts });
                }
                JobState::Preempted => {
                    let info = show(*id);
                    let may_requeue = info.as_ref().is_some_and(|i| i.requeue);
                    t.preempted_polls += 1;
                    if !may_requeue || t.preempted_polls > PREEMPT_GRACE_POLLS {
                        t.finished = true;
                        events.push(JobEvent::Finished {
                            job: *id,
                            state: Some(JobState::Preempted),
                            info,
                        });
                    }
                }
                s if s.is_finished() => {
                    t.finished = true;
                    events.push(JobEvent::Finished {
                        job: *id,
                        state: Some(s.clone()),
                        info: show(*id),
                    });
                }
                _ => {}
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(state: &str) -> QueueEntry {
        QueueEntry {
            state: JobState::parse(state),
            reason: "None".into(),
        }
    }

    fn info(id: u64, state: &str, requeue: bool, restarts: u32) -> JobInfo {
        JobInfo {
            id: JobId(id),
            name: "s".into(),
            state: JobState::parse(state),
            reason: "None".into(),
            exit_code: Some((0, 0)),
            restarts,
            requeue,
            nodes: "n1".into(),
            time_limit: "UNLIMITED".into(),
            run_time: "00:00:01".into(),
            stdout: None,
        }
    }

    #[test]
    fn start_requeue_finish_and_vanish() {
        let mut t = Tracker::default();
        t.add(JobId(1));
        t.add(JobId(2));
        let q = |a: &str, b: Option<&str>| {
            let mut m = BTreeMap::new();
            m.insert(JobId(1), entry(a));
            if let Some(b) = b {
                m.insert(JobId(2), entry(b));
            }
            m
        };
        let ev = t.observe(&q("PENDING", Some("PENDING")), |_| None);
        assert!(ev.is_empty());
        let ev = t.observe(&q("RUNNING", Some("PENDING")), |id| {
            Some(info(id.0, "RUNNING", true, 0))
        });
        assert_eq!(
            ev,
            vec![JobEvent::Started {
                job: JobId(1),
                nodes: "n1".into()
            }]
        );
        let ev = t.observe(&q("PENDING", Some("PENDING")), |id| {
            Some(info(id.0, "PENDING", true, 1))
        });
        assert_eq!(
            ev,
            vec![JobEvent::Requeued {
                job: JobId(1),
                restarts: 1
            }]
        );
        // Job 2 vanished from squeue and scontrol: finished, state unknown.
        let ev = t.observe(&q("COMPLETED", None), |id| {
            (id.0 == 1).then(|| info(1, "COMPLETED", true, 1))
        });
        assert_eq!(ev.len(), 2);
        assert!(matches!(
            &ev[0],
            JobEvent::Finished {
                job: JobId(1),
                state: Some(JobState::Completed),
                ..
            }
        ));
        assert!(matches!(
            &ev[1],
            JobEvent::Finished {
                job: JobId(2),
                state: None,
                info: None
            }
        ));
        assert!(t.open().is_empty());
        assert!(t.observe(&q("COMPLETED", None), |_| None).is_empty());
    }

    #[test]
    fn a_requeueable_preempted_job_gets_a_grace_period() {
        let mut t = Tracker::default();
        t.add(JobId(5));
        let q: BTreeMap<_, _> = [(JobId(5), entry("PREEMPTED"))].into();
        for _ in 0..PREEMPT_GRACE_POLLS {
            assert!(
                t.observe(&q, |_| Some(info(5, "PREEMPTED", true, 0)))
                    .is_empty()
            );
        }
        let ev = t.observe(&q, |_| Some(info(5, "PREEMPTED", true, 0)));
        assert!(matches!(
            &ev[0],
            JobEvent::Finished {
                state: Some(JobState::Preempted),
                ..
            }
        ));

        let mut t = Tracker::default();
        t.add(JobId(6));
        let q: BTreeMap<_, _> = [(JobId(6), entry("PREEMPTED"))].into();
        let ev = t.observe(&q, |_| Some(info(6, "PREEMPTED", false, 0)));
        assert_eq!(ev.len(), 1, "not requeueable: finished at once");
    }
}
