//! `y = x W^T` for a few activation rows `x: [m, cols]` and a row-per-output matrix
//! `W: [rows, cols]`, giving `y: [m, rows]`. Each weight row is read once for all `m`
//! activation rows (the decode regime, where reading the weights is the cost); output rows are
//! split across rayon's threads, each sum stays on one thread.

use std::ops::Range;

use crate::dispatch::{SimdLevel, fma, simd_level};
use crate::matrix::{BLOCK, Matrix, Storage};
#[cfg(target_arch = "x86_64")]
use crate::rows_x86::{row_dots_avx2, row_dots_avx512};

/// Activation rows processed together by one kernel call.
const TILE: usize = 8;
/// Below this many weight bytes in a call, threads cost more than they save.
const PARALLEL_BYTES: usize = 256 * 1024;

#[inline(always)]
fn hsum16(v: &[f32; 16]) -> f32 {
    let mut s8 = [0f32; 8];
    for j in 0..8 {
        s8[j] = v[j] + v[j + 8];
    }
    let s4 = [s8[0] + s8[4], s8[1] + s8[5], s8[2] + s8[6], s8[3] + s8[7]];
    (s4[0] + s4[2]) + (s4[1] + s4[3])
}

#[inline(always)]
fn lanes16(s: &[f32]) -> &[f32; 16] {
    s[..16].try_into().expect("16 lanes")
}

/// Accumulates one 32-element block of dequantised weights `(lo, hi)` against `M` rows.
#[inline(always)]
fn block_fma<const M: usize, const FMA: bool>(
    acc: &mut [[f32; 16]; M],
    lo: &[f32; 16],
    hi: &[f32; 16],
    x: &[f32],
    cols: usize,
    at: usize,
) {
    for (r, a) in acc.iter_mut().enumerate() {
        let xl = lanes16(&x[r * cols + at..]);
        let xh = lanes16(&x[r * cols + at + 16..]);
        for j in 0..16 {
            a[j] = fma::<FMA>(lo[j], xl[j], a[j]);
        }
        for j in 0..16 {
            a[j] = fma::<FMA>(hi[j], xh[j], a[j]);
        }
    }
}

/// Dot products of weight row `o` with `M` activation rows (portable kernel).
#[inline(always)]
pub(crate) fn row_dots<const M: usize, const FMA: bool>(
    w: &Matrix,
    o: usize,
    x: &[f32],
) -> [f32; M] {
    let cols = w.cols;
    let mut acc = [[0f32; 16]; M];
    let mut tail = [0f32; M];
    match &w.storage {
        Storage::F32(data) => {
            let row = &data[o * cols..(o + 1) * cols];
            let full = cols / 16 * 16;
            for c in (0..full).step_by(16) {
                let wv = lanes16(&row[c..]);
                for (r, a) in acc.iter_mut().enumerate() {
                    let xv = lanes16(&x[r * cols + c..]);
                    for j in 0..16 {
                        a[j] = fma::<FMA>(wv[j], xv[j], a[j]);
                    }
                }
            }
            for (r, t) in tail.iter_mut().enumerate() {
                for c in full..cols {
                    *t = fma::<FMA>(row[c], x[r * cols + c], *t);
                }
            }
        }
        Storage::Q4 {
            scales,
            mins,
            nibbles,
        } => {
            let nb = cols / BLOCK;
            let (mut lo, mut hi) = ([0f32; 16], [0f32; 16]);
            for b in 0..nb {
                let i = o * nb + b;
                let d = scales[i];
                let q: &[u8; 16] = nibbles[i * 16..i * 16 + 16].try_into().expect("16 bytes");
                if mins.is_empty() {
                    for j in 0..16 {
                        lo[j] = (f32::from(q[j] & 0x0f) - 8.0) * d;
                        hi[j] = (f32::from(q[j] >> 4) - 8.0) * d;
                    }
                } else {
                    let m = mins[i];
                    for j in 0..16 {
                        lo[j] = f32::from(q[j] & 0x0f) * d + m;
                        hi[j] = f32::from(q[j] >> 4) * d + m;
                    }
                }
                block_fma::<M, FMA>(&mut acc, &lo, &hi, x, cols, b * BLOCK);
            }
        }
        Storage::Q8 { scales, quants } => {
            let nb = cols / BLOCK;
            let (mut lo, mut hi) = ([0f32; 16], [0f32; 16]);
            for b in 0..nb {
                let i = o * nb + b;
                let d = scales[i];
                let q: &[i8; 32] = quants[i * 32..i * 32 + 32].try_into().expect("32 bytes");
                for j in 0..16 {
                    lo[j] = f32::from(q[j]) * d;
                    hi[j] = f32::from(q[j + 16]) * d;
                }
                block_fma::<M, FMA>(&mut acc, &lo, &hi, x, cols, b * BLOCK);
            }
        }
    }
    let mut out = [0f32; M];
    for r in 0..M {
        out[r] = hsum16(&acc[r]) + tail[r];
    }
    out
}

