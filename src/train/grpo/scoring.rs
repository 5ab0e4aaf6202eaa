//! Per-token log-probabilities of sampled completions, as GRPO needs them: prompts
//! left-padded and completions right-padded (so every completion starts at the same column),
//! logits divided by the sampling temperature, and the `[tokens, vocab]` logits computed a
//! few sequences at a time so that a `[batch, tokens, vocab]` tensor never exists whole.
//!
//! The training pass ([`super::update`]) uses the same pieces with a cut between the
//! decoder's hidden states and the output head, so that the per-chunk logits are freed after
//! each chunk's backward pass.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::error::GrpoError;
use super::host::to_host;
use crate::model::decoder::{Decoder, ForwardInput};
use crate::model::generation::int_tensor;

/// Pad id in packed batches (masked out, so any valid id works).
const PAD: u32 = 0;

/// A batch of `(prompt, completion)` pairs laid out for one forward pass.
#[derive(Debug, Clone)]
pub struct PackedBatch {
    pub batch: usize,
    /// Longest prompt: every completion starts at this column.
    pub prompt_width: usize,
    /// Longest completion.
    pub completion_width: usize,
    /// Input ids `[batch, prompt_width + completion_width - 1]`, row-major (the last
    /// completion column is only ever a target).
    pub ids: Vec<i32>,
    pub positions: Vec<Vec<usize>>,
    pub key_valid: Vec<Vec<bool>>,
    /// Completion tokens `[batch, completion_width]` (pad past each end).
    pub targets: Vec<i32>,
    /// 1.0 on real completion tokens, `[batch, completion_width]`.
    pub completion_mask: Vec<f32>,
}

impl PackedBatch {
    /// Lays out `pairs`; every prompt and completion needs at least one token.
    pub fn new(pairs: &[(&[u32], &[u32])], vocab: usize) -> Result<Self, GrpoError> {
        let help = "every rollout needs a non-empty prompt and completion of in-vocabulary ids";
        if pairs.is_empty() {
            return Err(GrpoError::input("no completions to score", help));
        }
        for (i, (prompt, completion)) in pairs.iter().enumerate() {
            if prompt.is_empty() || completion.is_empty() {
                return Err(GrpoError::input(
                    format!("rollout {i} has an empty prompt or completion"),
                    help,
                ));
            }
            if let Some(bad) = prompt
                .iter()
                .chain(completion.iter())
                .find(|&&id| id as usize >= vocab)
            {
                return Err(GrpoError::input(
                    format!("rollout {i}: token id {bad} is outside the vocabulary of {vocab}"),
                    help,
                ));
            }
        }
        let batch = pairs.len();
        let pw = pairs.iter().map(|(p, _)| p.len()).max().unwrap_or(1);
        let cw = pairs.iter().map(|(_, c)| c.len()).max().unwrap_or(1);
        let width = pw + cw - 1;
        let mut ids = Vec::with_capacity(batch * width);
        let mut positions = Vec::with_capacity(batch);
        let mut key_valid = Vec::with_capacity(batch);
        let mut targets = Vec::with_capacity(batch * cw);
        let mut completion_mask = Vec::with_capacity(batch * cw);
        for (prompt, completion) in pairs {
            let left = pw - prompt.len();
            let row: Vec<u32> = std::iter::repeat_n(PAD, left)
                .chain(prompt.iter().copied())
                .chain(completion.iter().copied())
                .chain(std::iter::repeat(PAD))
                .take(width)
                .collect();
            ids.extend(row.iter().map(|&id| id as i32));
            positions.push((0..width).map(|j| j.saturating_sub(left)).collect());
            key_valid.push(
                (0..width)
                    .map(|j| j >= left && j < pw + completion.len())
                    .collect(),
            );
            for j in 0..cw {
                targets.push(completion.get(j).copied().unwrap_or(PAD) as i32);
                completion_mask.push(if j < completion.len() { 1.0 } else { 0.0 });
            }
        }
        Ok(Self {
            batch,
            prompt_width: pw,
            completion_width: cw,
            ids,
            positions,
            key_valid,
            targets,
            completion_mask,
        })
    }

    /// Hidden states `[batch, completion_width, hidden]` of the positions that predict each
    /// completion token (differentiable when `decoder` is on an autodiff device).
    pub fn completion_hidden(&self, decoder: &Decoder, device: &Device) -> Tensor<3> {
        let width = self.prompt_width + self.completion_width - 1;
        let hidden = decoder.forward_hidden(
            int_tensor(self.ids.clone(), [self.batch, width], device),
            &ForwardInput {
                positions: &self.positions,
                key_valid: &self.key_valid,
            },
            None,
        );
        hidden.narrow(1, self.prompt_width - 1, self.completion_width)
    }

