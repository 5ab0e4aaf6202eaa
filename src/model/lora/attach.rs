//! Attaching LoRA adapters to a decoder (fresh, seeded, or with given factors), freezing the
//! base, and merging adapters back into the weights.

use std::collections::HashMap;

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::linear::LowRankAdapter;
use super::targets::{
    adapts_layer, check_lora_layers, lora_scale, ordered_targets, target_linear_mut,
    validate_lora_spec,
};
use crate::model::decode::{concat_adapters, read_adapters};
use crate::model::decoder::Decoder;
use crate::model::error::ModelError;
use crate::spec::model::LoraSpec;

/// Factors for one adapted weight, in burn's layout: `a: [in, r]`, `b: [r, out]`, row-major.
pub(crate) struct Factors {
    pub a: Vec<f32>,
    pub b: Vec<f32>,
}

/// Attaches fresh adapters to `decoder`'s target modules and freezes everything else: A is
/// drawn uniform in ±1/sqrt(in) from a generator seeded with `seed` (PEFT's kaiming-uniform
/// bound), layer by layer in field order; B is zero, so outputs are unchanged.
pub fn attach_new_lora(
    decoder: Decoder,
    spec: &LoraSpec,
    seed: u64,
    device: &Device,
) -> Result<Decoder, ModelError> {
    let mut rng = StdRng::seed_from_u64(seed);
    attach_with(decoder, spec, device, |_, d_in, d_out, r| {
        let bound = 1.0 / (d_in as f32).sqrt();
        Ok(Factors {
            a: (0..d_in * r)
                .map(|_| rng.random_range(-bound..bound))
                .collect(),
            b: vec![0.0; r * d_out],
        })
    })
}

/// Attaches adapters whose factors come from `given`, keyed by `(layer, target)`.
pub(crate) fn attach_given(
    decoder: Decoder,
    spec: &LoraSpec,
    device: &Device,
    mut given: HashMap<(usize, &'static str), Factors>,
) -> Result<Decoder, ModelError> {
    attach_with(decoder, spec, device, |key, _, _, _| {
        given.remove(&key).ok_or_else(|| {
            ModelError::invalid(format!("no LoRA factors for layer {} `{}`", key.0, key.1))
        })
    })
}

fn attach_with(
    decoder: Decoder,
    spec: &LoraSpec,
    device: &Device,
    mut factors: impl FnMut((usize, &'static str), usize, usize, usize) -> Result<Factors, ModelError>,
) -> Result<Decoder, ModelError> {
    validate_lora_spec(spec)?;
    let targets = ordered_targets(spec);
    let scale = lora_scale(spec);
    let r = spec.r;
    check_lora_layers(spec, decoder.layers.len())?;
    let mut decoder = decoder.no_grad();
    for (n, layer) in decoder.layers.iter_mut().enumerate() {
        if !adapts_layer(spec, n) {
            continue;
        }
        for &target in &targets {
            let linear = target_linear_mut(layer, target)
                .ok_or_else(|| ModelError::invalid(format!("unknown LoRA target `{target}`")))?;
            if linear.lora.is_some() {
                return Err(ModelError::invalid(format!(
                    "layer {n} `{target}` already has a LoRA adapter (merge it first)"
                )));
            }
            let [d_in, d_out] = linear.dims();
            let f = factors((n, target), d_in, d_out, r)?;
            let a = Tensor::<2>::from_data(TensorData::new(f.a, [d_in, r]), device);
            let b = Tensor::<2>::from_data(TensorData::new(f.b, [r, d_out]), device);
            linear.lora = Some(LowRankAdapter::new(a, b, scale, f64::from(spec.dropout)));
        }
    }
    Ok(decoder)
}

/// Folds every adapter into its base weight (`W + scale * A B`) and returns the decoder for
/// inference (no autodiff, no adapters left). The CPU decode path keeps its base weights and
/// applies the merged adapters beside them.
pub fn merge_lora(decoder: Decoder) -> Decoder {
    let merged = decoder.host.as_ref().map(|_| read_adapters(&decoder));
    let mut decoder = decoder.valid();
    decoder.host = match (decoder.host.take(), merged) {
        (Some(mut host), Some(Ok(adapters))) => {
            host.merged = concat_adapters(&host.merged, adapters);
            Some(host)
        }
        // Adapters that cannot be read back: the decode path reads the merged tensors.
        _ => None,
    };
    decoder.layers = std::mem::take(&mut decoder.layers)
        .into_iter()
        .map(|mut layer| {
            layer.self_attn.q_proj = layer.self_attn.q_proj.merged();
            layer.self_attn.k_proj = layer.self_attn.k_proj.merged();
            layer.self_attn.v_proj = layer.self_attn.v_proj.merged();
            layer.self_attn.o_proj = layer.self_attn.o_proj.merged();
            layer.mlp.gate_proj = layer.mlp.gate_proj.merged();
            layer.mlp.up_proj = layer.mlp.up_proj.merged();
            layer.mlp.down_proj = layer.mlp.down_proj.merged();
            layer
        })
        .collect();
    decoder
}
