//! Builds a [`Decoder`] from a [`TensorSource`] with Hugging Face tensor names, checking every
//! shape against the configuration.

use burn::module::Param;
use burn::nn::{Embedding, Linear, RmsNorm};
use burn::tensor::{Device, Tensor, TensorData};

use super::attention::Attention;
use super::config::DecoderConfig;
use super::decoder::Decoder;
use super::error::ModelError;
use super::layer::DecoderLayer;
use super::mlp::Mlp;
use super::tensor_source::{HostTensor, TensorSource};

/// Loads every weight of `config`'s decoder from `source`.
pub fn load_decoder(
    config: &DecoderConfig,
    source: &dyn TensorSource,
    device: &Device,
) -> Result<Decoder, ModelError> {
    let loader = Loader { source, device };
    let (h, v, i) = (
        config.hidden_size,
        config.vocab_size,
        config.intermediate_size,
    );
    let hd = config.head_dim();
    let (q_out, kv_out) = (config.num_heads * hd, config.num_kv_heads * hd);
    let mut layers = Vec::with_capacity(config.num_layers);
    for n in 0..config.num_layers {
        let p = format!("model.layers.{n}");
        let attn = format!("{p}.self_attn");
        let self_attn = Attention {
            q_proj: loader
                .linear(&format!("{attn}.q_proj"), h, q_out, config.qkv_bias)?
                .into(),
            k_proj: loader
                .linear(&format!("{attn}.k_proj"), h, kv_out, config.qkv_bias)?
                .into(),
            v_proj: loader
                .linear(&format!("{attn}.v_proj"), h, kv_out, config.qkv_bias)?
                .into(),
            o_proj: loader
                .linear(&format!("{attn}.o_proj"), q_out, h, config.o_bias)?
                .into(),
            q_norm: config
                .qk_norm
                .then(|| loader.norm(&format!("{attn}.q_norm.weight"), hd, config.rms_eps))
                .transpose()?,
            k_norm: config
                .qk_norm
                .then(|| loader.norm(&format!("{attn}.k_norm.weight"), hd, config.rms_eps))
                .transpose()?,
            num_heads: config.num_heads,
            num_kv_heads: config.num_kv_heads,
            head_dim: hd,
        };
        let mlp = Mlp {
            gate_proj: loader
                .linear(&format!("{p}.mlp.gate_proj"), h, i, false)?
                .into(),
            up_proj: loader
                .linear(&format!("{p}.mlp.up_proj"), h, i, false)?
                .into(),
            down_proj: loader
                .linear(&format!("{p}.mlp.down_proj"), i, h, false)?
                .into(),
        };
        layers.push(DecoderLayer {
            input_layernorm: loader.norm(
                &format!("{p}.input_layernorm.weight"),
                h,
                config.rms_eps,
            )?,
            self_attn,
            post_attention_layernorm: loader.norm(
                &format!("{p}.post_attention_layernorm.weight"),
                h,
                config.rms_eps,
            )?,
            mlp,
        });
    }
    let embed = source.require("model.embed_tokens.weight", &[v, h])?;
    // A tied head gets its own contiguous `[hidden, vocab]` copy: multiplying by a transposed
    // view of the embeddings was 10x slower on the CPU backend (the head is never trained).
    let lm_head = if config.tie_embeddings {
        loader.linear_from(embed.clone(), h, v)
    } else {
        loader.linear("lm_head", h, v, false)?
    };
    Ok(Decoder {
        embed_tokens: Embedding {
            weight: Param::from_tensor(Tensor::from_data(
                TensorData::new(embed.data, [v, h]),
                device,
            )),
        },
        layers,
        norm: loader.norm("model.norm.weight", h, config.rms_eps)?,
        lm_head: Some(lm_head),
        rope_theta: config.rope_theta,
        head_dim: hd,
    })
}

struct Loader<'a> {
    source: &'a dyn TensorSource,
    device: &'a Device,
}

impl Loader<'_> {
    /// A PyTorch `[out, in]` linear stored as burn's `[in, out]`.
    fn linear(
        &self,
        prefix: &str,
        d_in: usize,
        d_out: usize,
        bias: bool,
    ) -> Result<Linear, ModelError> {
        let weight = self
            .source
            .require(&format!("{prefix}.weight"), &[d_out, d_in])?;
        let mut linear = self.linear_from(weight, d_in, d_out);
        if bias {
            let b = self.source.require(&format!("{prefix}.bias"), &[d_out])?;
            linear.bias = Some(Param::from_tensor(Tensor::from_data(
                TensorData::new(b.data, [d_out]),
                self.device,
            )));
        }
        Ok(linear)
    }

    /// A bias-free linear from a PyTorch `[out, in]` weight.
    fn linear_from(&self, weight: HostTensor, d_in: usize, d_out: usize) -> Linear {
        let mut transposed = vec![0.0f32; d_in * d_out];
        for o in 0..d_out {
            for (i, value) in weight.data[o * d_in..(o + 1) * d_in].iter().enumerate() {
                transposed[i * d_out + o] = *value;
            }
        }
        Linear {
            weight: Param::from_tensor(Tensor::from_data(
                TensorData::new(transposed, [d_in, d_out]),
                self.device,
            )),
            bias: None,
        }
    }

    fn norm(&self, name: &str, dim: usize, eps: f64) -> Result<RmsNorm, ModelError> {
        let gamma = self.source.require(name, &[dim])?;
        Ok(RmsNorm {
            gamma: Param::from_tensor(Tensor::from_data(
                TensorData::new(gamma.data, [dim]),
                self.device,
            )),
            epsilon: eps,
        })
    }
}
