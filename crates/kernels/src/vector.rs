//! The small vector operations of a decoder layer: dot products, `y += a x`, RMSNorm,
//! softmax, SiLU gating and rotary embeddings. `exp` is a vectorisable polynomial (relative
//! error below 2e-7 on the range used), so softmax and SiLU run at SIMD width.

use crate::dispatch::{fma, multiversion};

#[inline(always)]
fn dot_body<const FMA: bool>(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let mut acc = [0f32; 16];
    let full = a.len() / 16 * 16;
    for (ca, cb) in a[..full].chunks_exact(16).zip(b[..full].chunks_exact(16)) {
        for j in 0..16 {
            acc[j] = fma::<FMA>(ca[j], cb[j], acc[j]);
        }
    }
    let mut s8 = [0f32; 8];
    for j in 0..8 {
        s8[j] = acc[j] + acc[j + 8];
    }
    let mut sum = ((s8[0] + s8[4]) + (s8[2] + s8[6])) + ((s8[1] + s8[5]) + (s8[3] + s8[7]));
    for i in full..a.len() {
        sum = fma::<FMA>(a[i], b[i], sum);
    }
    sum
}

multiversion!(
    /// `a . b` (equal lengths).
    pub fn dot(a: &[f32], b: &[f32]) -> f32 => dot_body
);

#[inline(always)]
fn axpy_body<const FMA: bool>(alpha: f32, x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len());
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi = fma::<FMA>(alpha, *xi, *yi);
    }
}

multiversion!(
    /// `y += alpha * x`.
    pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) => axpy_body
);

#[inline(always)]
fn add_body<const FMA: bool>(x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len());
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += *xi;
    }
}

multiversion!(
    /// `y += x`.
    pub fn add_in_place(x: &[f32], y: &mut [f32]) => add_body
);

#[inline(always)]
fn rms_norm_body<const FMA: bool>(x: &[f32], gamma: &[f32], eps: f32, out: &mut [f32]) {
    assert!(x.len() == gamma.len() && x.len() == out.len());
    let mut acc = [0f32; 16];
    let full = x.len() / 16 * 16;
    for c in x[..full].chunks_exact(16) {
        for j in 0..16 {
            acc[j] = fma::<FMA>(c[j], c[j], acc[j]);
        }
    }
    let mut sum: f32 = acc.iter().sum();
    for v in &x[full..] {
        sum = fma::<FMA>(*v, *v, sum);
    }
    let rms = (sum / x.len() as f32 + eps).sqrt();
    for ((o, v), g) in out.iter_mut().zip(x).zip(gamma) {
        *o = (*v / rms) * *g;
    }
}

multiversion!(
    /// `out = x / sqrt(mean(x^2) + eps) * gamma` (burn's and Hugging Face's RMSNorm).
    pub fn rms_norm(x: &[f32], gamma: &[f32], eps: f32, out: &mut [f32]) => rms_norm_body
);

