//! `mascot cache`.

/// Arguments of `mascot cache`.
#[derive(Debug, clap::Args)]
pub struct CacheArgs {}

/// Runs `mascot cache`; returns the exit code.
pub fn run(_args: CacheArgs) -> u8 {
    eprintln!("error: `mascot cache` is not implemented yet");
    1
}
