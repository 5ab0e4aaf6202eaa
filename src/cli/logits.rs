//! `mascot logits`.

/// Arguments of `mascot logits`.
#[derive(Debug, clap::Args)]
pub struct LogitsArgs {}

/// Runs `mascot logits`; returns the exit code.
pub fn run(_args: LogitsArgs) -> u8 {
    eprintln!("error: `mascot logits` is not implemented yet");
    1
}
