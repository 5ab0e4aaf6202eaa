//! Builds a [`Decoder`] from a [`TensorSource`] with Hugging Face tensor names, checking every
//! shape against the configuration. On the CPU it also keeps the weights as the decode
//! kernels read them ([`HostWeights`]): the source's own blocks when it stores them so, else
//! the f32 values.

use std::sync::Arc;

use burn::module::Param;
use burn::nn::{Embedding, Linear, RmsNorm};
use burn::tensor::{Device, Tensor, TensorData};
use mascot_kernels::Matrix;

use super::attention::Attention;
use super::config::DecoderConfig;
use super::decode::{HostDims, HostLayer, HostLinear, HostModel, HostWeights};
use super::decoder::Decoder;
use super::device::is_cpu;
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
    let loader = Loader {
        source,
        device,
        host: is_cpu(device),
    };
    let (h, v, i) = (
        config.hidden_size,
        config.vocab_size,
        config.intermediate_size,
    );
    let hd = config.head_dim();
    let (q_out, kv_out) = (config.num_heads * hd, config.num_kv_heads * hd);
    let mut layers = Vec::with_capacity(config.num_layers);
    let mut host_layers = Vec::with_capacity(config.num_layers);
    for n in 0..config.num_layers {
        let p = format!("model.layers.{n}");
        let attn = format!("{p}.self_attn");
        let (q_proj, q) = loader.linear(&format!("{attn}.q_proj"), h, q_out, config.qkv_bias)?;
        let (k_proj, k) = loader.linear(&format!("{attn}.k_proj"), h, kv_out, config.qkv_bias)?;
        let (v_proj, v_host) =
            loader.linear(&format!("{attn}.v_proj"), h, kv_out, config.qkv_bias)?;
        let (o_proj, o) = loader.linear(&format!("{attn}.o_proj"), q_out, h, config.o_bias)?;
        let qk_norm = |name: &str| {
            config
                .qk_norm
                .then(|| loader.norm(&format!("{attn}.{name}.weight"), hd, config.rms_eps))
                .transpose()
        };
        let (q_norm, k_norm) = (qk_norm("q_norm")?, qk_norm("k_norm")?);
        let (gate_proj, gate) = loader.linear(&format!("{p}.mlp.gate_proj"), h, i, false)?;
        let (up_proj, up) = loader.linear(&format!("{p}.mlp.up_proj"), h, i, false)?;
        let (down_proj, down) = loader.linear(&format!("{p}.mlp.down_proj"), i, h, false)?;
        let input_norm = loader.norm(&format!("{p}.input_layernorm.weight"), h, config.rms_eps)?;
        let post_norm = loader.norm(
            &format!("{p}.post_attention_layernorm.weight"),
            h,
            config.rms_eps,
        )?;
        if let (Some(q), Some(k), Some(v), Some(o), Some(gate), Some(up), Some(down)) =
            (q, k, v_host, o, gate, up, down)
        {
            host_layers.push(HostLayer {
                input_norm: input_norm.1.clone(),
                q,
                k,
                v,
                o,
                q_norm: q_norm.as_ref().map(|n| n.1.clone()),
                k_norm: k_norm.as_ref().map(|n| n.1.clone()),
                post_norm: post_norm.1.clone(),
                gate,
                up,
                down,
            });
        }
        layers.push(DecoderLayer {
            input_layernorm: input_norm.0,
            self_attn: Attention {
                q_proj: q_proj.into(),
                k_proj: k_proj.into(),
                v_proj: v_proj.into(),
                o_proj: o_proj.into(),
                q_norm: q_norm.map(|n| n.0),
                k_norm: k_norm.map(|n| n.0),
                num_heads: config.num_heads,
                num_kv_heads: config.num_kv_heads,
                head_dim: hd,
            },
            post_attention_layernorm: post_norm.0,
            mlp: Mlp {
                gate_proj: gate_proj.into(),
                up_proj: up_proj.into(),
                down_proj: down_proj.into(),
            },
        });
    }
    let embed_name = "model.embed_tokens.weight";
    let embed = source.require(embed_name, &[v, h])?;
    let embed_host = loader.host_matrix(embed_name, &embed, v, h)?;
    // A tied head gets its own contiguous `[hidden, vocab]` copy: multiplying by a transposed
    // view of the embeddings was 10x slower on the CPU backend (the head is never trained).
    let (lm_head, head_host) = if config.tie_embeddings {
        (loader.linear_from(&embed, h, v), None)
    } else {
        let (head, host) = loader.linear("lm_head", h, v, false)?;
        (head, host.map(|l| l.matrix))
    };
    let final_norm = loader.norm("model.norm.weight", h, config.rms_eps)?;
    let host = match embed_host {
        Some(embed) if loader.host => Some(HostModel {
            weights: Arc::new(HostWeights {
                dims: HostDims {
                    hidden: h,
                    heads: config.num_heads,
                    kv_heads: config.num_kv_heads,
                    head_dim: hd,
                    intermediate: i,
                    vocab: v,
                    rms_eps: config.rms_eps as f32,
                    rope_theta: config.rope_theta,
                },
                embed,
                head: head_host,
                layers: host_layers,
                final_norm: final_norm.1,
            }),
            merged: Vec::new(),
        }),
        _ => None,
    };
    Ok(Decoder {
        embed_tokens: Embedding {
            weight: Param::from_tensor(Tensor::from_data(
                TensorData::new(embed.data, [v, h]),
                device,
            )),
        },
        layers,
        norm: final_norm.0,
        lm_head: Some(lm_head),
        rope_theta: config.rope_theta,
        head_dim: hd,
        host,
    })
}

