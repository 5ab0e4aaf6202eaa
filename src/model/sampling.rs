//! Choosing the next token from logits: greedy at temperature 0, otherwise temperature,
//! top-k and top-p (nucleus) sampling from a seeded generator.

use rand::Rng;
use serde::{Deserialize, Serialize};

/// How to sample a completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplingConfig {
    /// Most new tokens per sequence.
    pub max_tokens: usize,
    /// 0 is greedy decoding.
    pub temperature: f32,
    /// Keep only the `k` most likely tokens.
    pub top_k: Option<usize>,
    /// Keep the smallest set of tokens whose probability reaches `top_p` (1.0 keeps all).
    pub top_p: f32,
    /// Seed of the sampler; the same seed gives the same generations.
    pub seed: u64,
    /// Strings that end a generation (the text is cut before them).
    pub stop: Vec<String>,
}

impl Default for SamplingConfig {
    fn default() -> Self {
        Self {
            max_tokens: 64,
            temperature: 0.0,
            top_k: None,
            top_p: 1.0,
            seed: 0,
            stop: Vec::new(),
        }
    }
}

impl SamplingConfig {
    /// Greedy decoding of at most `max_tokens` tokens.
    pub fn greedy(max_tokens: usize) -> Self {
        Self {
            max_tokens,
            ..Self::default()
        }
    }
}

/// Index of the largest logit (the first one on ties).
pub fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &v) in logits.iter().enumerate() {
        if v > logits[best] {
            best = i;
        }
    }
    best as u32
}

/// Picks the next token from `logits` according to `cfg`.
pub fn sample_token<R: Rng>(logits: &[f32], cfg: &SamplingConfig, rng: &mut R) -> u32 {
    if cfg.temperature <= 0.0 || cfg.top_k == Some(1) {
        return argmax(logits);
    }
    let mut candidates: Vec<(usize, f32)> = logits
        .iter()
        .map(|&l| l / cfg.temperature)
        .enumerate()
        .filter(|(_, l)| l.is_finite())
        .collect();
    if candidates.is_empty() {
        return argmax(logits);
    }
    candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    if let Some(k) = cfg.top_k {
        candidates.truncate(k.max(1));
    }
    let max = candidates[0].1;
    let mut probs: Vec<f64> = candidates
        .iter()
        .map(|(_, l)| f64::from(l - max).exp())
        .collect();
    let total: f64 = probs.iter().sum();
    probs.iter_mut().for_each(|p| *p /= total);
    if cfg.top_p < 1.0 {
        let mut cumulative = 0.0;
        let mut keep = probs.len();
        for (i, p) in probs.iter().enumerate() {
            cumulative += p;
            if cumulative >= f64::from(cfg.top_p) {
                keep = i + 1;
                break;
            }
        }
        probs.truncate(keep);
        candidates.truncate(keep);
        let total: f64 = probs.iter().sum();
        probs.iter_mut().for_each(|p| *p /= total);
    }
    let draw: f64 = rng.random();
    let mut cumulative = 0.0;
    for (i, p) in probs.iter().enumerate() {
        cumulative += p;
        if draw < cumulative {
            return candidates[i].0 as u32;
        }
    }
    candidates[candidates.len() - 1].0 as u32
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn greedy_picks_the_argmax_and_top_k_one_too() {
        let logits = [0.1, 2.0, -1.0, 1.9];
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(
            sample_token(&logits, &SamplingConfig::greedy(1), &mut rng),
            1
        );
        let cfg = SamplingConfig {
            temperature: 5.0,
            top_k: Some(1),
            ..SamplingConfig::default()
        };
        assert_eq!(sample_token(&logits, &cfg, &mut rng), 1);
    }

    #[test]
    fn top_p_and_top_k_never_pick_excluded_tokens() {
        let logits = [5.0, 4.9, -3.0, -3.0, -3.0];
        let mut rng = StdRng::seed_from_u64(7);
        let cfg = SamplingConfig {
            temperature: 1.0,
            top_p: 0.9,
            ..SamplingConfig::default()
        };
        let cfg_k = SamplingConfig {
            temperature: 1.0,
            top_k: Some(2),
            ..SamplingConfig::default()
        };
        let mut seen = [0usize; 5];
        for _ in 0..200 {
            seen[sample_token(&logits, &cfg, &mut rng) as usize] += 1;
            seen[sample_token(&logits, &cfg_k, &mut rng) as usize] += 1;
        }
        assert!(seen[0] > 0 && seen[1] > 0, "{seen:?}");
        assert_eq!(seen[2] + seen[3] + seen[4], 0, "{seen:?}");
    }
}
