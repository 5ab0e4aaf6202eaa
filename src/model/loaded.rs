//! [`LoadedModel`]: a decoder with its tokenizer, chat template and device, loaded from a
//! [`ModelSpec`] (built-in tiny model, Hugging Face folder, Hub model or GGUF file). This is the API the
//! pipeline stages call.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::Device;

use super::chat_template::{CHATML_TEMPLATE, ChatMessage, ChatTemplate};
use super::config::DecoderConfig;
use super::decoder::Decoder;
use super::device::parse_device;
use super::error::ModelError;
use super::generation::{DecodePath, Generation, GenerationLimits, generate, generate_with};
use super::hf_config::read_hf_config;
use super::hf_tokenizer::read_hf_tokenizer;
use super::hub::{HubConfig, HubModelRef, resolve_or_download};
use super::logprobs::{CompletionLogprobs, completion_logprobs};
use super::lora::{attach_new_lora, load_peft_adapter, merge_lora, save_peft_adapter};
use super::safetensors_source::SafetensorsSource;
use super::sampling::SamplingConfig;
use super::shared::{base_key, shared_base};
use super::tiny::{tiny_decoder_config, tiny_weights};
use super::tokenizer::ModelTokenizer;
use super::weights::load_decoder;
use crate::spec::model::{LoraSpec, ModelSource, ModelSpec, Thinking, TinyConfig};

/// A model ready to run. A clone shares the weights' storage with the original.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    pub decoder: Decoder,
    pub config: DecoderConfig,
    pub tokenizer: ModelTokenizer,
    pub chat_template: Option<ChatTemplate>,
    pub device: Device,
    /// The attached LoRA adapters, when any.
    pub lora: Option<LoraSpec>,
    /// The chat template's thinking switch when a call does not choose one (the spec's
    /// `thinking`; `auto` for a model loaded from a path).
    pub thinking: Thinking,
}

impl LoadedModel {
    /// Loads `spec` for inference; relative paths in it resolve against `base_dir`.
    /// A Hub model (`hf`) resolves in the cache of [`HubConfig::from_env`].
    pub fn load(spec: &ModelSpec, base_dir: &Path) -> Result<Self, ModelError> {
        Self::load_on(spec, base_dir, false, None)
    }

    /// [`Self::load`] with an explicit Hub configuration (cache folder, endpoint, token,
    /// offline) instead of the environment's.
    pub fn load_with_hub(
        spec: &ModelSpec,
        base_dir: &Path,
        hub: &HubConfig,
    ) -> Result<Self, ModelError> {
        Self::load_on(spec, base_dir, false, Some(hub))
    }

    /// Loads `spec` on an autodiff device, for training (LoRA adapters from `spec.lora`,
    /// the reward head, GRPO log-probabilities).
    pub fn load_trainable(spec: &ModelSpec, base_dir: &Path) -> Result<Self, ModelError> {
        Self::load_on(spec, base_dir, true, None)
    }

    fn load_on(
        spec: &ModelSpec,
        base_dir: &Path,
        autodiff: bool,
        hub: Option<&HubConfig>,
    ) -> Result<Self, ModelError> {
        if spec.dtype != "f32" {
            return Err(ModelError::Unsupported {
                what: format!("dtype `{}`", spec.dtype),
                reason: "the runtime computes in f32 (f16/bf16 weights are cast on load); \
                         set `dtype` to `f32`"
                    .into(),
            });
        }
        let plain = parse_device(&spec.device)?;
        let resolve = |p: &PathBuf| {
            if p.is_absolute() {
                p.clone()
            } else {
                base_dir.join(p)
            }
        };
        // Hub models resolve to their cached folder first, so the folder is what is shared.
        let source = match &spec.source {
            ModelSource::Hf { repo, revision } => {
                let model = HubModelRef {
                    repo: repo.clone(),
                    revision: revision.clone(),
                };
                let cached = match hub {
                    Some(hub) => resolve_or_download(&model, hub)?,
                    None => resolve_or_download(&model, &HubConfig::from_env())?,
                };
                ModelSource::HfDir { path: cached.dir }
            }
            other => other.clone(),
        };
        let spec = ModelSpec {
            source,
            ..spec.clone()
        };
        let key = base_key(&spec, base_dir)?;
        let source = &spec.source;
        let model = shared_base(&key, &spec.device, || match source {
            ModelSource::Tiny(tiny) => Self::tiny(tiny, plain.clone()),
            ModelSource::HfDir { path } => Self::from_hf_dir(&resolve(path), plain.clone()),
            ModelSource::Gguf { path } => Self::from_gguf(&resolve(path), plain.clone()),
            ModelSource::Hf { .. } => Err(ModelError::invalid("hub models resolve to a folder")),
        })?;
        let mut model = if autodiff { model.trainable() } else { model };
        // Not part of the shared weights: each loaded model keeps its own switch.
        model.thinking = spec.thinking;
        match &spec.lora {
            Some(lora) => model.with_new_lora(lora, 0),
            None => Ok(model),
        }
    }

