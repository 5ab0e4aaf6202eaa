//! The GRPO loop, batched as TRL batches: for each generation batch of `batch * grad_accum`
//! completions (`batch * grad_accum / group` prompts), G rollouts per prompt from the current
//! policy, their rewards and group advantages, the reference (and, when `iterations` > 1, the
//! old-policy) log-probabilities, then `iterations` AdamW updates of the LoRA adapters, each
//! one optimizer step over the whole generation batch (TRL accumulates `grad_accum` device
//! steps into it; the loss here is normalised over the generation batch, which equals TRL's
//! for `grpo`, `dr_grpo` and `dapo`); metrics in TRL's names to `metrics.jsonl`, progress
//! events, checkpoints, and the final adapter in PEFT format.
//!
//! A checkpoint (adapters, optimizer state, data order, sampling generator, step) is written
//! only between generation batches (every `checkpoint_every` steps, when the progress
//! callback asks to stop, and after the last batch), so a resumed run never needs rollouts
//! it did not save; it continues exactly as the uninterrupted run would (same seed, CPU).

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::advantages::{group_advantages, total_rewards};
use super::config::GrpoConfig;
use super::error::GrpoError;
use super::metrics::{GenerationStats, StepRecord};
use super::objective::{LossSettings, Normaliser};
use super::reference::reference_decoder;
use super::rollout::{Rollout, RolloutSource};
use super::scoring::score_rows;
use super::update::{UpdateRow, UpdateSettings, policy_gradients};
use crate::model::decoder::Decoder;
use crate::model::lora::seed_lora_dropout;
use crate::model::{LoadedModel, SamplingConfig};
use crate::train::checkpoint::Checkpointer;
use crate::train::data_order::{DataCursor, full_steps_per_epoch};
use crate::train::error::TrainError;
use crate::train::metrics::{METRICS_FILE, MetricsWriter};
use crate::train::optimizer::Optimizer;
use crate::train::params::{assign_stable_ids, read_trainable, trainable_count};
use crate::train::progress::{Control, ProgressEvent, TrainProgress};
use crate::train::rng::{RngState, TrainRng};

/// Folder (inside the output directory) of the trained adapter, in PEFT's format.
pub const ADAPTER_DIR: &str = "adapter";

/// Random stream of the per-batch sampling seeds (the data order uses stream 1).
const SAMPLING_STREAM: u64 = 2;

/// Where a run writes.
#[derive(Debug, Clone, Copy)]
pub struct GrpoRun<'a> {
    /// `metrics.jsonl` and `adapter/` go here.
    pub output_dir: &'a Path,
    /// Checkpoints go here when the run should be resumable.
    pub checkpoint_dir: Option<&'a Path>,
}

/// What a finished run hands back.
#[derive(Debug)]
pub struct GrpoOutcome {
    /// The trained policy (adapters attached, on its autodiff device).
    pub policy: LoadedModel,
    pub total_steps: usize,
    /// The step the run resumed from, when it did.
    pub resumed_from: Option<usize>,
    /// Where the adapter was saved.
    pub adapter_dir: PathBuf,
}

/// The loop state saved in checkpoints.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LoopState {
    cursor: DataCursor,
    sampling: RngState,
    generations: usize,
    num_tokens: u64,
    total_steps: usize,
}

/// Optimizer steps of a run over `prompts` prompts, as TRL counts them: a generation batch
/// holds `batch * grad_accum` completions, i.e. `P = batch * grad_accum / group` prompts
/// (the incomplete last one of an epoch is dropped, as TRL's `RepeatSampler` does), and each
/// generation batch gives `iterations` optimizer steps:
/// `epochs * floor(prompts / P) * iterations`, capped by `max_steps`.
pub fn total_steps(config: &GrpoConfig, prompts: usize) -> usize {
    let all = config.epochs
        * full_steps_per_epoch(prompts, config.prompts_per_step())
        * config.iterations;
    config.max_steps.map_or(all, |m| m.min(all))
}

