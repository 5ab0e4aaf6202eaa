//! What the two GRPO stages (`align_personas`, `optimize_director`) share: the library config
//! from the planner's GRPO fields, the LoRA a fresh adapter gets, and the trainer's progress
//! shown on the stage's bar.

use crate::model::LoraSpec;
use crate::spec::model::ModelSpec;
use crate::spec::stages::grpo::GrpoParams;
use crate::stages::context::StageProgress;
use crate::stages::train_progress::after_step;
use crate::train::grpo::{GrpoConfig, LossType, ScaleRewards};
use crate::train::{Control, ProgressEvent, TrainProgress};

/// The paper's LoRA (r 16, alpha 32, dropout 0.1 on q/k/v/o), used when the model names none.
pub fn paper_lora() -> LoraSpec {
    LoraSpec {
        r: 16,
        alpha: 32.0,
        dropout: 0.1,
        targets: ["q_proj", "k_proj", "v_proj", "o_proj"]
            .map(String::from)
            .to_vec(),
        rslora: false,
        layers: None,
    }
}

/// The model without its `lora:` (loading a spec with one attaches a fresh adapter; the
/// stages attach the adapter they mean: a trained one, or a fresh one with their seed).
pub fn without_lora(spec: &ModelSpec) -> ModelSpec {
    ModelSpec {
        lora: None,
        ..spec.clone()
    }
}

/// Completions per forward/backward pass of a GRPO stage's update (gradients accumulated,
/// the loss is the whole batch's): bounds the activations kept for the backward pass,
/// which with the whole batch at once were most of a stage's peak memory. One: a director
/// episode of the quickstart is ~540 tokens, whose attention weights alone (two `[heads,
/// T, T]` tensors kept per layer) take ~0.6 GB a sequence.
pub const STAGE_MICRO_BATCH: usize = 1;

/// The library config of a stage's GRPO fields (fields left out keep the library defaults).
pub fn grpo_config(p: &GrpoParams, seed: u64, stage: &str) -> miette::Result<GrpoConfig> {
    let symbol = |field: &str, value: &str| {
        miette::miette!(
            code = "mascot::stage::params",
            help = "the checker accepts only the listed values; recompile the experiment",
            "stage `{stage}`: `{field}: {value}` is not a known value"
        )
    };
    let loss = match p.loss.as_deref() {
        None => LossType::default(),
        Some(s) => serde_json::from_value(serde_json::json!(s)).map_err(|_| symbol("loss", s))?,
    };
    let scale_rewards = match p.scale_rewards.as_deref() {
        None => ScaleRewards::default(),
        Some(s) => serde_json::from_value::<ScaleRewards>(serde_json::json!(s))
            .map_err(|_| symbol("scale_rewards", s))?,
    };
    let defaults = GrpoConfig::default();
    Ok(GrpoConfig {
        group: p.group,
        batch: p.batch,
        grad_accum: p.grad_accum.unwrap_or(defaults.grad_accum),
        epochs: p.epochs,
        max_steps: p.max_steps,
        clip: p.clip,
        clip_high: p.clip_high,
        beta: p.beta,
        lr: p.lr,
        max_tokens: p.max_tokens,
        temperature: p.temperature,
        top_p: p.top_p.unwrap_or(defaults.top_p),
        loss,
        scale_rewards,
        iterations: p.iterations.unwrap_or(defaults.iterations),
        mask_truncated: p.mask_truncated.unwrap_or(defaults.mask_truncated),
        seed,
        checkpoint_every: p.checkpoint_every.unwrap_or(defaults.checkpoint_every),
        micro_batch: Some(STAGE_MICRO_BATCH),
        ..defaults
    })
}

/// The trainer's progress on a stage's bar: the total steps, one tick per step, and a log
/// line per step with its reward and KL; Ctrl-C stops it at a step ([`after_step`]).
pub struct StageTrainProgress<'a> {
    pub progress: &'a dyn StageProgress,
    /// Prefix of the log lines (a persona's name with `per_persona`).
    pub label: String,
}

impl TrainProgress for StageTrainProgress<'_> {
    fn event(&mut self, event: &ProgressEvent<'_>) -> Control {
        match event {
            ProgressEvent::Start {
                steps_done,
                total_steps,
            } => {
                self.progress.inc(*steps_done as u64);
                if *steps_done > 0 {
                    self.progress.log(&format!(
                        "{}resuming from the checkpoint of step {steps_done}/{total_steps}",
                        self.label
                    ));
                }
            }
            ProgressEvent::Step {
                metrics,
                total_steps,
            } => {
                self.progress.inc(1);
                let value = |name: &str| {
                    metrics
                        .get(name)
                        .map_or_else(|| "-".to_string(), |v| format!("{v:.4}"))
                };
                self.progress.log(&format!(
                    "{}step {}/{total_steps}: reward {} kl {} ({:.1} s)",
                    self.label,
                    metrics.step,
                    value("reward"),
                    value("kl"),
                    metrics.get("step_time").unwrap_or(f64::NAN),
                ));
                return after_step(self.progress, metrics.step, *total_steps);
            }
            ProgressEvent::Message(m) => self.progress.log(&format!("{}{m}", self.label)),
        }
        Control::Continue
    }
}
