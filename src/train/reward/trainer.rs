//! Trains a Bradley-Terry reward model (equation 3): the base decoder plus a scalar head
//! `score` read at the last non-pad token, fully fine-tuned or with LoRA adapters (the head is
//! always trained), on preference pairs; evaluates it on held-out pairs and exports it as a
//! Hugging Face sequence-classification folder.
//!
//! Output directory: the Hugging Face folder (`config.json`, `model.safetensors`,
//! `tokenizer.json`, `tokenizer_config.json`, `chat_template.jinja`), `metrics.jsonl` (one line
//! per step: `loss`, `accuracy`, `margin`, `min_reward`, `mean_reward`, `max_reward`,
//! `num_tokens`, `grad_norm`, `learning_rate`, `epoch`, `step_time`),
//! `reward_summary.json` ([`RewardSummary`]) and, with LoRA, `adapter/` (the adapters and
//! the head in PEFT's sequence-classification layout).

use std::path::Path;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::adapter::{ADAPTER_DIR, save_reward_adapter};
use super::data::{PreferencePair, TokenizedPair, tokenize_pairs};
use super::export::{RewardExport, export_reward_model};
use super::loss::{PairStats, bradley_terry_sum};
use crate::model::reward::RewardModel;
use crate::model::{LoadedModel, LoraSpec, ModelError};
use crate::train::chat::ChatCodec;
use crate::train::checkpoint::Checkpointer;
use crate::train::error::TrainError;
use crate::train::fsio::write_json_atomic;
use crate::train::metrics::{METRICS_FILE, StepMetrics};
use crate::train::optimizer::OptimizerConfig;
use crate::train::params::trainable_count;
use crate::train::progress::{ProgressEvent, TrainProgress};
use crate::train::run_identity::run_identity;
use crate::train::supervised::{LoopConfig, RunFiles, SupervisedTask, run_supervised};

/// File of the run summary in the output directory.
pub const REWARD_SUMMARY_FILE: &str = "reward_summary.json";

/// Settings of a reward-model run. Defaults: the paper's 3 epochs and batch 32 (as 8 pairs
/// per forward pass times 4 accumulated), TRL's `RewardConfig` otherwise (lr 1e-4, linear
/// decay, max_length 1024, max_grad_norm 1.0, no reward centring).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RewardConfig {
    /// Epochs, batch, accumulation, seed, checkpoints. Default: 3 epochs, batch 8,
    /// grad_accum 4, seed 42.
    pub train: LoopConfig,
    /// AdamW and schedule. Default: lr 1e-4, linear decay.
    pub optimizer: OptimizerConfig,
    /// Pairs with a side longer than this many tokens are dropped. Default: 1024.
    pub max_length: usize,
    /// LoRA adapters on the frozen base (the head is trained too); `None` fine-tunes every
    /// weight. Default: `None`.
    pub lora: Option<LoraSpec>,
    /// The padding token whose trailing copies the score skips; default: the EOS token.
    pub pad_token: Option<String>,
    /// TRL's `center_rewards_coefficient`: adds `c * mean((r_c + r_r)^2)`. Default: `None`.
    pub center_rewards_coefficient: Option<f64>,
    /// Pairs per forward pass when scoring held-out pairs. Default: 16.
    pub eval_batch: usize,
}

impl Default for RewardConfig {
    fn default() -> Self {
        Self {
            train: LoopConfig {
                epochs: 3,
                batch: 8,
                grad_accum: 4,
                ..LoopConfig::default()
            },
            optimizer: OptimizerConfig::default(),
            max_length: 1024,
            lora: None,
            pad_token: None,
            center_rewards_coefficient: None,
            eval_batch: 16,
        }
    }
}

/// Accuracy, margin and loss of a reward model on pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RewardEval {
    pub pairs: usize,
    pub loss: f64,
    pub accuracy: f64,
    pub margin: f64,
    pub mean_reward: f64,
    pub min_reward: f64,
    pub max_reward: f64,
}

impl RewardEval {
    fn of(stats: &PairStats) -> Self {
        Self {
            pairs: stats.pairs(),
            loss: stats.loss(),
            accuracy: stats.accuracy(),
            margin: stats.margin(),
            mean_reward: stats.mean_reward(),
            min_reward: stats.min_reward(),
            max_reward: stats.max_reward(),
        }
    }
}

