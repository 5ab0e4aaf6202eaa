//! The Bradley-Terry objective (equation 3) and the statistics TRL's `RewardTrainer` logs
//! about a batch of pairs.

use burn::tensor::Tensor;
use burn::tensor::activation::log_sigmoid;

/// Summed pairwise loss `sum(-log sigmoid(r_chosen - r_rejected))` over a batch, plus
/// `center * sum((r_chosen + r_rejected)^2)` when `center` is set (TRL's
/// `center_rewards_coefficient`). Divide by the number of pairs for the mean loss.
pub fn bradley_terry_sum(chosen: Tensor<1>, rejected: Tensor<1>, center: Option<f64>) -> Tensor<1> {
    let loss = log_sigmoid(chosen.clone() - rejected.clone()).sum().neg();
    match center {
        Some(c) => loss + (chosen + rejected).square().sum().mul_scalar(c as f32),
        None => loss,
    }
}

/// Running statistics over pairs: accuracy (strict `r_c > r_r`, ties count wrong), margin
/// `mean(r_c - r_r)`, and the mean, min and max of all rewards.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairStats {
    pairs: usize,
    correct: usize,
    margin_sum: f64,
    loss_sum: f64,
    reward_sum: f64,
    min_reward: f64,
    max_reward: f64,
}

impl PairStats {
    /// Adds the rewards of a batch of pairs.
    pub fn add(&mut self, chosen: &[f32], rejected: &[f32]) {
        for (&c, &r) in chosen.iter().zip(rejected) {
            let (c, r) = (f64::from(c), f64::from(r));
            if self.pairs == 0 {
                self.min_reward = c.min(r);
                self.max_reward = c.max(r);
            }
            self.pairs += 1;
            self.correct += usize::from(c > r);
            self.margin_sum += c - r;
            self.loss_sum += softplus(r - c);
            self.reward_sum += c + r;
            self.min_reward = self.min_reward.min(c).min(r);
            self.max_reward = self.max_reward.max(c).max(r);
        }
    }

    /// Pairs seen.
    pub fn pairs(&self) -> usize {
        self.pairs
    }

    /// Share of pairs ranked right (0 when there are none).
    pub fn accuracy(&self) -> f64 {
        ratio(self.correct as f64, self.pairs)
    }

    /// Mean `r_c - r_r`.
    pub fn margin(&self) -> f64 {
        ratio(self.margin_sum, self.pairs)
    }

    /// Mean Bradley-Terry loss, computed in f64 from the rewards.
    pub fn loss(&self) -> f64 {
        ratio(self.loss_sum, self.pairs)
    }

    /// Mean of every reward (both sides).
    pub fn mean_reward(&self) -> f64 {
        ratio(self.reward_sum, 2 * self.pairs)
    }

    pub fn min_reward(&self) -> f64 {
        self.min_reward
    }

    pub fn max_reward(&self) -> f64 {
        self.max_reward
    }
}

fn ratio(sum: f64, n: usize) -> f64 {
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// `log(1 + e^x)` without overflow: `-log sigmoid(c - r) = softplus(r - c)`.
fn softplus(x: f64) -> f64 {
    if x > 30.0 { x } else { x.exp().ln_1p() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn tensor(v: &[f32]) -> Tensor<1> {
        Tensor::from_data(TensorData::new(v.to_vec(), [v.len()]), &Device::flex())
    }

    #[test]
    fn loss_and_statistics_match_hand_computed_values() {
        let chosen = [2.0f32, 0.5, -1.0];
        let rejected = [1.0f32, 0.5, 0.0];
        // -log sigmoid(1) = 0.313262, -log sigmoid(0) = ln 2, -log sigmoid(-1) = 1.313262
        let expected = 0.313_261_7 + std::f64::consts::LN_2 + 1.313_261_7;
        let sum: f32 = bradley_terry_sum(tensor(&chosen), tensor(&rejected), None).into_scalar();
        assert!((f64::from(sum) - expected).abs() < 1e-5, "{sum}");
        // centring adds c * ((3)^2 + 1^2 + (-1)^2) = 0.01 * 11
        let centred: f32 =
            bradley_terry_sum(tensor(&chosen), tensor(&rejected), Some(0.01)).into_scalar();
        assert!((f64::from(centred) - expected - 0.11).abs() < 1e-5);

        let mut stats = PairStats::default();
        stats.add(&chosen[..2], &rejected[..2]);
        stats.add(&chosen[2..], &rejected[2..]);
        assert_eq!(stats.pairs(), 3);
        // The tie (0.5 vs 0.5) counts wrong: 1 of 3.
        assert!((stats.accuracy() - 1.0 / 3.0).abs() < 1e-12);
        assert!((stats.margin() - 0.0).abs() < 1e-12);
        assert!((stats.loss() - expected / 3.0).abs() < 1e-6);
        assert!((stats.mean_reward() - 0.5).abs() < 1e-12);
        assert_eq!((stats.min_reward(), stats.max_reward()), (-1.0, 2.0));
    }
}
