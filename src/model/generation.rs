//! Batched generation: several prompts decoded at once with left padding, a per-sequence
//! position and padding mask, and a KV cache. The prompts run through the tensor decoder;
//! the token-by-token steps run on the CPU decode kernels on the CPU
//! ([`super::decode`]), through the tensor decoder elsewhere. Each sequence draws from its own generator
//! seeded from the config's seed and its index, so a result does not depend on what else is
//! in the batch.

use std::sync::Arc;

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::decode::{
    DecodeSession, HostWeights, LayerAdapters, concat_adapters, host_values, read_adapters,
};
use super::decoder::{Decoder, ForwardInput, left_padded_layout};
use super::device::is_cpu;
use super::error::ModelError;
use super::kv_cache::KvCache;
use super::sampling::{SamplingConfig, sample_token};
use super::tokenizer::ModelTokenizer;

/// One generated completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generation {
    /// The prompt as token ids.
    pub prompt_ids: Vec<u32>,
    /// The new tokens, including the stop token when one ended the generation.
    pub output_ids: Vec<u32>,
    /// The new tokens decoded (special tokens skipped), cut before a stop string.
    pub text: String,
}

/// Sizes generation must respect.
#[derive(Debug, Clone, Copy)]
pub struct GenerationLimits {
    pub vocab: usize,
    /// Longest prompt + output; a sequence stops there.
    pub max_seq_len: usize,
}

/// Token id used for left padding (masked out, so any valid id works).
pub(crate) const PAD_ID: u32 = 0;

/// Which implementation runs the token-by-token decode steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecodePath {
    /// The CPU decode kernels on the CPU ([`super::decode`]), the tensor decoder elsewhere.
    #[default]
    Auto,
    /// The tensor decoder with its key/value cache, on any device.
    Tensor,
}

/// Generates one completion per prompt.
pub fn generate(
    decoder: &Decoder,
    tokenizer: &ModelTokenizer,
    prompts: &[Vec<u32>],
    cfg: &SamplingConfig,
    limits: GenerationLimits,
    device: &Device,
) -> Result<Vec<Generation>, ModelError> {
    generate_inner(
        decoder,
        tokenizer,
        prompts,
        cfg,
        limits,
        device,
        DecodePath::Auto,
        &mut |_, _| {},
    )
}

/// [`generate`] with the decode steps on `path`.
pub fn generate_with(
    decoder: &Decoder,
    tokenizer: &ModelTokenizer,
    prompts: &[Vec<u32>],
    cfg: &SamplingConfig,
    limits: GenerationLimits,
    device: &Device,
    path: DecodePath,
) -> Result<Vec<Generation>, ModelError> {
    generate_inner(
        decoder,
        tokenizer,
        prompts,
        cfg,
        limits,
        device,
        path,
        &mut |_, _| {},
    )
}

/// [`generate`], calling `on_token(sequence, token)` for every new token as soon as it is
/// sampled (stop tokens included), so a caller can stream the text.
pub fn generate_observed(
    decoder: &Decoder,
    tokenizer: &ModelTokenizer,
    prompts: &[Vec<u32>],
    cfg: &SamplingConfig,
    limits: GenerationLimits,
    device: &Device,
    on_token: &mut dyn FnMut(usize, u32),
) -> Result<Vec<Generation>, ModelError> {
    generate_inner(
        decoder,
        tokenizer,
        prompts,
        cfg,
        limits,
        device,
        DecodePath::Auto,
        on_token,
    )
}

