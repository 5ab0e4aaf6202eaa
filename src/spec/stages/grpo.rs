//! GRPO settings shared by both training phases (equation 5): the fields `align_personas`
//! and `optimize_director` share, their parameters and their lowering.

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int, nonneg, positive};
use crate::spec::stages::kind::StageKind;
use crate::spec::value::{Fields, LowerError, Symbol};
use crate::spec::wiring::Problem;

/// The GRPO fields (paper defaults), with the token budget of the phase's samples.
pub const fn fields(max_tokens: i64) -> [FieldSpec; 8] {
    [
        f("group", int(2), Int(8)),
        f("clip", positive(), Float(0.2)),
        f("beta", nonneg(), Float(0.04)),
        f("epochs", int(1), Int(1)),
        f("batch", int(1), Int(16)),
        f("lr", positive(), Float(1e-5)),
        f("max_tokens", int(1), Int(max_tokens)),
        f("temperature", nonneg(), Float(1.0)),
    ]
}

/// GRPO options beyond the paper's (TRL's, with TRL's or the library's default when left
/// out). Optional fields: a stage that leaves them out keeps its plan key.
pub const OPTIONS: [FieldSpec; 9] = [
    f("grad_accum", int(1), Optional),
    f("clip_high", positive(), Optional),
    f("top_p", positive(), Optional),
    f("loss", Ty::Sym(LOSSES), Optional),
    f("scale_rewards", Ty::Sym(SCALE_REWARDS), Optional),
    f("iterations", int(1), Optional),
    f("mask_truncated", Ty::Bool, Optional),
    f("max_steps", int(1), Optional),
    f("checkpoint_every", int(1), Optional),
];

/// `loss:` aggregations (`grpo` is equation 5).
pub const LOSSES: &[&str] = &["grpo", "bnpo", "dr_grpo", "dapo"];
/// `scale_rewards:` choices.
pub const SCALE_REWARDS: &[&str] = &["group", "batch", "none"];

/// GRPO settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrpoParams {
    /// Group size G.
    pub group: usize,
    /// Clip epsilon.
    pub clip: f64,
    /// KL coefficient beta.
    pub beta: f64,
    pub epochs: usize,
    /// Completions per device step (TRL's `per_device_train_batch_size`), a multiple of
    /// `group`.
    pub batch: usize,
    /// Device steps per optimizer step (TRL's `gradient_accumulation_steps`); default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grad_accum: Option<usize>,
    pub lr: f64,
    pub max_tokens: usize,
    pub temperature: f32,
    /// Upper clip epsilon; default `clip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip_high: Option<f64>,
    /// Nucleus sampling threshold; default 1 (off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    /// Loss aggregation (one of [`LOSSES`]); default `grpo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<String>,
    /// Advantage scaling (one of [`SCALE_REWARDS`]); default `group`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_rewards: Option<String>,
    /// Updates per generation batch; default 1 (on-policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<usize>,
    /// Completions cut by `max_tokens` leave the loss; default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask_truncated: Option<bool>,
    /// A cap on optimizer steps; default none (`epochs` passes over the prompts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_steps: Option<usize>,
    /// Checkpoint cadence in optimizer steps; default 50 (and always after the last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_every: Option<usize>,
}

/// The GRPO fields of a stage.
pub fn lower(f: &Fields) -> Result<GrpoParams, LowerError> {
    Ok(GrpoParams {
        group: f.req("group")?,
        clip: f.req("clip")?,
        beta: f.req("beta")?,
        epochs: f.req("epochs")?,
        batch: f.req("batch")?,
        grad_accum: f.opt("grad_accum")?,
        lr: f.req("lr")?,
        max_tokens: f.req("max_tokens")?,
        temperature: f.req("temperature")?,
        clip_high: f.opt("clip_high")?,
        top_p: f.opt("top_p")?,
        loss: f.opt::<Symbol>("loss")?.map(|s| s.0),
        scale_rewards: f.opt::<Symbol>("scale_rewards")?.map(|s| s.0),
        iterations: f.opt("iterations")?,
        mask_truncated: f.opt("mask_truncated")?,
        max_steps: f.opt("max_steps")?,
        checkpoint_every: f.opt("checkpoint_every")?,
    })
}

/// The GRPO fields' own problems: `batch` counts completions, so it must be a multiple of
/// `group` (TRL requires the generation batch to hold whole groups).
pub fn problems(stage: StageKind, f: &Fields) -> Result<Vec<Problem>, LowerError> {
    let group: usize = f.req("group")?;
    let batch: usize = f.req("batch")?;
    if group == 0 || batch.is_multiple_of(group) {
        return Ok(Vec::new());
    }
    let up = batch.div_ceil(group) * group;
    Ok(vec![Problem {
        stage,
        message: format!(
            "stage `{}`: `batch: {batch}` is not a multiple of `group: {group}`",
            stage.as_str()
        ),
        help: format!(
            "`batch` counts completions per step (TRL's per_device_train_batch_size), \
             `batch / group` prompts with `group` completions each: use e.g. `batch: {up}`"
        ),
    }])
}
