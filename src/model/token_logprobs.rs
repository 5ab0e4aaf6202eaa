//! Log-probabilities of chosen next tokens under the LM head, computed a chunk of rows at a
//! time so that memory does not grow with rows x vocabulary.
//!
//! With a frozen head (always the case with LoRA) the gradient of `log p(y | h)` with respect
//! to the hidden state `h` is `J = W_y - E_p[W]` (the target's output embedding minus the
//! expected one under the softmax). Each chunk computes its log-probabilities and `J` without
//! autodiff and drops its logits; the result re-enters the graph as
//! `lp + sum((h - detach(h)) * J)`, whose value is `lp` and whose gradient is exactly `J`, so
//! no `[rows, vocab]` tensor lives until the backward pass.

use burn::tensor::{IndexingUpdateOp, Int, Tensor, TensorData};

use super::decoder::Decoder;

/// Logit elements materialised per chunk (64 MiB of f32). Each chunk re-packs the head for the
/// matrix products, so smaller chunks cost time; this keeps the transient logits of a chunk
/// at a fraction of the model's own size.
const CHUNK_ELEMENTS: usize = 1 << 24;

/// `log p(targets[i] | hidden[i])` for every row `i` with `needed[i]`, 0 elsewhere, `[rows]`.
/// `hidden`: `[rows, hidden]` final hidden states; differentiable through `hidden` when it is
/// tracked by autodiff. `targets` and `needed` have one entry per row.
pub fn target_logprobs(
    decoder: &Decoder,
    hidden: Tensor<2>,
    targets: &[u32],
    needed: &[bool],
) -> Tensor<1> {
    let [_, vocab] = decoder.head_weight().dims();
    let chunk = (CHUNK_ELEMENTS / vocab.max(1)).max(1);
    target_logprobs_in_chunks(decoder, hidden, targets, needed, chunk)
}

/// [`target_logprobs`] with `chunk` rows of logits at a time.
pub fn target_logprobs_in_chunks(
    decoder: &Decoder,
    hidden: Tensor<2>,
    targets: &[u32],
    needed: &[bool],
    chunk: usize,
) -> Tensor<1> {
    let [rows, width] = hidden.dims();
    let device = hidden.device();
    let head = decoder.head_weight();
    if head.is_require_grad() {
        // A trainable head needs its own gradient: keep the plain graph.
        return dense_logprobs(decoder, hidden, targets, needed);
    }
    let head = head.without_autodiff();
    let selected: Vec<usize> = (0..rows).filter(|&i| needed[i]).collect();
    if selected.is_empty() {
        return Tensor::zeros([rows], &device);
    }
    let with_grad = hidden.is_tracked();
    let inner_device = device.clone().without_autodiff();
    let plain = hidden.clone().without_autodiff();
    let index = |ids: Vec<i32>| {
        let n = ids.len();
        Tensor::<1, Int>::from_data(TensorData::new(ids, [n]), &inner_device)
    };
    let rows_index = index(selected.iter().map(|&i| i as i32).collect());
    let chosen = plain.select(0, rows_index.clone());
    let head_t = head.clone().transpose();
    let chunk = chunk.max(1);
    let mut logprobs = Vec::new();
    let mut directions = Vec::new();
    for start in (0..selected.len()).step_by(chunk) {
        let len = chunk.min(selected.len() - start);
        let ids: Vec<i32> = selected[start..start + len]
            .iter()
            .map(|&i| targets[i] as i32)
            .collect();
        let target_ids = index(ids);
        let logits = chosen.clone().narrow(0, start, len).matmul(head.clone());
        let max = logits.clone().max_dim(1);
        let target_logit = logits
            .clone()
            .gather(1, target_ids.clone().reshape([len, 1]));
        // `logits` is consumed here, so the subtraction and exp can reuse its buffer.
        let exp = (logits - max.clone()).exp();
        let sum = exp.clone().sum_dim(1);
        logprobs.push((target_logit - max - sum.clone().log()).reshape([len]));
        if with_grad {
            let probs = exp / sum;
            let expected = probs.matmul(head_t.clone());
            directions.push(head_t.clone().select(0, target_ids) - expected);
        }
    }
    let zeros = Tensor::<1>::zeros([rows], &inner_device);
    let values = zeros.select_assign(
        0,
        rows_index.clone(),
        Tensor::cat(logprobs, 0),
        IndexingUpdateOp::Add,
    );
    if !with_grad {
        return values.to_device(&device);
    }
    let direction = Tensor::<2>::zeros([rows, width], &inner_device).select_assign(
        0,
        rows_index,
        Tensor::cat(directions, 0),
        IndexingUpdateOp::Add,
    );
    let offset = hidden.clone() - hidden.detach();
    (offset * direction).sum_dim(1).reshape([rows]) + values
}

/// The plain differentiable computation: full logits, log-softmax, gather.
fn dense_logprobs(
    decoder: &Decoder,
    hidden: Tensor<2>,
    targets: &[u32],
    needed: &[bool],
) -> Tensor<1> {
    let [rows, _] = hidden.dims();
    let device = hidden.device();
    let logits = decoder.logits(hidden.unsqueeze::<3>());
    let [_, _, vocab] = logits.dims();
    let logits = logits.reshape([rows, vocab]);
    let ids: Vec<i32> = targets.iter().map(|&t| t as i32).collect();
    let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [rows, 1]), &device);
    let mask: Vec<f32> = needed.iter().map(|&n| if n { 1.0 } else { 0.0 }).collect();
    let mask = Tensor::<1>::from_data(TensorData::new(mask, [rows]), &device);
    burn::tensor::activation::log_softmax(logits, 1)
        .gather(1, ids)
        .reshape([rows])
        * mask
}
