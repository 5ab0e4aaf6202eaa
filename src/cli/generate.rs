//! `mascot generate`.

/// Arguments of `mascot generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {}

/// Runs `mascot generate`; returns the exit code.
pub fn run(_args: GenerateArgs) -> u8 {
    eprintln!("error: `mascot generate` is not implemented yet");
    1
}