struct Loader<'a> {
    source: &'a dyn TensorSource,
    device: &'a Device,
    /// Also build the host copies for the CPU decode path.
    host: bool,
}

impl Loader<'_> {
    /// A PyTorch `[out, in]` linear stored as burn's `[in, out]`, and its host copy.
    fn linear(
        &self,
        prefix: &str,
        d_in: usize,
        d_out: usize,
        bias: bool,
    ) -> Result<(Linear, Option<HostLinear>), ModelError> {
        let name = format!("{prefix}.weight");
        let weight = self.source.require(&name, &[d_out, d_in])?;
        let mut linear = self.linear_from(&weight, d_in, d_out);
        let host = self.host_matrix(&name, &weight, d_out, d_in)?;
        let mut host_bias = None;
        if bias {
            let b = self.source.require(&format!("{prefix}.bias"), &[d_out])?;
            host_bias = Some(b.data.clone());
            linear.bias = Some(Param::from_tensor(Tensor::from_data(
                TensorData::new(b.data, [d_out]),
                self.device,
            )));
        }
        Ok((
            linear,
            host.map(|matrix| HostLinear {
                matrix,
                bias: host_bias,
            }),
        ))
    }

    /// The host copy of a `[rows, cols]` weight: the source's blocks, else its f32 values.
    fn host_matrix(
        &self,
        name: &str,
        tensor: &HostTensor,
        rows: usize,
        cols: usize,
    ) -> Result<Option<Matrix>, ModelError> {
        if !self.host {
            return Ok(None);
        }
        if let Some(blocks) = self.source.block_matrix(name)? {
            return Ok(Some(blocks));
        }
        Matrix::from_f32(rows, cols, tensor.data.clone())
            .map(Some)
            .map_err(|e| ModelError::invalid(format!("`{name}`: {e}")))
    }

    /// A bias-free linear from a PyTorch `[out, in]` weight.
    fn linear_from(&self, weight: &HostTensor, d_in: usize, d_out: usize) -> Linear {
        let transposed = transpose(&weight.data, d_out, d_in);
        Linear {
            weight: Param::from_tensor(Tensor::from_data(
                TensorData::new(transposed, [d_in, d_out]),
                self.device,
            )),
            bias: None,
        }
    }

    /// An RMSNorm and its weights.
    fn norm(&self, name: &str, dim: usize, eps: f64) -> Result<(RmsNorm, Vec<f32>), ModelError> {
        let gamma = self.source.require(name, &[dim])?;
        let host = gamma.data.clone();
        Ok((
            RmsNorm {
                gamma: Param::from_tensor(Tensor::from_data(
                    TensorData::new(gamma.data, [dim]),
                    self.device,
                )),
                epsilon: eps,
            },
            host,
        ))
    }
}

/// `data` (`[rows, cols]` row-major) transposed to `[cols, rows]`, in cache-sized tiles.
fn transpose(data: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    const TILE: usize = 32;
    let mut out = vec![0.0f32; rows * cols];
    for r0 in (0..rows).step_by(TILE) {
        for c0 in (0..cols).step_by(TILE) {
            for r in r0..(r0 + TILE).min(rows) {
                for c in c0..(c0 + TILE).min(cols) {
                    out[c * rows + r] = data[r * cols + c];
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn tiled_transpose_moves_every_element() {
        let (rows, cols) = (37, 70);
        let data: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
        let t = super::transpose(&data, rows, cols);
        for r in 0..rows {
            for c in 0..cols {
                assert_eq!(t[c * rows + r], data[r * cols + c]);
            }
        }
    }
}
