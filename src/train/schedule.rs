//! Learning-rate schedules, as pure functions of the optimizer step (so a resumed run needs no
//! scheduler state). They follow transformers' `get_scheduler`: the rate of step `s`
//! (0-based, the rate the `s`-th optimizer update uses) is `lr * factor(s)`.

use serde::{Deserialize, Serialize};

/// How the learning rate moves over the run. Default: `linear` with no warmup
/// (transformers' `TrainingArguments` default).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LrSchedule {
    /// `lr` at every step.
    Constant,
    /// Linear warmup from 0 over `warmup_steps`, then `lr`.
    ConstantWithWarmup { warmup_steps: usize },
    /// Linear warmup from 0 over `warmup_steps`, then linear decay to 0 at the last step.
    Linear { warmup_steps: usize },
    /// No warmup, linear decay to 0 at the last step.
    #[default]
    LinearDecay,
}

impl LrSchedule {
    /// The multiplier of the base rate at 0-based `step` of a `total_steps` run.
    pub fn factor(&self, step: usize, total_steps: usize) -> f64 {
        let warmup = match *self {
            Self::Constant | Self::LinearDecay => 0,
            Self::ConstantWithWarmup { warmup_steps } | Self::Linear { warmup_steps } => {
                warmup_steps
            }
        };
        if step < warmup {
            return step as f64 / warmup.max(1) as f64;
        }
        match self {
            Self::Constant | Self::ConstantWithWarmup { .. } => 1.0,
            Self::Linear { .. } | Self::LinearDecay => {
                let remaining = total_steps.saturating_sub(step) as f64;
                (remaining / total_steps.saturating_sub(warmup).max(1) as f64).max(0.0)
            }
        }
    }

    /// The learning rate of `step`.
    pub fn lr(&self, base_lr: f64, step: usize, total_steps: usize) -> f64 {
        base_lr * self.factor(step, total_steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_match_transformers_schedules() {
        // transformers: get_linear_schedule_with_warmup(opt, 2, 6) gives
        // 0, 0.5, 1, 0.75, 0.5, 0.25 for steps 0..6.
        let linear = LrSchedule::Linear { warmup_steps: 2 };
        let got: Vec<f64> = (0..6).map(|s| linear.factor(s, 6)).collect();
        assert_eq!(got, vec![0.0, 0.5, 1.0, 0.75, 0.5, 0.25]);
        let decay: Vec<f64> = (0..4)
            .map(|s| LrSchedule::LinearDecay.factor(s, 4))
            .collect();
        assert_eq!(decay, vec![1.0, 0.75, 0.5, 0.25]);
        let warm = LrSchedule::ConstantWithWarmup { warmup_steps: 4 };
        assert_eq!(warm.factor(1, 10), 0.25);
        assert_eq!(warm.factor(7, 10), 1.0);
        assert_eq!(LrSchedule::Constant.lr(1e-3, 9, 10), 1e-3);
    }
}
