//! Reads a Hugging Face `config.json` (Llama, Mistral, Qwen2, Qwen3) into a [`DecoderConfig`].

use std::path::Path;

use serde::Deserialize;

use super::config::DecoderConfig;
use super::error::ModelError;

/// The subset of `config.json` the decoder needs.
#[derive(Debug, Deserialize)]
struct HfConfigJson {
    model_type: Option<String>,
    vocab_size: usize,
    hidden_size: usize,
    intermediate_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    num_key_value_heads: Option<usize>,
    head_dim: Option<usize>,
    rope_theta: Option<f64>,
    rope_parameters: Option<serde_json::Value>,
    rope_scaling: Option<serde_json::Value>,
    rms_norm_eps: Option<f64>,
    #[serde(default)]
    attention_bias: bool,
    #[serde(default)]
    mlp_bias: bool,
    #[serde(default)]
    tie_word_embeddings: bool,
    max_position_embeddings: Option<usize>,
    bos_token_id: Option<serde_json::Value>,
    eos_token_id: Option<serde_json::Value>,
}

/// A parsed `config.json`: the decoder plus the special ids it declares.
#[derive(Debug, Clone, PartialEq)]
pub struct HfModelConfig {
    pub decoder: DecoderConfig,
    pub model_type: String,
    pub bos_token_id: Option<u32>,
    pub eos_token_ids: Vec<u32>,
}

/// Parses `path` (a `config.json`).
pub fn read_hf_config(path: &Path) -> Result<HfModelConfig, ModelError> {
    let text = std::fs::read_to_string(path).map_err(|e| ModelError::io(path, e))?;
    parse_hf_config(&text, path)
}

/// Parses the text of a `config.json`; `path` is only used in errors.
pub fn parse_hf_config(text: &str, path: &Path) -> Result<HfModelConfig, ModelError> {
    let raw: HfConfigJson = serde_json::from_str(text).map_err(|e| ModelError::Config {
        path: path.to_path_buf(),
        reason: format!("line {} column {}: {e}", e.line(), e.column()),
    })?;
    let config_error = |reason: String| ModelError::Config {
        path: path.to_path_buf(),
        reason,
    };
    let model_type = raw.model_type.clone().unwrap_or_else(|| "llama".into());
    let (qkv_bias, qk_norm) = match model_type.as_str() {
        "llama" | "mistral" => (raw.attention_bias, false),
        "qwen2" => (true, false),
        "qwen3" => (raw.attention_bias, true),
        other => {
            return Err(config_error(format!(
                "model_type `{other}` is not supported (supported: llama, mistral, qwen2, qwen3)"
            )));
        }
    };
    if raw.mlp_bias {
        return Err(config_error("mlp_bias = true is not supported".into()));
    }
    let rope_params = raw.rope_parameters.as_ref();
    let rope_theta = raw
        .rope_theta
        .or_else(|| {
            rope_params
                .and_then(|p| p.get("rope_theta"))
                .and_then(|v| v.as_f64())
        })
        .unwrap_or(10000.0);
    let rope_type = rope_params
        .or(raw.rope_scaling.as_ref())
        .and_then(|p| p.get("rope_type").or_else(|| p.get("type")))
        .and_then(|v| v.as_str())
        .unwrap_or("default");
    if rope_type != "default" {
        return Err(config_error(format!(
            "rope scaling `{rope_type}` is not supported (only default RoPE)"
        )));
    }
    let decoder = DecoderConfig::new(
        raw.vocab_size,
        raw.hidden_size,
        raw.intermediate_size,
        raw.num_hidden_layers,
        raw.num_attention_heads,
        raw.num_key_value_heads.unwrap_or(raw.num_attention_heads),
    )
    .with_head_dim(raw.head_dim)
    .with_rope_theta(rope_theta)
    .with_rms_eps(raw.rms_norm_eps.unwrap_or(1e-6))
    .with_qkv_bias(qkv_bias)
    .with_o_bias(raw.attention_bias)
    .with_qk_norm(qk_norm)
    .with_tie_embeddings(raw.tie_word_embeddings)
    .with_max_seq_len(raw.max_position_embeddings.unwrap_or(2048));
    decoder.validate().map_err(config_error)?;
    Ok(HfModelConfig {
        decoder,
        model_type,
        bos_token_id: raw
            .bos_token_id
            .as_ref()
            .and_then(|v| ids_of(v).first().copied()),
        eos_token_ids: raw.eos_token_id.as_ref().map(ids_of).unwrap_or_default(),
    })
}

/// A token id field that may be a number or a list of numbers.
pub fn ids_of(value: &serde_json::Value) -> Vec<u32> {
    match value {
        serde_json::Value::Number(n) => n.as_u64().map(|n| vec![n as u32]).unwrap_or_default(),
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_u64().map(|n| n as u32))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#""vocab_size": 300, "hidden_size": 64, "intermediate_size": 128,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2"#;

    #[test]
    fn rope_theta_is_read_top_level_and_inside_rope_parameters() {
        let top = format!(r#"{{"model_type": "llama", "rope_theta": 500000.0, {BASE}}}"#);
        let nested = format!(
            r#"{{"model_type": "qwen3", "head_dim": 32,
            "rope_parameters": {{"rope_theta": 1000000.0, "rope_type": "default"}}, {BASE}}}"#
        );
        let top = parse_hf_config(&top, Path::new("config.json")).unwrap();
        let nested = parse_hf_config(&nested, Path::new("config.json")).unwrap();
        assert_eq!(top.decoder.rope_theta, 500000.0);
        assert!(!top.decoder.qk_norm);
        assert_eq!(nested.decoder.rope_theta, 1000000.0);
        assert!(nested.decoder.qk_norm);
        assert_eq!(nested.decoder.head_dim(), 32);
    }

    #[test]
    fn unknown_architecture_is_a_clear_error() {
        let text = format!(r#"{{"model_type": "gpt2", {BASE}}}"#);
        let err = parse_hf_config(&text, Path::new("m/config.json")).unwrap_err();
        assert!(err.to_string().contains("gpt2"), "{err}");
        assert!(err.to_string().contains("m/config.json"), "{err}");
    }
}
