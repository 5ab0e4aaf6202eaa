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
}

impl PromptArgs {
    /// Loads the model on the requested device.
    pub fn load(&self) -> Result<LoadedModel, ModelError> {
        LoadedModel::from_path_on(&self.model, &self.device)
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
        Ok(text) => match super::output::outln(&text) {
            Ok(()) => 0,
            Err(stop) => stop.code(),
        },
        Err(err) => super::report_error(miette::Report::new(err)),
    }
}
