//! The Llama-family decoder: embeddings, layers, final norm and the (tied or untied) output
//! projection.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig, RmsNorm, RmsNormConfig};
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::attention::AttentionConfig;
use super::config::DecoderConfig;
use super::decode::HostModel;
use super::kv_cache::KvCache;
use super::layer::{DecoderLayer, DecoderLayerConfig};
use super::mlp::MlpConfig;
use super::rope::RopeTables;

/// Added to the attention scores of positions a query must not see. Finite so that a fully
/// masked row (a padding query) gives a uniform softmax instead of NaN.
const MASKED: f32 = -1.0e9;

/// A Llama-family causal language model. Field names follow Hugging Face's.
#[derive(Module, Debug)]
pub struct Decoder {
    pub embed_tokens: Embedding,
    pub layers: Vec<DecoderLayer>,
    pub norm: RmsNorm,
    /// The output projection. Loaded models always have one (a tied model gets a copy of
    /// `embed_tokens`); `None` computes the logits from `embed_tokens` directly.
    pub lm_head: Option<Linear>,
    #[module(skip)]
    pub rope_theta: f64,
    #[module(skip)]
    pub head_dim: usize,
    /// The weights as the CPU decode path reads them (built when loading on the CPU; `None`
    /// reads them back from the tensors when needed).
    #[module(skip)]
    pub host: Option<HostModel>,
}

/// What one forward pass reads besides the token ids.
#[derive(Debug, Clone)]
pub struct ForwardInput<'a> {
    /// Position of each new token within its own sequence, `[batch][seq]`.
    pub positions: &'a [Vec<usize>],
    /// For each sequence, whether each key (cached positions, then the new ones) is a real
    /// token (`false` for left padding), `[batch][past + seq]`.
    pub key_valid: &'a [Vec<bool>],
}

impl DecoderConfig {
    /// A randomly initialised decoder (seed the device first for determinism).
    pub fn init(&self, device: &Device) -> Decoder {
        let attention = AttentionConfig::new(
            self.hidden_size,
            self.num_heads,
            self.num_kv_heads,
            self.head_dim(),
        )
        .with_qkv_bias(self.qkv_bias)
        .with_o_bias(self.o_bias)
        .with_qk_norm(self.qk_norm)
        .with_rms_eps(self.rms_eps);
        let layer = DecoderLayerConfig::new(
            attention,
            MlpConfig::new(self.hidden_size, self.intermediate_size),
        )
        .with_rms_eps(self.rms_eps);
        Decoder {
            embed_tokens: EmbeddingConfig::new(self.vocab_size, self.hidden_size).init(device),
            layers: (0..self.num_layers).map(|_| layer.init(device)).collect(),
            norm: RmsNormConfig::new(self.hidden_size)
                .with_epsilon(self.rms_eps)
                .init(device),
            lm_head: (!self.tie_embeddings).then(|| {
                LinearConfig::new(self.hidden_size, self.vocab_size)
                    .with_bias(false)
                    .init(device)
            }),
            rope_theta: self.rope_theta,
            head_dim: self.head_dim(),
            host: None,
        }
    }
}

impl Decoder {
    /// Final hidden states `[batch, seq, hidden]` (after the last norm) of `ids` `[batch, seq]`.
    pub fn forward_hidden(
        &self,
        ids: Tensor<2, Int>,
        input: &ForwardInput<'_>,
        mut cache: Option<&mut KvCache>,
    ) -> Tensor<3> {
        let device = ids.device();
        let [_, seq] = ids.dims();
        let past = cache.as_ref().map_or(0, |c| c.len);
        let rope = RopeTables::new(input.positions, self.head_dim, self.rope_theta, &device);
        let mask = attention_mask(input.key_valid, past, seq, &device);
        let mut x = self.embed_tokens.forward(ids);
        for (i, layer) in self.layers.iter().enumerate() {
            let layer_cache = cache.as_mut().map(|c| &mut c.layers[i]);
            x = layer.forward(x, &rope, mask.clone(), layer_cache);
        }
        if let Some(cache) = cache {
            cache.len += seq;
        }
        self.norm.forward(x)
    }

    /// Logits `[batch, seq, vocab]` of hidden states `[batch, seq, hidden]`.
    pub fn logits(&self, hidden: Tensor<3>) -> Tensor<3> {
        match &self.lm_head {
            Some(head) => head.forward(hidden),
            None => {
                let weight = self.embed_tokens.weight.val().transpose();
                hidden.matmul(weight.unsqueeze())
            }
        }
    }

    /// The output projection as `[hidden, vocab]` (the transposed embeddings when tied and
    /// no copy exists).
    pub fn head_weight(&self) -> Tensor<2> {
        match &self.lm_head {
            Some(head) => head.weight.val(),
            None => self.embed_tokens.weight.val().transpose(),
        }
    }

    /// Logits of every position of `ids`.
    pub fn forward(&self, ids: Tensor<2, Int>, input: &ForwardInput<'_>) -> Tensor<3> {
        self.logits(self.forward_hidden(ids, input, None))
    }

    /// Whether any base weight (anything but LoRA factors) takes gradients, so that an
    /// optimizer step may change it.
    pub fn base_is_trainable(&self) -> bool {
        let tracked = |p: &burn::module::Param<Tensor<2>>| p.val().is_require_grad();
        let norm = |n: &RmsNorm| n.gamma.val().is_require_grad();
        tracked(&self.embed_tokens.weight)
            || norm(&self.norm)
            || self.lm_head.as_ref().is_some_and(|h| tracked(&h.weight))
            || self.layers.iter().any(|l| {
                let a = &l.self_attn;
                let m = &l.mlp;
                [
                    &a.q_proj,
                    &a.k_proj,
                    &a.v_proj,
                    &a.o_proj,
                    &m.gate_proj,
                    &m.up_proj,
                    &m.down_proj,
                ]
                .iter()
                .any(|p| {
                    tracked(&p.weight) || p.bias.as_ref().is_some_and(|b| b.val().is_require_grad())
                }) || norm(&l.input_layernorm)
                    || norm(&l.post_attention_layernorm)
                    || a.q_norm.as_ref().is_some_and(norm)
                    || a.k_norm.as_ref().is_some_and(norm)
            })
    }

    /// Number of decoder layers.
    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }
}

/// The additive causal + padding mask `[batch, 1, seq, past + seq]`.
pub fn attention_mask(
    key_valid: &[Vec<bool>],
    past: usize,
    seq: usize,
    device: &Device,
) -> Tensor<4> {
    let batch = key_valid.len();
    let total = past + seq;
    let mut data = Vec::with_capacity(batch * seq * total);
    for row in key_valid {
        for q in 0..seq {
            for k in 0..total {
                let visible = k <= past + q && row.get(k).copied().unwrap_or(false);
                data.push(if visible { 0.0 } else { MASKED });
            }
        }
    }
    Tensor::from_data(TensorData::new(data, [batch, 1, seq, total]), device)
}

/// Positions and key masks for a batch of left-padded sequences without cache.
pub fn left_padded_layout(lengths: &[usize], width: usize) -> (Vec<Vec<usize>>, Vec<Vec<bool>>) {
    let positions = lengths
        .iter()
        .map(|&len| {
            (0..width)
                .map(|t| (t + len).saturating_sub(width))
                .collect()
        })
        .collect();
    let valid = lengths
        .iter()
        .map(|&len| (0..width).map(|t| t >= width - len).collect())
        .collect();
    (positions, valid)
}
