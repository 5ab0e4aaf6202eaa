//! The matmul row kernels in AVX-512 and AVX2+FMA intrinsics. Lane `j` of the 16-lane
//! accumulator of the portable kernel is lane `j` of one `__m512`, or lane `j % 8` of the
//! `j / 8`-th `__m256`, so all three compute the same sums in the same order (the portable
//! one without fused multiply-add). Weights are dequantised exactly as ggml does (`q * d + m`
//! as a multiply then an add).

#![cfg(target_arch = "x86_64")]

use std::arch::x86_64::*;

use crate::matrix::{BLOCK, Matrix, Storage};

/// Sums 16 lanes in the portable kernel's order.
#[inline(always)]
fn hsum16(v: &[f32; 16]) -> f32 {
    let mut s8 = [0f32; 8];
    for j in 0..8 {
        s8[j] = v[j] + v[j + 8];
    }
    let s4 = [s8[0] + s8[4], s8[1] + s8[5], s8[2] + s8[6], s8[3] + s8[7]];
    (s4[0] + s4[2]) + (s4[1] + s4[3])
}

/// Dot products of weight row `o` with `M` rows of `x` (`[M, cols]`), AVX-512.
///
/// # Safety
/// The CPU supports AVX-512F; `x` holds `M * w.cols` values; `o < w.rows`.
#[target_feature(enable = "avx512f,avx2,fma")]
pub(crate) unsafe fn row_dots_avx512<const M: usize>(w: &Matrix, o: usize, x: &[f32]) -> [f32; M] {
    let cols = w.cols;
    let xp = x.as_ptr();
    let mut acc = [_mm512_setzero_ps(); M];
    let mut tail = [0f32; M];
    unsafe {
        match &w.storage {
            Storage::F32(data) => {
                let wp = data.as_ptr().add(o * cols);
                let full = cols / 16 * 16;
                let mut c = 0;
                while c < full {
                    let wv = _mm512_loadu_ps(wp.add(c));
                    for (r, a) in acc.iter_mut().enumerate() {
                        *a = _mm512_fmadd_ps(wv, _mm512_loadu_ps(xp.add(r * cols + c)), *a);
                    }
                    c += 16;
                }
                for (r, t) in tail.iter_mut().enumerate() {
                    for c in full..cols {
                        *t = (*wp.add(c)).mul_add(*xp.add(r * cols + c), *t);
                    }
                }
            }
            Storage::Q4 {
                scales,
                mins,
                nibbles,
            } => {
                let nb = cols / BLOCK;
                let mask = _mm_set1_epi8(0x0f);
                for b in 0..nb {
                    let i = o * nb + b;
                    let d = _mm512_set1_ps(*scales.get_unchecked(i));
                    let q = _mm_loadu_si128(nibbles.as_ptr().add(i * 16) as *const __m128i);
                    let lo = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(q, mask)));
                    let hi = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(
                        _mm_srli_epi16(q, 4),
                        mask,
                    )));
                    let (lo, hi) = if mins.is_empty() {
                        let eight = _mm512_set1_ps(8.0);
                        (
                            _mm512_mul_ps(_mm512_sub_ps(lo, eight), d),
                            _mm512_mul_ps(_mm512_sub_ps(hi, eight), d),
                        )
                    } else {
                        let m = _mm512_set1_ps(*mins.get_unchecked(i));
                        (
                            _mm512_add_ps(_mm512_mul_ps(lo, d), m),
                            _mm512_add_ps(_mm512_mul_ps(hi, d), m),
                        )
                    };
                    let at = b * BLOCK;
                    for (r, a) in acc.iter_mut().enumerate() {
                        let xr = xp.add(r * cols + at);
                        *a = _mm512_fmadd_ps(lo, _mm512_loadu_ps(xr), *a);
                        *a = _mm512_fmadd_ps(hi, _mm512_loadu_ps(xr.add(16)), *a);
                    }
                }
            }
            Storage::Q8 { scales, quants } => {
                let nb = cols / BLOCK;
                for b in 0..nb {
                    let i = o * nb + b;
                    let d = _mm512_set1_ps(*scales.get_unchecked(i));
                    let qp = quants.as_ptr().add(i * BLOCK) as *const __m128i;
                    let lo = _mm512_mul_ps(
                        _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(qp))),
                        d,
                    );
                    let hi = _mm512_mul_ps(
                        _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(qp.add(1)))),
                        d,
                    );
                    let at = b * BLOCK;
                    for (r, a) in acc.iter_mut().enumerate() {
                        let xr = xp.add(r * cols + at);
                        *a = _mm512_fmadd_ps(lo, _mm512_loadu_ps(xr), *a);
                        *a = _mm512_fmadd_ps(hi, _mm512_loadu_ps(xr.add(16)), *a);
                    }
                }
            }
        }
        let mut out = [0f32; M];
        let mut lanes = [0f32; 16];
        for r in 0..M {
            _mm512_storeu_ps(lanes.as_mut_ptr(), acc[r]);
            out[r] = hsum16(&lanes) + tail[r];
        }
        out
    }
}

