//! `mascot plan`.

/// Arguments of `mascot plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {}

/// Runs `mascot plan`; returns the exit code.
pub fn run(_args: PlanArgs) -> u8 {
    eprintln!("error: `mascot plan` is not implemented yet");
    1
}
