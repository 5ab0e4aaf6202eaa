//! Arguments shared by the model commands (`generate`, `logits`): which model, where it
//! runs, and the prompt.

use std::path::PathBuf;

use crate::model::{ChatMessage, LoadedModel, ModelError};

/// The model and the prompt.
#[derive(Debug, clap::Args)]
pub struct PromptArgs {
    /// A Hugging Face model folder or a `.gguf` file.
    #[arg(long)]
    pub model: PathBuf,
    /// The prompt (the user message with `--chat`).
    #[arg(long)]
    pub prompt: String,
    /// Apply the model's chat template, with the prompt as the user message.
    #[arg(long)]
    pub chat: bool,
    /// Where to run: `cpu` (default), `cuda:N` (feature `cuda`) or `wgpu:N` (feature `wgpu`).
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// A LoRA adapter folder in PEFT's format (`adapter_config.json`,
    /// `adapter_model.safetensors`) to apply on top of the model.
    #[arg(long)]
    pub adapter: Option<PathBuf>,
}

impl PromptArgs {
    /// Loads the model on the requested device, with the adapter when one is given.
    pub fn load(&self) -> Result<LoadedModel, ModelError> {
        let model = LoadedModel::from_path_on(&self.model, &self.device)?;
        match &self.adapter {
            Some(dir) => model.with_adapter(dir),
            None => Ok(model),
        }
    }

    /// The prompt ids: the chat template with the system and user messages, or the raw
    /// prompt without special tokens.
    pub fn ids(&self, model: &LoadedModel, system: Option<&str>) -> Result<Vec<u32>, ModelError> {
        if self.chat {
            let mut messages = Vec::new();
            if let Some(system) = system {
                messages.push(ChatMessage::new("system", system));
            }
            messages.push(ChatMessage::new("user", &self.prompt));
            model.encode_chat(&messages)
        } else {
            model.tokenizer.encode(&self.prompt)
        }
    }
}

/// Prints a command's output and returns 0, or reports its error and returns 1.
pub fn print_or_report(result: Result<String, ModelError>) -> u8 {
    match result {
        Ok(out) => {
            println!("{out}");
            0
        }
        Err(err) => super::report_error(miette::Report::new(err)),
    }
}
