//! Multi-LoRA batching (as S-LoRA and vLLM's multi-LoRA serve adapters): one batch whose
//! sequences use different adapters, or none, over one shared base. The models given are
//! clones of one base ([`super::shared`]) with their own adapters. Each model's prompts run
//! through the tensor prefill with its own adapters (matrix-matrix work, padded to one
//! width); the token-by-token decode then runs as one batch on the CPU decode kernels: every
//! base product once for all rows, each adapter's low-rank path on its own rows. A row gives
//! what its model alone gives (same seed, same tokens; logits equal to float rounding).

use std::sync::Arc;

use burn::module::Module;

use super::decode::{DecodeSession, HostWeights, LayerAdapters, host_values};
use super::decoder::{Decoder, ForwardInput, left_padded_layout};
use super::device::is_cpu;
use super::error::ModelError;
use super::error::ModelError as Error;
use super::generation::Generation;
use super::generation::{
    GenerationLimits, PAD_ID, Stepper, finish_generations, host_model, int_tensor, sample_loop,
};
use super::kv_cache::KvCache;
use super::loaded::LoadedModel;
use super::sampling::SamplingConfig;

/// One sequence of a mixed batch: which model (adapters) runs it, its prompt, and the seed
/// of its sampler.
#[derive(Debug, Clone)]
pub struct MixedRequest {
    pub model: usize,
    pub prompt: Vec<u32>,
    pub seed: u64,
}

/// Whether `models` can share one mixed batch: all on the CPU, over the same base weights
/// (the same shared host copy), none training its base.
pub fn can_mix(models: &[&LoadedModel]) -> bool {
    let host = |m: &LoadedModel| {
        m.decoder
            .host
            .as_ref()
            .filter(|_| is_cpu(&m.device) && !m.decoder.base_is_trainable())
            .map(|h| h.weights.clone())
    };
    let Some(first) = models.first().and_then(|m| host(m)) else {
        return false;
    };
    models
        .iter()
        .all(|m| host(m).is_some_and(|w| Arc::ptr_eq(&w, &first)))
}

/// One completion per request, all decoded in one batch (see the module documentation).
pub fn generate_mixed(
    models: &[&LoadedModel],
    requests: &[MixedRequest],
    cfg: &SamplingConfig,
) -> Result<Vec<Generation>, ModelError> {
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    let limits = check(models, requests.iter().map(|r| (r.model, &r.prompt)))?;
    // Rows grouped by model, so that each adapter's rows are consecutive.
    let mut order: Vec<usize> = (0..requests.len()).collect();
    order.sort_by_key(|&i| requests[i].model);
    let rows: Vec<(usize, &[u32])> = order
        .iter()
        .map(|&i| (requests[i].model, requests[i].prompt.as_slice()))
        .collect();
    let width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    let prepared = prepare(models)?;
    let (mut stepper, logits) = prefill(models, &prepared, &rows, width + cfg.max_tokens)?;
    let lengths: Vec<usize> = rows.iter().map(|r| r.1.len()).collect();
    let seeds: Vec<u64> = order.iter().map(|&i| requests[i].seed).collect();
    let tokenizer = &models[requests[0].model].tokenizer;
    let (outputs, texts) = sample_loop(
        &mut stepper,
        logits,
        &lengths,
        &seeds,
        tokenizer,
        cfg,
        limits,
        &mut |_, _| {},
    )?;
    let prompts: Vec<Vec<u32>> = rows.iter().map(|r| r.1.to_vec()).collect();
    let sorted = finish_generations(&prompts, outputs, texts, tokenizer)?;
    let mut out: Vec<Option<Generation>> = vec![None; requests.len()];
    for (g, &i) in sorted.into_iter().zip(&order) {
        out[i] = Some(g);
    }
    Ok(out.into_iter().flatten().collect())
}

/// Teacher-forced decoding of a mixed batch: `rows[b] = (model, prompt, continuation)`;
/// returns the logits `[batch * vocab]` after the prefill and after each fed token, rows in
/// the order given (for checking a mixed batch against each model alone).
pub fn mixed_stepwise_logits(
    models: &[&LoadedModel],
    rows: &[(usize, Vec<u32>, Vec<u32>)],
) -> Result<Vec<Vec<f32>>, ModelError> {
    check(models, rows.iter().map(|r| (r.0, &r.1)))?;
    if rows.windows(2).any(|w| w[1].0 < w[0].0) {
        return Err(Error::invalid("rows of a mixed batch are grouped by model"));
    }
    let steps = rows.iter().map(|r| r.2.len()).min().unwrap_or(0);
    let width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    let prepared = prepare(models)?;
    let prompts: Vec<(usize, &[u32])> = rows.iter().map(|r| (r.0, r.1.as_slice())).collect();
    let (mut stepper, logits) = prefill(models, &prepared, &prompts, width + steps)?;
    let mut all = vec![logits];
    for t in 0..steps {
        let next: Vec<u32> = rows.iter().map(|r| r.2[t]).collect();
        let positions: Vec<usize> = rows.iter().map(|r| r.1.len() + t).collect();
        all.push(stepper.step(&next, &positions)?);
    }
    Ok(all)
}

