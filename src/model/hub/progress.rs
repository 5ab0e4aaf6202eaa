//! Download progress on stderr: an indicatif bar on a terminal, plain lines otherwise (logs,
//! batch jobs, tests), never both.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Files at least this large get a plain line every tenth of the way.
const PLAIN_STEPS_FROM: u64 = 16 * 1024 * 1024;

/// The progress of one file.
#[derive(Debug)]
pub struct DownloadProgress {
    bar: Option<ProgressBar>,
    label: String,
    total: u64,
    done: AtomicU64,
    last_tenth: AtomicU64,
}

impl DownloadProgress {
    /// Starts showing `label` (e.g. `Qwen/Qwen3-0.6B model.safetensors`), `already` bytes
    /// of `total` on disk.
    pub fn start(label: String, total: u64, already: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message(label.clone());
            bar.set_position(already);
            bar
        });
        if bar.is_none() {
            let resume = if already > 0 {
                format!(", resuming at {}", HumanBytes(already))
            } else {
                String::new()
            };
            eprintln!("downloading {label} ({}{resume})", HumanBytes(total));
        }
        Self {
            bar,
            label,
            total,
            done: AtomicU64::new(already),
            last_tenth: AtomicU64::new(tenth(already, total)),
        }
    }

    /// `n` more bytes arrived.
    pub fn advance(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        match &self.bar {
            Some(bar) => bar.set_position(done),
            None if self.total >= PLAIN_STEPS_FROM => {
                let t = tenth(done, self.total);
                if t > self.last_tenth.swap(t, Ordering::Relaxed) && t < 10 {
                    eprintln!("  {} {}%", self.label, t * 10);
                }
            }
            None => {}
        }
    }

    /// The server ignored the range: the download starts again from zero.
    pub fn restart(&self) {
        self.done.store(0, Ordering::Relaxed);
        self.last_tenth.store(0, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.set_position(0);
        }
    }

    /// The file is complete.
    pub fn finish(self) {
        match self.bar {
            Some(bar) => bar.finish(),
            None => eprintln!("downloaded {}", self.label),
        }
    }
}

fn tenth(done: u64, total: u64) -> u64 {
    (done.min(total).saturating_mul(10))
        .checked_div(total)
        .unwrap_or(10)
}
