//! GRPO settings ([`GrpoConfig`]) with the paper's defaults where it gives them, TRL's where it
//! is silent, and the options TRL offers beside equation 5 ([`LossType`], [`ScaleRewards`]).

use serde::{Deserialize, Serialize};

use super::error::GrpoError;
use crate::train::optimizer::OptimizerConfig;
use crate::train::schedule::LrSchedule;

/// How per-token losses become one number (TRL's `loss_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LossType {
    /// Equation 5: mean over sequences of each sequence's mean over its tokens,
    /// `mean_g( sum_t l*m / max(sum_t m, 1) )`.
    #[default]
    Grpo,
    /// Mean over every active token of the batch: `sum l*m / max(sum m, 1)`.
    Bnpo,
    /// Dr. GRPO: `sum l*m / (B * max_tokens)`, a constant normaliser.
    DrGrpo,
    /// DAPO: `sum l*m / (active tokens of the whole generation batch)`; with one update
    /// batch per generation batch (as here) it equals `bnpo`.
    Dapo,
}

impl LossType {
    /// The name used in configs and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Grpo => "grpo",
            Self::Bnpo => "bnpo",
            Self::DrGrpo => "dr_grpo",
            Self::Dapo => "dapo",
        }
    }
}

/// How group-relative advantages are scaled (TRL's `scale_rewards`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ScaleRewards {
    /// Divide by the group's standard deviation (the paper's standardised reward).
    #[default]
    Group,
    /// Divide by the standard deviation of the whole batch.
    Batch,
    /// No division: `A = r - mean_group(r)` (Dr. GRPO).
    None,
}

/// GRPO settings. `Default` gives the defaults listed on each field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GrpoConfig {
    /// Completions per prompt, G (>= 2). Default 8 (TRL's `num_generations`).
    pub group: usize,
    /// Completions per device step (TRL's `per_device_train_batch_size`): `batch / group`
    /// prompts, each with `group` completions; a multiple of `group`. Default 16 (the paper's
    /// batch size, 2 prompts at G = 8).
    pub batch: usize,
    /// Device steps per optimizer step (TRL's `gradient_accumulation_steps`, and its default
    /// `steps_per_generation`): one generation batch holds `batch * grad_accum` completions,
    /// i.e. [`GrpoConfig::prompts_per_step`] prompts. Default 1.
    pub grad_accum: usize,
    /// Passes over the prompt set. Default 1 (the paper's single epoch).
    pub epochs: usize,
    /// Stop after this many steps even if epochs remain. Default none.
    pub max_steps: Option<usize>,
    /// Lower clip epsilon: ratios below `1 - clip` are clipped. Default 0.2.
    pub clip: f64,
    /// Upper clip epsilon: ratios above `1 + clip_high` are clipped; `None` uses `clip`
    /// (DAPO's "clip higher" uses 0.28). Default none.
    pub clip_high: Option<f64>,
    /// KL coefficient beta of equation 5 (k3 estimator to the frozen reference policy);
    /// 0 skips the reference pass. Default 0.04 (DeepSeekMath; TRL's default is 0).
    pub beta: f64,
    /// AdamW learning rate. Default 1e-5.
    pub lr: f64,
    /// Learning-rate schedule. Default `linear_decay` (transformers' and TRL's `linear`
    /// with no warmup).
    pub schedule: LrSchedule,
    /// AdamW weight decay. Default 0 (transformers' default).
    pub weight_decay: f64,
    /// Gradient-norm clipping threshold; `None` disables it. Default 1.0 (transformers).
    pub max_grad_norm: Option<f64>,
    /// Most new tokens per completion. Default 512 (TRL's `max_completion_length`).
    pub max_tokens: usize,
    /// Sampling temperature; the same temperature divides the logits when scoring.
    /// Default 1.0.
    pub temperature: f32,
    /// Nucleus sampling threshold. Default 1.0 (off).
    pub top_p: f32,
    /// How the per-token losses are aggregated. Default `grpo` (equation 5).
    pub loss: LossType,
    /// How advantages are scaled. Default `group`.
    pub scale_rewards: ScaleRewards,
    /// Optimisation steps on each generation batch (TRL's `num_iterations`); 1 is on-policy.
    /// Default 1.
    pub iterations: usize,
    /// Zero the loss mask of completions cut by `max_tokens` (no stop token). Default false.
    pub mask_truncated: bool,
    /// Seed of sampling, prompt order and adapter initialisation. Default 0.
    pub seed: u64,
    /// Write a checkpoint every this many optimizer steps (at the end of the generation
    /// batch that reaches the multiple; 0: only when stopped). Default 50.
    pub checkpoint_every: usize,
    /// Checkpoints kept on disk. Default 2.
    pub keep_checkpoints: usize,
    /// Completions per forward/backward pass of the update (gradients are accumulated;
    /// the loss is the same); `None` does the whole batch at once. Default none.
    pub micro_batch: Option<usize>,
    /// Completion tokens whose logits are computed at once when scoring (bounds the
    /// `[tokens, vocab]` logits tensor). Default 1024.
    pub logprob_chunk_tokens: usize,
}

impl Default for GrpoConfig {
    fn default() -> Self {
        Self {
            group: 8,
            batch: 16,
            grad_accum: 1,
            epochs: 1,
            max_steps: None,
            clip: 0.2,
            clip_high: None,
            beta: 0.04,
            lr: 1e-5,
            schedule: LrSchedule::LinearDecay,
            weight_decay: 0.0,
            max_grad_norm: Some(1.0),
            max_tokens: 512,
            temperature: 1.0,
            top_p: 1.0,
            loss: LossType::Grpo,
            scale_rewards: ScaleRewards::Group,
            iterations: 1,
            mask_truncated: false,
            seed: 0,
            checkpoint_every: 50,
            keep_checkpoints: 2,
            micro_batch: None,
            logprob_chunk_tokens: 1024,
        }
    }
}