/// What a run did (`reward_summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RewardSummary {
    /// Training pairs given, trained on, and dropped for length.
    pub train_pairs: usize,
    pub train_pairs_used: usize,
    pub train_pairs_too_long: usize,
    /// Held-out pairs given and dropped for length.
    pub heldout_pairs: usize,
    pub heldout_pairs_too_long: usize,
    pub steps: usize,
    pub resumed_from_step: Option<usize>,
    /// `lora` or `full`.
    pub mode: String,
    pub trainable_parameters: usize,
    pub pad_token_id: u32,
    /// The trained model on the training pairs.
    pub train: RewardEval,
    /// The trained model on the held-out pairs (`None` without held-out pairs).
    pub heldout: Option<RewardEval>,
}

struct RewardTask {
    pairs: Vec<TokenizedPair>,
    center: Option<f64>,
    device: Device,
    step_stats: PairStats,
}

impl SupervisedTask for RewardTask {
    type Model = RewardModel;

    fn len(&self) -> usize {
        self.pairs.len()
    }

    fn weight(&self, _item: usize) -> f64 {
        1.0
    }

    fn tokens(&self, item: usize) -> usize {
        self.pairs.get(item).map_or(0, |p| p.tokens)
    }

    fn micro_loss(
        &mut self,
        model: &RewardModel,
        items: &[usize],
        step_weight: f64,
    ) -> Result<Tensor<1>, TrainError> {
        let pairs: Vec<&TokenizedPair> = items.iter().filter_map(|&i| self.pairs.get(i)).collect();
        let (chosen, rejected) = score_pairs(model, &pairs, &self.device)?;
        self.step_stats.add(&to_vec(&chosen)?, &to_vec(&rejected)?);
        Ok(bradley_terry_sum(chosen, rejected, self.center).div_scalar(step_weight as f32))
    }

    fn end_step(&mut self, metrics: &mut StepMetrics) {
        let stats = std::mem::take(&mut self.step_stats);
        metrics.set("accuracy", stats.accuracy());
        metrics.set("margin", stats.margin());
        metrics.set("min_reward", stats.min_reward());
        metrics.set("mean_reward", stats.mean_reward());
        metrics.set("max_reward", stats.max_reward());
    }
}

/// Rewards of the chosen and rejected sides of `pairs`, scored in one batch.
fn score_pairs(
    model: &RewardModel,
    pairs: &[&TokenizedPair],
    device: &Device,
) -> Result<(Tensor<1>, Tensor<1>), TrainError> {
    let n = pairs.len();
    let sequences: Vec<Vec<u32>> = pairs
        .iter()
        .map(|p| p.chosen.clone())
        .chain(pairs.iter().map(|p| p.rejected.clone()))
        .collect();
    let rewards = model.rewards(&sequences, device)?;
    Ok((rewards.clone().narrow(0, 0, n), rewards.narrow(0, n, n)))
}

fn to_vec(t: &Tensor<1>) -> Result<Vec<f32>, TrainError> {
    t.clone()
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| ModelError::invalid(format!("reading rewards back: {e:?}")).into())
}

/// Scores `pairs` without gradients, `batch` pairs at a time.
pub fn evaluate_pairs(
    model: &RewardModel,
    pairs: &[TokenizedPair],
    batch: usize,
) -> Result<RewardEval, TrainError> {
    let inference = model.valid();
    let device = inference.score.weight.device();
    let mut stats = PairStats::default();
    for chunk in pairs.chunks(batch.max(1)) {
        let refs: Vec<&TokenizedPair> = chunk.iter().collect();
        let (chosen, rejected) = score_pairs(&inference, &refs, &device)?;
        stats.add(&to_vec(&chosen)?, &to_vec(&rejected)?);
    }
    Ok(RewardEval::of(&stats))
}

/// Where a run writes and reports.
pub struct RewardRun<'a> {
    /// The output directory (see the module documentation).
    pub out_dir: &'a Path,
    /// Checkpoints for resuming, when the run should be resumable.
    pub checkpoint_dir: Option<&'a Path>,
    pub progress: &'a mut dyn TrainProgress,
}

