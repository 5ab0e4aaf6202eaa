//! LoRA adapters in PEFT's format: `adapter_config.json` plus `adapter_model.safetensors`
//! with `lora_A.weight: [r, in]` and `lora_B.weight: [out, r]` per adapted module.

use std::collections::HashMap;
use std::path::Path;

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::attach::{Factors, attach_given};
use super::targets::{
    adapts_layer, ordered_targets, target_linear, target_parent, validate_lora_spec,
};
use crate::model::decoder::Decoder;
use crate::model::error::ModelError;
use crate::model::safetensors_source::SafetensorsSource;
use crate::model::tensor_source::TensorSource;
use crate::spec::model::LoraSpec;
use crate::util::write_atomic;

/// PEFT's `adapter_config.json` (the fields we write and read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeftConfig {
    pub peft_type: String,
    pub task_type: Option<String>,
    pub r: usize,
    pub lora_alpha: f32,
    #[serde(default)]
    pub lora_dropout: f32,
    pub target_modules: Vec<String>,
    #[serde(default = "default_bias")]
    pub bias: String,
    #[serde(default)]
    pub fan_in_fan_out: bool,
    #[serde(default)]
    pub use_rslora: bool,
    #[serde(default)]
    pub use_dora: bool,
    #[serde(default)]
    pub inference_mode: bool,
    #[serde(default)]
    pub base_model_name_or_path: Option<String>,
    /// Per-module ranks and alphas (read only to refuse them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_pattern: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha_pattern: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers_to_transform: Option<serde_json::Value>,
}

fn default_bias() -> String {
    "none".into()
}

impl PeftConfig {
    /// The PEFT config of a [`LoraSpec`].
    pub fn from_spec(spec: &LoraSpec) -> Self {
        Self {
            peft_type: "LORA".into(),
            task_type: Some("CAUSAL_LM".into()),
            r: spec.r,
            lora_alpha: spec.alpha,
            lora_dropout: spec.dropout,
            target_modules: spec.targets.clone(),
            bias: "none".into(),
            fan_in_fan_out: false,
            use_rslora: spec.rslora,
            use_dora: false,
            inference_mode: true,
            base_model_name_or_path: None,
            rank_pattern: None,
            alpha_pattern: None,
            layers_to_transform: spec.layers.as_ref().map(|l| serde_json::json!(l)),
        }
    }

    /// The equivalent [`LoraSpec`].
    pub fn to_spec(&self) -> LoraSpec {
        LoraSpec {
            r: self.r,
            alpha: self.lora_alpha,
            dropout: self.lora_dropout,
            targets: self.target_modules.clone(),
            rslora: self.use_rslora,
            layers: self.layers(),
        }
    }

    /// `layers_to_transform` as a list: PEFT writes one layer as a bare integer.
    fn layers(&self) -> Option<Vec<usize>> {
        match self.layers_to_transform.as_ref()? {
            serde_json::Value::Number(n) => n.as_u64().map(|n| vec![n as usize]),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|v| v.as_u64().map(|n| n as usize))
                .collect(),
            _ => None,
        }
    }
}

/// PEFT's name of a factor: `base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight`.
pub fn peft_tensor_name(layer: usize, target: &str, factor: char) -> String {
    format!(
        "base_model.model.model.layers.{layer}.{}.{target}.lora_{factor}.weight",
        target_parent(target)
    )
}

