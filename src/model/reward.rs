//! The reward model: a scalar head on the decoder's final hidden state at the last real token
//! of each sequence (as `LlamaForSequenceClassification` with one label), the Bradley-Terry
//! loss it trains with, and saving/loading the head as `score.weight` in safetensors.

use std::path::Path;

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::log_sigmoid;
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::decoder::{Decoder, ForwardInput};
use super::error::ModelError;
use super::generation::int_tensor;
use super::safetensors_source::SafetensorsSource;
use super::tensor_source::TensorSource;
use crate::util::write_atomic;

/// File the head is saved to inside a reward-model folder.
pub const REWARD_HEAD_FILE: &str = "reward_head.safetensors";

/// A decoder with a scalar head.
#[derive(Module, Debug)]
pub struct RewardModel {
    pub decoder: Decoder,
    /// `[hidden, 1]` in burn's layout, no bias.
    pub score: Linear,
}

impl RewardModel {
    /// A reward model whose head is drawn from `seed` (uniform in ±1/sqrt(hidden)).
    pub fn new(decoder: Decoder, seed: u64, device: &Device) -> Self {
        let [_, hidden] = decoder.embed_tokens.weight.lazy_shape().dims::<2>();
        let mut rng = StdRng::seed_from_u64(seed);
        let bound = 1.0 / (hidden as f32).sqrt();
        let data: Vec<f32> = (0..hidden)
            .map(|_| rng.random_range(-bound..bound))
            .collect();
        Self {
            decoder,
            score: head_linear(data, hidden, device),
        }
    }

    /// Scalar rewards `[batch]` of token sequences (right-padded internally).
    pub fn rewards(
        &self,
        sequences: &[Vec<u32>],
        device: &Device,
    ) -> Result<Tensor<1>, ModelError> {
        if sequences.is_empty() || sequences.iter().any(Vec::is_empty) {
            return Err(ModelError::invalid(
                "reward model: every sequence needs at least one token",
            ));
        }
        let vocab = self.decoder.embed_tokens.weight.lazy_shape().dims::<2>()[0];
        if let Some(bad) = sequences.iter().flatten().find(|&&id| id as usize >= vocab) {
            return Err(ModelError::invalid(format!(
                "reward model: token id {bad} is outside the vocabulary of {vocab}"
            )));
        }
        let batch = sequences.len();
        let width = sequences.iter().map(Vec::len).max().unwrap_or(1);
        let mut ids = Vec::with_capacity(batch * width);
        for s in sequences {
            ids.extend(s.iter().map(|&i| i as i32));
            ids.extend(std::iter::repeat_n(0, width - s.len()));
        }
        let positions: Vec<Vec<usize>> = (0..batch).map(|_| (0..width).collect()).collect();
        let key_valid: Vec<Vec<bool>> = sequences
            .iter()
            .map(|s| (0..width).map(|t| t < s.len()).collect())
            .collect();
        let hidden = self.decoder.forward_hidden(
            int_tensor(ids, [batch, width], device),
            &ForwardInput {
                positions: &positions,
                key_valid: &key_valid,
            },
            None,
        );
        let [_, _, h] = hidden.dims();
        let last: Vec<i32> = sequences.iter().map(|s| (s.len() - 1) as i32).collect();
        let index: Tensor<3, Int> = Tensor::from_data(TensorData::new(last, [batch, 1, 1]), device);
        let final_hidden = hidden.gather(1, index.repeat_dim(2, h));
        Ok(self.score.forward(final_hidden).reshape([batch]))
    }

    /// Writes the head to `dir/reward_head.safetensors` as `score.weight` `[1, hidden]`.
    pub fn save_head(&self, dir: &Path) -> Result<(), ModelError> {
        let path = dir.join(REWARD_HEAD_FILE);
        let [hidden, _] = self.score.weight.dims();
        let data = self
            .score
            .weight
            .val()
            .into_data()
            .convert::<f32>()
            .try_to_vec_as::<f32>()
            .map_err(|e| ModelError::invalid(format!("reading the reward head: {e:?}")))?;
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        let view =
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![1, hidden], &bytes)
                .map_err(|e| ModelError::corrupt(&path, e))?;
        let file = safetensors::serialize(vec![("score.weight".to_string(), view)], None)
            .map_err(|e| ModelError::corrupt(&path, e))?;
        Ok(write_atomic(&path, &file)?)
    }

    /// Replaces the head with the one saved in `dir`.
    pub fn load_head(mut self, dir: &Path, device: &Device) -> Result<Self, ModelError> {
        let path = dir.join(REWARD_HEAD_FILE);
        let [_, hidden] = self.decoder.embed_tokens.weight.lazy_shape().dims::<2>();
        let source = SafetensorsSource::open_files(&[path])?;
        let weight = source.require("score.weight", &[1, hidden])?;
        self.score = head_linear(weight.data, hidden, device);
        Ok(self)
    }
}

fn head_linear(data: Vec<f32>, hidden: usize, device: &Device) -> Linear {
    Linear {
        weight: Param::from_tensor(Tensor::from_data(
            TensorData::new(data, [hidden, 1]),
            device,
        )),
        bias: None,
    }
}

/// Bradley-Terry loss `-mean(log sigmoid(r_chosen - r_rejected))`.
pub fn bradley_terry_loss(chosen: Tensor<1>, rejected: Tensor<1>) -> Tensor<1> {
    log_sigmoid(chosen - rejected).mean().neg()
}
