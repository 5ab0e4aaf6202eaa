//! How a trainer reports progress: a callback that receives the start of the run, every
//! step's metrics and informational messages, and may ask the trainer to stop (the trainer
//! then writes a checkpoint and returns [`super::TrainError::Stopped`]). A stage adapts it to
//! its progress bar; [`BarProgress`] is a terminal bar for library use.

use indicatif::{ProgressBar, ProgressStyle};

use super::metrics::StepMetrics;

/// One report from a trainer.
#[derive(Debug)]
pub enum ProgressEvent<'a> {
    /// The run starts (or resumes after `steps_done` steps) and will make `total_steps`.
    Start {
        total_steps: usize,
        steps_done: usize,
    },
    /// One optimizer step finished.
    Step {
        metrics: &'a StepMetrics,
        total_steps: usize,
    },
    /// Something the user should see (pairs dropped, checkpoint written...).
    Message(&'a str),
}

/// What the callback wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Continue,
    /// Write a checkpoint and stop (the run resumes from it later).
    Stop,
}

/// A progress sink.
pub trait TrainProgress {
    fn event(&mut self, event: &ProgressEvent<'_>) -> Control;
}

impl<F: FnMut(&ProgressEvent<'_>) -> Control> TrainProgress for F {
    fn event(&mut self, event: &ProgressEvent<'_>) -> Control {
        self(event)
    }
}

/// Ignores every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl TrainProgress for NoProgress {
    fn event(&mut self, _: &ProgressEvent<'_>) -> Control {
        Control::Continue
    }
}

/// An indicatif bar (step / total, ETA) whose message shows the chosen metrics.
pub struct BarProgress {
    bar: ProgressBar,
    shown: Vec<String>,
}

impl BarProgress {
    /// A bar showing the metrics named in `shown` (e.g. `["loss", "accuracy"]`).
    pub fn new(shown: &[&str]) -> Self {
        let bar = ProgressBar::new(0);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:30} {pos}/{len} steps, eta {eta} {msg}")
        {
            bar.set_style(style);
        }
        Self {
            bar,
            shown: shown.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl TrainProgress for BarProgress {
    fn event(&mut self, event: &ProgressEvent<'_>) -> Control {
        match event {
            ProgressEvent::Start {
                total_steps,
                steps_done,
            } => {
                self.bar.set_length(*total_steps as u64);
                self.bar.set_position(*steps_done as u64);
            }
            ProgressEvent::Step { metrics, .. } => {
                self.bar.set_position(metrics.step as u64);
                self.bar.set_message(format_metrics(metrics, &self.shown));
            }
            ProgressEvent::Message(text) => self.bar.println(*text),
        }
        Control::Continue
    }
}

/// `name value` pairs of the metrics named in `shown`, e.g. `loss 0.6931 accuracy 0.5000`.
pub fn format_metrics(metrics: &StepMetrics, shown: &[String]) -> String {
    shown
        .iter()
        .filter_map(|name| metrics.get(name).map(|v| format!("{name} {v:.4}")))
        .collect::<Vec<_>>()
        .join(" ")
}
