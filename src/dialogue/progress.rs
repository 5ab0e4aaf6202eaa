//! Progress of a conversation run, counted in episode-turns (episodes x turns): the stage
//! adapter forwards it to its progress bar.

/// Receives progress; every method defaults to doing nothing.
pub trait DialogueProgress {
    /// The run will complete `total` episode-turns.
    fn set_total(&self, _total: u64) {}
    /// `n` more episode-turns are complete.
    fn advance(&self, _n: u64) {}
    /// A line worth showing (e.g. a summary of parse failures).
    fn log(&self, _message: &str) {}
}

/// Drops all progress.
pub struct NoProgress;

impl DialogueProgress for NoProgress {}
