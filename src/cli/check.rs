//! `mascot check`.

/// Arguments of `mascot check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {}

/// Runs `mascot check`; returns the exit code.
pub fn run(_args: CheckArgs) -> u8 {
    eprintln!("error: `mascot check` is not implemented yet");
    1
}
