//! CPU kernels for the decode path of a small causal language model: a few activation rows
//! times a weight matrix stored row-per-output in f32 or in ggml's 32-element blocks
//! (Q4_0, Q4_1, Q8_0, read as stored, no dequantised copy), and the small vector operations
//! of a decoder layer (dot products, RMSNorm, softmax, SiLU gating, rotary embeddings), and
//! counter-based dropout masks.
//!
//! Each kernel is written once over fixed 16-lane arrays and compiled three times (AVX-512,
//! AVX2+FMA, portable); the widest the CPU supports is picked at run time. The lane layout is
//! part of the code, so AVX-512 and AVX2 machines compute the same sums in the same order, and
//! the row split across threads never splits a sum: results do not depend on the thread count.
//!
//! This crate is compiled at opt-level 3 in every profile (see the root `Cargo.toml`): its
//! loops are only fast when vectorised.

mod dispatch;
mod matmul;
mod matrix;
mod random;
mod rows_x86;
mod vector;

pub use dispatch::{SimdLevel, simd_level};
pub use matmul::{matmul, matmul_rows};
pub use matrix::{BlockFormat, Matrix, MatrixError};
pub use random::dropout_mask;
pub use vector::{add_in_place, axpy, dot, rms_norm, rope_half, silu_mul, softmax_in_place};
