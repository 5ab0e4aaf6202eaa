//! `train_reward_model` (equation 3): the `train` library's Bradley-Terry trainer on the
//! pairs of every `build_preferences` input (their held-out files measure the model, or are
//! trained on with `holdout: false`). Checkpoints go to the stage's work directory, so a
//! killed run resumes; the artifact directory is the exported Hugging Face folder.

use crate::model::LoadedModel;
use crate::spec::StageKind;
use crate::spec::stages::build_preferences::{HELDOUT, TRAIN};
use crate::spec::stages::train_reward_model::TrainRewardModelParams;
use crate::stages::context::StageContext;
use crate::stages::micro_batches::{REWARD_MICRO_BATCH, micro_batches};
use crate::stages::output::StageOutput;
use crate::stages::train_progress::{StageTrainProgress, checkpoint_every};
use crate::train::reward::{PreferencePair, RewardConfig, RewardRun, train_reward_model};
use crate::train::{LoopConfig, OptimizerConfig};
use crate::util::read_jsonl;

/// Bump when what this stage writes changes (reruns `train_reward_model` stages only).
/// 2: LoRA dropout masks drawn from the run's seed and step (reproducible runs).
/// 3: at most 2 pairs per forward pass (was 8): the activations of 16 sequences of up to
///    512 tokens were most of the quickstart's peak memory.
/// 4: one pair per forward pass (was 2): the quickstart's pairs held 3.6 GiB with LoRA.
pub const VERSION: u32 = 4;

/// Optimizer steps between checkpoints.
pub const CHECKPOINT_EVERY: usize = 25;

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: TrainRewardModelParams = ctx.params()?;
    let (mut train, mut heldout) = (Vec::new(), Vec::new());
    let inputs: Vec<_> = ctx
        .inputs
        .iter()
        .filter(|i| i.kind == StageKind::BuildPreferences)
        .collect();
    if inputs.is_empty() {
        ctx.input(StageKind::BuildPreferences)?;
    }
    for input in inputs {
        train.extend(read_jsonl::<PreferencePair>(&input.dir.join(TRAIN))?);
        let held: Vec<PreferencePair> = read_jsonl(&input.dir.join(HELDOUT))?;
        if params.holdout {
            heldout.extend(held);
        } else {
            train.extend(held);
        }
    }
    let (micro, accum) = micro_batches(params.batch, REWARD_MICRO_BATCH);
    let config = RewardConfig {
        train: LoopConfig {
            epochs: params.epochs,
            batch: micro,
            grad_accum: accum,
            seed: params.seed,
            checkpoint_every: checkpoint_every(CHECKPOINT_EVERY),
            ..LoopConfig::default()
        },
        optimizer: OptimizerConfig {
            lr: params.lr,
            ..OptimizerConfig::default()
        },
        max_length: params.max_length,
        lora: params.lora.clone(),
        ..RewardConfig::default()
    };
    let mut base_spec = params.base.clone();
    base_spec.lora = None;
    let base = LoadedModel::load_trainable(&base_spec, ctx.base_dir)?;
    // Without LoRA every weight trains: the model keeps its own copy.
    let base = if params.lora.is_none() {
        base.own_weights()
    } else {
        base
    };
    let mut progress = StageTrainProgress::new(ctx.progress, &["loss", "accuracy"]);
    let summary = train_reward_model(
        base,
        &train,
        &heldout,
        &config,
        RewardRun {
            out_dir: ctx.out_dir,
            checkpoint_dir: Some(ctx.work_dir),
            progress: &mut progress,
        },
    )?;
    if let Some(h) = &summary.heldout {
        ctx.progress.log(&format!(
            "held-out pairs: accuracy {:.3}, margin {:.4} ({} pairs)",
            h.accuracy, h.margin, h.pairs
        ));
    }
    Ok(StageOutput {
        summary: serde_json::json!({
            "train_pairs": summary.train_pairs,
            "train_pairs_used": summary.train_pairs_used,
            "train_pairs_too_long": summary.train_pairs_too_long,
            "heldout_pairs": summary.heldout_pairs,
            "heldout_pairs_too_long": summary.heldout_pairs_too_long,
            "steps": summary.steps,
            "resumed_from_step": summary.resumed_from_step,
            "mode": summary.mode,
            "trainable_parameters": summary.trainable_parameters,
            "micro_batch": micro,
            "grad_accum": accum,
            "train_accuracy": summary.train.accuracy,
            "train_margin": summary.train.margin,
            "train_loss": summary.train.loss,
            "heldout_accuracy": summary.heldout.as_ref().map(|h| h.accuracy),
            "heldout_margin": summary.heldout.as_ref().map(|h| h.margin),
            "heldout_loss": summary.heldout.as_ref().map(|h| h.loss),
        }),
    })
}