#[allow(clippy::too_many_arguments)]
fn generate_inner(
    decoder: &Decoder,
    tokenizer: &ModelTokenizer,
    prompts: &[Vec<u32>],
    cfg: &SamplingConfig,
    limits: GenerationLimits,
    device: &Device,
    path: DecodePath,
    on_token: &mut dyn FnMut(usize, u32),
) -> Result<Vec<Generation>, ModelError> {
    let vocab = limits.vocab;
    if prompts.is_empty() {
        return Ok(Vec::new());
    }
    for (i, prompt) in prompts.iter().enumerate() {
        if prompt.is_empty() {
            return Err(ModelError::invalid(format!("prompt {i} is empty")));
        }
        if prompt.len() >= limits.max_seq_len {
            return Err(ModelError::invalid(format!(
                "prompt {i} has {} tokens; the model accepts at most {} (prompt and output)",
                prompt.len(),
                limits.max_seq_len
            )));
        }
        if let Some(bad) = prompt.iter().find(|&&id| id as usize >= vocab) {
            return Err(ModelError::invalid(format!(
                "prompt {i} has token id {bad}, outside the vocabulary of {vocab}"
            )));
        }
    }
    // Generation never trains: run the inference copy (no graph, no dropout).
    let host = match path {
        DecodePath::Auto if is_cpu(device) => Some(host_model(decoder)?),
        _ => None,
    };
    let inference;
    let (decoder, device) = if device.is_autodiff() {
        inference = decoder.valid();
        (&inference, device.clone().without_autodiff())
    } else {
        (decoder, device.clone())
    };
    let batch = prompts.len();
    let lengths: Vec<usize> = prompts.iter().map(Vec::len).collect();
    let width = lengths.iter().copied().max().unwrap_or(0);
    // A prompt repeated in the batch (GRPO's G completions, K candidates) is prefilled once
    // and its key/value cache copied to every row that repeats it.
    let (unique, rows) = distinct_prompts(prompts);
    let mut ids = Vec::with_capacity(unique.len() * width);
    for prompt in &unique {
        ids.extend(std::iter::repeat_n(PAD_ID as i32, width - prompt.len()));
        ids.extend(prompt.iter().map(|&id| id as i32));
    }
    let unique_lengths: Vec<usize> = unique.iter().map(|p| p.len()).collect();
    let (positions, key_valid) = left_padded_layout(&unique_lengths, width);
    let capacity = width + cfg.max_tokens;
    let (mut stepper, logits) = Stepper::prefill(
        decoder,
        host.as_ref(),
        int_tensor(ids, [unique.len(), width], &device),
        &positions,
        key_valid,
        capacity,
        (unique.len() < batch).then_some(rows.as_slice()),
    )?;
    let seeds: Vec<u64> = (0..batch).map(|i| sequence_seed(cfg.seed, i)).collect();
    let (outputs, texts) = sample_loop(
        &mut stepper,
        logits,
        &lengths,
        &seeds,
        tokenizer,
        cfg,
        limits,
        on_token,
    )?;
    finish_generations(prompts, outputs, texts, tokenizer)
}

/// The distinct prompts of `prompts` in order of first appearance, and for each prompt the
/// index of its distinct copy.
fn distinct_prompts(prompts: &[Vec<u32>]) -> (Vec<&Vec<u32>>, Vec<usize>) {
    let mut unique: Vec<&Vec<u32>> = Vec::new();
    let mut first: std::collections::HashMap<&[u32], usize> = std::collections::HashMap::new();
    let rows = prompts
        .iter()
        .map(|p| {
            *first.entry(p.as_slice()).or_insert_with(|| {
                unique.push(p);
                unique.len() - 1
            })
        })
        .collect();
    (unique, rows)
}

/// The seed of sequence `i` of a call seeded with `seed`.
pub fn sequence_seed(seed: u64, i: usize) -> u64 {
    seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The new tokens of each sequence, and the text of those cut at a stop string.
pub(crate) type Sampled = (Vec<Vec<u32>>, Vec<Option<String>>);

/// Samples up to `cfg.max_tokens` tokens per sequence from the prefill's `logits`, feeding
/// each back through `stepper`; returns the new tokens and, for sequences cut at a stop
/// string, their text.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sample_loop(
    stepper: &mut Stepper<'_>,
    mut logits: Vec<f32>,
    lengths: &[usize],
    seeds: &[u64],
    tokenizer: &ModelTokenizer,
    cfg: &SamplingConfig,
    limits: GenerationLimits,
    on_token: &mut dyn FnMut(usize, u32),
) -> Result<Sampled, ModelError> {
    let vocab = limits.vocab;
    let batch = lengths.len();
    let mut rngs: Vec<StdRng> = seeds.iter().map(|&s| StdRng::seed_from_u64(s)).collect();
    let mut outputs: Vec<Vec<u32>> = vec![Vec::new(); batch];
    let mut texts: Vec<Option<String>> = vec![None; batch];
    let mut done = vec![cfg.max_tokens == 0; batch];
    for step in 0..cfg.max_tokens {
        let mut next = Vec::with_capacity(batch);
        for b in 0..batch {
            if done[b] {
                next.push(PAD_ID);
                continue;
            }
            let row = &logits[b * vocab..(b + 1) * vocab];
            let token = sample_token(row, cfg, &mut rngs[b]);
            outputs[b].push(token);
            on_token(b, token);
            next.push(token);
            if tokenizer.stop_ids.contains(&token) {
                done[b] = true;
            } else if !cfg.stop.is_empty() {
                let text = tokenizer.decode(&outputs[b])?;
                if let Some(cut) = cfg.stop.iter().filter_map(|s| text.find(s.as_str())).min() {
                    texts[b] = Some(text[..cut].to_string());
                    done[b] = true;
                }
            }
            if outputs[b].len() >= cfg.max_tokens
                || lengths[b] + outputs[b].len() >= limits.max_seq_len
            {
                done[b] = true;
            }
        }
        if done.iter().all(|d| *d) || step + 1 == cfg.max_tokens {
            break;
        }
        let positions: Vec<usize> = lengths.iter().map(|&len| len + step).collect();
        logits = stepper.step(&next, &positions)?;
    }
    Ok((outputs, texts))
}

