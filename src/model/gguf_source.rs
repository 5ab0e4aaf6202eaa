//! A GGUF file as a [`TensorSource`] (tensors dequantised to f32 under Hugging Face names) and
//! its model configuration, tokenizer and chat template in the runtime's types.

use super::chat_template::ChatTemplate;
use super::config::DecoderConfig;
use super::error::ModelError;
use super::gguf::{GgufError, GgufFile};
use super::tensor_source::{HostTensor, TensorSource};
use super::tokenizer::ModelTokenizer;

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
}

/// The decoder configuration of a GGUF file.
pub fn gguf_decoder_config(file: &GgufFile) -> Result<DecoderConfig, ModelError> {
    let c = file.llama_config()?;
    let config = DecoderConfig::new(
        c.vocab_size,
        c.hidden_size,
        c.intermediate_size,
        c.num_hidden_layers,
        c.num_attention_heads,
        c.num_key_value_heads,
    )
    .with_head_dim(Some(c.head_dim))
    .with_rope_theta(c.rope_theta)
    .with_rms_eps(c.rms_norm_eps)
    .with_qkv_bias(c.attention_bias)
    .with_qk_norm(c.qk_norm)
    .with_tie_embeddings(c.tie_word_embeddings)
    .with_max_seq_len(c.max_position_embeddings);
    config.validate().map_err(|reason| ModelError::Config {
        path: file.path().to_path_buf(),
        reason,
    })?;
    Ok(config)
}

/// The embedded tokenizer (with BOS/EOS from the metadata) and chat template.
pub fn gguf_tokenizer(
    file: &GgufFile,
) -> Result<(ModelTokenizer, Option<ChatTemplate>), ModelError> {
    let inner = file.tokenizer()?;
    let text = |id: Option<u32>| id.and_then(|id| file.token_text(id)).map(str::to_string);
    let stop_ids: Vec<u32> = file.eos_token_id().into_iter().collect();
    let template = file.chat_template().map(ChatTemplate::new).transpose()?;
    Ok((
        ModelTokenizer {
            inner,
            bos_token: text(file.bos_token_id()),
            eos_token: text(file.eos_token_id()),
            stop_ids,
        },
        template,
    ))
}

impl From<GgufError> for ModelError {
    fn from(err: GgufError) -> Self {
        ModelError::Gguf(Box::new(err))
    }
}
