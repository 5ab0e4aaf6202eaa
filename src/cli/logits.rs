//! `mascot logits`: the logits of the last position of a prompt.

use crate::model::ModelError;

use super::model_args::{PromptArgs, print_or_report};

/// Arguments of `mascot logits`.
#[derive(Debug, clap::Args)]
pub struct LogitsArgs {
    #[command(flatten)]
    pub input: PromptArgs,
    /// Print one JSON object with `prompt_text`, `prompt_ids` (also as `input_ids`) and
    /// `logits`; otherwise the five most likely next tokens.
    #[arg(long)]
    pub json: bool,
}

/// Runs `mascot logits`; returns the exit code.
pub fn run(args: LogitsArgs) -> u8 {
    print_or_report(logits(&args))
}

fn logits(args: &LogitsArgs) -> Result<String, ModelError> {
    let model = args.input.load()?;
    let prompt = args.input.prompt(&model, None)?;
    let logits = model.last_logits(&prompt.ids)?;
    if args.json {
        return Ok(serde_json::json!({
            "prompt_text": prompt.text,
            "prompt_ids": prompt.ids,
            "input_ids": prompt.ids,
            "logits": logits,
        })
        .to_string());
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
    let shown = if args.input.show_prompt {
        prompt.show()
    } else {
        String::new()
    };
    Ok(format!("{shown}{}", lines.join("\n")))
}
