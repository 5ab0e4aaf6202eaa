//! Glue from a GGUF file to the model runtime: the file as a [`TensorSource`], its config as a
//! [`DecoderConfig`], its tokenizer as a [`ModelTokenizer`], and [`load_gguf`], which builds a
//! ready [`LoadedModel`] (what `LoadedModel::from_gguf` calls).

use std::path::Path;

use burn::tensor::Device;

use super::config::GgufModelConfig;
use super::error::GgufError;
use super::file::GgufFile;
use crate::model::chat_template::ChatTemplate;
use crate::model::config::DecoderConfig;
use crate::model::error::ModelError;
use crate::model::loaded::LoadedModel;
use crate::model::tensor_source::{HostTensor, TensorSource};
use crate::model::tokenizer::ModelTokenizer;
use crate::model::weights::load_decoder;

impl From<GgufError> for ModelError {
    fn from(err: GgufError) -> Self {
        match err {
            GgufError::Io { path, source } => ModelError::Io { path, source },
            GgufError::MissingTensor { path, tensor } => ModelError::MissingTensor {
                source_name: path.display().to_string(),
                tensor,
            },
            GgufError::UnsupportedType {
                path,
                tensor,
                dtype,
            } => ModelError::UnsupportedDtype {
                source_name: path.display().to_string(),
                tensor,
                dtype,
            },
            GgufError::Tokenizer { path, what } => ModelError::Tokenizer {
                context: path.display().to_string(),
                reason: what,
            },
            GgufError::Metadata { ref path, .. } => ModelError::Config {
                path: path.clone(),
                reason: err.to_string(),
            },
            GgufError::BadMagic { ref path, .. }
            | GgufError::UnsupportedVersion { ref path, .. }
            | GgufError::Corrupt { ref path, .. }
            | GgufError::BadTensor { ref path, .. } => ModelError::CorruptFile {
                path: path.clone(),
                reason: err.to_string(),
            },
        }
    }
}

impl TensorSource for GgufFile {
    fn source_name(&self) -> String {
        self.path().display().to_string()
    }

    fn tensor(&self, name: &str) -> Result<Option<HostTensor>, ModelError> {
        if self.tensor_info(name).is_none() {
            return Ok(None);
        }
        let (shape, data) = self.tensor_f32(name)?;
        Ok(Some(HostTensor { shape, data }))
    }

    fn block_matrix(&self, name: &str) -> Result<Option<mascot_kernels::Matrix>, ModelError> {
        Ok(self.tensor_blocks(name)?)
    }
}

/// The runtime's decoder config for a GGUF model config.
pub fn decoder_config(config: &GgufModelConfig) -> DecoderConfig {
    DecoderConfig::new(
        config.vocab_size,
        config.hidden_size,
        config.intermediate_size,
        config.num_hidden_layers,
        config.num_attention_heads,
        config.num_key_value_heads,
    )
    .with_head_dim(Some(config.head_dim))
    .with_rope_theta(config.rope_theta)
    .with_rms_eps(config.rms_norm_eps)
    .with_qkv_bias(config.attention_bias)
    .with_qk_norm(config.qk_norm)
    .with_tie_embeddings(config.tie_word_embeddings)
    .with_max_seq_len(config.max_position_embeddings)
}

/// The embedded tokenizer with the BOS/EOS texts the chat template needs; generation stops
/// at the EOS id (SmolLM2: `<|im_end|>`).
pub fn model_tokenizer(file: &GgufFile) -> Result<ModelTokenizer, ModelError> {
    let inner = file.tokenizer()?;
    let text = |id: Option<u32>| id.and_then(|id| file.token_text(id)).map(str::to_string);
    Ok(ModelTokenizer {
        inner,
        bos_token: text(file.bos_token_id()),
        eos_token: text(file.eos_token_id()),
        stop_ids: file.eos_token_id().into_iter().collect(),
    })
}

/// Loads a GGUF file as a ready model on `device`: weights dequantised to f32, tokenizer and
/// chat template from the metadata.
pub fn load_gguf(path: &Path, device: Device) -> Result<LoadedModel, ModelError> {
    let file = GgufFile::open(path)?;
    let config = decoder_config(&file.llama_config()?);
    config.validate().map_err(|reason| ModelError::Config {
        path: path.to_path_buf(),
        reason,
    })?;
    let decoder = load_decoder(&config, &file, &device)?;
    let tokenizer = model_tokenizer(&file)?;
    let chat_template = file.chat_template().map(ChatTemplate::new).transpose()?;
    Ok(LoadedModel {
        decoder,
        config,
        tokenizer,
        chat_template,
        device,
        lora: None,
        thinking: crate::spec::model::Thinking::Auto,
    })
}
