//! `mascot reward`: the score a trained reward model gives one exchange.

use std::path::PathBuf;

use crate::train::TrainError;
use crate::train::reward::load_reward_model;

/// Arguments of `mascot reward`.
#[derive(Debug, clap::Args)]
pub struct RewardArgs {
    /// A reward-model folder (`train_reward_model`'s output, or any Hugging Face
    /// `*ForSequenceClassification` folder of a Llama, Qwen2 or Qwen3 with one label).
    #[arg(long)]
    pub model: PathBuf,
    /// The system prompt (the persona); empty leaves it out.
    #[arg(long, default_value = "")]
    pub system: String,
    /// The user's message.
    #[arg(long)]
    pub prompt: String,
    /// The reply to score.
    #[arg(long)]
    pub response: String,
    /// Where to run: `cpu` (default), `cuda:N` or `wgpu:N`.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Print `{"score": f}`.
    #[arg(long)]
    pub json: bool,
}

/// Runs `mascot reward`; returns the exit code.
pub fn run(args: RewardArgs) -> u8 {
    match score(&args) {
        Ok(score) if args.json => {
            println!("{}", serde_json::json!({ "score": score }));
            0
        }
        Ok(score) => {
            println!("{score}");
            0
        }
        Err(err) => super::report_error(miette::Report::new(err)),
    }
}

fn score(args: &RewardArgs) -> Result<f32, TrainError> {
    let model = load_reward_model(&args.model, &args.device)?;
    model.score(&args.system, &args.prompt, &args.response)
}