pub(crate) fn finish_generations(
    prompts: &[Vec<u32>],
    outputs: Vec<Vec<u32>>,
    texts: Vec<Option<String>>,
    tokenizer: &ModelTokenizer,
) -> Result<Vec<Generation>, ModelError> {
    prompts
        .iter()
        .zip(outputs)
        .zip(texts)
        .map(|((prompt, output_ids), text)| {
            let text = match text {
                Some(text) => text,
                None => tokenizer.decode(&output_ids)?,
            };
            Ok(Generation {
                prompt_ids: prompt.clone(),
                output_ids,
                text,
            })
        })
        .collect()
}

/// Teacher-forced decoding: runs `prompts` (left-padded) through the prefill, then feeds
/// `continuations[b][t]` step by step on `path`; returns the logits `[batch * vocab]` after
/// the prefill and after each step (for checking one path against another).
pub fn stepwise_logits(
    decoder: &Decoder,
    prompts: &[Vec<u32>],
    continuations: &[Vec<u32>],
    device: &Device,
    path: DecodePath,
) -> Result<Vec<Vec<f32>>, ModelError> {
    let steps = continuations.iter().map(Vec::len).min().unwrap_or(0);
    if prompts.is_empty()
        || prompts.len() != continuations.len()
        || prompts.iter().any(Vec::is_empty)
    {
        return Err(ModelError::invalid("one non-empty prompt per continuation"));
    }
    let host = match path {
        DecodePath::Auto if is_cpu(device) => Some(host_model(decoder)?),
        _ => None,
    };
    let inference;
    let (decoder, device) = if device.is_autodiff() {
        inference = decoder.valid();
        (&inference, device.clone().without_autodiff())
    } else {
        (decoder, device.clone())
    };
    let lengths: Vec<usize> = prompts.iter().map(Vec::len).collect();
    let width = lengths.iter().copied().max().unwrap_or(0);
    let mut ids = Vec::new();
    for prompt in prompts {
        ids.extend(std::iter::repeat_n(PAD_ID as i32, width - prompt.len()));
        ids.extend(prompt.iter().map(|&id| id as i32));
    }
    let (positions, key_valid) = left_padded_layout(&lengths, width);
    let (mut stepper, logits) = Stepper::prefill(
        decoder,
        host.as_ref(),
        int_tensor(ids, [prompts.len(), width], &device),
        &positions,
        key_valid,
        width + steps,
        None,
    )?;
    let mut all = vec![logits];
    for t in 0..steps {
        let next: Vec<u32> = continuations.iter().map(|c| c[t]).collect();
        let positions: Vec<usize> = lengths.iter().map(|&len| len + t).collect();
        all.push(stepper.step(&next, &positions)?);
    }
    Ok(all)
}

/// The host weights and adapters of `decoder` for the CPU decode path: the ones built at
/// load time while the base weights cannot have changed (frozen, or no autodiff), else a
/// fresh copy of the tensors.
pub(crate) fn host_model(
    decoder: &Decoder,
) -> Result<(Arc<HostWeights>, Vec<LayerAdapters>), ModelError> {
    let (weights, merged) = match &decoder.host {
        Some(host) if !decoder.base_is_trainable() => (host.weights.clone(), host.merged.clone()),
        _ => (Arc::new(HostWeights::from_decoder(decoder)?), Vec::new()),
    };
    Ok((weights, concat_adapters(&merged, read_adapters(decoder)?)))
}

/// Runs the decode steps after a prefill through the tensor decoder.
pub(crate) enum Stepper<'a> {
    Tensor {
        decoder: &'a Decoder,
        cache: KvCache,
        key_valid: Vec<Vec<bool>>,
        device: Device,
    },
    Host(Box<DecodeSession<'a>>),
}

