//! Per-token log-probabilities of given completions under the model: as a tensor that keeps
//! the autodiff graph (GRPO ratios, KL), and as plain numbers for inference. Only completion
//! positions go through the LM head, in chunks (see [`super::token_logprobs`]).

use burn::tensor::{Device, Tensor, TensorData};

use super::decoder::{Decoder, ForwardInput};
use super::error::ModelError;
use super::generation::int_tensor;
use super::token_logprobs::target_logprobs;

/// Log-probabilities of a right-padded batch: `logprobs[b, t]` is the log-probability of
/// token `t + 1` of sequence `b`; `mask[b, t]` is 1 where that token belongs to the completion.
#[derive(Debug, Clone)]
pub struct CompletionLogprobs {
    /// `[batch, width]`, differentiable when the decoder's device is an autodiff device.
    pub logprobs: Tensor<2>,
    /// `[batch, width]`, 1.0 on completion tokens and 0.0 elsewhere.
    pub mask: Tensor<2>,
    /// Completion length of each sequence.
    pub completion_lens: Vec<usize>,
    /// Prompt length of each sequence.
    pub prompt_lens: Vec<usize>,
}

/// Log-probabilities of each `(prompt, completion)` pair's completion tokens.
pub fn completion_logprobs(
    decoder: &Decoder,
    pairs: &[(Vec<u32>, Vec<u32>)],
    vocab: usize,
    device: &Device,
) -> Result<CompletionLogprobs, ModelError> {
    if pairs.is_empty() {
        return Err(ModelError::invalid(
            "no (prompt, completion) pairs to score",
        ));
    }
    for (i, (prompt, completion)) in pairs.iter().enumerate() {
        if prompt.is_empty() {
            return Err(ModelError::invalid(format!(
                "pair {i}: the prompt is empty (the first token has no log-probability)"
            )));
        }
        if let Some(bad) = prompt
            .iter()
            .chain(completion)
            .find(|&&id| id as usize >= vocab)
        {
            return Err(ModelError::invalid(format!(
                "pair {i}: token id {bad} is outside the vocabulary of {vocab}"
            )));
        }
    }
    let batch = pairs.len();
    let width = pairs
        .iter()
        .map(|(p, c)| p.len() + c.len() - 1)
        .max()
        .unwrap_or(1)
        .max(1);
    let mut inputs = Vec::with_capacity(batch * width);
    let mut targets = Vec::with_capacity(batch * width);
    let mut mask = Vec::with_capacity(batch * width);
    let mut key_valid = Vec::with_capacity(batch);
    for (prompt, completion) in pairs {
        let full: Vec<u32> = prompt.iter().chain(completion).copied().collect();
        let len = full.len() - 1;
        for t in 0..width {
            inputs.push(full.get(t).copied().unwrap_or(0) as i32);
            targets.push(full.get(t + 1).copied().unwrap_or(0));
            mask.push(if t + 1 >= prompt.len() && t < len {
                1.0f32
            } else {
                0.0
            });
        }
        key_valid.push((0..width).map(|t| t < len.max(1)).collect::<Vec<bool>>());
    }
    let positions: Vec<Vec<usize>> = (0..batch).map(|_| (0..width).collect()).collect();
    let hidden = decoder.forward_hidden(
        int_tensor(inputs, [batch, width], device),
        &ForwardInput {
            positions: &positions,
            key_valid: &key_valid,
        },
        None,
    );
    let [_, _, hidden_size] = hidden.dims();
    let needed: Vec<bool> = mask.iter().map(|&m| m > 0.0).collect();
    let logprobs = target_logprobs(
        decoder,
        hidden.reshape([batch * width, hidden_size]),
        &targets,
        &needed,
    )
    .reshape([batch, width]);
    let mask = Tensor::from_data(TensorData::new(mask, [batch, width]), device);
    Ok(CompletionLogprobs {
        logprobs: logprobs * mask.clone(),
        mask,
        completion_lens: pairs.iter().map(|(_, c)| c.len()).collect(),
        prompt_lens: pairs.iter().map(|(p, _)| p.len()).collect(),
    })
}

impl CompletionLogprobs {
    /// The completion tokens' log-probabilities as numbers, one vector per pair.
    pub fn to_vecs(&self) -> Result<Vec<Vec<f32>>, ModelError> {
        let [_, width] = self.logprobs.dims();
        let flat = self
            .logprobs
            .clone()
            .into_data()
            .try_to_vec_as::<f32>()
            .map_err(|e| ModelError::Unsupported {
                what: "reading log-probabilities back from the device".into(),
                reason: format!("{e:?}"),
            })?;
        Ok(self
            .prompt_lens
            .iter()
            .zip(&self.completion_lens)
            .enumerate()
            .map(|(b, (&p, &c))| flat[b * width + p - 1..b * width + p - 1 + c].to_vec())
            .collect())
    }

    /// Sum of each sequence's completion log-probabilities, `[batch]` (differentiable).
    pub fn sequence_sums(&self) -> Tensor<1> {
        let [batch, _] = self.logprobs.dims();
        self.logprobs.clone().sum_dim(1).reshape([batch])
    }
}
