//! The `mascot` command line.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = mascot::cli::Cli::parse();
    mascot::cli::main(cli)
}
