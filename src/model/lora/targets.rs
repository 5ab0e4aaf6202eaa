//! Which projections LoRA may adapt (PEFT's module names), where each lives in a decoder
//! layer, and the checks a [`LoraSpec`] must pass.

use super::linear::LoraLinear;
use crate::model::error::ModelError;
use crate::model::layer::DecoderLayer;
use crate::spec::model::LoraSpec;

/// Module names a LoRA target may have (PEFT's names, in the order of a layer's fields; one
/// list for the checker and the runtime).
pub use crate::spec::model::LORA_TARGETS;

/// The linear of `layer` called `target` (`q_proj`, ..., `down_proj`).
pub fn target_linear<'a>(layer: &'a DecoderLayer, target: &str) -> Option<&'a LoraLinear> {
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

/// The linear of `layer` called `target`, mutably.
pub fn target_linear_mut<'a>(
    layer: &'a mut DecoderLayer,
    target: &str,
) -> Option<&'a mut LoraLinear> {
    Some(match target {
        "q_proj" => &mut layer.self_attn.q_proj,
        "k_proj" => &mut layer.self_attn.k_proj,
        "v_proj" => &mut layer.self_attn.v_proj,
        "o_proj" => &mut layer.self_attn.o_proj,
        "gate_proj" => &mut layer.mlp.gate_proj,
        "up_proj" => &mut layer.mlp.up_proj,
        "down_proj" => &mut layer.mlp.down_proj,
        _ => return None,
    })
}

/// Where a target module lives inside a layer (`self_attn` or `mlp`).
pub(crate) fn target_parent(target: &str) -> &'static str {
    if ["gate_proj", "up_proj", "down_proj"].contains(&target) {
        "mlp"
    } else {
        "self_attn"
    }
}

/// The spec's targets in layer field order (the order adapters are initialised in).
pub(crate) fn ordered_targets(spec: &LoraSpec) -> Vec<&'static str> {
    LORA_TARGETS
        .iter()
        .copied()
        .filter(|t| spec.targets.iter().any(|s| s == t))
        .collect()
}

/// `alpha / r`, or `alpha / sqrt(r)` with rsLoRA.
pub fn lora_scale(spec: &LoraSpec) -> f64 {
    let r = spec.r as f64;
    if spec.rslora {
        f64::from(spec.alpha) / r.sqrt()
    } else {
        f64::from(spec.alpha) / r
    }
}

/// Checks rank, dropout and target names.
/// Whether layer `n` gets adapters under `spec` (its `layers`, else every layer).
pub fn adapts_layer(spec: &LoraSpec, n: usize) -> bool {
    spec.layers
        .as_ref()
        .is_none_or(|layers| layers.contains(&n))
}

/// Refuses a `layers` list that names a layer the model does not have.
pub fn check_lora_layers(spec: &LoraSpec, num_layers: usize) -> Result<(), ModelError> {
    match spec
        .layers
        .as_ref()
        .and_then(|l| l.iter().find(|&&n| n >= num_layers))
    {
        Some(n) => Err(ModelError::invalid(format!(
            "LoRA `layers` names layer {n}; the model has layers 0 to {}",
            num_layers.saturating_sub(1)
        ))),
        None => Ok(()),
    }
}

pub fn validate_lora_spec(spec: &LoraSpec) -> Result<(), ModelError> {
    if spec.r == 0 {
        return Err(ModelError::invalid("LoRA rank r must be positive"));
    }
    if !(spec.dropout.is_finite() && (0.0..1.0).contains(&spec.dropout)) {
        return Err(ModelError::invalid(format!(
            "LoRA dropout {} must lie in [0, 1)",
            spec.dropout
        )));
    }
    if spec.targets.is_empty() {
        return Err(ModelError::invalid(format!(
            "LoRA needs at least one target module (one of {})",
            LORA_TARGETS.join(", ")
        )));
    }
    if spec.layers.as_ref().is_some_and(|l| l.is_empty()) {
        return Err(ModelError::invalid(
            "LoRA `layers` must name at least one layer (leave it out for every layer)",
        ));
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
