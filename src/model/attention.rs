//! Grouped-query self-attention with RoPE, optional q/k/v bias (Qwen2) and optional per-head
//! q/k RMSNorm (Qwen3).

use burn::config::Config;
use burn::module::Module;
use burn::nn::{LinearConfig, RmsNorm, RmsNormConfig};
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor};

use super::kv_cache::LayerCache;
use super::lora::LoraLinear;
use super::rope::RopeTables;

/// Shape of one attention block.
#[derive(Config, Debug)]
pub struct AttentionConfig {
    /// Width of the residual stream.
    pub hidden_size: usize,
    /// Number of query heads.
    pub num_heads: usize,
    /// Number of key/value heads.
    pub num_kv_heads: usize,
    /// Per-head width.
    pub head_dim: usize,
    /// Bias on q, k, v. Default: false.
    #[config(default = false)]
    pub qkv_bias: bool,
    /// Bias on the output projection. Default: false.
    #[config(default = false)]
    pub o_bias: bool,
    /// Per-head RMSNorm on q and k. Default: false.
    #[config(default = false)]
    pub qk_norm: bool,
    /// RMSNorm epsilon for the q/k norms. Default: 1e-6.
    #[config(default = 1e-6)]
    pub rms_eps: f64,
}

/// Self-attention of one decoder layer. Field names follow Hugging Face's.
#[derive(Module, Debug)]
pub struct Attention {
    pub q_proj: LoraLinear,
    pub k_proj: LoraLinear,
    pub v_proj: LoraLinear,
    pub o_proj: LoraLinear,
    pub q_norm: Option<RmsNorm>,
    pub k_norm: Option<RmsNorm>,
    #[module(skip)]
    pub num_heads: usize,
    #[module(skip)]
    pub num_kv_heads: usize,
    #[module(skip)]
    pub head_dim: usize,
}

impl AttentionConfig {
    /// A randomly initialised attention block.
    pub fn init(&self, device: &Device) -> Attention {
        let q_out = self.num_heads * self.head_dim;
        let kv_out = self.num_kv_heads * self.head_dim;
        let linear =
            |i, o, bias| LoraLinear::from(LinearConfig::new(i, o).with_bias(bias).init(device));
        let norm = || {
            self.qk_norm.then(|| {
                RmsNormConfig::new(self.head_dim)
                    .with_epsilon(self.rms_eps)
                    .init(device)
            })
        };
        Attention {
            q_proj: linear(self.hidden_size, q_out, self.qkv_bias),
            k_proj: linear(self.hidden_size, kv_out, self.qkv_bias),
            v_proj: linear(self.hidden_size, kv_out, self.qkv_bias),
            o_proj: linear(q_out, self.hidden_size, self.o_bias),
            q_norm: norm(),
            k_norm: norm(),
            num_heads: self.num_heads,
            num_kv_heads: self.num_kv_heads,
            head_dim: self.head_dim,
        }
    }
}

impl Attention {
    /// `x`: `[batch, seq, hidden]`; `mask`: additive `[batch, 1, seq, past + seq]`.
    pub fn forward(
        &self,
        x: Tensor<3>,
        rope: &RopeTables,
        mask: Tensor<4>,
        cache: Option<&mut LayerCache>,
    ) -> Tensor<3> {
        let [batch, seq, _] = x.dims();
        let split = |t: Tensor<3>, heads: usize| {
            t.reshape([batch, seq, heads, self.head_dim])
                .swap_dims(1, 2)
        };
        let mut q = split(self.q_proj.forward(x.clone()), self.num_heads);
        let mut k = split(self.k_proj.forward(x.clone()), self.num_kv_heads);
        let v = split(self.v_proj.forward(x), self.num_kv_heads);
        if let Some(norm) = &self.q_norm {
            q = norm.forward(q);
        }
        if let Some(norm) = &self.k_norm {
            k = norm.forward(k);
        }
        let q = rope.apply(q);
        let k = rope.apply(k);
        let (k, v) = match cache {
            Some(cache) => cache.append(k, v),
            None => (k, v),
        };
        let k = self.repeat_kv(k);
        let v = self.repeat_kv(v);
        let scale = (self.head_dim as f64).powf(-0.5);
        let scores = q.matmul(k.swap_dims(2, 3)) * scale + mask;
        let weights = softmax(scores, 3);
        let out = weights.matmul(v).swap_dims(1, 2);
        let out = out.reshape([batch, seq, self.num_heads * self.head_dim]);
        self.o_proj.forward(out)
    }

    /// Repeats each key/value head for the query heads that share it (GQA).
    fn repeat_kv(&self, x: Tensor<4>) -> Tensor<4> {
        let groups = self.num_heads / self.num_kv_heads;
        if groups == 1 {
            return x;
        }
        let [batch, kv_heads, len, head_dim] = x.dims();
        x.unsqueeze_dim::<5>(2).repeat_dim(2, groups).reshape([
            batch,
            kv_heads * groups,
            len,
            head_dim,
        ])
    }
}