impl GrpoConfig {
    /// The upper clip epsilon (`clip_high`, else `clip`).
    pub fn eps_high(&self) -> f64 {
        self.clip_high.unwrap_or(self.clip)
    }

    /// Prompts of one generation batch: `batch * grad_accum / group` (TRL's
    /// `generation_batch_size / num_generations`).
    pub fn prompts_per_step(&self) -> usize {
        self.batch * self.grad_accum / self.group.max(1)
    }

    /// The optimizer settings (AdamW's betas and epsilon at transformers' defaults).
    pub fn optimizer(&self) -> OptimizerConfig {
        OptimizerConfig {
            lr: self.lr,
            schedule: self.schedule,
            weight_decay: self.weight_decay as f32,
            max_grad_norm: self.max_grad_norm,
            ..OptimizerConfig::default()
        }
    }

    /// Checks every setting; the error names the field.
    pub fn validate(&self) -> Result<(), GrpoError> {
        let positive_int = |field: &'static str, v: usize, min: usize| {
            if v < min {
                Err(GrpoError::config(
                    field,
                    format!("{v} is below the minimum {min}"),
                    format!("set `{field}` to at least {min}"),
                ))
            } else {
                Ok(())
            }
        };
        positive_int("group", self.group, 2)?;
        positive_int("batch", self.batch, 1)?;
        positive_int("grad_accum", self.grad_accum, 1)?;
        if !self.batch.is_multiple_of(self.group) {
            return Err(GrpoError::config(
                "batch",
                format!(
                    "{} completions is not a multiple of the group size {}",
                    self.batch, self.group
                ),
                format!(
                    "`batch` counts completions (TRL's per_device_train_batch_size): use a \
                     multiple of `group`, e.g. {}",
                    self.group * (self.batch / self.group).max(1)
                ),
            ));
        }
        positive_int("epochs", self.epochs, 1)?;
        positive_int("max_tokens", self.max_tokens, 1)?;
        positive_int("iterations", self.iterations, 1)?;
        positive_int("logprob_chunk_tokens", self.logprob_chunk_tokens, 1)?;
        if self.micro_batch == Some(0) {
            return Err(GrpoError::config(
                "micro_batch",
                "0 completions",
                "leave `micro_batch` unset or give a positive number",
            ));
        }
        if self.max_steps == Some(0) {
            return Err(GrpoError::config(
                "max_steps",
                "0 steps",
                "leave `max_steps` unset or give a positive number",
            ));
        }
        let finite_nonneg = |field: &'static str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(GrpoError::config(
                    field,
                    format!("{v} is not a finite non-negative number"),
                    format!("set `{field}` to a number >= 0"),
                ))
            }
        };
        finite_nonneg("clip", self.clip)?;
        finite_nonneg("clip_high", self.eps_high())?;
        finite_nonneg("beta", self.beta)?;
        finite_nonneg("weight_decay", self.weight_decay)?;
        if self.clip >= 1.0 {
            return Err(GrpoError::config(
                "clip",
                format!("{} leaves no ratio above 1 - clip", self.clip),
                "use a clip epsilon below 1 (0.2 is usual)",
            ));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(GrpoError::config(
                "lr",
                format!("{} is not a positive learning rate", self.lr),
                "set `lr` to a positive number such as 1e-5",
            ));
        }
        if let Some(n) = self.max_grad_norm
            && !(n.is_finite() && n > 0.0)
        {
            return Err(GrpoError::config(
                "max_grad_norm",
                format!("{n} is not a positive norm"),
                "set a positive threshold or leave it unset to disable clipping",
            ));
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(GrpoError::config(
                "temperature",
                format!("{} is not positive", self.temperature),
                "GRPO needs sampling (temperature > 0) for a group to differ; 1.0 is usual",
            ));
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return Err(GrpoError::config(
                "top_p",
                format!("{} is outside (0, 1]", self.top_p),
                "set `top_p` in (0, 1]; 1.0 keeps every token",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_bad_values_name_their_field() {
        GrpoConfig::default().validate().unwrap();
        let bad = GrpoConfig {
            group: 1,
            ..GrpoConfig::default()
        };
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains("`group`"), "{err}");
        let bad = GrpoConfig {
            temperature: 0.0,
            ..GrpoConfig::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("temperature")
        );
        let bad = GrpoConfig {
            group: 8,
            batch: 12,
            ..GrpoConfig::default()
        };
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains("`batch`") && err.contains("multiple"), "{err}");
        let bad = GrpoConfig {
            clip_high: Some(-0.1),
            ..GrpoConfig::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("clip_high")
        );
    }

    #[test]
    fn config_reads_partial_json_with_defaults() {
        let cfg: GrpoConfig =
            serde_json::from_str(r#"{"group": 4, "loss": "dr_grpo", "scale_rewards": "none"}"#)
                .unwrap();
        assert_eq!(cfg.group, 4);
        assert_eq!(cfg.loss, LossType::DrGrpo);
        assert_eq!(cfg.scale_rewards, ScaleRewards::None);
        assert_eq!(cfg.batch, 16);
        assert_eq!(cfg.eps_high(), 0.2);
    }
}
