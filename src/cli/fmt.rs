//! `mascot fmt`.

/// Arguments of `mascot fmt`.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {}

/// Runs `mascot fmt`; returns the exit code.
pub fn run(_args: FmtArgs) -> u8 {
    eprintln!("error: `mascot fmt` is not implemented yet");
    1
}
