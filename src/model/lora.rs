//! LoRA adapters on a frozen base with burn's built-in [`LoraAdapter`]: attaching fresh
//! adapters to the named target modules, saving and loading them in PEFT's format
//! (`adapter_config.json` + `adapter_model.safetensors`), and merging them into the base.
//!
//! burn stores a linear weight as `[in, out]` and an adapter as `a: [in, r]`, `b: [r, out]`
//! with `W' = W + scale * a @ b`; PEFT stores `lora_A.weight: [r, in]` and
//! `lora_B.weight: [out, r]`, so `a = lora_A^T` and `b = lora_B^T`.
//! `lora_dropout` is recorded in the config but not applied (burn's adapter has no dropout).

use std::collections::HashMap;
use std::path::Path;

use burn::module::{LoraAdapter, Module, Param, Reparameterizer};
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::decoder::Decoder;
use super::error::ModelError;
use super::layer::DecoderLayer;
use super::safetensors_source::SafetensorsSource;
use super::tensor_source::TensorSource;
use crate::spec::model::LoraSpec;
use crate::util::write_atomic;

/// Module names a LoRA target may have (PEFT's names; one list for the checker and the runtime).
pub use crate::spec::model::LORA_TARGETS;

/// The linear of `layer` called `target` (`q_proj`, ..., `down_proj`).
pub fn target_linear<'a>(layer: &'a DecoderLayer, target: &str) -> Option<&'a Linear> {
    Some(match target {
        "q_proj" => &layer.self_attn.q_proj,
        "k_proj" => &layer.self_attn.k_proj,
        "v_proj" => &layer.self_attn.v_proj,
        "o_proj" => &layer.self_attn.o_proj,
        "gate_proj" => &layer.mlp.gate_proj,
        "up_proj" => &layer.mlp.up_proj,
        "down_proj" => &layer.mlp.down_proj,
        _ => return None,
    })
}

/// Where a target module lives inside a layer (`self_attn` or `mlp`).
fn target_parent(target: &str) -> &'static str {
    if target.ends_with("_proj") && ["gate_proj", "up_proj", "down_proj"].contains(&target) {
        "mlp"
    } else {
        "self_attn"
    }
}

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
            use_rslora: false,
            use_dora: false,
            inference_mode: true,
            base_model_name_or_path: None,
            rank_pattern: None,
            alpha_pattern: None,
            layers_to_transform: None,
        }
    }

    /// The equivalent [`LoraSpec`].
    pub fn to_spec(&self) -> LoraSpec {
        LoraSpec {
            r: self.r,
            alpha: self.lora_alpha,
            dropout: self.lora_dropout,
            targets: self.target_modules.clone(),
        }
    }
}

/// Checks rank and target names.
pub fn validate_lora_spec(spec: &LoraSpec) -> Result<(), ModelError> {
    if spec.r == 0 {
        return Err(ModelError::invalid("LoRA rank r must be positive"));
    }
    if spec.targets.is_empty() {
        return Err(ModelError::invalid(format!(
            "LoRA needs at least one target module (one of {})",
            LORA_TARGETS.join(", ")
        )));
    }
    for t in &spec.targets {
        if !LORA_TARGETS.contains(&t.as_str()) {
            return Err(ModelError::invalid(format!(
                "unknown LoRA target `{t}` (expected one of {})",
                LORA_TARGETS.join(", ")
            )));
        }
    }
    Ok(())
}

/// Factors for one adapted weight, in burn's layout: `a: [in, r]`, `b: [r, out]`.
struct Factors {
    a: Vec<f32>,
    b: Vec<f32>,
}

/// Attaches adapters to every parameter whose path is a target weight, with either given
/// factors or PEFT's initialisation (A uniform in ±1/sqrt(in), B zero) from a seeded
/// generator; freezes everything else.
struct PeftReparameterizer {
    targets: Vec<String>,
    rank: usize,
    scale: f64,
    given: HashMap<String, Factors>,
    rng: StdRng,
    device: Device,
}

