//! Writes a reward model as a Hugging Face folder that
//! `AutoModelForSequenceClassification.from_pretrained(DIR)` loads: `config.json` with the
//! `*ForSequenceClassification` architecture, `num_labels: 1` and `pad_token_id`;
//! `model.safetensors` with the decoder's weights (LoRA merged, GGUF dequantised, all f32) under
//! Hugging Face names and the head as `score.weight`; `tokenizer.json`,
//! `tokenizer_config.json` and `chat_template.jinja`.

use std::path::Path;

use burn::module::Module;
use burn::nn::RmsNorm;
use burn::tensor::Tensor;

use crate::model::lora::{LoraLinear, merge_lora};
use crate::model::reward::RewardModel;
use crate::model::{ChatTemplate, DecoderConfig};
use crate::train::error::TrainError;
use crate::train::fsio::{write_atomic, write_json_atomic};
use crate::train::params::NamedTensors;
use crate::train::tensor_file::save_tensors;

/// What the folder needs besides the weights.
pub struct RewardExport<'a> {
    pub config: &'a DecoderConfig,
    pub tokenizer: &'a crate::model::tokenizer::ModelTokenizer,
    pub chat_template: Option<&'a ChatTemplate>,
    /// The token whose trailing occurrences the score skips.
    pub pad_id: u32,
}

/// The Hugging Face `model_type` of a decoder configuration.
pub fn model_type(config: &DecoderConfig) -> Result<&'static str, TrainError> {
    match (config.qk_norm, config.qkv_bias, config.o_bias) {
        (true, q, o) if q == o => Ok("qwen3"),
        (false, true, false) => Ok("qwen2"),
        (false, q, o) if q == o => Ok("llama"),
        _ => Err(TrainError::config(
            "model",
            "this decoder's bias layout (q/k/v bias without o bias on a Qwen3, or o bias \
             alone) has no Hugging Face architecture",
            "export reward models of Llama, Qwen2 or Qwen3 bases",
        )),
    }
}

/// Writes the folder (files replaced atomically one by one).
pub fn export_reward_model(
    model: &RewardModel,
    export: &RewardExport<'_>,
    dir: &Path,
) -> Result<(), TrainError> {
    let model_type = model_type(export.config)?;
    let tensors = hf_tensors(model)?;
    save_tensors(&dir.join("model.safetensors"), &tensors)?;
    write_json_atomic(&dir.join("config.json"), &config_json(export, model_type))?;
    let tokenizer_path = dir.join("tokenizer.json");
    let tokenizer_json = export
        .tokenizer
        .inner
        .to_string(true)
        .map_err(|e| TrainError::corrupt("tokenizer", &tokenizer_path, e))?;
    write_atomic(&tokenizer_path, tokenizer_json.as_bytes())?;
    let token = |id: Option<u32>| {
        id.and_then(|id| export.tokenizer.inner.id_to_token(id))
            .map_or(serde_json::Value::Null, serde_json::Value::String)
    };
    let tokenizer_config = serde_json::json!({
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": export.tokenizer.bos_token,
        "eos_token": export.tokenizer.eos_token,
        "pad_token": token(Some(export.pad_id)),
        "clean_up_tokenization_spaces": false,
        "model_max_length": export.config.max_seq_len,
    });
    write_json_atomic(&dir.join("tokenizer_config.json"), &tokenizer_config)?;
    if let Some(template) = export.chat_template {
        write_atomic(
            &dir.join("chat_template.jinja"),
            template.source().as_bytes(),
        )?;
    }
    Ok(())
}

