//! The order examples are visited in: a fresh seeded shuffle each epoch, consumed a step's
//! worth of examples at a time. Its whole state (epoch, position, the epoch's order and the
//! generator) is saved in checkpoints.

use serde::{Deserialize, Serialize};

use super::rng::{RngState, TrainRng};

/// Random stream of the data order (other streams of the run's seed stay independent).
const DATA_STREAM: u64 = 1;

/// Where a run is in its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataCursor {
    /// 0-based epoch of `order`.
    pub epoch: usize,
    /// Examples of `order` already consumed.
    pub position: usize,
    /// This epoch's order of example indices.
    pub order: Vec<usize>,
    /// The generator after drawing `order`.
    pub rng: RngState,
    pub shuffle: bool,
}

impl DataCursor {
    /// The start of epoch 0 over `n` examples.
    pub fn new(n: usize, seed: u64, shuffle: bool) -> Self {
        let mut rng = TrainRng::new(seed, DATA_STREAM);
        let order = Self::draw(&mut rng, n, shuffle);
        Self {
            epoch: 0,
            position: 0,
            order,
            rng: rng.state(),
            shuffle,
        }
    }

    fn draw(rng: &mut TrainRng, n: usize, shuffle: bool) -> Vec<usize> {
        if shuffle {
            rng.permutation(n)
        } else {
            (0..n).collect()
        }
    }

    /// The next `size` examples (fewer at the end of an epoch; a step never spans two epochs).
    pub fn next_step(&mut self, size: usize) -> Vec<usize> {
        self.step(size, false)
    }

    /// The next `size` examples, always `size` of them: an epoch's remainder shorter than
    /// `size` is skipped and a new epoch drawn (TRL's `RepeatSampler` drops the incomplete
    /// last generation batch). `size` must not exceed the number of examples.
    pub fn next_full_step(&mut self, size: usize) -> Vec<usize> {
        self.step(size, true)
    }

    fn step(&mut self, size: usize, full: bool) -> Vec<usize> {
        let short = full && self.position + size.max(1) > self.order.len();
        if self.position >= self.order.len() || short {
            let mut rng = TrainRng::from_state(&self.rng)
                .unwrap_or_else(|| TrainRng::new(self.rng.seed, DATA_STREAM));
            self.order = Self::draw(&mut rng, self.order.len(), self.shuffle);
            self.rng = rng.state();
            self.epoch += 1;
            self.position = 0;
        }
        let end = (self.position + size.max(1)).min(self.order.len());
        let items = self.order[self.position..end].to_vec();
        self.position = end;
        items
    }
}

/// Optimizer steps of one epoch over `n` examples, `per_step` examples a step.
pub fn steps_per_epoch(n: usize, per_step: usize) -> usize {
    n.div_ceil(per_step.max(1))
}

/// Full steps of `per_step` examples in one epoch of `n` (the incomplete last step dropped).
pub fn full_steps_per_epoch(n: usize, per_step: usize) -> usize {
    n / per_step.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_epoch_visits_every_example_once() {
        let mut cursor = DataCursor::new(7, 5, true);
        let mut seen = Vec::new();
        for _ in 0..steps_per_epoch(7, 3) {
            seen.extend(cursor.next_step(3));
        }
        let first = seen.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
        let second: Vec<usize> = (0..3).flat_map(|_| cursor.next_step(3)).collect();
        assert_eq!(cursor.epoch, 1);
        assert_ne!(first, second, "epochs are reshuffled");
        let plain = DataCursor::new(4, 5, false).next_step(10);
        assert_eq!(plain, vec![0, 1, 2, 3]);
    }

    #[test]
    fn full_steps_drop_the_short_remainder_of_an_epoch() {
        let mut cursor = DataCursor::new(7, 5, true);
        assert_eq!(full_steps_per_epoch(7, 3), 2);
        let first: Vec<usize> = (0..2).flat_map(|_| cursor.next_full_step(3)).collect();
        assert_eq!(first.len(), 6);
        assert_eq!(cursor.epoch, 0);
        // One example is left: the next step starts a new epoch.
        assert_eq!(cursor.next_full_step(3).len(), 3);
        assert_eq!(cursor.epoch, 1);
    }

    #[test]
    fn a_saved_cursor_continues_identically() {
        let mut a = DataCursor::new(10, 9, true);
        let _ = a.next_step(4);
        let _ = a.next_step(4);
        let mut b: DataCursor = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        for _ in 0..6 {
            assert_eq!(a.next_step(4), b.next_step(4));
        }
    }
}