fn check<'a>(
    models: &[&LoadedModel],
    rows: impl Iterator<Item = (usize, &'a Vec<u32>)>,
) -> Result<GenerationLimits, ModelError> {
    if !can_mix(models) {
        return Err(Error::Unsupported {
            what: "a mixed-adapter batch".into(),
            reason: "the models must be CPU models over one shared base (loaded through \
                     `LoadedModel::load`) with frozen base weights"
                .into(),
        });
    }
    let config = &models[0].config;
    let limits = GenerationLimits {
        vocab: config.vocab_size,
        max_seq_len: config.max_seq_len,
    };
    for (i, (model, prompt)) in rows.enumerate() {
        if model >= models.len() {
            return Err(Error::invalid(format!(
                "request {i} names model {model} of {}",
                models.len()
            )));
        }
        if prompt.is_empty() || prompt.len() >= limits.max_seq_len {
            return Err(Error::invalid(format!(
                "prompt {i} has {} tokens; the model accepts 1 to {} (prompt and output)",
                prompt.len(),
                limits.max_seq_len - 1
            )));
        }
        if let Some(bad) = prompt.iter().find(|&&id| id as usize >= limits.vocab) {
            return Err(Error::invalid(format!(
                "prompt {i} has token id {bad}, outside the vocabulary of {}",
                limits.vocab
            )));
        }
    }
    Ok(limits)
}

/// The shared base and each model's adapters for the decode kernels.
struct Prepared {
    weights: Arc<HostWeights>,
    sets: Vec<Vec<LayerAdapters>>,
}

fn prepare(models: &[&LoadedModel]) -> Result<Prepared, ModelError> {
    let mut weights = None;
    let mut sets = Vec::with_capacity(models.len());
    for m in models {
        let (w, adapters) = host_model(&m.decoder)?;
        weights.get_or_insert(w);
        sets.push(adapters);
    }
    let weights = weights.ok_or_else(|| Error::invalid("no models"))?;
    Ok(Prepared { weights, sets })
}

/// Prefills every model's rows (`rows` grouped by model) at one `width` and returns the
/// decode session over all of them with the logits of each row's last prompt token.
fn prefill<'a>(
    models: &[&LoadedModel],
    prepared: &'a Prepared,
    rows: &[(usize, &[u32])],
    capacity: usize,
) -> Result<(Stepper<'a>, Vec<f32>), ModelError> {
    let width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    let layers = prepared.weights.layers.len();
    let (mut keys, mut values) = (vec![Vec::new(); layers], vec![Vec::new(); layers]);
    let mut hidden = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let model = rows[start].0;
        let end = start + rows[start..].iter().take_while(|r| r.0 == model).count();
        let prompts: Vec<&[u32]> = rows[start..end].iter().map(|r| r.1).collect();
        let group = prefill_group(&models[model].decoder, &prompts, width)?;
        for (l, (k, v)) in group.keys.into_iter().zip(group.values).enumerate() {
            keys[l].extend(k);
            values[l].extend(v);
        }
        hidden.extend(group.last_hidden);
        start = end;
    }
    let set_of_row: Vec<usize> = rows.iter().map(|r| r.0).collect();
    let first_valid = rows.iter().map(|r| width - r.1.len()).collect();
    let mut session = DecodeSession::mixed(
        &prepared.weights,
        prepared.sets.clone(),
        &set_of_row,
        first_valid,
        capacity,
    );
    let logits = session.head_logits(&hidden);
    session.load_prefill(width, keys, values)?;
    Ok((Stepper::Host(Box::new(session)), logits))
}

struct GroupPrefill {
    keys: Vec<Vec<f32>>,
    values: Vec<Vec<f32>>,
    last_hidden: Vec<f32>,
}

/// One model's prompts, left-padded to `width`, through its tensor decoder.
fn prefill_group(
    decoder: &Decoder,
    prompts: &[&[u32]],
    width: usize,
) -> Result<GroupPrefill, ModelError> {
    let inference;
    let decoder = if decoder.base_is_trainable() || has_autodiff(decoder) {
        inference = decoder.valid();
        &inference
    } else {
        decoder
    };
    let device = decoder
        .embed_tokens
        .weight
        .val()
        .device()
        .without_autodiff();
    let lengths: Vec<usize> = prompts.iter().map(|p| p.len()).collect();
    let mut ids = Vec::with_capacity(prompts.len() * width);
    for p in prompts {
        ids.extend(std::iter::repeat_n(PAD_ID as i32, width - p.len()));
        ids.extend(p.iter().map(|&id| id as i32));
    }
    let (positions, key_valid) = left_padded_layout(&lengths, width);
    let mut cache = KvCache::new(decoder.num_layers());
    let hidden = decoder.forward_hidden(
        int_tensor(ids, [prompts.len(), width], &device),
        &ForwardInput {
            positions: &positions,
            key_valid: &key_valid,
        },
        Some(&mut cache),
    );
    let [batch, _, size] = hidden.dims();
    let last = host_values(hidden.narrow(1, width - 1, 1).reshape([batch * size]))?;
    let (mut keys, mut values) = (Vec::new(), Vec::new());
    for layer in cache.layers {
        let missing = || Error::invalid("the prefill left no key/value cache");
        keys.push(host_values(layer.keys.ok_or_else(missing)?)?);
        values.push(host_values(layer.values.ok_or_else(missing)?)?);
    }
    Ok(GroupPrefill {
        keys,
        values,
        last_hidden: last,
    })
}

fn has_autodiff(decoder: &Decoder) -> bool {
    decoder.embed_tokens.weight.val().device().is_autodiff()
}
