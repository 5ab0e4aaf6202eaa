//! A trainer's progress reports shown through the stage's progress handle: the bar counts
//! optimizer steps (a resumed run starts at its checkpoint's step), and every step's chosen
//! metrics are logged at most every few seconds (always for the last step). After Ctrl-C or
//! SIGTERM it asks the trainer to stop: the trainer checkpoints the step it finished.
//!
//! Test hooks (never set them in normal use): `MASCOT_TEST_STEP_DELAY_MS=N` pauses after
//! every optimizer step, so a test can kill a run mid-training;
//! `MASCOT_TEST_CHECKPOINT_EVERY=N` overrides how often the training stages checkpoint.

use std::time::{Duration, Instant};

use crate::stages::context::StageProgress;
use crate::train::{Control, ProgressEvent, TrainProgress};
use crate::util::interrupts;

/// Steps between checkpoints of the training stages (`MASCOT_TEST_CHECKPOINT_EVERY`
/// overrides it in tests).
pub fn checkpoint_every(default: usize) -> usize {
    std::env::var("MASCOT_TEST_CHECKPOINT_EVERY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What every training stage does once an optimizer step is done and reported: the test
/// pause (`MASCOT_TEST_STEP_DELAY_MS`), then, after Ctrl-C or SIGTERM, [`Control::Stop`]: the
/// trainer checkpoints the step it finished and stops, and the rerun resumes there.
pub fn after_step(progress: &dyn StageProgress, step: usize, total_steps: usize) -> Control {
    if let Some(delay) = std::env::var("MASCOT_TEST_STEP_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
    {
        std::thread::sleep(delay);
    }
    if step < total_steps
        && let Some(signal) = interrupts::received()
    {
        progress.log(&format!(
            "{signal}: saving a checkpoint at step {step}/{total_steps}; the rerun resumes there"
        ));
        return Control::Stop;
    }
    Control::Continue
}

/// Adapts [`TrainProgress`] to a stage's [`StageProgress`].
pub struct StageTrainProgress<'a> {
    progress: &'a dyn StageProgress,
    shown: &'static [&'static str],
    last_log: Option<Instant>,
}

impl<'a> StageTrainProgress<'a> {
    /// Logs the metrics named in `shown` (e.g. `["loss", "accuracy"]`).
    pub fn new(progress: &'a dyn StageProgress, shown: &'static [&'static str]) -> Self {
        Self {
            progress,
            shown,
            last_log: None,
        }
    }
}

impl TrainProgress for StageTrainProgress<'_> {
    fn event(&mut self, event: &ProgressEvent<'_>) -> Control {
        match event {
            ProgressEvent::Start {
                total_steps,
                steps_done,
            } => {
                self.progress.set_total(*total_steps as u64);
                self.progress.inc(*steps_done as u64);
                if *steps_done > 0 {
                    self.progress.log(&format!(
                        "resuming from the checkpoint of step {steps_done}/{total_steps}"
                    ));
                }
            }
            ProgressEvent::Step {
                metrics,
                total_steps,
            } => {
                self.progress.inc(1);
                let last = metrics.step >= *total_steps;
                if last
                    || self
                        .last_log
                        .is_none_or(|t| t.elapsed() >= Duration::from_secs(5))
                {
                    self.last_log = Some(Instant::now());
                    let values: Vec<String> = self
                        .shown
                        .iter()
                        .filter_map(|name| metrics.get(name).map(|v| format!("{name} {v:.4}")))
                        .collect();
                    self.progress.log(&format!(
                        "step {}/{total_steps}: {}",
                        metrics.step,
                        values.join(", ")
                    ));
                }
                return after_step(self.progress, metrics.step, *total_steps);
            }
            ProgressEvent::Message(m) => self.progress.log(m),
        }
        Control::Continue
    }
}