fn config_json(export: &RewardExport<'_>, model_type: &str) -> serde_json::Value {
    let c = export.config;
    let id_of = |token: &Option<String>| {
        token
            .as_deref()
            .and_then(|t| export.tokenizer.inner.token_to_id(t))
    };
    let architecture = match model_type {
        "qwen3" => "Qwen3ForSequenceClassification",
        "qwen2" => "Qwen2ForSequenceClassification",
        _ => "LlamaForSequenceClassification",
    };
    let mut json = serde_json::json!({
        "architectures": [architecture],
        "model_type": model_type,
        "vocab_size": c.vocab_size,
        "hidden_size": c.hidden_size,
        "intermediate_size": c.intermediate_size,
        "num_hidden_layers": c.num_layers,
        "num_attention_heads": c.num_heads,
        "num_key_value_heads": c.num_kv_heads,
        "head_dim": c.head_dim(),
        "hidden_act": "silu",
        "rms_norm_eps": c.rms_eps,
        "rope_theta": c.rope_theta,
        "rope_parameters": {"rope_theta": c.rope_theta, "rope_type": "default"},
        "max_position_embeddings": c.max_seq_len,
        "tie_word_embeddings": false,
        "num_labels": 1,
        "id2label": {"0": "LABEL_0"},
        "label2id": {"LABEL_0": 0},
        "problem_type": "regression",
        "pad_token_id": export.pad_id,
        "bos_token_id": id_of(&export.tokenizer.bos_token),
        "eos_token_id": id_of(&export.tokenizer.eos_token),
        "torch_dtype": "float32",
        "use_cache": false,
    });
    if model_type != "qwen2" {
        json["attention_bias"] = serde_json::Value::Bool(c.qkv_bias);
        json["mlp_bias"] = serde_json::Value::Bool(false);
    }
    json
}

/// Every weight of the (merged) model under its Hugging Face name, PyTorch layout.
pub fn hf_tensors(model: &RewardModel) -> Result<NamedTensors, TrainError> {
    let decoder = merge_lora(model.decoder.clone());
    let mut out = NamedTensors::new();
    let [vocab, hidden] = decoder.embed_tokens.weight.dims();
    out.insert(
        "model.embed_tokens.weight".into(),
        (
            vec![vocab, hidden],
            values(decoder.embed_tokens.weight.val())?,
        ),
    );
    for (n, layer) in decoder.layers.iter().enumerate() {
        let p = format!("model.layers.{n}");
        norm(
            &mut out,
            &format!("{p}.input_layernorm"),
            &layer.input_layernorm,
        )?;
        norm(
            &mut out,
            &format!("{p}.post_attention_layernorm"),
            &layer.post_attention_layernorm,
        )?;
        let attn = &layer.self_attn;
        for (name, linear) in [
            ("q_proj", &attn.q_proj),
            ("k_proj", &attn.k_proj),
            ("v_proj", &attn.v_proj),
            ("o_proj", &attn.o_proj),
        ] {
            self::linear(&mut out, &format!("{p}.self_attn.{name}"), linear)?;
        }
        if let Some(q_norm) = &attn.q_norm {
            norm(&mut out, &format!("{p}.self_attn.q_norm"), q_norm)?;
        }
        if let Some(k_norm) = &attn.k_norm {
            norm(&mut out, &format!("{p}.self_attn.k_norm"), k_norm)?;
        }
        let mlp = &layer.mlp;
        for (name, linear) in [
            ("gate_proj", &mlp.gate_proj),
            ("up_proj", &mlp.up_proj),
            ("down_proj", &mlp.down_proj),
        ] {
            self::linear(&mut out, &format!("{p}.mlp.{name}"), linear)?;
        }
    }
    norm(&mut out, "model.norm", &decoder.norm)?;
    let score = model.score.valid();
    let [h, one] = score.weight.dims();
    // burn's [hidden, 1] has the same element order as PyTorch's [1, hidden].
    out.insert(
        "score.weight".into(),
        (vec![one, h], values(score.weight.val())?),
    );
    Ok(out)
}

fn values<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, TrainError> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| {
            TrainError::config(
                "device",
                format!("cannot read weights back from the device: {e:?}"),
                "export from a device whose tensors can be read back (cpu)",
            )
        })
}

fn norm(out: &mut NamedTensors, name: &str, norm: &RmsNorm) -> Result<(), TrainError> {
    let [dim] = norm.gamma.dims();
    out.insert(
        format!("{name}.weight"),
        (vec![dim], values(norm.gamma.val())?),
    );
    Ok(())
}

/// burn's `[in, out]` weight written as PyTorch's `[out, in]`, plus the bias.
fn linear(out: &mut NamedTensors, name: &str, linear: &LoraLinear) -> Result<(), TrainError> {
    let [d_in, d_out] = linear.weight.dims();
    out.insert(
        format!("{name}.weight"),
        (vec![d_out, d_in], values(linear.weight.val().transpose())?),
    );
    if let Some(bias) = &linear.bias {
        out.insert(format!("{name}.bias"), (vec![d_out], values(bias.val())?));
    }
    Ok(())
}
