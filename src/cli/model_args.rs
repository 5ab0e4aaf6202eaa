//! Arguments shared by the model commands (`generate`, `logits`): which model, where it
//! runs, and the prompt.

use std::path::{Path, PathBuf};

use crate::model::hub::{HubConfig, HubError, HubModelRef, RepoId, Revision};
use crate::model::{ChatMessage, LoadedModel, ModelError, Thinking, parse_device};

/// The model and the prompt.
#[derive(Debug, clap::Args)]
pub struct PromptArgs {
    /// A Hugging Face model folder, a `.gguf` file, or a Hub model id (`Qwen/Qwen3-0.6B`)
    /// resolved in the Hugging Face cache and downloaded into it when missing (unless
    /// HF_HUB_OFFLINE is set).
    #[arg(long)]
    pub model: String,
    /// Branch, tag or commit of a Hub model id.
    #[arg(long)]
    pub revision: Option<String>,
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
    /// The chat template's thinking switch (`enable_thinking` as transformers passes it):
    /// `on`, `off`, or `auto` (the default: the variable is left undefined, the template
    /// decides).
    #[arg(long, requires = "chat", value_parser = parse_thinking)]
    pub thinking: Option<Thinking>,
    /// Print the prompt as the model receives it (the rendered chat template) and its token
    /// ids before the output.
    #[arg(long)]
    pub show_prompt: bool,
}

/// The prompt a command runs: its text (the rendered chat template with `--chat`) and ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub text: String,
    pub ids: Vec<u32>,
}

impl Prompt {
    /// The `--show-prompt` block: the text, then the ids.
    pub fn show(&self) -> String {
        let ids: Vec<String> = self.ids.iter().map(u32::to_string).collect();
        format!(
            "--- prompt ({} tokens) ---\n{}\n--- prompt ids ---\n{}\n--- output ---\n",
            self.ids.len(),
            self.text,
            ids.join(" ")
        )
    }
}

fn parse_thinking(s: &str) -> Result<Thinking, String> {
    Thinking::from_name(s).ok_or_else(|| format!("expected one of {}", Thinking::NAMES.join(", ")))
}

impl PromptArgs {
    /// Loads the model on the requested device (an existing path as a folder or GGUF file,
    /// anything else as a Hub model id), with the adapter when one is given.
    pub fn load(&self) -> Result<LoadedModel, ModelError> {
        let model = self.load_base()?;
        match &self.adapter {
            Some(dir) => model.with_adapter(dir),
            None => Ok(model),
        }
    }

    fn load_base(&self) -> Result<LoadedModel, ModelError> {
        match self.source()? {
            ModelArg::Path => {
                if self.revision.is_some() {
                    return Err(ModelError::invalid(format!(
                        "--revision applies to Hub model ids, and `{}` is a local path",
                        self.model
                    )));
                }
                LoadedModel::from_path_on(Path::new(&self.model), &self.device)
            }
            ModelArg::Hub(model) => {
                let device = parse_device(&self.device)?;
                LoadedModel::from_hub(&model, &HubConfig::from_env(), device)
            }
        }
    }

    /// What `--model` names.
    fn source(&self) -> Result<ModelArg, ModelError> {
        let path = Path::new(&self.model);
        if path.exists() || looks_like_path(&self.model) {
            return Ok(ModelArg::Path);
        }
        let repo = RepoId::parse(&self.model).map_err(HubError::from)?;
        let revision = match &self.revision {
            Some(r) => Revision::parse(r).map_err(HubError::from)?,
            None => Revision::main(),
        };
        Ok(ModelArg::Hub(HubModelRef { repo, revision }))
    }

    /// The prompt: the chat template rendered with the system and user messages (and the
    /// `--thinking` switch), or the raw prompt; its ids without added special tokens.
    pub fn prompt(&self, model: &LoadedModel, system: Option<&str>) -> Result<Prompt, ModelError> {
        let text = if self.chat {
            let mut messages = Vec::new();
            if let Some(system) = system {
                messages.push(ChatMessage::new("system", system));
            }
            messages.push(ChatMessage::new("user", &self.prompt));
            model.render_chat(&messages, self.thinking)?
        } else {
            self.prompt.clone()
        };
        let ids = model.tokenizer.encode(&text)?;
        Ok(Prompt { text, ids })
    }
}

enum ModelArg {
    Path,
    Hub(HubModelRef),
}

/// A `--model` value that can only be a path (then a missing one is a file error, not a
/// Hub lookup): no `/` (a model id always has one), absolute, `./`, `../`, `~`, a `\`, or a
/// `.gguf` file.
fn looks_like_path(arg: &str) -> bool {
    !arg.contains('/')
        || arg.starts_with(['/', '.', '~'])
        || arg.contains('\\')
        || Path::new(arg)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
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
