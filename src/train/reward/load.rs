//! Loads a reward model saved as a Hugging Face sequence-classification folder (ours, or one
//! transformers/TRL saved for a Llama, Qwen2 or Qwen3 base) and scores conversations with it,
//! reading the score at the last non-pad token as transformers does.

use std::path::Path;

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Tensor, TensorData};

use crate::model::device::parse_device;
use crate::model::hf_config::read_hf_config;
use crate::model::hf_tokenizer::read_hf_tokenizer;
use crate::model::reward::RewardModel;
use crate::model::safetensors_source::SafetensorsSource;
use crate::model::tensor_source::TensorSource;
use crate::model::tokenizer::ModelTokenizer;
use crate::model::weights::load_decoder;
use crate::model::{ChatMessage, ChatTemplate, DecoderConfig, ModelError};
use crate::train::chat::{ChatCodec, strip_trailing_pad};
use crate::train::error::TrainError;

/// A reward model ready to score.
pub struct LoadedRewardModel {
    pub model: RewardModel,
    pub config: DecoderConfig,
    pub tokenizer: ModelTokenizer,
    pub chat_template: Option<ChatTemplate>,
    /// `pad_token_id` of `config.json`; `None` scores at the very last token.
    pub pad_id: Option<u32>,
    pub device: burn::tensor::Device,
}

/// Reads the folder `dir` onto `device` (`cpu`, `cuda:N`, `wgpu:N`).
pub fn load_reward_model(dir: &Path, device: &str) -> Result<LoadedRewardModel, TrainError> {
    let config_path = dir.join("config.json");
    let hf = read_hf_config(&config_path)?;
    let raw = read_json(&config_path)?;
    let labels = raw
        .get("num_labels")
        .and_then(|v| v.as_u64())
        .or_else(|| {
            raw.get("id2label")
                .and_then(|v| v.as_object())
                .map(|o| o.len() as u64)
        })
        .unwrap_or(2);
    if labels != 1 {
        return Err(ModelError::Config {
            path: config_path,
            reason: format!(
                "a reward model has one label (a scalar score); this config has {labels} \
                 (`num_labels` or `id2label`)"
            ),
        }
        .into());
    }
    let pad_id = pad_token_id(&raw);
    let device = parse_device(device)?;
    // A classification folder has no `lm_head`: tie it to the embeddings (never used).
    let config = hf.decoder.clone().with_tie_embeddings(true);
    let source = SafetensorsSource::open_dir(dir)?;
    let decoder = load_decoder(&config, &source, &device)?;
    let hidden = config.hidden_size;
    let score = source.require("score.weight", &[1, hidden])?;
    let score = Linear {
        weight: Param::from_tensor(Tensor::from_data(
            TensorData::new(score.data, [hidden, 1]),
            &device,
        )),
        bias: None,
    };
    let (tokenizer, chat_template) = read_hf_tokenizer(dir, &hf.eos_token_ids)?;
    Ok(LoadedRewardModel {
        model: RewardModel { decoder, score },
        config: hf.decoder,
        tokenizer,
        chat_template,
        pad_id,
        device,
    })
}

/// A reward model trained with LoRA, over a base the process already holds: `base` (from the
/// process's shared copy, [`crate::model::LoadedModel::load`]) with the PEFT
/// sequence-classification adapter in `adapter_dir` (its LoRA factors and
/// `base_model.model.score.weight`), and the pad token of the merged folder `model_dir`'s
/// `config.json`. Scores equal the merged folder's up to rounding, without a second copy of
/// the base weights.
pub fn load_reward_adapter(
    base: crate::model::LoadedModel,
    adapter_dir: &Path,
    model_dir: &Path,
) -> Result<LoadedRewardModel, TrainError> {
    let pad_id = pad_token_id(&read_json(&model_dir.join("config.json"))?);
    let model = base.with_adapter(adapter_dir)?;
    let hidden = model.config.hidden_size;
    let source = SafetensorsSource::open_files(&[adapter_dir.join("adapter_model.safetensors")])?;
    let score = source.require("base_model.model.score.weight", &[1, hidden])?;
    let score = Linear {
        weight: Param::from_tensor(Tensor::from_data(
            TensorData::new(score.data, [hidden, 1]),
            &model.device,
        )),
        bias: None,
    };
    Ok(LoadedRewardModel {
        model: RewardModel {
            decoder: model.decoder,
            score,
        },
        config: model.config,
        tokenizer: model.tokenizer,
        chat_template: model.chat_template,
        pad_id,
        device: model.device,
    })
}

/// A `config.json` as JSON.
fn read_json(path: &Path) -> Result<serde_json::Value, TrainError> {
    let text = std::fs::read_to_string(path).map_err(|e| ModelError::io(path, e))?;
    Ok(serde_json::from_str(&text).map_err(|e| ModelError::corrupt(path, e))?)
}

/// `pad_token_id` of a config; `None` scores at the very last token.
fn pad_token_id(config: &serde_json::Value) -> Option<u32> {
    config
        .get("pad_token_id")
        .and_then(|v| v.as_u64())
        .map(|id| id as u32)
}

impl LoadedRewardModel {
    /// The tokenizer and chat template.
    pub fn codec(&self) -> ChatCodec<'_> {
        ChatCodec {
            tokenizer: &self.tokenizer,
            template: self.chat_template.as_ref(),
        }
    }

    /// Scores token sequences (each cut at its last non-pad token).
    pub fn score_ids(&self, sequences: &[Vec<u32>]) -> Result<Vec<f32>, TrainError> {
        let cut: Vec<Vec<u32>> = sequences
            .iter()
            .map(|s| match self.pad_id {
                Some(pad) => strip_trailing_pad(s, pad).to_vec(),
                None => s.clone(),
            })
            .collect();
        let rewards = self.model.rewards(&cut, &self.device)?;
        rewards
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .map_err(|e| {
                ModelError::invalid(format!("reading scores back from the device: {e:?}")).into()
            })
    }

    /// Scores whole conversations (rendered with the chat template, no generation prompt).
    pub fn score_chats(&self, chats: &[Vec<ChatMessage>]) -> Result<Vec<f32>, TrainError> {
        let ids = chats
            .iter()
            .map(|c| self.codec().ids(c, false))
            .collect::<Result<Vec<_>, _>>()?;
        self.score_ids(&ids)
    }

    /// The score of one `(system, prompt, response)` exchange; an empty system prompt is left
    /// out.
    pub fn score(&self, system: &str, prompt: &str, response: &str) -> Result<f32, TrainError> {
        let mut chat = Vec::new();
        if !system.is_empty() {
            chat.push(ChatMessage::new("system", system));
        }
        chat.push(ChatMessage::new("user", prompt));
        chat.push(ChatMessage::new("assistant", response));
        let scores = self.score_chats(&[chat])?;
        scores
            .first()
            .copied()
            .ok_or_else(|| ModelError::invalid("the reward model returned no score").into())
    }
}
