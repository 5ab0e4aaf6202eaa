//! One pre-norm decoder layer: `x + attn(norm(x))`, then `x + mlp(norm(x))`.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{RmsNorm, RmsNormConfig};
use burn::tensor::{Device, Tensor};

use super::attention::{Attention, AttentionConfig};
use super::kv_cache::LayerCache;
use super::mlp::{Mlp, MlpConfig};
use super::rope::RopeTables;

/// Shape of one decoder layer.
#[derive(Config, Debug)]
pub struct DecoderLayerConfig {
    /// The attention block.
    pub attention: AttentionConfig,
    /// The MLP block.
    pub mlp: MlpConfig,
    /// RMSNorm epsilon. Default: 1e-6.
    #[config(default = 1e-6)]
    pub rms_eps: f64,
}

/// A decoder layer. Field names follow Hugging Face's.
#[derive(Module, Debug)]
pub struct DecoderLayer {
    pub input_layernorm: RmsNorm,
    pub self_attn: Attention,
    pub post_attention_layernorm: RmsNorm,
    pub mlp: Mlp,
}

impl DecoderLayerConfig {
    /// A randomly initialised layer.
    pub fn init(&self, device: &Device) -> DecoderLayer {
        let norm = || {
            RmsNormConfig::new(self.attention.hidden_size)
                .with_epsilon(self.rms_eps)
                .init(device)
        };
        DecoderLayer {
            input_layernorm: norm(),
            self_attn: self.attention.init(device),
            post_attention_layernorm: norm(),
            mlp: self.mlp.init(device),
        }
    }
}

impl DecoderLayer {
    /// `x`: `[batch, seq, hidden]`.
    pub fn forward(
        &self,
        x: Tensor<3>,
        rope: &RopeTables,
        mask: Tensor<4>,
        cache: Option<&mut LayerCache>,
    ) -> Tensor<3> {
        let attn =
            self.self_attn
                .forward(self.input_layernorm.forward(x.clone()), rope, mask, cache);
        let x = x + attn;
        let mlp = self
            .mlp
            .forward(self.post_attention_layernorm.forward(x.clone()));
        x + mlp
    }
}