/// Which row kernel a call runs.
#[derive(Clone, Copy)]
enum Kernel {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Kernel {
    fn detect() -> Self {
        match simd_level() {
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx512 => Kernel::Avx512,
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx2 => Kernel::Avx2,
            _ => Kernel::Portable,
        }
    }
}

/// Output rows `rows` of one tile of `M` activation rows starting at activation row `r0`.
#[inline(always)]
fn tile<const M: usize>(
    kernel: Kernel,
    x: &[f32],
    w: &Matrix,
    out: &OutPtr,
    r0: usize,
    rows: Range<usize>,
) {
    let x = &x[r0 * w.cols..(r0 + M) * w.cols];
    for o in rows {
        let dots = match kernel {
            Kernel::Portable => row_dots::<M, false>(w, o, x),
            // SAFETY: the level was detected on this CPU; `x` is `[M, cols]`, `o < rows`.
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => unsafe { row_dots_avx2::<M>(w, o, x) },
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => unsafe { row_dots_avx512::<M>(w, o, x) },
        };
        for (r, v) in dots.into_iter().enumerate() {
            // SAFETY: `(r0 + r) * w.rows + o` is inside the output (checked by the caller),
            // and output rows `o` belong to this call alone.
            unsafe { out.write((r0 + r) * w.rows + o, v) };
        }
    }
}

fn rows_kernel(x: &[f32], m: usize, w: &Matrix, out: &OutPtr, rows: Range<usize>) {
    let kernel = Kernel::detect();
    let mut r0 = 0;
    while r0 < m {
        let left = m - r0;
        let range = rows.clone();
        match left {
            8.. => tile::<TILE>(kernel, x, w, out, r0, range),
            4..=7 => tile::<4>(kernel, x, w, out, r0, range),
            2..=3 => tile::<2>(kernel, x, w, out, r0, range),
            _ => tile::<1>(kernel, x, w, out, r0, range),
        }
        r0 += match left {
            8.. => TILE,
            4..=7 => 4,
            2..=3 => 2,
            _ => 1,
        };
    }
}

/// A raw output pointer shared by threads that write disjoint elements.
struct OutPtr {
    ptr: *mut f32,
    len: usize,
}

// SAFETY: threads write disjoint elements (distinct output rows) and the owner waits for all.
unsafe impl Send for OutPtr {}
unsafe impl Sync for OutPtr {}

impl OutPtr {
    /// # Safety
    /// `at < len`, and no other thread writes `at`.
    #[inline(always)]
    unsafe fn write(&self, at: usize, value: f32) {
        debug_assert!(at < self.len);
        unsafe { *self.ptr.add(at) = value };
    }
}

fn check(x: &[f32], m: usize, w: &Matrix, y: &[f32]) {
    assert_eq!(x.len(), m * w.cols, "x is not [m, cols]");
    assert_eq!(y.len(), m * w.rows, "y is not [m, rows]");
}

/// `y[r, o] = x[r, :] . w[o, :]` for output rows `rows` only, on this thread.
pub fn matmul_rows(x: &[f32], m: usize, w: &Matrix, y: &mut [f32], rows: Range<usize>) {
    check(x, m, w, y);
    assert!(rows.end <= w.rows);
    let out = OutPtr {
        ptr: y.as_mut_ptr(),
        len: y.len(),
    };
    rows_kernel(x, m, w, &out, rows);
}

/// `y_i = x W_i^T` for each `(W_i, y_i)` with the same `x: [m, cols]`, output rows of all
/// the matrices split evenly across rayon's threads.
pub fn matmul(x: &[f32], m: usize, jobs: &mut [(&Matrix, &mut [f32])]) {
    for (w, y) in jobs.iter() {
        check(x, m, w, y);
    }
    let outs: Vec<(&Matrix, OutPtr)> = jobs
        .iter_mut()
        .map(|(w, y)| {
            (
                *w,
                OutPtr {
                    ptr: y.as_mut_ptr(),
                    len: y.len(),
                },
            )
        })
        .collect();
    let bytes: usize = outs.iter().map(|(w, _)| w.size_bytes()).sum();
    let threads = rayon::current_num_threads().max(1);
    if threads == 1 || bytes < PARALLEL_BYTES {
        for (w, out) in &outs {
            rows_kernel(x, m, w, out, 0..w.rows);
        }
        return;
    }
    // Split the concatenated output rows into `threads` equal spans.
    let total: usize = outs.iter().map(|(w, _)| w.rows).sum();
    let span = total.div_ceil(threads);
    rayon::scope(|s| {
        for t in 0..threads {
            let outs = &outs;
            s.spawn(move |_| {
                let (start, end) = (t * span, ((t + 1) * span).min(total));
                let mut base = 0;
                for (w, out) in outs {
                    let (lo, hi) = (start.max(base), end.min(base + w.rows));
                    if lo < hi {
                        rows_kernel(x, m, w, out, lo - base..hi - base);
                    }
                    base += w.rows;
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::BlockFormat;

    fn reference(x: &[f32], m: usize, w: &Matrix) -> Vec<f32> {
        let mut row = vec![0.0; w.cols];
        let mut y = vec![0.0f64; m * w.rows];
        for o in 0..w.rows {
            w.row_into(o, &mut row);
            for r in 0..m {
                y[r * w.rows + o] = (0..w.cols)
                    .map(|c| f64::from(x[r * w.cols + c]) * f64::from(row[c]))
                    .sum();
            }
        }
        y.into_iter().map(|v| v as f32).collect()
    }

    fn pseudo(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect()
    }

    fn blocks(format: BlockFormat, rows: usize, cols: usize) -> Vec<u8> {
        let n = rows * cols / BLOCK * format.block_bytes();
        pseudo(n, 7)
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let byte = ((v + 0.5) * 255.0) as u8;
                // Keep f16 scales small and finite: exponent byte in [0x20, 0x2f].
                let at = i % format.block_bytes();
                let scale_bytes = if format == BlockFormat::Q4_1 { 4 } else { 2 };
                if at < scale_bytes && at % 2 == 1 {
                    0x20 | (byte & 0x0f)
                } else {
                    byte
                }
            })
            .collect()
    }

    #[test]
    fn every_format_and_row_count_matches_a_f64_reference() {
        let (rows, cols) = (37, 96);
        let mats = [
            Matrix::from_f32(rows, cols + 3, pseudo(rows * (cols + 3), 3)).unwrap(),
            Matrix::from_blocks(
                BlockFormat::Q4_0,
                rows,
                cols,
                &blocks(BlockFormat::Q4_0, rows, cols),
            )
            .unwrap(),
            Matrix::from_blocks(
                BlockFormat::Q4_1,
                rows,
                cols,
                &blocks(BlockFormat::Q4_1, rows, cols),
            )
            .unwrap(),
            Matrix::from_blocks(
                BlockFormat::Q8_0,
                rows,
                cols,
                &blocks(BlockFormat::Q8_0, rows, cols),
            )
            .unwrap(),
        ];
        for w in &mats {
            for m in [1, 2, 3, 5, 8, 11] {
                let x = pseudo(m * w.cols, m as u32);
                let want = reference(&x, m, w);
                let mut y = vec![0.0; m * w.rows];
                matmul(&x, m, &mut [(w, &mut y)]);
                let scale = want.iter().fold(1e-3f32, |a, v| a.max(v.abs()));
                for (a, b) in y.iter().zip(&want) {
                    assert!((a - b).abs() <= 1e-5 * scale, "{w:?} m={m}: {a} vs {b}");
                }
                let mut part = vec![0.0; m * w.rows];
                matmul_rows(&x, m, w, &mut part, 5..9);
                assert_eq!(&part[5..9], &y[5..9]);
                assert_eq!(part[4], 0.0);
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let w = Matrix::from_blocks(
            BlockFormat::Q4_1,
            2048,
            256,
            &blocks(BlockFormat::Q4_1, 2048, 256),
        )
        .unwrap();
        let x = pseudo(3 * 256, 9);
        let mut one = vec![0.0; 3 * 2048];
        matmul_rows(&x, 3, &w, &mut one, 0..2048);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let mut many = vec![0.0; 3 * 2048];
        pool.install(|| matmul(&x, 3, &mut [(&w, &mut many)]));
        assert_eq!(one, many);
    }
}
