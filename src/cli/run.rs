//! `mascot run`.

/// Arguments of `mascot run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {}

/// Runs `mascot run`; returns the exit code.
pub fn run(_args: RunArgs) -> u8 {
    eprintln!("error: `mascot run` is not implemented yet");
    1
}
