//! Batched token-by-token decoding on the CPU without the tensor runtime: the weights as the
//! kernels of `mascot-kernels` read them (GGUF blocks as stored, or f32), LoRA adapters
//! beside them, a preallocated key/value cache and fused per-layer loops. Prefill still runs
//! through the tensor decoder (matrix-matrix products); the step-by-step decode, which reads
//! every weight once per token, runs here.

mod adapters;
mod host_weights;
mod session;

use std::sync::Arc;

pub use adapters::{HostAdapter, LayerAdapters, Projection, concat_adapters, read_adapters};
pub use host_weights::{HostDims, HostLayer, HostLinear, HostWeights, host_values};
pub use session::DecodeSession;

/// What the CPU decode path keeps beside a decoder's tensors: its base weights, and the
/// adapters merged into the tensors since (kept apart, applied beside the base).
#[derive(Debug, Clone)]
pub struct HostModel {
    pub weights: Arc<HostWeights>,
    pub merged: Vec<LayerAdapters>,
}