/// `e^x` for `x` in about `[-87, 88]` (clamped outside), as Cephes' `expf`: `x = n ln2 + r`,
/// a degree-6 polynomial for `e^r`, and `2^n` from the exponent bits.
#[inline(always)]
fn exp<const FMA: bool>(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let n = (x * std::f32::consts::LOG2_E + 0.5).floor();
    // ln 2 split in two so that `x - n ln2` stays exact.
    let r = fma::<FMA>(n, -0.693_359_4, x);
    let r = fma::<FMA>(n, 2.121_944_4e-4, r);
    let mut p = 1.987_569_1e-4f32;
    p = fma::<FMA>(p, r, 1.398_199_9e-3);
    p = fma::<FMA>(p, r, 8.333_452e-3);
    p = fma::<FMA>(p, r, 4.166_579_6e-2);
    p = fma::<FMA>(p, r, 1.666_666_5e-1);
    p = fma::<FMA>(p, r, 5e-1);
    let e = fma::<FMA>(p, r * r, r) + 1.0;
    e * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

#[inline(always)]
fn softmax_body<const FMA: bool>(x: &mut [f32]) {
    let max = x.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let mut acc = [0f32; 16];
    let full = x.len() / 16 * 16;
    for c in x[..full].chunks_exact_mut(16) {
        for j in 0..16 {
            c[j] = exp::<FMA>(c[j] - max);
            acc[j] += c[j];
        }
    }
    let mut sum: f32 = acc.iter().sum();
    for v in &mut x[full..] {
        *v = exp::<FMA>(*v - max);
        sum += *v;
    }
    for v in x.iter_mut() {
        *v /= sum;
    }
}

multiversion!(
    /// Softmax of `x` in place.
    pub fn softmax_in_place(x: &mut [f32]) => softmax_body
);

#[inline(always)]
fn silu_mul_body<const FMA: bool>(gate: &[f32], up: &[f32], out: &mut [f32]) {
    assert!(gate.len() == up.len() && gate.len() == out.len());
    for ((o, g), u) in out.iter_mut().zip(gate).zip(up) {
        *o = (*g / (1.0 + exp::<FMA>(-*g))) * *u;
    }
}

multiversion!(
    /// `out = silu(gate) * up` with `silu(g) = g * sigmoid(g)`.
    pub fn silu_mul(gate: &[f32], up: &[f32], out: &mut [f32]) => silu_mul_body
);

/// Rotary embedding of one head in place, Hugging Face's "rotate half" layout: element `i`
/// pairs with `i + half`; `cos` and `sin` have `half` entries. Same operations as
/// `x * cos + rotate_half(x) * sin` (no fused multiply-add).
pub fn rope_half(x: &mut [f32], cos: &[f32], sin: &[f32]) {
    let half = cos.len();
    assert!(x.len() == 2 * half && sin.len() == half);
    let (first, second) = x.split_at_mut(half);
    for i in 0..half {
        let (a, b) = (first[i], second[i]);
        first[i] = a * cos[i] + (-b) * sin[i];
        second[i] = b * cos[i] + a * sin[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_accurate_on_the_softmax_range() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x < 88.0 {
            let got = f64::from(exp::<true>(x));
            let want = f64::from(x).exp();
            worst = worst.max(((got - want) / want).abs());
            x += 0.0137;
        }
        assert!(worst < 2e-7, "relative error {worst}");
        assert_eq!(exp::<false>(0.0), 1.0);
        assert!(exp::<false>(-1000.0) < 1e-37);
    }

    #[test]
    fn vector_ops_match_their_definitions() {
        let a: Vec<f32> = (0..37).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..37).map(|i| (i as f32 * 0.11).cos()).collect();
        let want: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - want).abs() < 1e-5);

        let mut y = b.clone();
        axpy(2.0, &a, &mut y);
        assert!((y[3] - (b[3] + 2.0 * a[3])).abs() < 1e-6);

        let gamma = vec![2.0; 37];
        let mut out = vec![0.0; 37];
        rms_norm(&a, &gamma, 1e-6, &mut out);
        let rms = (a.iter().map(|v| v * v).sum::<f32>() / 37.0 + 1e-6).sqrt();
        assert!((out[5] - a[5] / rms * 2.0).abs() < 1e-5);

        let mut s = a.clone();
        softmax_in_place(&mut s);
        let total: f32 = a.iter().map(|v| v.exp()).sum();
        assert!((s[7] - a[7].exp() / total).abs() < 1e-6);
        assert!((s.iter().sum::<f32>() - 1.0).abs() < 1e-5);

        silu_mul(&a, &b, &mut out);
        assert!((out[9] - a[9] / (1.0 + (-a[9]).exp()) * b[9]).abs() < 1e-6);

        let mut x = vec![1.0, 2.0, 3.0, 4.0];
        rope_half(&mut x, &[0.0, 1.0], &[1.0, 0.0]);
        assert_eq!(x, vec![-3.0, 2.0, 1.0, 4.0]);
    }
}
