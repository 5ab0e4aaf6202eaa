//! One batched generation on the CPU: a key/value cache preallocated for the whole
//! generation and written in place, scratch buffers reused by every step, and the decoder
//! layer as a handful of fused loops (RMSNorm, rotary embedding, grouped-query attention read
//! straight from the shared key/value heads) around the weight kernels.

use mascot_kernels::{
    add_in_place, axpy, dot, matmul, rms_norm, rope_half, silu_mul, softmax_in_place,
};
use rayon::prelude::*;

use super::adapters::{LayerAdapters, Projection};
use super::host_weights::{HostLinear, HostWeights};
use crate::model::error::ModelError;

/// Attention work (keys x head width x sequences) below which one thread does it all.
const PARALLEL_ATTENTION: usize = 1 << 16;

/// Buffers every step reuses.
#[derive(Debug, Default)]
struct Scratch {
    x: Vec<f32>,
    h: Vec<f32>,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    attn: Vec<f32>,
    o: Vec<f32>,
    gate: Vec<f32>,
    up: Vec<f32>,
    act: Vec<f32>,
    down: Vec<f32>,
    lora: Vec<f32>,
    norm: Vec<f32>,
    cos: Vec<f32>,
    sin: Vec<f32>,
}

/// A generation in progress: the cache of `batch` sequences and the buffers.
pub struct DecodeSession<'w> {
    weights: &'w HostWeights,
    /// Adapter sets, each one entry per layer; rows use them by [`Self::runs`].
    sets: Vec<Vec<LayerAdapters>>,
    /// `(set, first row, rows)`: consecutive rows that use the same adapter set.
    runs: Vec<(usize, usize, usize)>,
    batch: usize,
    capacity: usize,
    /// Cached positions (slots) so far.
    len: usize,
    /// Per sequence, the first slot that holds a real token (left padding before it).
    first_valid: Vec<usize>,
    /// Per layer, keys and values `[batch, kv_heads, capacity, head_dim]`.
    keys: Vec<Vec<f32>>,
    values: Vec<Vec<f32>>,
    inv_freq: Vec<f32>,
    s: Scratch,
}

impl<'w> DecodeSession<'w> {
    /// A session for `batch` sequences of at most `capacity` slots (prompt width plus new
    /// tokens); `first_valid[b]` is the number of left-padding slots of sequence `b`.
    pub fn new(
        weights: &'w HostWeights,
        adapters: Vec<LayerAdapters>,
        first_valid: Vec<usize>,
        capacity: usize,
    ) -> Self {
        let rows = vec![0; first_valid.len()];
        Self::mixed(weights, vec![adapters], &rows, first_valid, capacity)
    }

    /// A session whose rows use different adapters (multi-LoRA batching): row `b` applies
    /// `sets[set_of_row[b]]` (one entry per layer; an empty set is the base alone). Every
    /// base product runs once for the whole batch; each set's low-rank path runs on its rows.
    pub fn mixed(
        weights: &'w HostWeights,
        sets: Vec<Vec<LayerAdapters>>,
        set_of_row: &[usize],
        first_valid: Vec<usize>,
        capacity: usize,
    ) -> Self {
        let d = &weights.dims;
        let batch = first_valid.len();
        let mut runs: Vec<(usize, usize, usize)> = Vec::new();
        for (b, &set) in set_of_row.iter().enumerate() {
            match runs.last_mut() {
                Some((s, _, n)) if *s == set => *n += 1,
                _ => runs.push((set, b, 1)),
            }
        }
        // A set without adapters (the base) adds nothing.
        runs.retain(|&(set, _, _)| {
            sets.get(set)
                .is_some_and(|l| l.iter().any(|a| !a.is_empty()))
        });
        let cache = batch * d.kv_heads * capacity * d.head_dim;
        let half = d.head_dim / 2;
        // As the tensor path: inverse frequencies in f64, used in f32.
        let inv_freq = (0..half)
            .map(|i| (1.0 / d.rope_theta.powf((2 * i) as f64 / d.head_dim as f64)) as f32)
            .collect();
        let layers = weights.layers.len();
        Self {
            weights,
            sets,
            runs,
            batch,
            capacity,
            len: 0,
            first_valid,
            keys: vec![vec![0.0; cache]; layers],
            values: vec![vec![0.0; cache]; layers],
            inv_freq,
            s: Scratch::default(),
        }
    }

