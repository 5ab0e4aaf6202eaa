//! `mascot variants`.

/// Arguments of `mascot variants`.
#[derive(Debug, clap::Args)]
pub struct VariantsArgs {}

/// Runs `mascot variants`; returns the exit code.
pub fn run(_args: VariantsArgs) -> u8 {
    eprintln!("error: `mascot variants` is not implemented yet");
    1
}
