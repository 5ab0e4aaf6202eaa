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
    /// the run seed, the context id, the user type and the rollout (MASCOT-C).
    Random,
}

impl SpeakerOrder {
    /// `director`, `round_robin` or `random`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "director" => Some(Self::Director),
            "round_robin" => Some(Self::RoundRobin),
            "random" => Some(Self::Random),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Director => "director",
            Self::RoundRobin => "round_robin",
            Self::Random => "random",
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

/// The speaker of turn `turn` under a non-director order.
pub fn next_in_order(order: SpeakerOrder, turn: usize, personas: usize, rng: &mut StdRng) -> usize {
    match order {
        SpeakerOrder::Random => rng.random_range(0..personas.max(1)),
        SpeakerOrder::RoundRobin | SpeakerOrder::Director => turn % personas.max(1),
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
    fn round_robin_cycles() {
        let mut rng = episode_rng(0, "c", None, 0);
        let order: Vec<usize> = (0..5)
            .map(|t| next_in_order(SpeakerOrder::RoundRobin, t, 3, &mut rng))
            .collect();
        assert_eq!(order, vec![0, 1, 2, 0, 1]);
    }
}
