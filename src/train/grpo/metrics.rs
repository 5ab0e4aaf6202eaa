//! The per-step metrics of a GRPO run, named as TRL names them so runs compare:
//! what the generation batch was like (`reward`, `rewards/<term>/mean`, `completions/...`)
//! and what the update did (`kl`, `entropy`, `clip_ratio/...`, `loss`, `grad_norm`).

use super::advantages::{nan_mean, nan_std};
use super::objective::TokenStats;
use super::rollout::Rollout;
use crate::train::metrics::StepMetrics;
use crate::train::optimizer::UpdateStats;

/// What is logged about one generation batch.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationStats {
    /// `(term, mean, std)` of each term's raw (unweighted) scores.
    pub terms: Vec<(String, f64, f64)>,
    pub reward: f64,
    pub reward_std: f64,
    pub frac_reward_zero_std: f64,
    pub mean_length: f64,
    pub min_length: f64,
    pub max_length: f64,
    /// Mean length of the completions that ended with a stop token (NaN when none did).
    pub mean_terminated_length: f64,
    /// Share of completions cut by `max_tokens`.
    pub clipped_ratio: f64,
    /// Prompt and completion tokens of the batch.
    pub tokens: u64,
}

impl GenerationStats {
    /// Statistics of `rollouts` with `totals` (the weighted total rewards) and the reward
    /// terms' names, in the order of [`Rollout::rewards`].
    pub fn new(
        rollouts: &[Rollout],
        term_names: &[String],
        totals: &[f64],
        frac_reward_zero_std: f64,
    ) -> Self {
        let terms = term_names
            .iter()
            .enumerate()
            .map(|(f, name)| {
                let scores: Vec<f64> = rollouts
                    .iter()
                    .map(|r| r.rewards.get(f).copied().unwrap_or(f64::NAN))
                    .collect();
                (name.clone(), nan_mean(&scores), nan_std(&scores))
            })
            .collect();
        let lengths: Vec<f64> = rollouts
            .iter()
            .map(|r| r.completion_tokens() as f64)
            .collect();
        let terminated: Vec<f64> = rollouts
            .iter()
            .filter(|r| !r.truncated)
            .map(|r| r.completion_tokens() as f64)
            .collect();
        let n = rollouts.len().max(1) as f64;
        Self {
            terms,
            reward: nan_mean(totals),
            reward_std: nan_std(totals),
            frac_reward_zero_std,
            mean_length: lengths.iter().sum::<f64>() / n,
            min_length: lengths.iter().copied().fold(f64::INFINITY, f64::min),
            max_length: lengths.iter().copied().fold(0.0, f64::max),
            mean_terminated_length: nan_mean(&terminated),
            clipped_ratio: rollouts.iter().filter(|r| r.truncated).count() as f64 / n,
            tokens: rollouts
                .iter()
                .map(|r| (r.prompt_tokens() + r.completion_tokens()) as u64)
                .sum(),
        }
    }
}

/// Everything one optimizer step logs.
#[derive(Debug, Clone, Copy)]
pub struct StepRecord<'a> {
    pub step: usize,
    pub generation: &'a GenerationStats,
    pub update: &'a TokenStats,
    /// Sum of per-token entropies over active tokens.
    pub entropy_sum: f64,
    pub optimizer: UpdateStats,
    /// Whether a KL term is in the loss (beta != 0); `kl` is logged only then, as in TRL.
    pub with_kl: bool,
    /// Prompt and completion tokens seen so far.
    pub num_tokens: u64,
    pub epoch: f64,
    pub step_time: f64,
}

impl StepRecord<'_> {
    /// The metrics line, in TRL's names.
    pub fn metrics(&self) -> StepMetrics {
        let g = self.generation;
        let u = self.update;
        let mut m = StepMetrics::new(self.step);
        m.set("num_tokens", self.num_tokens as f64);
        m.set("completions/mean_length", g.mean_length);
        m.set("completions/min_length", g.min_length);
        m.set("completions/max_length", g.max_length);
        m.set("completions/clipped_ratio", g.clipped_ratio);
        m.set(
            "completions/mean_terminated_length",
            g.mean_terminated_length,
        );
        for (name, mean, std) in &g.terms {
            m.set(&format!("rewards/{name}/mean"), *mean);
            m.set(&format!("rewards/{name}/std"), *std);
        }
        m.set("reward", g.reward);
        m.set("reward_std", g.reward_std);
        m.set("frac_reward_zero_std", g.frac_reward_zero_std);
        if self.with_kl {
            m.set("kl", u.kl());
        }
        m.set("entropy", self.entropy_sum / u.active_tokens.max(1.0));
        m.set("clip_ratio/low_mean", u.clip_low_mean());
        m.set("clip_ratio/high_mean", u.clip_high_mean());
        m.set("clip_ratio/region_mean", u.clip_region_mean());
        m.set("loss", u.loss);
        m.set("grad_norm", self.optimizer.grad_norm);
        m.set("learning_rate", self.optimizer.learning_rate);
        m.set("epoch", self.epoch);
        m.set("step_time", self.step_time);
        m
    }
}