/// Writes the adapters of `decoder` to `dir` in PEFT's format.
pub fn save_peft_adapter(decoder: &Decoder, spec: &LoraSpec, dir: &Path) -> Result<(), ModelError> {
    validate_lora_spec(spec)?;
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (n, layer) in decoder.layers.iter().enumerate() {
        if !adapts_layer(spec, n) {
            continue;
        }
        for target in &spec.targets {
            let linear = target_linear(layer, target)
                .ok_or_else(|| ModelError::invalid(format!("unknown LoRA target `{target}`")))?;
            let adapter = linear.lora.as_ref().ok_or_else(|| {
                ModelError::invalid(format!(
                    "layer {n} `{target}` has no LoRA adapter to save (attach adapters first)"
                ))
            })?;
            let a = read_matrix(&adapter.a.val())?;
            let b = read_matrix(&adapter.b.val())?;
            // lora_A = a^T: [r, in]; lora_B = b^T: [out, r].
            tensors.push((
                peft_tensor_name(n, target, 'A'),
                vec![a.cols, a.rows],
                a.transposed_bytes(),
            ));
            tensors.push((
                peft_tensor_name(n, target, 'B'),
                vec![b.cols, b.rows],
                b.transposed_bytes(),
            ));
        }
    }
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .map(|(name, shape, bytes)| {
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), bytes)
                .map(|v| (name.clone(), v))
                .map_err(|e| ModelError::invalid(format!("tensor `{name}`: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let weights_path = dir.join("adapter_model.safetensors");
    let bytes =
        safetensors::serialize(views, None).map_err(|e| ModelError::corrupt(&weights_path, e))?;
    write_atomic(&weights_path, &bytes)?;
    let config = serde_json::to_string_pretty(&PeftConfig::from_spec(spec))
        .map_err(|e| ModelError::invalid(e.to_string()))?;
    Ok(write_atomic(
        &dir.join("adapter_config.json"),
        config.as_bytes(),
    )?)
}

/// Reads a PEFT adapter folder and attaches its adapters to `decoder` (base frozen).
pub fn load_peft_adapter(
    decoder: Decoder,
    dir: &Path,
    device: &Device,
) -> Result<(Decoder, LoraSpec), ModelError> {
    let config_path = dir.join("adapter_config.json");
    let text =
        std::fs::read_to_string(&config_path).map_err(|e| ModelError::io(&config_path, e))?;
    let config: PeftConfig =
        serde_json::from_str(&text).map_err(|e| ModelError::corrupt(&config_path, e))?;
    let unsupported = |what: &str| ModelError::Unsupported {
        what: format!("`{}`: {what}", config_path.display()),
        reason: "only plain LoRA adapters are supported".into(),
    };
    if config.peft_type != "LORA" {
        return Err(unsupported(&format!("peft_type {}", config.peft_type)));
    }
    if config.use_dora || config.fan_in_fan_out || config.bias != "none" {
        return Err(unsupported("DoRA, fan_in_fan_out or trained biases"));
    }
    let spec = config.to_spec();
    validate_lora_spec(&spec)?;
    let source = SafetensorsSource::open_files(&[dir.join("adapter_model.safetensors")])?;
    let r = spec.r;
    let mut given = HashMap::new();
    for (n, layer) in decoder.layers.iter().enumerate() {
        if !adapts_layer(&spec, n) {
            continue;
        }
        for target in ordered_targets(&spec) {
            let linear = target_linear(layer, target)
                .ok_or_else(|| ModelError::invalid(format!("unknown LoRA target `{target}`")))?;
            let [d_in, d_out] = linear.dims();
            let a = source.require(&peft_tensor_name(n, target, 'A'), &[r, d_in])?;
            let b = source.require(&peft_tensor_name(n, target, 'B'), &[d_out, r])?;
            given.insert(
                (n, target),
                Factors {
                    a: transpose(&a.data, r, d_in),
                    b: transpose(&b.data, d_out, r),
                },
            );
        }
    }
    let decoder = attach_given(decoder, &spec, device, given)?;
    Ok((decoder, spec))
}

/// `data` (`[rows, cols]` row-major) transposed to `[cols, rows]`.
fn transpose(data: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; data.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = data[r * cols + c];
        }
    }
    out
}

struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f32>,
}

impl Matrix {
    fn transposed_bytes(&self) -> Vec<u8> {
        transpose(&self.data, self.rows, self.cols)
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect()
    }
}

fn read_matrix(t: &Tensor<2>) -> Result<Matrix, ModelError> {
    let [rows, cols] = t.dims();
    let data = t
        .to_data()
        .convert::<f32>()
        .try_to_vec_as::<f32>()
        .map_err(|e| ModelError::invalid(format!("reading an adapter: {e:?}")))?;
    Ok(Matrix { rows, cols, data })
}