    /// Fills the first `width` slots from a prefill's keys and values, each per layer
    /// `[batch, kv_heads, width, head_dim]` row-major.
    pub fn load_prefill(
        &mut self,
        width: usize,
        keys: Vec<Vec<f32>>,
        values: Vec<Vec<f32>>,
    ) -> Result<(), ModelError> {
        let d = &self.weights.dims;
        let hd = d.head_dim;
        let expected = self.batch * d.kv_heads * width * hd;
        if width > self.capacity
            || keys.len() != self.keys.len()
            || values.len() != self.values.len()
            || keys.iter().chain(&values).any(|t| t.len() != expected)
        {
            return Err(ModelError::invalid(
                "prefill cache does not match the decode session",
            ));
        }
        for (l, (k, v)) in keys.iter().zip(&values).enumerate() {
            for b in 0..self.batch {
                for g in 0..d.kv_heads {
                    let from = (b * d.kv_heads + g) * width * hd;
                    let to = cache_slot(d.kv_heads, self.capacity, hd, b, g, 0);
                    self.keys[l][to..to + width * hd].copy_from_slice(&k[from..from + width * hd]);
                    self.values[l][to..to + width * hd]
                        .copy_from_slice(&v[from..from + width * hd]);
                }
            }
        }
        self.len = width;
        Ok(())
    }

    /// Logits `[batch, vocab]` of final hidden states `[batch, hidden]` (already normed).
    pub fn head_logits(&self, hidden: &[f32]) -> Vec<f32> {
        let w = self.weights;
        let head = w.head.as_ref().unwrap_or(&w.embed);
        let mut logits = vec![0.0; self.batch * head.rows()];
        matmul(hidden, self.batch, &mut [(head, &mut logits)]);
        logits
    }