impl PeftReparameterizer {
    fn is_target(&self, path: &str) -> bool {
        // Paths look like `layers.3.self_attn.q_proj.weight`.
        path.starts_with("layers.")
            && self
                .targets
                .iter()
                .any(|t| path.ends_with(&format!(".{}.{t}.weight", target_parent(t))))
    }
}

impl Reparameterizer for PeftReparameterizer {
    type Reparam = LoraAdapter;

    fn reparameterize<const D: usize>(
        &mut self,
        path: &str,
        param: Param<Tensor<D>>,
    ) -> (Param<Tensor<D>>, Option<LoraAdapter>) {
        let base = param.set_require_grad(false);
        if D != 2 || !self.is_target(path) {
            return (base, None);
        }
        let dims = base.lazy_shape().dims::<2>();
        let (d_in, d_out) = (dims[0], dims[1]);
        let r = self.rank;
        let factors = self.given.remove(path).unwrap_or_else(|| {
            let bound = 1.0 / (d_in as f32).sqrt();
            Factors {
                a: (0..d_in * r)
                    .map(|_| self.rng.random_range(-bound..bound))
                    .collect(),
                b: vec![0.0; r * d_out],
            }
        });
        let a = Tensor::<2>::from_data(TensorData::new(factors.a, [d_in, r]), &self.device);
        let b = Tensor::<2>::from_data(TensorData::new(factors.b, [r, d_out]), &self.device);
        let adapter = LoraAdapter {
            a: Param::from_tensor(a),
            b: Param::from_tensor(b),
            scale: self.scale,
        };
        (base, Some(adapter))
    }
}

/// Attaches fresh adapters (seeded) to `decoder`'s target modules and freezes the base.
pub fn attach_new_lora(
    decoder: Decoder,
    spec: &LoraSpec,
    seed: u64,
    device: &Device,
) -> Result<Decoder, ModelError> {
    validate_lora_spec(spec)?;
    Ok(decoder.apply_reparameterization(PeftReparameterizer {
        targets: spec.targets.clone(),
        rank: spec.r,
        scale: f64::from(spec.alpha) / spec.r as f64,
        given: HashMap::new(),
        rng: StdRng::seed_from_u64(seed),
        device: device.clone(),
    }))
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
        for target in &spec.targets {
            let linear = target_linear(layer, target)
                .ok_or_else(|| ModelError::invalid(format!("unknown LoRA target `{target}`")))?;
            let adapter = linear.weight.adapter().ok_or_else(|| {
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
    if config.use_dora || config.use_rslora || config.fan_in_fan_out || config.bias != "none" {
        return Err(unsupported(
            "DoRA, rsLoRA, fan_in_fan_out or trained biases",
        ));
    }
    let spec = config.to_spec();
    validate_lora_spec(&spec)?;
    let source = SafetensorsSource::open_files(&[dir.join("adapter_model.safetensors")])?;
    let r = spec.r;
    let mut given = HashMap::new();
    for (n, layer) in decoder.layers.iter().enumerate() {
        for target in &spec.targets {
            let linear = target_linear(layer, target)
                .ok_or_else(|| ModelError::invalid(format!("unknown LoRA target `{target}`")))?;
            let [d_in, d_out] = linear.weight.lazy_shape().dims::<2>();
            let a = source.require(&peft_tensor_name(n, target, 'A'), &[r, d_in])?;
            let b = source.require(&peft_tensor_name(n, target, 'B'), &[d_out, r])?;
            given.insert(
                format!("layers.{n}.{}.{target}.weight", target_parent(target)),
                Factors {
                    a: transpose(&a.data, r, d_in),
                    b: transpose(&b.data, d_out, r),
                },
            );
        }
    }
    let decoder = decoder.apply_reparameterization(PeftReparameterizer {
        targets: spec.targets.clone(),
        rank: r,
        scale: f64::from(spec.alpha) / r as f64,
        given,
        rng: StdRng::seed_from_u64(0),
        device: device.clone(),
    });
    Ok((decoder, spec))
}

/// Folds every adapter into its base weight (fast inference, no adapters left).
pub fn merge_lora(decoder: Decoder) -> Decoder {
    decoder.valid().materialize()
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
