//! Batched generation: several prompts decoded at once with left padding, a per-sequence
//! position and padding mask, and a KV cache. Each sequence draws from its own generator
//! seeded from the config's seed and its index, so a result does not depend on what else is
//! in the batch.

use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::decoder::{Decoder, ForwardInput, left_padded_layout};
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
const PAD_ID: u32 = 0;

/// Generates one completion per prompt.
pub fn generate(
    decoder: &Decoder,
    tokenizer: &ModelTokenizer,
    prompts: &[Vec<u32>],
    cfg: &SamplingConfig,
    limits: GenerationLimits,
    device: &Device,
) -> Result<Vec<Generation>, ModelError> {
    generate_observed(
        decoder,
        tokenizer,
        prompts,
        cfg,
        limits,
        device,
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
    let batch = prompts.len();
    let lengths: Vec<usize> = prompts.iter().map(Vec::len).collect();
    let width = lengths.iter().copied().max().unwrap_or(0);
    let mut ids = Vec::with_capacity(batch * width);
    for prompt in prompts {
        ids.extend(std::iter::repeat_n(PAD_ID as i32, width - prompt.len()));
        ids.extend(prompt.iter().map(|&id| id as i32));
    }
    let (positions, mut key_valid) = left_padded_layout(&lengths, width);
    let mut cache = KvCache::new(decoder.num_layers());
    let mut logits = last_logits(
        decoder,
        int_tensor(ids, [batch, width], device),
        &positions,
        &key_valid,
        &mut cache,
    )?;
    let mut rngs: Vec<StdRng> = (0..batch)
        .map(|i| StdRng::seed_from_u64(cfg.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)))
        .collect();
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
        let positions: Vec<Vec<usize>> = lengths.iter().map(|&len| vec![len + step]).collect();
        for row in &mut key_valid {
            row.push(true);
        }
        let ids = next.iter().map(|&id| id as i32).collect();
        logits = last_logits(
            decoder,
            int_tensor(ids, [batch, 1], device),
            &positions,
            &key_valid,
            &mut cache,
        )?;
    }
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

/// An integer tensor from row-major ids.
pub fn int_tensor(ids: Vec<i32>, shape: [usize; 2], device: &Device) -> Tensor<2, Int> {
    Tensor::from_data(TensorData::new(ids, shape), device)
}

/// Runs one cached forward step and returns the last position's logits, `[batch * vocab]`.
fn last_logits(
    decoder: &Decoder,
    ids: Tensor<2, Int>,
    positions: &[Vec<usize>],
    key_valid: &[Vec<bool>],
    cache: &mut KvCache,
) -> Result<Vec<f32>, ModelError> {
    let [batch, seq] = ids.dims();
    let hidden = decoder.forward_hidden(
        ids,
        &ForwardInput {
            positions,
            key_valid,
        },
        Some(cache),
    );
    let last = hidden.narrow(1, seq - 1, 1);
    let logits = decoder.logits(last);
    let [_, _, vocab] = logits.dims();
    let data = logits.reshape([batch * vocab]).into_data();
    data.try_to_vec_as::<f32>()
        .map_err(|e| ModelError::Unsupported {
            what: "reading logits back from the device".into(),
            reason: format!("{e:?}"),
        })
}
