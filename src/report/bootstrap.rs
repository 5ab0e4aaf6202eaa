//! The paired bootstrap: the mean of paired differences (after - before, one per item) and
//! its percentile 95% interval from resampling the items with replacement, seeded so that a
//! rerun gives the same interval. A verdict reads the interval: above 0 is `improved`,
//! below 0 `worse`, containing 0 `no change`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The mean difference and its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairedInterval {
    pub n: usize,
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

impl PairedInterval {
    /// `improved`, `worse` or `no change`, by whether the interval excludes 0.
    pub fn verdict(&self) -> &'static str {
        if self.low > 0.0 {
            "improved"
        } else if self.high < 0.0 {
            "worse"
        } else {
            "no change"
        }
    }
}

/// The mean of `diffs` and its paired bootstrap `level` interval (e.g. 0.95) over
/// `resamples` resamples drawn from `seed`. `None` without differences.
pub fn paired_bootstrap(
    diffs: &[f64],
    resamples: usize,
    level: f64,
    seed: u64,
) -> Option<PairedInterval> {
    if diffs.is_empty() {
        return None;
    }
    let n = diffs.len();
    let mean = diffs.iter().sum::<f64>() / n as f64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut means: Vec<f64> = (0..resamples.max(1))
        .map(|_| (0..n).map(|_| diffs[rng.random_range(0..n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    let tail = (1.0 - level.clamp(0.0, 1.0)) / 2.0;
    Some(PairedInterval {
        n,
        mean,
        low: percentile(&means, tail),
        high: percentile(&means, 1.0 - tail),
    })
}

/// The `q` quantile of sorted values, linearly interpolated between the closest ranks
/// (rank `q * (len - 1)`, numpy's default).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates_between_ranks_by_hand() {
        let v = [1.0, 2.0, 4.0, 8.0, 16.0];
        // rank 0.025 * 4 = 0.1: 1 + 0.1 * (2 - 1)
        assert!((percentile(&v, 0.025) - 1.1).abs() < 1e-12);
        // rank 0.975 * 4 = 3.9: 8 + 0.9 * (16 - 8)
        assert!((percentile(&v, 0.975) - 15.2).abs() < 1e-12);
        assert_eq!(percentile(&v, 0.5), 4.0);
    }

    #[test]
    fn interval_matches_the_hand_computed_bootstrap_distribution() {
        // Differences [0, 0, 3]: a resample's mean is k where k ~ Binomial(3, 1/3), so
        // P(0) = 8/27 = 0.296, P(1) = 12/27, P(2) = 6/27, P(3) = 1/27 = 0.037. The 2.5%
        // quantile is 0 (8/27 > 0.025) and the 97.5% quantile is 3 (P(<= 2) = 26/27 =
        // 0.963 < 0.975): the interval is [0, 3] around the mean 1, and contains 0.
        let got = paired_bootstrap(&[0.0, 0.0, 3.0], 20_000, 0.95, 7).unwrap();
        assert_eq!(got.n, 3);
        assert!((got.mean - 1.0).abs() < 1e-12);
        assert_eq!((got.low, got.high), (0.0, 3.0));
        assert_eq!(got.verdict(), "no change");
        // At 90% the upper tail is 5%: P(<= 2) = 0.963 >= 0.95, so the upper end is 2.
        let ninety = paired_bootstrap(&[0.0, 0.0, 3.0], 20_000, 0.90, 7).unwrap();
        assert_eq!((ninety.low, ninety.high), (0.0, 2.0));
    }

    #[test]
    fn constant_differences_have_a_point_interval_and_a_verdict() {
        let up = paired_bootstrap(&[0.5; 10], 500, 0.95, 1).unwrap();
        assert_eq!((up.low, up.mean, up.high), (0.5, 0.5, 0.5));
        assert_eq!(up.verdict(), "improved");
        let down = paired_bootstrap(&[-0.25; 4], 500, 0.95, 1).unwrap();
        assert_eq!(down.verdict(), "worse");
        assert!(paired_bootstrap(&[], 500, 0.95, 1).is_none());
    }

    #[test]
    fn the_seed_fixes_the_interval() {
        let diffs: Vec<f64> = (0..40).map(|i| ((i * 37) % 11) as f64 - 4.0).collect();
        let a = paired_bootstrap(&diffs, 1000, 0.95, 3).unwrap();
        assert_eq!(a, paired_bootstrap(&diffs, 1000, 0.95, 3).unwrap());
        assert!(a.low <= a.mean && a.mean <= a.high && a.low < a.high);
    }
}