/// Trains a reward model on `train`, evaluates it on `heldout` and exports it. `base` must be
/// loaded on an autodiff device ([`LoadedModel::load_trainable`] or `device.autodiff()`),
/// without adapters (set [`RewardConfig::lora`] instead).
pub fn train_reward_model(
    base: LoadedModel,
    train: &[PreferencePair],
    heldout: &[PreferencePair],
    config: &RewardConfig,
    run: RewardRun<'_>,
) -> Result<RewardSummary, TrainError> {
    if !base.device.is_autodiff() {
        return Err(TrainError::config(
            "model",
            "the base model is loaded for inference",
            "load it with `LoadedModel::load_trainable` (an autodiff device)",
        ));
    }
    if base.lora.is_some() {
        return Err(TrainError::config(
            "lora",
            "the base model already has LoRA adapters",
            "load the base without `lora` and set `RewardConfig::lora`",
        ));
    }
    let codec = ChatCodec::of(&base);
    let pad_id = codec.pad_id(config.pad_token.as_deref())?;
    let tokenized = tokenize_pairs(codec, train, config.max_length, pad_id)?;
    let held = tokenize_pairs(codec, heldout, config.max_length, pad_id)?;
    if tokenized.pairs.is_empty() {
        return Err(TrainError::NoData {
            reason: format!(
                "{} training pairs, {} longer than max_length {}",
                train.len(),
                tokenized.dropped_too_long,
                config.max_length
            ),
            help: "give preference pairs, or raise `max_length`".into(),
        });
    }
    let seed = config.train.seed;
    let model = match &config.lora {
        Some(spec) => base.with_new_lora(spec, seed)?,
        None => base,
    };
    let mut decoder = model.decoder;
    // The reward head replaces the language-model head, which gets no gradient.
    decoder.lm_head = decoder.lm_head.map(Module::no_grad);
    let device = model.device.clone();
    let rm = RewardModel::new(decoder, seed, &device);
    let trainable_parameters = trainable_count(&rm);
    let mode = if config.lora.is_some() {
        "lora"
    } else {
        "full"
    };
    let message = format!(
        "reward model ({mode}): {} training pairs ({} dropped, longer than {} tokens), {} \
         held-out, {trainable_parameters} trainable parameters",
        tokenized.pairs.len(),
        tokenized.dropped_too_long,
        config.max_length,
        held.pairs.len()
    );
    run.progress.event(&ProgressEvent::Message(&message));
    let fingerprint = run_identity(
        "reward-model/1",
        config,
        &model.config,
        tokenized
            .pairs
            .iter()
            .flat_map(|p| [p.chosen.as_slice(), p.rejected.as_slice()]),
    )?;
    let checkpointer = run
        .checkpoint_dir
        .map(|dir| Checkpointer::new(dir, config.train.keep_checkpoints, fingerprint));
    let mut task = RewardTask {
        pairs: tokenized.pairs,
        center: config.center_rewards_coefficient,
        device,
        step_stats: PairStats::default(),
    };
    std::fs::create_dir_all(run.out_dir)
        .map_err(TrainError::io("create directory", run.out_dir))?;
    let outcome = run_supervised(
        &mut task,
        rm,
        &config.train,
        &config.optimizer,
        RunFiles {
            metrics: &run.out_dir.join(METRICS_FILE),
            checkpoints: checkpointer.as_ref(),
        },
        run.progress,
    )?;
    let trained = outcome.model;
    let train_eval = evaluate_pairs(&trained, &task.pairs, config.eval_batch)?;
    let heldout_eval = if held.pairs.is_empty() {
        None
    } else {
        Some(evaluate_pairs(&trained, &held.pairs, config.eval_batch)?)
    };
    export_reward_model(
        &trained,
        &RewardExport {
            config: &model.config,
            tokenizer: &model.tokenizer,
            chat_template: model.chat_template.as_ref(),
            pad_id,
        },
        run.out_dir,
    )?;
    if let Some(spec) = &config.lora {
        save_reward_adapter(&trained, spec, &run.out_dir.join(ADAPTER_DIR))?;
    }
    let summary = RewardSummary {
        train_pairs: train.len(),
        train_pairs_used: task.pairs.len(),
        train_pairs_too_long: tokenized.dropped_too_long,
        heldout_pairs: heldout.len(),
        heldout_pairs_too_long: held.dropped_too_long,
        steps: outcome.total_steps,
        resumed_from_step: outcome.resumed_from,
        mode: mode.into(),
        trainable_parameters,
        pad_token_id: pad_id,
        train: train_eval,
        heldout: heldout_eval,
    };
    write_json_atomic(&run.out_dir.join(REWARD_SUMMARY_FILE), &summary)?;
    Ok(summary)
}