impl<'a> Stepper<'a> {
    /// Runs the prompts `ids` `[prefilled, width]` and returns the stepper with the last
    /// position's logits `[batch * vocab]`. With `rows`, the stepper decodes one sequence
    /// per entry, sequence `b` starting from prompt `rows[b]` (its cache copied); without,
    /// one per prompt.
    #[allow(clippy::too_many_arguments)]
    fn prefill(
        decoder: &'a Decoder,
        host: Option<&'a (Arc<HostWeights>, Vec<LayerAdapters>)>,
        ids: Tensor<2, Int>,
        positions: &[Vec<usize>],
        key_valid: Vec<Vec<bool>>,
        capacity: usize,
        rows: Option<&[usize]>,
    ) -> Result<(Self, Vec<f32>), ModelError> {
        let device = ids.device();
        let [_, width] = ids.dims();
        let mut cache = KvCache::new(decoder.num_layers());
        let hidden = decoder.forward_hidden(
            ids,
            &ForwardInput {
                positions,
                key_valid: &key_valid,
            },
            Some(&mut cache),
        );
        let mut last = hidden.narrow(1, width - 1, 1);
        let mut key_valid = key_valid;
        if let Some(rows) = rows {
            let index = Tensor::<1, Int>::from_data(
                TensorData::new(rows.iter().map(|&r| r as i32).collect(), [rows.len()]),
                &device,
            );
            last = last.select(0, index.clone());
            for layer in &mut cache.layers {
                layer.keys = layer.keys.take().map(|k| k.select(0, index.clone()));
                layer.values = layer.values.take().map(|v| v.select(0, index.clone()));
            }
            key_valid = rows.iter().map(|&r| key_valid[r].clone()).collect();
        }
        let batch = key_valid.len();
        match host {
            None => {
                let logits = read_logits(decoder.logits(last))?;
                Ok((
                    Stepper::Tensor {
                        decoder,
                        cache,
                        key_valid,
                        device,
                    },
                    logits,
                ))
            }
            Some((weights, adapters)) => {
                let first_valid = key_valid
                    .iter()
                    .map(|row| row.iter().take_while(|v| !**v).count())
                    .collect();
                let mut session =
                    DecodeSession::new(weights, adapters.clone(), first_valid, capacity);
                let [_, _, hidden_size] = last.dims();
                let last = host_values(last.reshape([batch * hidden_size]))?;
                let logits = session.head_logits(&last);
                let (mut keys, mut values) = (Vec::new(), Vec::new());
                for layer in cache.layers {
                    let missing = || ModelError::invalid("the prefill left no key/value cache");
                    keys.push(host_values(layer.keys.ok_or_else(missing)?)?);
                    values.push(host_values(layer.values.ok_or_else(missing)?)?);
                }
                session.load_prefill(width, keys, values)?;
                Ok((Stepper::Host(Box::new(session)), logits))
            }
        }
    }

    /// Feeds `next[b]` at `positions[b]` and returns the logits `[batch * vocab]`.
    pub(crate) fn step(
        &mut self,
        next: &[u32],
        positions: &[usize],
    ) -> Result<Vec<f32>, ModelError> {
        match self {
            Stepper::Host(session) => session.step(next, positions),
            Stepper::Tensor {
                decoder,
                cache,
                key_valid,
                device,
            } => {
                let positions: Vec<Vec<usize>> = positions.iter().map(|&p| vec![p]).collect();
                for row in key_valid.iter_mut() {
                    row.push(true);
                }
                let batch = next.len();
                let ids = next.iter().map(|&id| id as i32).collect();
                let hidden = decoder.forward_hidden(
                    int_tensor(ids, [batch, 1], device),
                    &ForwardInput {
                        positions: &positions,
                        key_valid,
                    },
                    Some(cache),
                );
                read_logits(decoder.logits(hidden))
            }
        }
    }
}

/// An integer tensor from row-major ids.
pub fn int_tensor(ids: Vec<i32>, shape: [usize; 2], device: &Device) -> Tensor<2, Int> {
    Tensor::from_data(TensorData::new(ids, shape), device)
}

/// Logits `[batch, 1, vocab]` as numbers.
fn read_logits(logits: Tensor<3>) -> Result<Vec<f32>, ModelError> {
    let [batch, _, vocab] = logits.dims();
    let data = logits.reshape([batch * vocab]).into_data();
    data.try_to_vec_as::<f32>()
        .map_err(|e| ModelError::Unsupported {
            what: "reading logits back from the device".into(),
            reason: format!("{e:?}"),
        })
}
