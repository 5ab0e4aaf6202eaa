//! The decoder's weights as the CPU decode kernels read them: one row per output feature, in
//! f32 or in the GGUF file's own blocks (Q4_0, Q4_1, Q8_0: the exact values the f32 copy
//! was dequantised from, at a quarter to an eighth of the bytes). Built once when a model is
//! loaded on the CPU, or read back from the decoder's tensors when it has none.

use burn::module::Param;
use burn::nn::RmsNorm;
use burn::tensor::Tensor;
use mascot_kernels::Matrix;

use crate::model::decoder::Decoder;
use crate::model::error::ModelError;
use crate::model::lora::LoraLinear;

/// Shapes and constants of the decoder the weights belong to.
#[derive(Debug, Clone, PartialEq)]
pub struct HostDims {
    pub hidden: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub head_dim: usize,
    pub intermediate: usize,
    pub vocab: usize,
    pub rms_eps: f32,
    pub rope_theta: f64,
}

/// A linear layer: its matrix (`[out, in]`) and bias.
#[derive(Debug, Clone)]
pub struct HostLinear {
    pub matrix: Matrix,
    pub bias: Option<Vec<f32>>,
}

/// One decoder layer.
#[derive(Debug, Clone)]
pub struct HostLayer {
    pub input_norm: Vec<f32>,
    pub q: HostLinear,
    pub k: HostLinear,
    pub v: HostLinear,
    pub o: HostLinear,
    pub q_norm: Option<Vec<f32>>,
    pub k_norm: Option<Vec<f32>>,
    pub post_norm: Vec<f32>,
    pub gate: HostLinear,
    pub up: HostLinear,
    pub down: HostLinear,
}

/// Every weight of a decoder (adapters excluded: they are read at generation time).
#[derive(Debug, Clone)]
pub struct HostWeights {
    pub dims: HostDims,
    pub embed: Matrix,
    /// `[vocab, hidden]`; `None` when the head is the embedding matrix.
    pub head: Option<Matrix>,
    pub layers: Vec<HostLayer>,
    pub final_norm: Vec<f32>,
}

impl HostWeights {
    /// Bytes the weights occupy.
    pub fn size_bytes(&self) -> usize {
        let linear =
            |l: &HostLinear| l.matrix.size_bytes() + l.bias.as_ref().map_or(0, |b| b.len() * 4);
        self.embed.size_bytes()
            + self.head.as_ref().map_or(0, Matrix::size_bytes)
            + self
                .layers
                .iter()
                .map(|l| {
                    [&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down]
                        .into_iter()
                        .map(linear)
                        .sum::<usize>()
                })
                .sum::<usize>()
    }

    /// Reads the weights back from `decoder`'s tensors (f32; for decoders built without
    /// host weights, such as randomly initialised ones).
    pub fn from_decoder(decoder: &Decoder) -> Result<Self, ModelError> {
        let first = decoder
            .layers
            .first()
            .ok_or_else(|| ModelError::invalid("the decoder has no layers"))?;
        let attn = &first.self_attn;
        let [hidden, q_out] = attn.q_proj.dims();
        let [_, intermediate] = first.mlp.up_proj.dims();
        let [vocab, _] = decoder.embed_tokens.weight.lazy_shape().dims::<2>();
        let dims = HostDims {
            hidden,
            heads: attn.num_heads,
            kv_heads: attn.num_kv_heads,
            head_dim: attn.head_dim,
            intermediate,
            vocab,
            rms_eps: first.input_layernorm.epsilon as f32,
            rope_theta: decoder.rope_theta,
        };
        debug_assert_eq!(q_out, dims.heads * dims.head_dim);
        let embed = matrix(&decoder.embed_tokens.weight.val(), false)?;
        let head = decoder
            .lm_head
            .as_ref()
            .map(|h| matrix(&h.weight.val(), true))
            .transpose()?;
        let layers = decoder
            .layers
            .iter()
            .map(|layer| {
                let a = &layer.self_attn;
                Ok(HostLayer {
                    input_norm: norm(&layer.input_layernorm)?,
                    q: linear(&a.q_proj)?,
                    k: linear(&a.k_proj)?,
                    v: linear(&a.v_proj)?,
                    o: linear(&a.o_proj)?,
                    q_norm: a.q_norm.as_ref().map(norm).transpose()?,
                    k_norm: a.k_norm.as_ref().map(norm).transpose()?,
                    post_norm: norm(&layer.post_attention_layernorm)?,
                    gate: linear(&layer.mlp.gate_proj)?,
                    up: linear(&layer.mlp.up_proj)?,
                    down: linear(&layer.mlp.down_proj)?,
                })
            })
            .collect::<Result<_, ModelError>>()?;
        Ok(Self {
            dims,
            embed,
            head,
            layers,
            final_norm: norm(&decoder.norm)?,
        })
    }
}

/// The values of a float tensor, row-major.
pub fn host_values<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, ModelError> {
    t.into_data()
        .convert::<f32>()
        .try_to_vec_as::<f32>()
        .map_err(|e| ModelError::Unsupported {
            what: "reading weights back from the device".into(),
            reason: format!("{e:?}"),
        })
}

/// A `[rows, cols]` tensor as a row-per-output matrix; `transposed` for burn's `[in, out]`
/// linear weights.
fn matrix(t: &Tensor<2>, transposed: bool) -> Result<Matrix, ModelError> {
    let t = if transposed {
        t.clone().transpose()
    } else {
        t.clone()
    };
    let [rows, cols] = t.dims();
    Matrix::from_f32(rows, cols, host_values(t)?)
        .map_err(|e| ModelError::invalid(format!("host weights: {e}")))
}

fn linear(l: &LoraLinear) -> Result<HostLinear, ModelError> {
    Ok(HostLinear {
        matrix: matrix(&l.weight.val(), true)?,
        bias: l.bias.as_ref().map(|b| host_values(b.val())).transpose()?,
    })
}

fn norm(n: &RmsNorm) -> Result<Vec<f32>, ModelError> {
    host_values(Param::val(&n.gamma))
}
