//! Progress display: an indicatif bar per running stage (items done / total, ETA) when
//! stderr is a terminal, plain log lines otherwise. Every line also goes to the run log.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::stages::context::StageProgress;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// Bars on a terminal, lines otherwise.
    Auto,
    /// Plain lines on stderr.
    Lines,
    /// Nothing on stderr (the run log still gets everything).
    Quiet,
}

/// Shared by all stages of a run.
pub struct Reporter {
    bars: Option<MultiProgress>,
    quiet: bool,
    log: Mutex<Option<File>>,
}

impl Reporter {
    pub fn new(mode: ProgressMode, log_path: Option<&Path>) -> Reporter {
        let bars = (mode == ProgressMode::Auto && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        let log = log_path.and_then(|p| File::options().create(true).append(true).open(p).ok());
        Reporter {
            bars,
            quiet: mode == ProgressMode::Quiet,
            log: Mutex::new(log),
        }
    }

    /// A line for the user and the run log.
    pub fn line(&self, message: &str) {
        if let Some(f) = self.log.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            let _ = writeln!(f, "{} {message}", crate::exec::store::now_rfc3339());
        }
        if self.quiet {
            return;
        }
        match &self.bars {
            Some(m) => {
                let _ = m.println(message);
            }
            None => {
                // A closed stderr must not stop the run.
                let mut stderr = std::io::stderr().lock();
                let _ = writeln!(stderr, "{message}");
            }
        }
    }

    /// The progress handle of a stage that starts now.
    pub fn stage(&self, id: &str) -> StageBar<'_> {
        let bar = self.bars.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new(0));
            bar.set_style(
                ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} ({eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(id.to_string());
            bar
        });
        StageBar {
            id: id.to_string(),
            reporter: self,
            bar,
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
            shown_decile: AtomicU64::new(0),
        }
    }
}

/// The progress handle of one stage.
pub struct StageBar<'a> {
    id: String,
    reporter: &'a Reporter,
    bar: Option<ProgressBar>,
    total: AtomicU64,
    done: AtomicU64,
    shown_decile: AtomicU64,
}

impl StageBar<'_> {
    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl StageProgress for StageBar<'_> {
    fn set_total(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
        if let Some(b) = &self.bar {
            b.set_length(total);
        }
    }

    fn inc(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(b) = &self.bar {
            b.inc(n);
            return;
        }
        let total = self.total.load(Ordering::Relaxed);
        if total == 0 {
            return;
        }
        // Plain mode: one line per tenth done.
        let decile = done * 10 / total;
        let shown = self.shown_decile.fetch_max(decile, Ordering::Relaxed);
        if decile > shown {
            self.reporter
                .line(&format!("[{}] {done}/{total} items", self.id));
        }
    }

    fn log(&self, message: &str) {
        self.reporter.line(&format!("[{}] {message}", self.id));
    }
}
