//! Command-line interface: one file per subcommand; this file only declares them and
//! dispatches. Each subcommand returns its process exit code.

pub mod cache;
pub mod chat;
pub mod check;
pub mod exec_stage;
pub mod executor_choice;
pub mod fmt;
pub mod generate;
pub mod logits;
pub mod model_args;
pub mod output;
pub mod plan;
pub mod reward;
pub mod run;
pub mod show;
pub mod snapshot;
pub mod variants;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mascot: compile `.mascot` experiments into a DAG of stages and run them.
#[derive(Debug, Parser)]
#[command(name = "mascot", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check `.mascot` files; exit 0 when all are valid, 1 otherwise.
    Check(check::CheckArgs),
    /// Print the compiled plan (the DAG of stages).
    Plan(plan::PlanArgs),
    /// List the expanded variants of an experiment, one a line.
    Variants(variants::VariantsArgs),
    /// Format a `.mascot` file canonically.
    Fmt(fmt::FmtArgs),
    /// Run an experiment: execute the stages that are not cached.
    Run(run::RunArgs),
    /// Run one stage of a compiled plan into a store (what each SLURM job runs).
    ExecStage(exec_stage::ExecStageArgs),
    /// Where a stage's (or a variant's) artifact is: path, summary, files.
    Show(show::ShowArgs),
    /// Compare plans with their stored snapshots (`--check`) or rewrite them (`--update`).
    Snapshot(snapshot::SnapshotArgs),
    /// Inspect, verify and clean the artifact store.
    Cache(cache::CacheArgs),
    /// Generate text with a model (HF folder, GGUF file).
    Generate(generate::GenerateArgs),
    /// Print the logits of the last position for a prompt.
    Logits(logits::LogitsArgs),
    /// Score one exchange with a trained reward model.
    Reward(reward::RewardArgs),
    /// Talk to the trained group of a variant (director + aligned speakers).
    Chat(chat::ChatArgs),
}

/// Runs one parsed command line and returns the process exit code.
pub fn main(cli: Cli) -> ExitCode {
    let code = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Plan(a) => plan::run(a),
        Command::Variants(a) => variants::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Run(a) => run::run(a),
        Command::ExecStage(a) => exec_stage::run(a),
        Command::Show(a) => show::run(a),
        Command::Snapshot(a) => snapshot::run(a),
        Command::Cache(a) => cache::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Logits(a) => logits::run(a),
        Command::Reward(a) => reward::run(a),
        Command::Chat(a) => chat::run(a),
    };
    ExitCode::from(code)
}

/// Prints a miette report to stderr (no colour when stderr is not a terminal) and returns 1.
pub fn report_error(err: miette::Report) -> u8 {
    output::errln(&format!("{err:?}"));
    1
}
