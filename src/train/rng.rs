//! A seeded random generator whose exact state can be saved in a checkpoint and restored
//! (ChaCha8: the state is the seed, the stream and the word position).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The saved state of a [`TrainRng`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RngState {
    pub seed: u64,
    pub stream: u64,
    /// The word position, as a decimal string (a `u128` does not fit JSON numbers).
    pub word_pos: String,
}

/// The generator of a training run (data order, sampling, dropout).
#[derive(Debug, Clone)]
pub struct TrainRng {
    seed: u64,
    inner: ChaCha8Rng,
}

impl TrainRng {
    /// A generator seeded with `seed` on stream `stream` (different streams of one seed are
    /// independent).
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut inner = ChaCha8Rng::seed_from_u64(seed);
        inner.set_stream(stream);
        Self { seed, inner }
    }

    /// The state to save.
    pub fn state(&self) -> RngState {
        RngState {
            seed: self.seed,
            stream: self.inner.get_stream(),
            word_pos: self.inner.get_word_pos().to_string(),
        }
    }

    /// The generator in a saved state; `None` when `word_pos` is not a number.
    pub fn from_state(state: &RngState) -> Option<Self> {
        let mut rng = Self::new(state.seed, state.stream);
        rng.inner.set_word_pos(state.word_pos.parse().ok()?);
        Some(rng)
    }

    /// The underlying generator.
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.inner
    }

    /// A uniformly shuffled `0..n` (Fisher-Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.inner.random_range(0..=i);
            order.swap(i, j);
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_state_continues_the_same_sequence() {
        let mut a = TrainRng::new(42, 3);
        let _ = a.permutation(10);
        let saved = serde_json::to_string(&a.state()).unwrap();
        let mut b = TrainRng::from_state(&serde_json::from_str(&saved).unwrap()).unwrap();
        assert_eq!(a.permutation(50), b.permutation(50));
        let mut other = TrainRng::new(42, 4);
        assert_ne!(TrainRng::new(42, 3).permutation(50), other.permutation(50));
        let mut sorted = b.permutation(20);
        sorted.sort_unstable();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
    }
}