    /// The same model on its device's autodiff twin, its tensors wrapped (not copied) and
    /// taking gradients (what [`Self::load_trainable`] gives before adapters).
    pub fn trainable(mut self) -> Self {
        if !self.device.is_autodiff() {
            self.decoder = self.decoder.train();
            self.device = self.device.autodiff();
        }
        self
    }

    /// For a full fine-tune: leaves the process's shared copy of the base. The decode path's
    /// host weights (which training would make stale) are dropped, and so is the shared
    /// copy when nothing else uses it, so that the weights are held once, by this model,
    /// whose optimizer steps then replace them.
    pub fn own_weights(mut self) -> Self {
        self.decoder.host = None;
        super::shared::release_unused();
        self
    }

    /// A model folder or a `.gguf` file on the CPU.
    pub fn from_path(path: &Path) -> Result<Self, ModelError> {
        Self::from_path_on(path, "cpu")
    }

    /// A model folder or a `.gguf` file on a device given as `cpu`, `cuda:N` or `wgpu:N`.
    pub fn from_path_on(path: &Path, device: &str) -> Result<Self, ModelError> {
        let device = parse_device(device)?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
        {
            Self::from_gguf(path, device)
        } else {
            Self::from_hf_dir(path, device)
        }
    }

    /// The built-in tiny model with its byte tokenizer and ChatML template.
    pub fn tiny(tiny: &TinyConfig, device: Device) -> Result<Self, ModelError> {
        let config = tiny_decoder_config(tiny)?;
        let weights = tiny_weights(&config, tiny.seed);
        let decoder = load_decoder(&config, &weights, &device)?;
        Ok(Self {
            decoder,
            config,
            tokenizer: ModelTokenizer::builtin_bytes()?,
            chat_template: Some(ChatTemplate::new(CHATML_TEMPLATE)?),
            device,
            lora: None,
            thinking: Thinking::Auto,
        })
    }

