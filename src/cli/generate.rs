//! `mascot generate`: generate text with a model folder or a GGUF file.

use crate::model::{ModelError, SamplingConfig};

use super::model_args::{PromptArgs, print_or_report};

/// Arguments of `mascot generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub input: PromptArgs,
    /// System message (with `--chat`).
    #[arg(long, requires = "chat")]
    pub system: Option<String>,
    /// Most new tokens.
    #[arg(long, default_value_t = 64)]
    pub max_tokens: usize,
    /// Sampling temperature; 0 is greedy decoding.
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f32,
    /// Nucleus sampling threshold.
    #[arg(long, default_value_t = 1.0)]
    pub top_p: f32,
    /// Sampler seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print one JSON object with `prompt_text`, `prompt_ids` (also as `input_ids`),
    /// `output_ids` and `text`.
    #[arg(long)]
    pub json: bool,
}

/// Runs `mascot generate`; returns the exit code.
pub fn run(args: GenerateArgs) -> u8 {
    print_or_report(generate(&args))
}

fn generate(args: &GenerateArgs) -> Result<String, ModelError> {
    let temperature_ok = args.temperature >= 0.0;
    let top_p_ok = args.top_p > 0.0 && args.top_p <= 1.0;
    if !temperature_ok || !top_p_ok {
        return Err(ModelError::invalid(
            "--temperature must be >= 0 and --top-p in (0, 1]",
        ));
    }
    let model = args.input.load()?;
    let prompt = args.input.prompt(&model, args.system.as_deref())?;
    let cfg = SamplingConfig {
        max_tokens: args.max_tokens,
        temperature: args.temperature,
        top_k: None,
        top_p: args.top_p,
        seed: args.seed,
        stop: Vec::new(),
    };
    let generation = model
        .generate_ids(std::slice::from_ref(&prompt.ids), &cfg)?
        .pop()
        .ok_or_else(|| ModelError::invalid("no generation was produced"))?;
    if args.json {
        Ok(serde_json::json!({
            "prompt_text": prompt.text,
            "prompt_ids": prompt.ids,
            "input_ids": generation.prompt_ids,
            "output_ids": generation.output_ids,
            "text": generation.text,
        })
        .to_string())
    } else if args.input.show_prompt {
        Ok(format!("{}{}", prompt.show(), generation.text))
    } else {
        Ok(generation.text)
    }
}