    /// Feeds one token per sequence at `positions[b]` and returns the logits `[batch, vocab]`.
    pub fn step(&mut self, tokens: &[u32], positions: &[usize]) -> Result<Vec<f32>, ModelError> {
        let w = self.weights;
        let d = &w.dims;
        let batch = self.batch;
        if tokens.len() != batch || positions.len() != batch {
            return Err(ModelError::invalid("one token and position per sequence"));
        }
        if self.len >= self.capacity {
            return Err(ModelError::invalid("the decode cache is full"));
        }
        if let Some(bad) = tokens.iter().find(|&&t| t as usize >= d.vocab) {
            return Err(ModelError::invalid(format!(
                "token id {bad} is outside the vocabulary of {}",
                d.vocab
            )));
        }
        let (hidden, hd, inter) = (d.hidden, d.head_dim, d.intermediate);
        let (q_out, kv_out) = (d.heads * hd, d.kv_heads * hd);
        let half = hd / 2;
        let slot = self.len;
        let s = &mut self.s;
        resize(&mut s.x, batch * hidden);
        for (b, &t) in tokens.iter().enumerate() {
            w.embed
                .row_into(t as usize, &mut s.x[b * hidden..(b + 1) * hidden]);
        }
        // Rotary tables per sequence, as the tensor path computes them (angles in f32).
        resize(&mut s.cos, batch * half);
        resize(&mut s.sin, batch * half);
        for (b, &pos) in positions.iter().enumerate() {
            for (i, f) in self.inv_freq.iter().enumerate() {
                let angle = f * pos as f32;
                s.cos[b * half + i] = angle.cos();
                s.sin[b * half + i] = angle.sin();
            }
        }
        for (l, layer) in w.layers.iter().enumerate() {
            let adapters = Rows {
                sets: &self.sets,
                runs: &self.runs,
                layer: l,
            };
            norm_rows(&s.x, &layer.input_norm, d.rms_eps, &mut s.h);
            resize(&mut s.q, batch * q_out);
            resize(&mut s.k, batch * kv_out);
            resize(&mut s.v, batch * kv_out);
            matmul(
                &s.h,
                batch,
                &mut [
                    (&layer.q.matrix, &mut s.q),
                    (&layer.k.matrix, &mut s.k),
                    (&layer.v.matrix, &mut s.v),
                ],
            );
            finish(
                &layer.q,
                Projection::Q,
                &adapters,
                &s.h,
                batch,
                &mut s.q,
                &mut s.lora,
            );
            finish(
                &layer.k,
                Projection::K,
                &adapters,
                &s.h,
                batch,
                &mut s.k,
                &mut s.lora,
            );
            finish(
                &layer.v,
                Projection::V,
                &adapters,
                &s.h,
                batch,
                &mut s.v,
                &mut s.lora,
            );
            resize(&mut s.norm, hd);
            for b in 0..batch {
                let (cos, sin) = (
                    &s.cos[b * half..(b + 1) * half],
                    &s.sin[b * half..(b + 1) * half],
                );
                for head in s.q[b * q_out..(b + 1) * q_out].chunks_exact_mut(hd) {
                    if let Some(gamma) = &layer.q_norm {
                        rms_norm(head, gamma, d.rms_eps, &mut s.norm);
                        head.copy_from_slice(&s.norm);
                    }
                    rope_half(head, cos, sin);
                }
                for (g, head) in s.k[b * kv_out..(b + 1) * kv_out]
                    .chunks_exact_mut(hd)
                    .enumerate()
                {
                    if let Some(gamma) = &layer.k_norm {
                        rms_norm(head, gamma, d.rms_eps, &mut s.norm);
                        head.copy_from_slice(&s.norm);
                    }
                    rope_half(head, cos, sin);
                    let at = cache_slot(d.kv_heads, self.capacity, hd, b, g, slot);
                    self.keys[l][at..at + hd].copy_from_slice(head);
                    let v = &s.v[b * kv_out + g * hd..b * kv_out + (g + 1) * hd];
                    self.values[l][at..at + hd].copy_from_slice(v);
                }
            }
            resize(&mut s.attn, batch * q_out);
            attend(
                AttentionShape {
                    heads: d.heads,
                    kv_heads: d.kv_heads,
                    head_dim: hd,
                    capacity: self.capacity,
                    len: slot + 1,
                },
                &s.q,
                &self.keys[l],
                &self.values[l],
                &self.first_valid,
                &mut s.attn,
            );
            resize(&mut s.o, batch * hidden);
            matmul(&s.attn, batch, &mut [(&layer.o.matrix, &mut s.o)]);
            finish(
                &layer.o,
                Projection::O,
                &adapters,
                &s.attn,
                batch,
                &mut s.o,
                &mut s.lora,
            );
            add_in_place(&s.o, &mut s.x);
            norm_rows(&s.x, &layer.post_norm, d.rms_eps, &mut s.h);
            resize(&mut s.gate, batch * inter);
            resize(&mut s.up, batch * inter);
            matmul(
                &s.h,
                batch,
                &mut [
                    (&layer.gate.matrix, &mut s.gate),
                    (&layer.up.matrix, &mut s.up),
                ],
            );
            finish(
                &layer.gate,
                Projection::Gate,
                &adapters,
                &s.h,
                batch,
                &mut s.gate,
                &mut s.lora,
            );
            finish(
                &layer.up,
                Projection::Up,
                &adapters,
                &s.h,
                batch,
                &mut s.up,
                &mut s.lora,
            );
            resize(&mut s.act, batch * inter);
            silu_mul(&s.gate, &s.up, &mut s.act);
            resize(&mut s.down, batch * hidden);
            matmul(&s.act, batch, &mut [(&layer.down.matrix, &mut s.down)]);
            finish(
                &layer.down,
                Projection::Down,
                &adapters,
                &s.act,
                batch,
                &mut s.down,
                &mut s.lora,
            );
            add_in_place(&s.down, &mut s.x);
        }
        self.len += 1;
        norm_rows(&s.x, &w.final_norm, d.rms_eps, &mut s.h);
        let h = std::mem::take(&mut s.h);
        let logits = self.head_logits(&h);
        self.s.h = h;
        Ok(logits)
    }
}

