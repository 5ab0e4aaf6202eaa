//! The gradient of the GRPO loss for one update batch, with the logits never whole: the
//! decoder runs once per micro-batch up to its final hidden states; the graph is cut there;
//! the output head, log-softmax and per-token loss run a few sequences at a time, each chunk
//! backpropagated to the cut and freed; then one backward pass from the hidden states
//! (`sum(hidden * dL/dhidden)`) gives the adapters' gradients.
//!
//! This is exact because the loss is a sum of per-token terms with batch-level normalisers
//! ([`Normaliser`]). The output head gets no gradient this way: it must be frozen (LoRA
//! never targets it).

use burn::module::Module;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};

use super::error::GrpoError;
use super::host::to_host;
use super::objective::{LossSettings, Normaliser, TokenLossInputs, TokenStats, policy_loss};
use super::scoring::{PackedBatch, head_logprobs};
use crate::model::decoder::Decoder;

/// One completion of the update batch.
#[derive(Debug, Clone, Copy)]
pub struct UpdateRow<'a> {
    pub prompt: &'a [u32],
    pub completion: &'a [u32],
    /// 1.0 on completion tokens that count as actions, one per completion token.
    pub mask: &'a [f32],
    pub advantage: f64,
    /// The sampling policy's log-probabilities, one per completion token; `None` on-policy.
    pub old_logp: Option<&'a [f32]>,
    /// The reference policy's log-probabilities; needed when `beta > 0`.
    pub ref_logp: Option<&'a [f32]>,
}

/// How the update is computed.
#[derive(Debug, Clone, Copy)]
pub struct UpdateSettings {
    pub loss: LossSettings,
    pub norm: Normaliser,
    pub temperature: f32,
    /// Completion tokens per logits chunk.
    pub chunk_tokens: usize,
    /// Completions per decoder forward/backward pass.
    pub micro_batch: usize,
}

/// Gradients of the adapters and what is logged about the update.
#[derive(Debug)]
pub struct UpdateOutcome {
    pub grads: GradientsParams,
    pub stats: TokenStats,
    /// Sum of per-token entropies over active tokens.
    pub entropy_sum: f64,
}

/// Computes the gradient of the loss over `rows` for the trainable parameters of
/// `decoder` (which must live on an autodiff device).
pub fn policy_gradients(
    decoder: &Decoder,
    rows: &[UpdateRow<'_>],
    settings: &UpdateSettings,
    device: &Device,
) -> Result<UpdateOutcome, GrpoError> {
    if !device.is_autodiff() {
        return Err(GrpoError::input(
            "the policy is not on an autodiff device",
            "load the policy with `LoadedModel::load_trainable`",
        ));
    }
    for (i, row) in rows.iter().enumerate() {
        let n = row.completion.len();
        let lens_ok = row.mask.len() == n
            && row.old_logp.is_none_or(|v| v.len() == n)
            && row.ref_logp.is_none_or(|v| v.len() == n);
        if !lens_ok {
            return Err(GrpoError::input(
                format!(
                    "rollout {i}: mask or log-probabilities do not have one value per completion token ({n})"
                ),
                "give one mask value and log-probability per completion token",
            ));
        }
    }
    let mut accumulator = GradientsAccumulator::<Decoder>::new();
    let mut stats = TokenStats::default();
    let mut entropy_sum = 0.0;
    for micro in rows.chunks(settings.micro_batch.max(1)) {
        let (grads, part, entropy) = micro_batch_gradients(decoder, micro, settings, device)?;
        accumulator.accumulate(decoder, grads);
        stats.add(&part);
        entropy_sum += entropy;
    }
    Ok(UpdateOutcome {
        grads: accumulator.grads(),
        stats,
        entropy_sum,
    })
}

/// Values of `rows` laid out `[rows, width]`, 0 past each row's end.
fn padded(rows: &[&[f32]], width: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(rows.len() * width);
    for row in rows {
        out.extend_from_slice(row);
        out.extend(std::iter::repeat_n(0.0, width - row.len()));
    }
    out
}

fn micro_batch_gradients(
    decoder: &Decoder,
    rows: &[UpdateRow<'_>],
    settings: &UpdateSettings,
    device: &Device,
) -> Result<(GradientsParams, TokenStats, f64), GrpoError> {
    let vocab = decoder.embed_tokens.weight.lazy_shape().dims::<2>()[0];
    let pairs: Vec<(&[u32], &[u32])> = rows.iter().map(|r| (r.prompt, r.completion)).collect();
    let packed = PackedBatch::new(&pairs, vocab)?;
    let cw = packed.completion_width;
    let tensor2 = |data: Vec<f32>, n: usize| -> Tensor<2> {
        Tensor::from_data(TensorData::new(data, [n, cw]), device)
    };
    let hidden = packed.completion_hidden(decoder, device);
    let cut = hidden.clone().detach();
    let per_chunk = packed.rows_per_chunk(settings.chunk_tokens);
    let mut hidden_grads = Vec::new();
    let mut stats = TokenStats::default();
    let mut entropy_sum = 0.0;
    let mut start = 0;
    while start < rows.len() {
        let n = per_chunk.min(rows.len() - start);
        let chunk = &rows[start..start + n];
        let leaf = cut.clone().narrow(0, start, n).require_grad();
        let (logp, entropy) = head_logprobs(
            decoder,
            leaf.clone(),
            packed.targets_tensor(start, n, device),
            settings.temperature,
            true,
        );
        let mask = padded(&chunk.iter().map(|r| r.mask).collect::<Vec<_>>(), cw);
        let optional = |slices: Option<Vec<&[f32]>>| slices.map(|s| tensor2(padded(&s, cw), n));
        let inputs = TokenLossInputs {
            logp,
            old_logp: optional(chunk.iter().map(|r| r.old_logp).collect()),
            ref_logp: optional(chunk.iter().map(|r| r.ref_logp).collect()),
            advantages: Tensor::from_data(
                TensorData::new(
                    chunk.iter().map(|r| r.advantage as f32).collect::<Vec<_>>(),
                    [n],
                ),
                device,
            ),
            mask: tensor2(mask.clone(), n),
        };
        let (loss, part) = policy_loss(inputs, &settings.loss, &settings.norm)?;
        if let Some(entropy) = entropy {
            let values = to_host(entropy)?;
            entropy_sum += values
                .iter()
                .zip(&mask)
                .map(|(e, m)| f64::from(e * m))
                .sum::<f64>();
        }
        stats.add(&part);
        let grads = loss.backward();
        let grad = leaf.grad(&grads).ok_or_else(|| {
            GrpoError::input(
                "no gradient reached the decoder's hidden states",
                "the policy must be on an autodiff device",
            )
        })?;
        hidden_grads.push(grad);
        start += n;
    }
    let hidden_grad = Tensor::cat(hidden_grads, 0);
    let surrogate = (hidden * hidden_grad).sum();
    let grads = GradientsParams::from_grads(surrogate.backward(), decoder);
    Ok((grads, stats, entropy_sum))
}

/// The inference copy of a trainable decoder (adapters kept, no autodiff).
pub fn inference_copy(decoder: &Decoder) -> Decoder {
    decoder.valid()
}