/// Two 8-lane halves of a 16-lane block of dequantised weights.
#[inline(always)]
unsafe fn fma_halves(acc: &mut [__m256; 2], w: [__m256; 2], x: *const f32) {
    unsafe {
        acc[0] = _mm256_fmadd_ps(w[0], _mm256_loadu_ps(x), acc[0]);
        acc[1] = _mm256_fmadd_ps(w[1], _mm256_loadu_ps(x.add(8)), acc[1]);
    }
}

/// As [`row_dots_avx512`] with AVX2 and FMA.
///
/// # Safety
/// The CPU supports AVX2 and FMA; `x` holds `M * w.cols` values; `o < w.rows`.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn row_dots_avx2<const M: usize>(w: &Matrix, o: usize, x: &[f32]) -> [f32; M] {
    let cols = w.cols;
    let xp = x.as_ptr();
    let mut acc = [[_mm256_setzero_ps(); 2]; M];
    let mut tail = [0f32; M];
    unsafe {
        match &w.storage {
            Storage::F32(data) => {
                let wp = data.as_ptr().add(o * cols);
                let full = cols / 16 * 16;
                let mut c = 0;
                while c < full {
                    let wv = [_mm256_loadu_ps(wp.add(c)), _mm256_loadu_ps(wp.add(c + 8))];
                    for (r, a) in acc.iter_mut().enumerate() {
                        fma_halves(a, wv, xp.add(r * cols + c));
                    }
                    c += 16;
                }
                for (r, t) in tail.iter_mut().enumerate() {
                    for c in full..cols {
                        *t = (*wp.add(c)).mul_add(*xp.add(r * cols + c), *t);
                    }
                }
            }
            Storage::Q4 {
                scales,
                mins,
                nibbles,
            } => {
                let nb = cols / BLOCK;
                let mask = _mm_set1_epi8(0x0f);
                let widen = |v: __m128i| {
                    [
                        _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v)),
                        _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(v, 8))),
                    ]
                };
                for b in 0..nb {
                    let i = o * nb + b;
                    let d = _mm256_set1_ps(*scales.get_unchecked(i));
                    let q = _mm_loadu_si128(nibbles.as_ptr().add(i * 16) as *const __m128i);
                    let lo = widen(_mm_and_si128(q, mask));
                    let hi = widen(_mm_and_si128(_mm_srli_epi16(q, 4), mask));
                    let dequant = |v: [__m256; 2]| {
                        if mins.is_empty() {
                            let eight = _mm256_set1_ps(8.0);
                            v.map(|h| _mm256_mul_ps(_mm256_sub_ps(h, eight), d))
                        } else {
                            let m = _mm256_set1_ps(*mins.get_unchecked(i));
                            v.map(|h| _mm256_add_ps(_mm256_mul_ps(h, d), m))
                        }
                    };
                    let (lo, hi) = (dequant(lo), dequant(hi));
                    let at = b * BLOCK;
                    for (r, a) in acc.iter_mut().enumerate() {
                        let xr = xp.add(r * cols + at);
                        fma_halves(a, lo, xr);
                        fma_halves(a, hi, xr.add(16));
                    }
                }
            }
            Storage::Q8 { scales, quants } => {
                let nb = cols / BLOCK;
                for b in 0..nb {
                    let i = o * nb + b;
                    let d = _mm256_set1_ps(*scales.get_unchecked(i));
                    let qp = quants.as_ptr().add(i * BLOCK);
                    let load8 = |at: usize| {
                        _mm256_mul_ps(
                            _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(
                                qp.add(at) as *const __m128i
                            ))),
                            d,
                        )
                    };
                    let lo = [load8(0), load8(8)];
                    let hi = [load8(16), load8(24)];
                    let at = b * BLOCK;
                    for (r, a) in acc.iter_mut().enumerate() {
                        let xr = xp.add(r * cols + at);
                        fma_halves(a, lo, xr);
                        fma_halves(a, hi, xr.add(16));
                    }
                }
            }
        }
        let mut out = [0f32; M];
        let mut lanes = [0f32; 16];
        for r in 0..M {
            _mm256_storeu_ps(lanes.as_mut_ptr(), acc[r][0]);
            _mm256_storeu_ps(lanes.as_mut_ptr().add(8), acc[r][1]);
            out[r] = hsum16(&lanes) + tail[r];
        }
        out
    }
}
