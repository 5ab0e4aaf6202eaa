//! Who speaks next when no directive decides it: the configured order (round-robin, or a
//! seeded random order for MASCOT-C), and the fallback rule for a directive that names no
//! known persona (the least recently used persona).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::dialogue::chat_model::mix_seed;

/// How the speaker of each turn is chosen in a persona system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeakerOrder {
    /// The director names the speaker in its directive (MASCOT).
    Director,
    /// Persona `t mod |personas|` speaks at turn `t`.
    RoundRobin,
    /// Each turn's speaker is drawn uniformly (with replacement) from a generator seeded by
    /// the run seed, the context id, the user type and the rollout (MASCOT-C as first built).
    Random,
    /// Each round of `|personas|` turns is a random permutation of the personas, drawn from
    /// the same seeded generator, with no persona speaking twice in a row, across round
    /// borders too (MASCOT-C, every persona heard once per round).
    Shuffled,
}

impl SpeakerOrder {
    /// `director`, `round_robin` or `random`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "director" => Some(Self::Director),
            "round_robin" => Some(Self::RoundRobin),
            "random" => Some(Self::Random),
            "shuffled" => Some(Self::Shuffled),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Director => "director",
            Self::RoundRobin => "round_robin",
            Self::Random => "random",
            Self::Shuffled => "shuffled",
        }
    }
}

/// The fallback rule: the persona that has not spoken for the longest time. Personas that
/// have never spoken come first, in persona order; otherwise the one whose last turn is the
/// earliest. `last_spoke[i]` is the last turn persona `i` spoke at.
pub fn least_recently_used(last_spoke: &[Option<usize>]) -> usize {
    let mut best = 0;
    for (i, turn) in last_spoke.iter().enumerate() {
        let better = match (turn, last_spoke.get(best).copied().flatten()) {
            (None, Some(_)) => true,
            (Some(t), Some(b)) => *t < b,
            _ => false,
        };
        if better {
            best = i;
        }
    }
    best
}

/// The generator of one episode's random order.
pub fn episode_rng(seed: u64, context_id: &str, user_type: Option<&str>, rollout: usize) -> StdRng {
    let mut h = blake3::Hasher::new();
    h.update(context_id.as_bytes());
    h.update(&[0]);
    h.update(user_type.unwrap_or("").as_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest.as_bytes()[..8]);
    StdRng::seed_from_u64(mix_seed(
        mix_seed(seed, u64::from_le_bytes(first)),
        rollout as u64,
    ))
}

/// The speaker of turn `turn` under a non-director order that keeps no state between turns
/// (`shuffled` needs an [`OrderDraw`]; here it is drawn like `random`).
pub fn next_in_order(order: SpeakerOrder, turn: usize, personas: usize, rng: &mut StdRng) -> usize {
    match order {
        SpeakerOrder::Random | SpeakerOrder::Shuffled => rng.random_range(0..personas.max(1)),
        SpeakerOrder::RoundRobin | SpeakerOrder::Director => turn % personas.max(1),
    }
}

/// One episode's speaker draws: its generator ([`episode_rng`]), and for `shuffled` the rest
/// of the current round and the last speaker.
#[derive(Debug, Clone)]
pub struct OrderDraw {
    rng: StdRng,
    round: Vec<usize>,
    last: Option<usize>,
}

impl OrderDraw {
    pub fn new(rng: StdRng) -> Self {
        Self {
            rng,
            round: Vec::new(),
            last: None,
        }
    }

    /// The speaker of turn `turn` (turns asked in order, one call each). `random` and
    /// `round_robin` draw exactly as [`next_in_order`].
    pub fn next(&mut self, order: SpeakerOrder, turn: usize, personas: usize) -> usize {
        let n = personas.max(1);
        let speaker = match order {
            SpeakerOrder::Shuffled => {
                if self.round.is_empty() {
                    self.round = self.permutation(n);
                }
                self.round.pop().unwrap_or(0)
            }
            o => next_in_order(o, turn, n, &mut self.rng),
        };
        self.last = Some(speaker);
        speaker
    }

    /// A uniform permutation of `0..n` whose first speaker (the last element: turns pop from
    /// the end) is not the previous round's last, redrawn until it is not (n > 1).
    fn permutation(&mut self, n: usize) -> Vec<usize> {
        loop {
            let mut p: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                let j = self.rng.random_range(0..=i);
                p.swap(i, j);
            }
            if n == 1 || p.last().copied() != self.last {
                return p;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_spoken_first_then_earliest() {
        assert_eq!(least_recently_used(&[None, None, None]), 0);
        assert_eq!(least_recently_used(&[Some(0), None, None]), 1);
        assert_eq!(least_recently_used(&[Some(0), Some(1), None]), 2);
        assert_eq!(least_recently_used(&[Some(3), Some(1), Some(2)]), 1);
        assert_eq!(least_recently_used(&[Some(2), Some(0), Some(1)]), 1);
    }

    #[test]
    fn random_order_is_seeded_per_episode() {
        let draw = |seed, ctx, user: Option<&str>, rollout| {
            let mut rng = episode_rng(seed, ctx, user, rollout);
            (0..12)
                .map(|t| next_in_order(SpeakerOrder::Random, t, 3, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(1, "c1", None, 0), draw(1, "c1", None, 0));
        assert_ne!(draw(1, "c1", None, 0), draw(2, "c1", None, 0));
        assert_ne!(draw(1, "c1", None, 0), draw(1, "c2", None, 0));
        assert_ne!(
            draw(1, "c1", Some("INFP"), 0),
            draw(1, "c1", Some("ENTJ"), 0)
        );
        assert_ne!(draw(1, "c1", None, 0), draw(1, "c1", None, 1));
        assert!(draw(1, "c1", None, 0).iter().all(|&p| p < 3));
    }

    #[test]
    fn shuffled_rounds_are_permutations_without_repeats() {
        for seed in 0..50 {
            let mut draw = OrderDraw::new(episode_rng(seed, "c", None, 0));
            let order: Vec<usize> = (0..12)
                .map(|t| draw.next(SpeakerOrder::Shuffled, t, 3))
                .collect();
            for round in order.chunks(3) {
                let mut r = round.to_vec();
                r.sort_unstable();
                assert_eq!(r, vec![0, 1, 2], "seed {seed}: {order:?}");
            }
            assert!(
                order.windows(2).all(|w| w[0] != w[1]),
                "seed {seed}: {order:?}"
            );
        }
        // Not always the same permutation.
        let first = |seed| {
            let mut d = OrderDraw::new(episode_rng(seed, "c", None, 0));
            (0..3)
                .map(|t| d.next(SpeakerOrder::Shuffled, t, 3))
                .collect::<Vec<_>>()
        };
        assert!((1..20).any(|s| first(s) != first(0)));
        // `random` through the draw is the plain random order.
        let mut a = OrderDraw::new(episode_rng(4, "c", None, 0));
        let mut b = episode_rng(4, "c", None, 0);
        for t in 0..8 {
            assert_eq!(
                a.next(SpeakerOrder::Random, t, 3),
                next_in_order(SpeakerOrder::Random, t, 3, &mut b)
            );
        }
    }

    #[test]
    fn round_robin_cycles() {
        let mut rng = episode_rng(0, "c", None, 0);
        let order: Vec<usize> = (0..5)
            .map(|t| next_in_order(SpeakerOrder::RoundRobin, t, 3, &mut rng))
            .collect();
        assert_eq!(order, vec![0, 1, 2, 0, 1]);
    }
}
