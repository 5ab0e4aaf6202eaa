//! LoRA adapters on the CPU decode path: host copies of each adapted projection's factors,
//! applied beside the base matrix as `y += scale * (x A) B`, the way training computes them.

use mascot_kernels::{Matrix, axpy, matmul_rows};

use super::host_weights::host_values;
use crate::model::decoder::Decoder;
use crate::model::error::ModelError;
use crate::model::lora::{LoraLinear, LowRankAdapter};

/// The projections of a layer, in field order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    Q,
    K,
    V,
    O,
    Gate,
    Up,
    Down,
}

/// One adapter: `A^T: [r, in]` as a matrix, `B: [r, out]` row-major, and its scale.
#[derive(Debug, Clone)]
pub struct HostAdapter {
    a_t: Matrix,
    b: Vec<f32>,
    scale: f32,
}

impl HostAdapter {
    fn read(adapter: &LowRankAdapter) -> Result<Self, ModelError> {
        let a_t = adapter.a.val().transpose();
        let [rank, d_in] = a_t.dims();
        let a_t = Matrix::from_f32(rank, d_in, host_values(a_t)?)
            .map_err(|e| ModelError::invalid(format!("LoRA factor A: {e}")))?;
        Ok(Self {
            a_t,
            b: host_values(adapter.b.val())?,
            scale: adapter.scale as f32,
        })
    }

    /// `y += scale * (x A) B` for `x: [m, in]`, `y: [m, out]`; `t` is scratch.
    pub fn apply(&self, x: &[f32], m: usize, y: &mut [f32], t: &mut Vec<f32>) {
        let rank = self.a_t.rows();
        let out = y.len() / m.max(1);
        t.clear();
        t.resize(m * rank, 0.0);
        matmul_rows(x, m, &self.a_t, t, 0..rank);
        for (row, y_row) in y.chunks_exact_mut(out).enumerate() {
            for j in 0..rank {
                let coef = t[row * rank + j] * self.scale;
                axpy(coef, &self.b[j * out..(j + 1) * out], y_row);
            }
        }
    }
}

/// The adapters of one layer (several per projection once merged adapters are kept).
#[derive(Debug, Clone, Default)]
pub struct LayerAdapters {
    pub adapters: Vec<(Projection, HostAdapter)>,
}

impl LayerAdapters {
    /// Applies every adapter of `projection`.
    pub fn apply(
        &self,
        projection: Projection,
        x: &[f32],
        m: usize,
        y: &mut [f32],
        t: &mut Vec<f32>,
    ) {
        for (p, adapter) in &self.adapters {
            if *p == projection {
                adapter.apply(x, m, y, t);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.adapters.is_empty()
    }
}

/// Host copies of the adapters attached to `decoder`, one entry per layer.
pub fn read_adapters(decoder: &Decoder) -> Result<Vec<LayerAdapters>, ModelError> {
    decoder
        .layers
        .iter()
        .map(|layer| {
            let a = &layer.self_attn;
            let m = &layer.mlp;
            let all: [(Projection, &LoraLinear); 7] = [
                (Projection::Q, &a.q_proj),
                (Projection::K, &a.k_proj),
                (Projection::V, &a.v_proj),
                (Projection::O, &a.o_proj),
                (Projection::Gate, &m.gate_proj),
                (Projection::Up, &m.up_proj),
                (Projection::Down, &m.down_proj),
            ];
            let mut adapters = Vec::new();
            for (p, linear) in all {
                if let Some(adapter) = &linear.lora {
                    adapters.push((p, HostAdapter::read(adapter)?));
                }
            }
            Ok(LayerAdapters { adapters })
        })
        .collect()
}

/// `first` followed by `second`, layer by layer.
pub fn concat_adapters(first: &[LayerAdapters], second: Vec<LayerAdapters>) -> Vec<LayerAdapters> {
    second
        .into_iter()
        .enumerate()
        .map(|(i, mut layer)| {
            if let Some(before) = first.get(i) {
                let mut all = before.adapters.clone();
                all.append(&mut layer.adapters);
                layer.adapters = all;
            }
            layer
        })
        .collect()
}
