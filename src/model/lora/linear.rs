//! The linear layer every adaptable projection uses: a frozen base `y = x W (+ bias)` plus an
//! optional low-rank LoRA path `scale * dropout(x) A B`, computed beside the base (as PEFT
//! does) so that training never forms `W + scale * A B` nor a gradient for `W`.
//!
//! Layout is burn's: `W: [in, out]`, `A: [in, r]`, `B: [r, out]`; PEFT's `lora_A.weight` is
//! `A^T` and `lora_B.weight` is `B^T`. Dropout acts only where a backward pass can run (an
//! autodiff device, module in training mode); inference never drops.

use burn::module::{Module, Param};
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::tensor::module::linear;
use burn::tensor::{Distribution, Tensor, TensorData};
use mascot_kernels::dropout_mask;

use super::dropout_seed::next_dropout_key;
use crate::model::device::is_cpu;

/// A linear layer with an optional LoRA adapter. Field names follow burn's `Linear`.
#[derive(Module, Debug)]
pub struct LoraLinear {
    /// `[in, out]`; frozen when an adapter is attached.
    pub weight: Param<Tensor<2>>,
    /// `[out]`, when the layer has a bias.
    pub bias: Option<Param<Tensor<1>>>,
    /// The low-rank adapter, when attached.
    pub lora: Option<LowRankAdapter>,
}

/// The trainable low-rank factors of one adapted linear.
#[derive(Module, Debug)]
pub struct LowRankAdapter {
    /// `[in, r]` (PEFT's `lora_A.weight` transposed).
    pub a: Param<Tensor<2>>,
    /// `[r, out]` (PEFT's `lora_B.weight` transposed).
    pub b: Param<Tensor<2>>,
    /// Dropout on the adapter's input (training only).
    pub dropout: Dropout,
    /// `alpha / r`, or `alpha / sqrt(r)` with rsLoRA.
    #[module(skip)]
    pub scale: f64,
}

impl LowRankAdapter {
    /// An adapter from its factors; `dropout` must lie in `[0, 1)` (checked by the caller).
    pub fn new(a: Tensor<2>, b: Tensor<2>, scale: f64, dropout: f64) -> Self {
        Self {
            a: Param::from_tensor(a),
            b: Param::from_tensor(b),
            dropout: DropoutConfig::new(dropout).init(),
            scale,
        }
    }

    /// `scale * dropout(x) A B` for `x: [..., in]`.
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        // Scaling the rank-r intermediate is the cheapest place for it.
        let down = linear(self.drop(x), self.a.val(), None) * self.scale;
        linear(down, self.b.val(), None)
    }

    /// Inverted dropout as burn's `Dropout` (training only). On the CPU the mask comes from a
    /// counter-based generator (an order of magnitude faster than drawing every element from
    /// the device's generator) keyed by the next key of the thread's seeded stream
    /// ([`super::seed_lora_dropout`]), or by one draw of the device's generator when a
    /// trainer seeded none.
    fn drop<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        let prob = self.dropout.prob;
        let device = x.device();
        if prob == 0.0 || !self.dropout.training.is_enabled() || !device.is_autodiff() {
            return x;
        }
        if !is_cpu(&device) {
            return self.dropout.forward(x);
        }
        let plain = device.without_autodiff();
        let key = match next_dropout_key() {
            Some(key) => key,
            None => {
                let draw = Tensor::<1>::random([2], Distribution::Default, &plain).into_data();
                let Ok(draw) = draw.try_to_vec::<f32>() else {
                    return self.dropout.forward(x);
                };
                (u64::from(draw[0].to_bits()) << 32) | u64::from(draw[1].to_bits())
            }
        };
        let shape = x.shape();
        let mut mask = vec![0.0f32; shape.num_elements()];
        dropout_mask(key, (1.0 - prob) as f32, &mut mask);
        x * Tensor::<D>::from_data(TensorData::new(mask, shape), &plain)
    }

    /// `scale * A B`, the adapter's change to the base weight, `[in, out]`.
    pub fn delta_weight(&self) -> Tensor<2> {
        self.a.val().matmul(self.b.val()) * self.scale
    }
}

impl From<Linear> for LoraLinear {
    fn from(linear: Linear) -> Self {
        Self {
            weight: linear.weight,
            bias: linear.bias,
            lora: None,
        }
    }
}

impl LoraLinear {
    /// `x W (+ bias) (+ scale * dropout(x) A B)` for `x: [..., in]`.
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        let bias = self.bias.as_ref().map(Param::val);
        match &self.lora {
            None => linear(x, self.weight.val(), bias),
            Some(adapter) => linear(x.clone(), self.weight.val(), bias) + adapter.forward(x),
        }
    }

    /// Input and output widths.
    pub fn dims(&self) -> [usize; 2] {
        self.weight.lazy_shape().dims::<2>()
    }

    /// The adapter folded into the weight (`W + scale * A B`); no adapter is left. The merged
    /// weight keeps the base weight's parameter id and is detached from the factors.
    pub fn merged(self) -> Self {
        let Some(adapter) = self.lora else {
            return self;
        };
        let delta = adapter.delta_weight().detach();
        Self {
            weight: self.weight.map(|w| w + delta),
            bias: self.bias,
            lora: None,
        }
    }
}