    /// The completion mask as a `[batch, completion_width]` tensor.
    pub fn mask_tensor(&self, device: &Device) -> Tensor<2> {
        Tensor::from_data(
            TensorData::new(
                self.completion_mask.clone(),
                [self.batch, self.completion_width],
            ),
            device,
        )
    }

    /// Rows (sequences) per logits chunk for a budget of `chunk_tokens` tokens.
    pub fn rows_per_chunk(&self, chunk_tokens: usize) -> usize {
        (chunk_tokens / self.completion_width).max(1)
    }

    /// The targets of rows `start..start + rows` as a `[rows, completion_width, 1]` tensor.
    pub fn targets_tensor(&self, start: usize, rows: usize, device: &Device) -> Tensor<3, Int> {
        let cw = self.completion_width;
        let slice = self.targets[start * cw..(start + rows) * cw].to_vec();
        Tensor::from_data(TensorData::new(slice, [rows, cw, 1]), device)
    }
}

/// Log-probabilities `[rows, tokens]` of `targets` under `decoder`'s head applied to
/// `hidden` `[rows, tokens, hidden]` with logits divided by `temperature`, and the entropy
/// of each token's distribution when asked (detached).
pub fn head_logprobs(
    decoder: &Decoder,
    hidden: Tensor<3>,
    targets: Tensor<3, Int>,
    temperature: f32,
    with_entropy: bool,
) -> (Tensor<2>, Option<Tensor<2>>) {
    let [rows, tokens, _] = hidden.dims();
    let logits = decoder.logits(hidden);
    let logits = if temperature != 1.0 {
        logits / f64::from(temperature)
    } else {
        logits
    };
    let lsm = log_softmax(logits, 2);
    let entropy = with_entropy.then(|| {
        let l = lsm.clone().detach().inner();
        (l.clone().exp() * l)
            .sum_dim(2)
            .neg()
            .reshape([rows, tokens])
    });
    (lsm.gather(2, targets).reshape([rows, tokens]), entropy)
}

/// Log-probabilities of completions without a gradient (the sampling policy's and the
/// reference policy's), chunk by chunk.
#[derive(Debug, Clone)]
pub struct ScoredCompletions {
    /// `[batch, completion_width]`, 0 past each completion's end.
    pub logp: Vec<f32>,
    /// Per-token entropies, same layout, when asked.
    pub entropy: Option<Vec<f32>>,
}

/// Scores `packed` with `decoder` (an inference decoder; no graph is recorded).
pub fn score_packed(
    decoder: &Decoder,
    packed: &PackedBatch,
    temperature: f32,
    chunk_tokens: usize,
    with_entropy: bool,
    device: &Device,
) -> Result<ScoredCompletions, GrpoError> {
    let hidden = packed.completion_hidden(decoder, device);
    let rows = packed.rows_per_chunk(chunk_tokens);
    let mut logp = Vec::with_capacity(packed.targets.len());
    let mut entropy = with_entropy.then(|| Vec::with_capacity(packed.targets.len()));
    let mut start = 0;
    while start < packed.batch {
        let n = rows.min(packed.batch - start);
        let (lp, ent) = head_logprobs(
            decoder,
            hidden.clone().narrow(0, start, n),
            packed.targets_tensor(start, n, device),
            temperature,
            with_entropy,
        );
        logp.extend(to_host(lp)?);
        if let (Some(all), Some(ent)) = (entropy.as_mut(), ent) {
            all.extend(to_host(ent)?);
        }
        start += n;
    }
    for (v, m) in logp.iter_mut().zip(&packed.completion_mask) {
        *v *= m;
    }
    Ok(ScoredCompletions { logp, entropy })
}

/// Log-probabilities of each completion's tokens under `decoder` (no gradient), scored
/// `micro_batch` pairs at a time, one vector per pair.
pub fn score_rows(
    decoder: &Decoder,
    pairs: &[(&[u32], &[u32])],
    temperature: f32,
    chunk_tokens: usize,
    micro_batch: usize,
    device: &Device,
) -> Result<Vec<Vec<f32>>, GrpoError> {
    let vocab = decoder.embed_tokens.weight.lazy_shape().dims::<2>()[0];
    let mut rows = Vec::with_capacity(pairs.len());
    for micro in pairs.chunks(micro_batch.max(1)) {
        let packed = PackedBatch::new(micro, vocab)?;
        let scored = score_packed(decoder, &packed, temperature, chunk_tokens, false, device)?;
        let cw = packed.completion_width;
        for (b, (_, completion)) in micro.iter().enumerate() {
            rows.push(scored.logp[b * cw..b * cw + completion.len()].to_vec());
        }
    }
    Ok(rows)
}
