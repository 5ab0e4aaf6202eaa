//! The SwiGLU feed-forward block: `down(silu(gate(x)) * up(x))`.

use burn::config::Config;
use burn::module::Module;
use burn::nn::LinearConfig;
use burn::tensor::activation::silu;
use burn::tensor::{Device, Tensor};

use super::lora::LoraLinear;

/// Shape of the MLP.
#[derive(Config, Debug)]
pub struct MlpConfig {
    /// Width of the residual stream.
    pub hidden_size: usize,
    /// Width of the gated inner layer.
    pub intermediate_size: usize,
}

/// SwiGLU MLP. Field names follow Hugging Face's.
#[derive(Module, Debug)]
pub struct Mlp {
    pub gate_proj: LoraLinear,
    pub up_proj: LoraLinear,
    pub down_proj: LoraLinear,
}

impl MlpConfig {
    /// A randomly initialised MLP.
    pub fn init(&self, device: &Device) -> Mlp {
        let linear = |i, o| LoraLinear::from(LinearConfig::new(i, o).with_bias(false).init(device));
        Mlp {
            gate_proj: linear(self.hidden_size, self.intermediate_size),
            up_proj: linear(self.hidden_size, self.intermediate_size),
            down_proj: linear(self.intermediate_size, self.hidden_size),
        }
    }
}

impl Mlp {
    /// `x`: `[batch, seq, hidden]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let gate = silu(self.gate_proj.forward(x.clone()));
        self.down_proj.forward(gate * self.up_proj.forward(x))
    }
}