/// Identifies a run (settings, prompts, reward terms, starting adapters) so that a
/// checkpoint never resumes a different one.
fn fingerprint<P: Serialize>(
    config: &GrpoConfig,
    prompts: &[P],
    terms: &[(String, f64)],
    policy: &LoadedModel,
) -> Result<String, GrpoError> {
    let mut hasher = blake3::Hasher::new();
    let settings = GrpoConfig {
        checkpoint_every: 0,
        keep_checkpoints: 0,
        ..config.clone()
    };
    let json = serde_json::to_vec(&(settings, prompts, terms, &policy.lora)).map_err(|e| {
        GrpoError::input(
            format!("the run's settings do not serialise: {e}"),
            "this is a bug",
        )
    })?;
    hasher.update(&json);
    for (path, (_, values)) in read_trainable(&policy.decoder)? {
        hasher.update(path.as_bytes());
        for v in values {
            hasher.update(&v.to_le_bytes());
        }
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// An inference copy of `policy` to sample from (its decoder is refreshed every batch).
fn sampler_of(policy: &LoadedModel) -> LoadedModel {
    LoadedModel {
        decoder: policy.decoder.valid(),
        config: policy.config.clone(),
        tokenizer: policy.tokenizer.clone(),
        chat_template: policy.chat_template.clone(),
        device: policy.device.clone().inner(),
        lora: policy.lora.clone(),
        thinking: policy.thinking,
    }
}

/// Checks what a rollout source returned.
fn check_rollouts(rollouts: &[Rollout], expected: usize, terms: usize) -> Result<(), GrpoError> {
    let help = "a rollout source returns G rollouts per prompt, each with a completion, \
                one score per reward term and an action mask as long as its completion";
    if rollouts.len() != expected {
        return Err(GrpoError::input(
            format!("{} rollouts, expected {expected}", rollouts.len()),
            help,
        ));
    }
    for (i, r) in rollouts.iter().enumerate() {
        let mask_ok = r
            .action_mask
            .as_ref()
            .is_none_or(|m| m.len() == r.completion_ids.len());
        let turns_ok = r
            .later_turns
            .iter()
            .all(|t| !t.prompt_ids.is_empty() && !t.completion_ids.is_empty());
        if r.prompt_ids.is_empty() || r.completion_ids.is_empty() || !mask_ok || !turns_ok {
            return Err(GrpoError::input(
                format!("rollout {i}: empty prompt or completion, or a mask of the wrong length"),
                help,
            ));
        }
        if r.rewards.len() != terms {
            return Err(GrpoError::input(
                format!(
                    "rollout {i} has {} scores for {terms} reward terms",
                    r.rewards.len()
                ),
                help,
            ));
        }
    }
    Ok(())
}

/// The loss mask of a rollout: its action tokens, none when it is truncated and
/// `mask_truncated` is set.
fn loss_mask(rollout: &Rollout, mask_truncated: bool) -> Vec<f32> {
    let dropped = mask_truncated && rollout.truncated;
    (0..rollout.completion_ids.len())
        .map(|t| {
            let action = rollout.action_mask.as_ref().is_none_or(|m| m[t]);
            if action && !dropped { 1.0 } else { 0.0 }
        })
        .collect()
}

/// Trains the LoRA adapters of `policy` (loaded with [`LoadedModel::load_trainable`], adapters
/// attached) with GRPO on `prompts`, rollouts from `source`. See the module documentation.
pub fn train_grpo<S>(
    mut policy: LoadedModel,
    source: &mut S,
    prompts: &[S::Prompt],
    config: &GrpoConfig,
    run: GrpoRun<'_>,
    progress: &mut dyn TrainProgress,
) -> Result<GrpoOutcome, GrpoError>
where
    S: RolloutSource,
    S::Prompt: Clone + Serialize,
{
    config.validate()?;
    if prompts.is_empty() {
        return Err(TrainError::NoData {
            reason: "no prompts".into(),
            help: "give the run at least one prompt".into(),
        }
        .into());
    }
    if policy.lora.is_none()
        || !policy.device.is_autodiff()
        || trainable_count(&policy.decoder) == 0
    {
        return Err(GrpoError::input(
            "the policy has no trainable LoRA adapters, or is not on an autodiff device",
            "load it with `LoadedModel::load_trainable` and attach adapters \
             (`with_new_lora` or `with_adapter`)",
        ));
    }
    let terms = source.reward_terms();
    let names: Vec<String> = terms.iter().map(|t| t.0.clone()).collect();
    let weights: Vec<f64> = terms.iter().map(|t| t.1).collect();
    if let Some(dup) = names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].contains(n))
    {
        return Err(GrpoError::input(
            format!("two reward terms are named `{}`", dup.1),
            "give each reward term its own name (metrics are logged per name)",
        ));
    }
    let n = prompts.len();
    let per_step = config.prompts_per_step();
    if n < per_step {
        return Err(TrainError::NoData {
            reason: format!(
                "{n} prompts do not fill one generation batch of {per_step} prompts \
                 (batch {} x grad_accum {} completions / group {})",
                config.batch, config.grad_accum, config.group
            ),
            help: "`batch` counts completions (TRL's per_device_train_batch_size): lower \
                   `batch` or `grad_accum`, or give the stage more contexts"
                .into(),
        }
        .into());
    }
    let total = total_steps(config, n);
    let per_epoch = full_steps_per_epoch(n, per_step).max(1);
    // The reference is the base with the adapters off (TRL/PEFT `disable_adapter()`).
    let reference = (config.beta != 0.0).then(|| reference_decoder(&policy));
    let fingerprint = fingerprint(config, prompts, &terms, &policy)?;
    policy.decoder = assign_stable_ids(policy.decoder);
    let mut optimizer = Optimizer::new(&config.optimizer(), total)?;
    let mut state = LoopState {
        cursor: DataCursor::new(n, config.seed, true),
        sampling: TrainRng::new(config.seed, SAMPLING_STREAM).state(),
        generations: 0,
        num_tokens: 0,
        total_steps: total,
    };
    let checkpoints = run
        .checkpoint_dir
        .map(|dir| Checkpointer::new(dir, config.keep_checkpoints, fingerprint));
    let mut resumed_from = None;
    let mut saved_metrics = None;
    if let Some(checkpoint) = checkpoints
        .as_ref()
        .map(|c| c.latest())
        .transpose()?
        .flatten()
    {
        let saved: LoopState = checkpoint.trainer_state()?;
        let (decoder, restored) = checkpoint.restore(policy.decoder, optimizer)?;
        policy.decoder = decoder;
        optimizer = restored;
        state = saved;
        resumed_from = Some(checkpoint.step);
        saved_metrics = checkpoint.metrics.clone();
        progress.event(&ProgressEvent::Message(&format!(
            "resuming from checkpoint `{}` (step {})",
            checkpoint.dir.display(),
            checkpoint.step
        )));
    }
    let metrics_path = run.output_dir.join(METRICS_FILE);
    let mut writer = MetricsWriter::open(
        &metrics_path,
        optimizer.steps_done(),
        saved_metrics.as_deref(),
    )?;
    progress.event(&ProgressEvent::Start {
        total_steps: total,
        steps_done: optimizer.steps_done(),
    });
    let mut sampler = sampler_of(&policy);
    let settings = LossSettings::from_config(config);
    let micro_batch = config.micro_batch.unwrap_or(usize::MAX);
    while optimizer.steps_done() < total {
        let mut started = Instant::now();
        let first_step = optimizer.steps_done();
        let items = state.cursor.next_full_step(per_step);
        let batch: Vec<S::Prompt> = items.iter().map(|&i| prompts[i].clone()).collect();
        let mut rng = TrainRng::from_state(&state.sampling)
            .unwrap_or_else(|| TrainRng::new(config.seed, SAMPLING_STREAM));
        let sampling = SamplingConfig {
            max_tokens: config.max_tokens,
            temperature: config.temperature,
            top_k: None,
            top_p: config.top_p,
            seed: rng.rng().next_u64(),
            stop: Vec::new(),
        };
        state.sampling = rng.state();
        sampler.decoder = policy.decoder.valid();
        let rollouts = source.rollouts(&sampler, &batch, config.group, &sampling)?;
        check_rollouts(&rollouts, batch.len() * config.group, terms.len())?;
        let per_term: Vec<Vec<f64>> = (0..terms.len())
            .map(|f| rollouts.iter().map(|r| r.rewards[f]).collect())
            .collect();
        let totals = total_rewards(&per_term, &weights)?;
        let advantages = group_advantages(&totals, config.group, config.scale_rewards)?;
        let generation =
            GenerationStats::new(&rollouts, &names, &totals, advantages.frac_reward_zero_std);
        state.num_tokens += generation.tokens;
        state.generations += 1;
        // Every scored sequence: each rollout's first turn, then its later turns, all with
        // the rollout's advantage.
        let mut masks: Vec<Vec<f32>> = Vec::with_capacity(rollouts.len());
        let mut pairs: Vec<(&[u32], &[u32])> = Vec::with_capacity(rollouts.len());
        let mut seq_advantages: Vec<f64> = Vec::with_capacity(rollouts.len());
        for (r, &advantage) in rollouts.iter().zip(&advantages.values) {
            masks.push(loss_mask(r, config.mask_truncated));
            pairs.push((r.prompt_ids.as_slice(), r.completion_ids.as_slice()));
            seq_advantages.push(advantage);
            let keep = if config.mask_truncated && r.truncated {
                0.0
            } else {
                1.0
            };
            for t in &r.later_turns {
                masks.push(vec![keep; t.completion_ids.len()]);
                pairs.push((t.prompt_ids.as_slice(), t.completion_ids.as_slice()));
                seq_advantages.push(advantage);
            }
        }
        let score = |decoder: &Decoder| {
            score_rows(
                decoder,
                &pairs,
                config.temperature,
                config.logprob_chunk_tokens,
                micro_batch,
                &sampler.device,
            )
        };
        let ref_logp = reference.as_ref().map(score).transpose()?;
        let old_logp = (config.iterations > 1)
            .then(|| score(&sampler.decoder))
            .transpose()?;
        let rows: Vec<UpdateRow<'_>> = (0..pairs.len())
            .map(|i| UpdateRow {
                prompt: pairs[i].0,
                completion: pairs[i].1,
                mask: &masks[i],
                advantage: seq_advantages[i],
                old_logp: old_logp.as_ref().map(|v| v[i].as_slice()),
                ref_logp: ref_logp.as_ref().map(|v| v[i].as_slice()),
            })
            .collect();
        let update = UpdateSettings {
            loss: settings,
            norm: Normaliser {
                sequences: pairs.len(),
                active_tokens: masks.iter().flatten().map(|&m| f64::from(m)).sum(),
                max_tokens: config.max_tokens,
            },
            temperature: config.temperature,
            chunk_tokens: config.logprob_chunk_tokens,
            micro_batch,
        };
        let mut stop = false;
        for iteration in 0..config.iterations {
            if optimizer.steps_done() >= total {
                break;
            }
            let step = optimizer.steps_done() + 1;
            seed_lora_dropout(config.seed, step as u64);
            let outcome = policy_gradients(&policy.decoder, &rows, &update, &policy.device)?;
            if !outcome.stats.loss.is_finite() {
                return Err(TrainError::NonFinite {
                    step,
                    value: outcome.stats.loss,
                }
                .into());
            }
            let (decoder, stats) = optimizer.update(policy.decoder, outcome.grads);
            policy.decoder = decoder;
            let record = StepRecord {
                step,
                generation: &generation,
                update: &outcome.stats,
                entropy_sum: outcome.entropy_sum,
                optimizer: stats,
                with_kl: config.beta != 0.0,
                num_tokens: state.num_tokens,
                epoch: (state.generations - 1) as f64 / per_epoch as f64
                    + (iteration + 1) as f64 / (config.iterations * per_epoch) as f64,
                step_time: started.elapsed().as_secs_f64(),
            };
            let metrics = record.metrics();
            writer.write(&metrics)?;
            let control = progress.event(&ProgressEvent::Step {
                metrics: &metrics,
                total_steps: total,
            });
            stop |= control == Control::Stop;
            started = Instant::now();
        }
        let step = optimizer.steps_done();
        let every = config.checkpoint_every;
        let due = every > 0 && step / every > first_step / every;
        // The last batch is checkpointed too, so that a run killed before its adapter is
        // written finishes without training again.
        if (step < total && (stop || due)) || step == total {
            let mut dir = None;
            if let Some(checkpoints) = &checkpoints {
                writer.sync()?;
                dir = Some(checkpoints.save(
                    step,
                    &policy.decoder,
                    &optimizer,
                    &state,
                    Some(&metrics_path),
                )?);
            }
            if stop && step < total {
                return Err(TrainError::Stopped {
                    step,
                    checkpoint: dir,
                }
                .into());
            }
        }
    }
    writer.sync()?;
    let adapter_dir = run.output_dir.join(ADAPTER_DIR);
    policy.save_adapter(&adapter_dir)?;
    Ok(GrpoOutcome {
        policy,
        total_steps: total,
        resumed_from,
        adapter_dir,
    })
}