/// The adapters of one layer for each run of rows.
struct Rows<'a> {
    sets: &'a [Vec<LayerAdapters>],
    runs: &'a [(usize, usize, usize)],
    layer: usize,
}

/// Bias and adapters of a projection whose base product is already in `y`.
fn finish(
    linear: &HostLinear,
    projection: Projection,
    adapters: &Rows<'_>,
    x: &[f32],
    m: usize,
    y: &mut [f32],
    t: &mut Vec<f32>,
) {
    if let Some(bias) = &linear.bias {
        for row in y.chunks_exact_mut(bias.len()) {
            add_in_place(bias, row);
        }
    }
    let (d_in, d_out) = (x.len() / m.max(1), y.len() / m.max(1));
    for &(set, first, rows) in adapters.runs {
        let layer = &adapters.sets[set][adapters.layer];
        if !layer.is_empty() {
            let (from, to) = (first, first + rows);
            layer.apply(
                projection,
                &x[from * d_in..to * d_in],
                rows,
                &mut y[from * d_out..to * d_out],
                t,
            );
        }
    }
}

/// RMSNorm of each row of `x` into `out`.
fn norm_rows(x: &[f32], gamma: &[f32], eps: f32, out: &mut Vec<f32>) {
    resize(out, x.len());
    for (row, o) in x
        .chunks_exact(gamma.len())
        .zip(out.chunks_exact_mut(gamma.len()))
    {
        rms_norm(row, gamma, eps, o);
    }
}

fn cache_slot(kv_heads: usize, capacity: usize, hd: usize, b: usize, g: usize, t: usize) -> usize {
    ((b * kv_heads + g) * capacity + t) * hd
}

#[derive(Clone, Copy)]
struct AttentionShape {
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
    capacity: usize,
    /// Slots filled, the new one included.
    len: usize,
}

/// Softmax attention of each sequence's query heads over its valid cached slots; query head
/// `h` reads key/value head `h / (heads / kv_heads)` in place (no repeated copies).
fn attend(
    shape: AttentionShape,
    q: &[f32],
    keys: &[f32],
    values: &[f32],
    first_valid: &[usize],
    out: &mut [f32],
) {
    let hd = shape.head_dim;
    let q_out = shape.heads * hd;
    let group = shape.heads / shape.kv_heads;
    let scale = (hd as f32).powf(-0.5);
    let one = |b: usize, out: &mut [f32]| {
        let start = first_valid[b].min(shape.len - 1);
        let mut scores = vec![0.0f32; shape.len - start];
        for h in 0..shape.heads {
            let g = h / group;
            let qh = &q[b * q_out + h * hd..b * q_out + (h + 1) * hd];
            let base = cache_slot(shape.kv_heads, shape.capacity, hd, b, g, 0);
            for (i, score) in scores.iter_mut().enumerate() {
                let at = base + (start + i) * hd;
                *score = dot(qh, &keys[at..at + hd]) * scale;
            }
            softmax_in_place(&mut scores);
            let oh = &mut out[h * hd..(h + 1) * hd];
            oh.fill(0.0);
            for (i, p) in scores.iter().enumerate() {
                let at = base + (start + i) * hd;
                axpy(*p, &values[at..at + hd], oh);
            }
        }
    };
    let batch = first_valid.len();
    if batch > 1 && batch * shape.len * q_out >= PARALLEL_ATTENTION {
        out.par_chunks_mut(q_out)
            .enumerate()
            .for_each(|(b, o)| one(b, o));
    } else {
        for (b, o) in out.chunks_mut(q_out).enumerate() {
            one(b, o);
        }
    }
}

fn resize(v: &mut Vec<f32>, n: usize) {
    v.clear();
    v.resize(n, 0.0);
}
