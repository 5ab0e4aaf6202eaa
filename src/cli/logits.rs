//! `mascot logits`: the logits of the last position of a prompt.

use std::path::PathBuf;

use crate::model::{LoadedModel, ModelError};

/// Arguments of `mascot logits`.
#[derive(Debug, clap::Args)]
pub struct LogitsArgs {
    /// A Hugging Face model folder or a `.gguf` file.
    #[arg(long)]
    pub model: PathBuf,
    /// The prompt (the user message with `--chat`).
    #[arg(long)]
    pub prompt: String,
    /// Apply the model's chat template, with the prompt as the user message.
    #[arg(long)]
    pub chat: bool,
    /// Print one JSON object with `input_ids` and `logits`; otherwise the five most likely
    /// next tokens.
    #[arg(long)]
    pub json: bool,
    /// Where to run: `cpu` (default), `cuda:N` (feature `cuda`) or `wgpu:N` (feature `wgpu`).
    #[arg(long, default_value = "cpu")]
    pub device: String,
}

/// Runs `mascot logits`; returns the exit code.
pub fn run(args: LogitsArgs) -> u8 {
    match logits(&args) {
        Ok(out) => {
            println!("{out}");
            0
        }
        Err(err) => super::report_error(miette::Report::new(err)),
    }
}

fn logits(args: &LogitsArgs) -> Result<String, ModelError> {
    let model = LoadedModel::from_path_on(&args.model, &args.device)?;
    let ids = super::generate::prompt_ids(&model, &args.prompt, args.chat, None)?;
    let logits = model.last_logits(&ids)?;
    if args.json {
        return Ok(serde_json::json!({ "input_ids": ids, "logits": logits }).to_string());
    }
    let mut ranked: Vec<(usize, f32)> = logits.iter().copied().enumerate().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let lines: Vec<String> = ranked
        .iter()
        .take(5)
        .map(|(id, logit)| {
            let token = model.tokenizer.decode(&[*id as u32]).unwrap_or_default();
            format!("{id:>8} {logit:>10.4} {token:?}")
        })
        .collect();
    Ok(lines.join("\n"))
}
