//! Mean and sample standard deviation, accumulated one value at a time and merged across
//! groups (Welford's update and Chan et al.'s parallel merge, both numerically stable), and
//! the [`Cell`] a table shows.
//!
//! The standard deviation is the SAMPLE one: sqrt(sum (x - mean)^2 / (n - 1)). With one
//! value there is no standard deviation (`None`, shown as `n=1`), never 0.

use serde::{Deserialize, Serialize};

/// Count, mean and sum of squared deviations of a set of values.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    n: usize,
    mean: f64,
    m2: f64,
}

impl Moments {
    pub fn of(values: impl IntoIterator<Item = f64>) -> Self {
        let mut m = Moments::default();
        for v in values {
            m.push(v);
        }
        m
    }

    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// The moments of the union of both sets.
    pub fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let n = self.n + other.n;
        let delta = other.mean - self.mean;
        self.mean += delta * other.n as f64 / n as f64;
        self.m2 += other.m2 + delta * delta * (self.n as f64) * (other.n as f64) / n as f64;
        self.n = n;
    }

    pub fn n(&self) -> usize {
        self.n
    }

    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
    }

    /// Sample standard deviation (divisor n - 1); `None` when n < 2.
    pub fn sample_std(&self) -> Option<f64> {
        (self.n > 1).then(|| (self.m2.max(0.0) / (self.n - 1) as f64).sqrt())
    }
}

/// What the `±` of a cell measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Spread {
    /// The spread of the judged items (one seed).
    Items,
    /// The spread of the per-seed means (seed replicates): `n` counts seeds.
    Seeds,
}

/// One aggregated value as a table shows it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Absent when no judgement succeeded (or there was no data).
    pub mean: Option<f64>,
    /// Sample standard deviation; absent when n < 2.
    pub std: Option<f64>,
    /// Values the mean is over: items, or seeds when `spread` is `Seeds`.
    pub n: usize,
    /// Failed judgements in the cell (summed over seeds); never averaged in.
    pub failed: usize,
    /// Successful item judgements (summed over seeds).
    pub items: usize,
    pub spread: Spread,
}

impl Cell {
    /// The cell of one set of item values.
    pub fn of_items(m: &Moments, failed: usize) -> Cell {
        Cell {
            mean: m.mean(),
            std: m.sample_std(),
            n: m.n(),
            failed,
            items: m.n(),
            spread: Spread::Items,
        }
    }

    /// Seed replicates: one seed gives its item cell; several give the mean and sample
    /// standard deviation of the per-seed means (seeds without any successful judgement
    /// are left out of those, their failures still counted).
    pub fn of_seeds(per_seed: &[(Moments, usize)]) -> Cell {
        match per_seed {
            [] => Cell::of_items(&Moments::default(), 0),
            [(m, failed)] => Cell::of_items(m, *failed),
            many => {
                let means = Moments::of(many.iter().filter_map(|(m, _)| m.mean()));
                Cell {
                    mean: means.mean(),
                    std: means.sample_std(),
                    n: means.n(),
                    failed: many.iter().map(|(_, f)| f).sum(),
                    items: many.iter().map(|(m, _)| m.n()).sum(),
                    spread: Spread::Seeds,
                }
            }
        }
    }

    /// No data at all (neither a score nor a failure).
    pub fn is_empty(&self) -> bool {
        self.mean.is_none() && self.failed == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn mean_and_sample_std_by_hand() {
        // 25, 50, 75, 100: mean 62.5; squared deviations 1406.25 + 156.25 + 156.25 +
        // 1406.25 = 3125; / (n - 1 = 3) = 1041.666..; sqrt = 32.2748...
        let m = Moments::of([25.0, 50.0, 75.0, 100.0]);
        assert_eq!(m.n(), 4);
        assert!(close(m.mean(), 62.5));
        assert!(close(m.sample_std(), (3125.0f64 / 3.0).sqrt()));
    }

    #[test]
    fn one_value_has_no_std_and_none_has_no_mean() {
        let m = Moments::of([75.0]);
        assert!(close(m.mean(), 75.0));
        assert_eq!(m.sample_std(), None);
        assert_eq!(Moments::default().mean(), None);
    }

    #[test]
    fn merge_equals_one_pass() {
        let all = Moments::of([1.0, 2.0, 4.0, 8.0, 16.0, 3.0]);
        let mut a = Moments::of([1.0, 2.0, 4.0]);
        a.merge(&Moments::of([8.0, 16.0, 3.0]));
        a.merge(&Moments::default());
        assert_eq!(a.n(), all.n());
        assert!(close(a.mean(), all.mean().unwrap_or(f64::NAN)));
        assert!(close(a.sample_std(), all.sample_std().unwrap_or(f64::NAN)));
    }

    #[test]
    fn seeds_give_mean_and_std_of_seed_means() {
        // Seed means 50, 70 and (75 + 85) / 2 = 80: mean 66.666..; deviations^2 277.77.. +
        // 11.11.. + 177.77.. = 466.66..; / 2 = 233.33..; sqrt = 15.2752...
        let cell = Cell::of_seeds(&[
            (Moments::of([50.0]), 1),
            (Moments::of([70.0]), 0),
            (Moments::of([75.0, 85.0]), 2),
            (Moments::default(), 4),
        ]);
        assert!(close(cell.mean, 200.0 / 3.0));
        assert!(close(cell.std, (700.0f64 / 3.0).sqrt()));
        assert_eq!((cell.n, cell.failed, cell.items), (3, 7, 4));
        assert_eq!(cell.spread, Spread::Seeds);
    }
}