    /// A Hugging Face folder (`config.json`, safetensors, `tokenizer.json`).
    pub fn from_hf_dir(dir: &Path, device: Device) -> Result<Self, ModelError> {
        if !dir.is_dir() {
            return Err(ModelError::io(
                dir,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "not a model folder (expected config.json, model.safetensors, tokenizer.json)",
                ),
            ));
        }
        let hf = read_hf_config(&dir.join("config.json"))?;
        let source = SafetensorsSource::open_dir(dir)?;
        let decoder = load_decoder(&hf.decoder, &source, &device)?;
        let (tokenizer, chat_template) = read_hf_tokenizer(dir, &hf.eos_token_ids)?;
        Ok(Self {
            decoder,
            config: hf.decoder,
            tokenizer,
            chat_template,
            device,
            lora: None,
            thinking: Thinking::Auto,
        })
    }

    /// A Hugging Face Hub model from the cache of `config`, downloaded into it first when it
    /// is missing and `config.offline` is not set.
    pub fn from_hub(
        model: &HubModelRef,
        config: &HubConfig,
        device: Device,
    ) -> Result<Self, ModelError> {
        let cached = resolve_or_download(model, config)?;
        Self::from_hf_dir(&cached.dir, device)
    }

    /// A llama.cpp GGUF file (tensors dequantised to f32 on load; tokenizer and chat template
    /// from the metadata).
    pub fn from_gguf(path: &Path, device: Device) -> Result<Self, ModelError> {
        super::gguf::load_gguf(path, device)
    }

    /// Token ids of a conversation rendered with the chat template (with the assistant
    /// prompt appended, the model's own [`Self::thinking`]), no special tokens added beyond
    /// the template's.
    pub fn encode_chat(&self, messages: &[ChatMessage]) -> Result<Vec<u32>, ModelError> {
        self.encode_chat_with(messages, None)
    }

    /// [`Self::encode_chat`] with the thinking switch `thinking` (`None`: the model's own).
    pub fn encode_chat_with(
        &self,
        messages: &[ChatMessage],
        thinking: Option<Thinking>,
    ) -> Result<Vec<u32>, ModelError> {
        let text = self.render_chat(messages, thinking)?;
        self.tokenizer.encode(&text)
    }

    /// The prompt text of a conversation: the chat template rendered with the assistant
    /// prompt appended and `enable_thinking` set from `thinking` (`None`: the model's own
    /// setting; `auto` leaves it undefined), as transformers'
    /// `apply_chat_template(messages, add_generation_prompt=True, enable_thinking=...)`.
    pub fn render_chat(
        &self,
        messages: &[ChatMessage],
        thinking: Option<Thinking>,
    ) -> Result<String, ModelError> {
        let template = self
            .chat_template
            .as_ref()
            .ok_or_else(|| ModelError::ChatTemplate {
                reason: "this model has no chat template".into(),
            })?;
        template.render_with(
            messages,
            true,
            self.tokenizer.bos_token.as_deref(),
            self.tokenizer.eos_token.as_deref(),
            thinking.unwrap_or(self.thinking).enable_thinking(),
        )
    }

    /// One completion per token-id prompt, all decoded in one batch.
    pub fn generate_ids(
        &self,
        prompts: &[Vec<u32>],
        cfg: &SamplingConfig,
    ) -> Result<Vec<Generation>, ModelError> {
        generate(
            &self.decoder,
            &self.tokenizer,
            prompts,
            cfg,
            GenerationLimits {
                vocab: self.config.vocab_size,
                max_seq_len: self.config.max_seq_len,
            },
            &self.device,
        )
    }

    /// [`Self::generate_ids`] with the decode steps on `path`.
    pub fn generate_ids_on(
        &self,
        prompts: &[Vec<u32>],
        cfg: &SamplingConfig,
        path: DecodePath,
    ) -> Result<Vec<Generation>, ModelError> {
        generate_with(
            &self.decoder,
            &self.tokenizer,
            prompts,
            cfg,
            GenerationLimits {
                vocab: self.config.vocab_size,
                max_seq_len: self.config.max_seq_len,
            },
            &self.device,
            path,
        )
    }

    /// One completion per raw-text prompt (tokenised as is).
    pub fn generate_text(
        &self,
        prompts: &[String],
        cfg: &SamplingConfig,
    ) -> Result<Vec<Generation>, ModelError> {
        let ids = prompts
            .iter()
            .map(|p| self.tokenizer.encode(p))
            .collect::<Result<Vec<_>, _>>()?;
        self.generate_ids(&ids, cfg)
    }

    /// One assistant reply per conversation, all decoded in one batch.
    pub fn generate_chat(
        &self,
        conversations: &[Vec<ChatMessage>],
        cfg: &SamplingConfig,
    ) -> Result<Vec<Generation>, ModelError> {
        self.generate_chat_with(conversations, cfg, None)
    }

    /// [`Self::generate_chat`] with the thinking switch `thinking` (`None`: the model's own).
    pub fn generate_chat_with(
        &self,
        conversations: &[Vec<ChatMessage>],
        cfg: &SamplingConfig,
        thinking: Option<Thinking>,
    ) -> Result<Vec<Generation>, ModelError> {
        let ids = conversations
            .iter()
            .map(|c| self.encode_chat_with(c, thinking))
            .collect::<Result<Vec<_>, _>>()?;
        self.generate_ids(&ids, cfg)
    }

    /// One assistant reply to a conversation, its text handed to `on_text` piece by piece
    /// as the tokens are sampled (a piece ends on a whole character; special tokens are not
    /// shown). The returned generation is what [`LoadedModel::generate_chat`] gives.
    pub fn generate_chat_streaming(
        &self,
        messages: &[ChatMessage],
        cfg: &SamplingConfig,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Generation, ModelError> {
        self.generate_chat_streaming_with(messages, cfg, None, on_text)
    }

    /// [`Self::generate_chat_streaming`] with the thinking switch `thinking` (`None`: the
    /// model's own).
    pub fn generate_chat_streaming_with(
        &self,
        messages: &[ChatMessage],
        cfg: &SamplingConfig,
        thinking: Option<Thinking>,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Generation, ModelError> {
        let ids = self.encode_chat_with(messages, thinking)?;
        let mut tokens: Vec<u32> = Vec::new();
        let mut shown = 0usize;
        let mut failure: Option<ModelError> = None;
        let mut on_token = |_: usize, token: u32| {
            tokens.push(token);
            if failure.is_some() {
                return;
            }
            match self.tokenizer.decode(&tokens) {
                // A token that ends inside a multi-byte character decodes to U+FFFD for now.
                Ok(text) if text.len() > shown && !text.ends_with('\u{FFFD}') => {
                    if let Some(piece) = text.get(shown..) {
                        on_text(piece);
                        shown = text.len();
                    }
                }
                Ok(_) => {}
                Err(e) => failure = Some(e),
            }
        };
        let mut out = super::generation::generate_observed(
            &self.decoder,
            &self.tokenizer,
            std::slice::from_ref(&ids),
            cfg,
            GenerationLimits {
                vocab: self.config.vocab_size,
                max_seq_len: self.config.max_seq_len,
            },
            &self.device,
            &mut on_token,
        )?;
        if let Some(e) = failure {
            return Err(e);
        }
        out.pop()
            .ok_or_else(|| ModelError::invalid("generation returned no sequence"))
    }

    /// Logits of the last position of `ids`.
    pub fn last_logits(&self, ids: &[u32]) -> Result<Vec<f32>, ModelError> {
        let all = self.all_logits(ids)?;
        let vocab = self.config.vocab_size;
        Ok(all[all.len() - vocab..].to_vec())
    }

    /// Logits of every position of `ids`, row-major `[len * vocab]`.
    pub fn all_logits(&self, ids: &[u32]) -> Result<Vec<f32>, ModelError> {
        use super::decoder::ForwardInput;
        use super::generation::int_tensor;
        let vocab = self.config.vocab_size;
        if ids.is_empty() {
            return Err(ModelError::invalid("the prompt has no tokens"));
        }
        if let Some(bad) = ids.iter().find(|&&id| id as usize >= vocab) {
            return Err(ModelError::invalid(format!(
                "token id {bad} is outside the vocabulary of {vocab}"
            )));
        }
        let len = ids.len();
        let positions = vec![(0..len).collect::<Vec<_>>()];
        let key_valid = vec![vec![true; len]];
        let logits = self.decoder.forward(
            int_tensor(
                ids.iter().map(|&i| i as i32).collect(),
                [1, len],
                &self.device,
            ),
            &ForwardInput {
                positions: &positions,
                key_valid: &key_valid,
            },
        );
        logits
            .reshape([len * vocab])
            .into_data()
            .try_to_vec_as::<f32>()
            .map_err(|e| ModelError::Unsupported {
                what: "reading logits back from the device".into(),
                reason: format!("{e:?}"),
            })
    }

    /// Log-probabilities of each completion given its prompt (see [`CompletionLogprobs`]);
    /// differentiable when the model lives on an autodiff device.
    pub fn completion_logprobs(
        &self,
        pairs: &[(Vec<u32>, Vec<u32>)],
    ) -> Result<CompletionLogprobs, ModelError> {
        completion_logprobs(&self.decoder, pairs, self.config.vocab_size, &self.device)
    }

    /// Attaches fresh adapters (A drawn from `seed`, B zero, so outputs are unchanged) to the
    /// spec's target modules and freezes the base.
    pub fn with_new_lora(mut self, spec: &LoraSpec, seed: u64) -> Result<Self, ModelError> {
        self.decoder = attach_new_lora(self.decoder, spec, seed, &self.device)?;
        self.lora = Some(spec.clone());
        Ok(self)
    }

    /// Attaches the PEFT adapters saved in `dir` (base frozen).
    pub fn with_adapter(mut self, dir: &Path) -> Result<Self, ModelError> {
        let (decoder, spec) = load_peft_adapter(self.decoder, dir, &self.device)?;
        self.decoder = decoder;
        self.lora = Some(spec);
        Ok(self)
    }

    /// Saves the attached adapters to `dir` in PEFT's format.
    pub fn save_adapter(&self, dir: &Path) -> Result<(), ModelError> {
        let spec = self
            .lora
            .as_ref()
            .ok_or_else(|| ModelError::invalid("this model has no LoRA adapters to save"))?;
        save_peft_adapter(&self.decoder, spec, dir)
    }

    /// Folds the adapters into the base weights.
    pub fn merge_adapter(mut self) -> Self {
        self.decoder = merge_lora(self.decoder);
        self.lora = None;
        self
    }
}
