//! AdamW over a module's trainable parameters (burn's optimizer) with the learning-rate
//! schedule, global gradient-norm clipping and a serialisable state, so a run can stop and
//! resume exactly where it was.

use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::Bytes;
use serde::{Deserialize, Serialize};

use super::error::TrainError;
use super::grads::clip_global_norm;
use super::schedule::LrSchedule;

/// AdamW and its schedule. The defaults are transformers' `TrainingArguments` defaults, which
/// TRL's trainers inherit; each trainer sets its own `lr`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OptimizerConfig {
    /// Peak learning rate. Default: 1e-4 (TRL's `RewardConfig`).
    pub lr: f64,
    /// Default: `linear_decay` (linear decay to 0, no warmup).
    pub schedule: LrSchedule,
    /// Default: 0.9.
    pub beta1: f32,
    /// Default: 0.999.
    pub beta2: f32,
    /// Default: 1e-8.
    pub eps: f32,
    /// Decoupled weight decay. Default: 0.0.
    pub weight_decay: f32,
    /// Clip the global gradient norm to this value; `None` logs the norm without clipping.
    /// Default: 1.0.
    pub max_grad_norm: Option<f64>,
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        Self {
            lr: 1e-4,
            schedule: LrSchedule::default(),
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            max_grad_norm: Some(1.0),
        }
    }
}

impl OptimizerConfig {
    /// Checks the ranges; errors name the field.
    pub fn validate(&self) -> Result<(), TrainError> {
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(TrainError::config(
                "lr",
                format!("{} is not a positive number", self.lr),
                "use a learning rate such as 1e-4",
            ));
        }
        for (field, beta) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&beta) {
                return Err(TrainError::config(
                    field,
                    format!("{beta} is outside [0, 1)"),
                    "AdamW's betas are usually 0.9 and 0.999",
                ));
            }
        }
        let eps_ok = self.eps.is_finite() && self.eps > 0.0;
        let decay_ok = self.weight_decay.is_finite() && self.weight_decay >= 0.0;
        if !eps_ok || !decay_ok {
            return Err(TrainError::config(
                "eps",
                format!("eps {} / weight_decay {}", self.eps, self.weight_decay),
                "eps must be positive and weight_decay non-negative",
            ));
        }
        if let Some(norm) = self.max_grad_norm
            && (norm.is_nan() || norm <= 0.0)
        {
            return Err(TrainError::config(
                "max_grad_norm",
                format!("{norm} is not positive"),
                "use a positive norm such as 1.0, or leave it unset to disable clipping",
            ));
        }
        Ok(())
    }
}

/// What one update did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UpdateStats {
    /// The learning rate the update used.
    pub learning_rate: f64,
    /// The global gradient norm before clipping.
    pub grad_norm: f64,
}

/// AdamW with its schedule and step counter. Its state is keyed by parameter id: give the
/// module stable ids ([`super::params::assign_stable_ids`]) before the first update when the
/// run is checkpointed ([`super::Checkpointer`] refuses random ids).
#[derive(Clone)]
pub struct Optimizer {
    config: OptimizerConfig,
    inner: ModuleOptimizer,
    total_steps: usize,
    step: usize,
}

impl Optimizer {
    /// A fresh optimizer for a run of `total_steps` updates.
    pub fn new(config: &OptimizerConfig, total_steps: usize) -> Result<Self, TrainError> {
        config.validate()?;
        let inner = AdamWConfig::new()
            .with_beta_1(config.beta1)
            .with_beta_2(config.beta2)
            .with_epsilon(config.eps)
            .with_weight_decay(config.weight_decay)
            .init();
        Ok(Self {
            config: config.clone(),
            inner,
            total_steps,
            step: 0,
        })
    }

    /// Updates applied so far.
    pub fn steps_done(&self) -> usize {
        self.step
    }

    /// The learning rate of the next update.
    pub fn next_lr(&self) -> f64 {
        self.config
            .schedule
            .lr(self.config.lr, self.step, self.total_steps)
    }

    /// Clips `grads`, applies one AdamW update to `module` and advances the schedule.
    pub fn update<M: Module>(&mut self, module: M, mut grads: GradientsParams) -> (M, UpdateStats) {
        let grad_norm = clip_global_norm(&module, &mut grads, self.config.max_grad_norm);
        let learning_rate = self.next_lr();
        let module = self.inner.step(learning_rate, module, grads);
        self.step += 1;
        (
            module,
            UpdateStats {
                learning_rate,
                grad_norm,
            },
        )
    }

    /// The moment estimates of every parameter (burnpack bytes, keyed by parameter id: see
    /// [`super::params::assign_stable_ids`]).
    pub fn state_bytes(&self) -> Result<Vec<u8>, TrainError> {
        let bytes = self.inner.into_bytes().map_err(|e| TrainError::Config {
            field: "optimizer",
            reason: format!("cannot serialise the optimizer state: {e:?}"),
            help: "this is a bug; please report it".into(),
        })?;
        Ok(bytes.to_vec())
    }

    /// Restores the state saved by [`Self::state_bytes`] after `steps_done` updates;
    /// `path` names the file in errors.
    pub fn restore(
        mut self,
        bytes: Vec<u8>,
        steps_done: usize,
        path: &std::path::Path,
    ) -> Result<Self, TrainError> {
        self.inner = self
            .inner
            .from_bytes(Bytes::from_bytes_vec(bytes))
            .map_err(|e| TrainError::corrupt("optimizer state", path, format!("{e:?}")))?;
        self.step = steps_done;
        Ok(self)
    }
}
