//! Counter-based random masks: element `i` of a mask keyed by `key` depends only on
//! `(key, i)` (SplitMix64), so a mask is reproducible and fills in parallel in any order.

use rayon::prelude::*;

/// Elements per parallel chunk.
const CHUNK: usize = 1 << 16;

#[inline(always)]
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Fills `out` with an inverted-dropout mask: `1 / keep` with probability `keep`, else 0.
/// `keep` must lie in `(0, 1]`.
pub fn dropout_mask(key: u64, keep: f32, out: &mut [f32]) {
    assert!(
        keep > 0.0 && keep <= 1.0,
        "keep probability {keep} outside (0, 1]"
    );
    let scale = 1.0 / keep;
    // Compare 24-bit uniforms with the threshold in the same units.
    let threshold = (f64::from(keep) * f64::from(1u32 << 24)) as u64;
    let seed = splitmix64(key);
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            let base = (c * CHUNK) as u64;
            for (i, v) in chunk.iter_mut().enumerate() {
                let r = splitmix64(seed ^ (base + i as u64)) >> 40;
                *v = if r < threshold { scale } else { 0.0 };
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_the_right_fraction_and_repeat_for_a_key() {
        let mut a = vec![0.0; 200_000];
        dropout_mask(7, 0.9, &mut a);
        let kept = a.iter().filter(|&&v| v > 0.0).count() as f64 / a.len() as f64;
        assert!((kept - 0.9).abs() < 0.005, "kept {kept}");
        assert!(a.iter().all(|&v| v == 0.0 || (v - 1.0 / 0.9).abs() < 1e-6));
        let mut b = vec![0.0; 200_000];
        dropout_mask(7, 0.9, &mut b);
        assert_eq!(a, b);
        dropout_mask(8, 0.9, &mut b);
        assert_ne!(a, b);
        let mut ones = vec![0.0; 10];
        dropout_mask(1, 1.0, &mut ones);
        assert_eq!(ones, vec![1.0; 10]);
    }
}
