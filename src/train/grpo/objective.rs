//! The GRPO objective on per-token log-probabilities (equation 5, TRL's formulas): the
//! clipped probability ratio, the k3 KL estimate to the reference policy, and the
//! aggregation of per-token losses by [`LossType`], with the clipping and KL statistics TRL
//! logs.
//!
//! Per token: `c1 = exp(logp - old_logp)`, `c2 = clamp(c1, 1 - eps_low, 1 + eps_high)`,
//! `l = -min(c1 * A, c2 * A) + beta * kl`, `kl = exp(ref - logp) - (ref - logp) - 1`.
//! The normalisers are those of the whole update batch ([`Normaliser`]), so computing the
//! loss micro-batch by micro-batch and summing gives the loss of the whole batch.

use burn::tensor::Tensor;

use super::config::{GrpoConfig, LossType};
use super::error::GrpoError;
use super::host::to_host;

/// The parts of [`GrpoConfig`] the objective reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossSettings {
    pub loss: LossType,
    pub eps_low: f64,
    pub eps_high: f64,
    pub beta: f64,
}

impl LossSettings {
    pub fn from_config(cfg: &GrpoConfig) -> Self {
        Self {
            loss: cfg.loss,
            eps_low: cfg.clip,
            eps_high: cfg.eps_high(),
            beta: cfg.beta,
        }
    }
}

/// Sizes of the whole update batch that the aggregation divides by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normaliser {
    /// Completions in the update batch (`grpo`, `dr_grpo`).
    pub sequences: usize,
    /// Active (mask 1) tokens in the update batch (`bnpo`, `dapo`).
    pub active_tokens: f64,
    /// The completion length limit (`dr_grpo`).
    pub max_tokens: usize,
}

/// Per-token inputs of one (micro-)batch, all `[batch, tokens]` except `advantages`.
#[derive(Debug, Clone)]
pub struct TokenLossInputs {
    /// Current policy log-probabilities (differentiable).
    pub logp: Tensor<2>,
    /// Log-probabilities under the policy that sampled; `None` on-policy (then
    /// `logp.detach()`, so the ratio is 1 with the gradient of `logp`).
    pub old_logp: Option<Tensor<2>>,
    /// Reference policy log-probabilities; needed when `beta > 0`.
    pub ref_logp: Option<Tensor<2>>,
    /// One advantage per sequence, `[batch]`.
    pub advantages: Tensor<1>,
    /// 1.0 on tokens that are actions (completion tokens, minus those an action mask or
    /// `mask_truncated` removed), 0.0 elsewhere.
    pub mask: Tensor<2>,
}

/// Sums over the active tokens of a (micro-)batch, to be added across micro-batches.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TokenStats {
    /// The loss value of this part (already normalised by the whole batch).
    pub loss: f64,
    pub active_tokens: f64,
    pub kl_sum: f64,
    /// Tokens with `c1 < 1 - eps_low` and `A < 0`.
    pub clip_low: f64,
    /// Tokens with `c1 > 1 + eps_high` and `A > 0`.
    pub clip_high: f64,
}

impl TokenStats {
    /// Adds another part's sums.
    pub fn add(&mut self, other: &TokenStats) {
        self.loss += other.loss;
        self.active_tokens += other.active_tokens;
        self.kl_sum += other.kl_sum;
        self.clip_low += other.clip_low;
        self.clip_high += other.clip_high;
    }

    fn per_token(&self, sum: f64) -> f64 {
        sum / self.active_tokens.max(1.0)
    }

    /// Mean k3 KL over active tokens (TRL's `kl`).
    pub fn kl(&self) -> f64 {
        self.per_token(self.kl_sum)
    }

    /// TRL's `clip_ratio/low_mean`.
    pub fn clip_low_mean(&self) -> f64 {
        self.per_token(self.clip_low)
    }

    /// TRL's `clip_ratio/high_mean`.
    pub fn clip_high_mean(&self) -> f64 {
        self.per_token(self.clip_high)
    }

    /// TRL's `clip_ratio/region_mean` (low and high never hold together).
    pub fn clip_region_mean(&self) -> f64 {
        self.per_token(self.clip_low + self.clip_high)
    }
}

/// The loss of one (micro-)batch and its statistics.
pub fn policy_loss(
    inputs: TokenLossInputs,
    settings: &LossSettings,
    norm: &Normaliser,
) -> Result<(Tensor<1>, TokenStats), GrpoError> {
    let TokenLossInputs {
        logp,
        old_logp,
        ref_logp,
        advantages,
        mask,
    } = inputs;
    let [batch, tokens] = logp.dims();
    let shape_err = |what: &str, dims: Vec<usize>| {
        GrpoError::input(
            format!("{what} has shape {dims:?}, expected [{batch}, {tokens}]"),
            "pass log-probabilities and masks of one layout",
        )
    };
    if mask.dims() != [batch, tokens] {
        return Err(shape_err("the mask", mask.dims().to_vec()));
    }
    if advantages.dims() != [batch] {
        return Err(shape_err("the advantages", advantages.dims().to_vec()));
    }
    let old = match old_logp {
        Some(old) if old.dims() != [batch, tokens] => {
            return Err(shape_err("old_logp", old.dims().to_vec()));
        }
        Some(old) => old,
        None => logp.clone().detach(),
    };
    // Masked positions get a log-ratio of 0 so that nothing there can overflow.
    let ratio = ((logp.clone() - old) * mask.clone()).exp();
    let adv = advantages.reshape([batch, 1]).expand([batch, tokens]);
    let clipped = ratio
        .clone()
        .clamp(1.0 - settings.eps_low, 1.0 + settings.eps_high);
    let mut per_token = (ratio.clone() * adv.clone())
        .min_pair(clipped * adv.clone())
        .neg();
    let kl = if settings.beta != 0.0 {
        let reference = ref_logp.ok_or_else(|| {
            GrpoError::input(
                "beta > 0 but no reference log-probabilities were given",
                "compute the reference policy's log-probabilities, or set beta to 0",
            )
        })?;
        if reference.dims() != [batch, tokens] {
            return Err(shape_err("ref_logp", reference.dims().to_vec()));
        }
        let d = (reference - logp.clone()) * mask.clone();
        let kl = d.clone().exp() - d - 1.0;
        per_token = per_token + kl.clone() * settings.beta;
        Some(kl)
    } else {
        None
    };
    let weighted = per_token * mask.clone();
    let loss = match settings.loss {
        LossType::Grpo => {
            let lens = mask.clone().sum_dim(1).clamp_min(1.0);
            (weighted.sum_dim(1) / lens).sum() / norm.sequences.max(1) as f64
        }
        LossType::Bnpo | LossType::Dapo => weighted.sum() / norm.active_tokens.max(1.0),
        LossType::DrGrpo => weighted.sum() / (norm.sequences.max(1) * norm.max_tokens) as f64,
    };

    let mask_h = to_host(mask)?;
    let ratio_h = to_host(ratio.detach())?;
    let adv_h = to_host(adv.detach())?;
    let kl_h = match kl {
        Some(kl) => to_host(kl.detach())?,
        None => vec![0.0; mask_h.len()],
    };
    let mut stats = TokenStats {
        loss: f64::from(to_host(loss.clone().detach())?[0]),
        ..TokenStats::default()
    };
    for i in 0..mask_h.len() {
        if mask_h[i] == 0.0 {
            continue;
        }
        stats.active_tokens += 1.0;
        stats.kl_sum += f64::from(kl_h[i]);
        let (r, a) = (f64::from(ratio_h[i]), adv_h[i]);
        if r < 1.0 - settings.eps_low && a < 0.0 {
            stats.clip_low += 1.0;
        }
        if r > 1.0 + settings.eps_high && a > 0.0 {
            stats.clip_high += 1.0;
        }
    }
    Ok((loss, stats))
}
