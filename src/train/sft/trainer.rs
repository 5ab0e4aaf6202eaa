//! Supervised fine-tuning (issue 9's `train_sft`, the paper's pi_SFT and SFT baseline):
//! cross-entropy on the completion tokens only (prompt tokens masked), LoRA adapters on a
//! frozen base, AdamW. The loss of a step is the summed negative log-likelihood of its
//! completion tokens divided by their number, across all accumulated micro-batches (so
//! gradient accumulation equals one big batch, as transformers does with
//! `num_items_in_batch`).
//!
//! Output directory: the adapter in PEFT's format (`adapter_config.json`,
//! `adapter_model.safetensors`), `metrics.jsonl` (`loss`, `num_tokens`, `grad_norm`,
//! `learning_rate`, `epoch`, `step_time`) and `sft_summary.json` ([`SftSummary`]).

use std::path::Path;

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::data::{SftExample, TokenizedExample, tokenize_examples};
use crate::model::decoder::Decoder;
use crate::model::logprobs::completion_logprobs;
use crate::model::lora::save_peft_adapter;
use crate::model::{LoadedModel, LoraSpec};
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
pub const SFT_SUMMARY_FILE: &str = "sft_summary.json";

/// The paper's LoRA (Appendix B.2): r 16, alpha 32, dropout 0.1, on the attention
/// projections.
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

/// Settings of an SFT run. Defaults: the paper's 1 epoch and batch 16 (8 examples per
/// forward pass times 2 accumulated) and LoRA; TRL's `SFTConfig` otherwise (lr 2e-5,
/// linear decay, max_length 1024, max_grad_norm 1.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SftConfig {
    /// Epochs, batch, accumulation, seed, checkpoints. Default: 1 epoch, batch 8,
    /// grad_accum 2, seed 42.
    pub train: LoopConfig,
    /// AdamW and schedule. Default: lr 2e-5, linear decay.
    pub optimizer: OptimizerConfig,
    /// Sequences are cut to this many tokens. Default: 1024.
    pub max_length: usize,
    /// Adapters to attach; `None` trains the adapters the base already has. Default:
    /// [`paper_lora`].
    pub lora: Option<LoraSpec>,
}

impl Default for SftConfig {
    fn default() -> Self {
        Self {
            train: LoopConfig {
                epochs: 1,
                batch: 8,
                grad_accum: 2,
                ..LoopConfig::default()
            },
            optimizer: OptimizerConfig {
                lr: 2e-5,
                ..OptimizerConfig::default()
            },
            max_length: 1024,
            lora: Some(paper_lora()),
        }
    }
}

/// What a run did (`sft_summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SftSummary {
    /// Demonstrations given.
    pub examples: usize,
    /// Assistant turns trained on (one per single-reply demonstration).
    pub examples_used: usize,
    /// Assistant turns cut to `max_length`.
    pub examples_truncated: usize,
    /// Assistant turns that start at or after `max_length`.
    pub examples_dropped: usize,
    pub completion_tokens: usize,
    pub steps: usize,
    pub resumed_from_step: Option<usize>,
    pub trainable_parameters: usize,
    pub lora: LoraSpec,
    /// Mean completion-token loss of the trained adapters over the training examples.
    pub final_loss: f64,
}

struct SftTask {
    examples: Vec<TokenizedExample>,
    vocab: usize,
    device: Device,
}

impl SftTask {
    /// Summed completion-token log-likelihood of `items` (a differentiable scalar).
    fn log_likelihood(&self, model: &Decoder, items: &[usize]) -> Result<Tensor<1>, TrainError> {
        let pairs: Vec<(Vec<u32>, Vec<u32>)> = items
            .iter()
            .filter_map(|&i| self.examples.get(i))
            .map(|e| (e.prompt.clone(), e.completion.clone()))
            .collect();
        let scored = completion_logprobs(model, &pairs, self.vocab, &self.device)?;
        Ok(scored.logprobs.sum())
    }
}

impl SupervisedTask for SftTask {
    type Model = Decoder;

    fn len(&self) -> usize {
        self.examples.len()
    }

    fn weight(&self, item: usize) -> f64 {
        self.examples
            .get(item)
            .map_or(0.0, |e| e.completion.len() as f64)
    }

    fn tokens(&self, item: usize) -> usize {
        self.examples
            .get(item)
            .map_or(0, |e| e.prompt.len() + e.completion.len())
    }

    fn micro_loss(
        &mut self,
        model: &Decoder,
        items: &[usize],
        step_weight: f64,
    ) -> Result<Tensor<1>, TrainError> {
        Ok(self
            .log_likelihood(model, items)?
            .neg()
            .div_scalar(step_weight as f32))
    }

    fn end_step(&mut self, _metrics: &mut StepMetrics) {}
}

/// Mean negative log-likelihood per completion token of `examples` under `model`, without
/// gradients, `batch` examples at a time.
pub fn completion_loss(
    model: &Decoder,
    examples: &[TokenizedExample],
    vocab: usize,
    batch: usize,
) -> Result<f64, TrainError> {
    use burn::module::Module;
    let inference = model.valid();
    let device = inference.embed_tokens.weight.device();
    let task = SftTask {
        examples: examples.to_vec(),
        vocab,
        device,
    };
    let mut total = 0.0f64;
    let indices: Vec<usize> = (0..examples.len()).collect();
    for chunk in indices.chunks(batch.max(1)) {
        total -= f64::from(task.log_likelihood(&inference, chunk)?.into_scalar::<f32>());
    }
    let tokens: usize = examples.iter().map(|e| e.completion.len()).sum();
    Ok(if tokens == 0 {
        0.0
    } else {
        total / tokens as f64
    })
}

/// Where a run writes and reports.
pub struct SftRun<'a> {
    /// The output directory (see the module documentation).
    pub out_dir: &'a Path,
    /// Checkpoints for resuming, when the run should be resumable.
    pub checkpoint_dir: Option<&'a Path>,
    pub progress: &'a mut dyn TrainProgress,
}

/// Fine-tunes LoRA adapters of `base` (loaded on an autodiff device) on `examples` and saves
/// them in PEFT's format.
pub fn train_sft(
    base: LoadedModel,
    examples: &[SftExample],
    config: &SftConfig,
    run: SftRun<'_>,
) -> Result<SftSummary, TrainError> {
    if !base.device.is_autodiff() {
        return Err(TrainError::config(
            "model",
            "the base model is loaded for inference",
            "load it with `LoadedModel::load_trainable` (an autodiff device)",
        ));
    }
    let tokenized = tokenize_examples(ChatCodec::of(&base), examples, config.max_length)?;
    if tokenized.examples.is_empty() {
        return Err(TrainError::NoData {
            reason: format!(
                "{} examples, {} with a prompt of max_length {} tokens or more",
                examples.len(),
                tokenized.dropped,
                config.max_length
            ),
            help: "give demonstrations, or raise `max_length`".into(),
        });
    }
    let model = match (&config.lora, &base.lora) {
        (Some(spec), None) => base.with_new_lora(spec, config.train.seed)?,
        (None, Some(_)) => base,
        (Some(_), Some(_)) => {
            return Err(TrainError::config(
                "lora",
                "the base model already has LoRA adapters and the config asks for new ones",
                "load the base without adapters, or set `lora` to none to train the loaded ones",
            ));
        }
        (None, None) => {
            return Err(TrainError::config(
                "lora",
                "SFT trains LoRA adapters and none are configured",
                "set `lora` (the paper: r 16, alpha 32, dropout 0.1)",
            ));
        }
    };
    let Some(spec) = model.lora.clone() else {
        return Err(TrainError::config(
            "lora",
            "no adapters attached",
            "set `lora`",
        ));
    };
    let trainable_parameters = trainable_count(&model.decoder);
    let completion_tokens: usize = tokenized.examples.iter().map(|e| e.completion.len()).sum();
    run.progress.event(&ProgressEvent::Message(&format!(
        "SFT: {} examples ({} truncated, {} dropped), {completion_tokens} completion tokens, \
         {trainable_parameters} trainable parameters",
        tokenized.examples.len(),
        tokenized.truncated,
        tokenized.dropped
    )));
    let fingerprint = run_identity(
        "sft/1",
        config,
        &model.config,
        tokenized
            .examples
            .iter()
            .flat_map(|e| [e.prompt.as_slice(), e.completion.as_slice()]),
    )?;
    let checkpointer = run
        .checkpoint_dir
        .map(|dir| Checkpointer::new(dir, config.train.keep_checkpoints, fingerprint));
    let mut task = SftTask {
        examples: tokenized.examples,
        vocab: model.config.vocab_size,
        device: model.device.clone(),
    };
    std::fs::create_dir_all(run.out_dir)
        .map_err(TrainError::io("create directory", run.out_dir))?;
    let outcome = run_supervised(
        &mut task,
        model.decoder,
        &config.train,
        &config.optimizer,
        RunFiles {
            metrics: &run.out_dir.join(METRICS_FILE),
            checkpoints: checkpointer.as_ref(),
        },
        run.progress,
    )?;
    let final_loss = completion_loss(
        &outcome.model,
        &task.examples,
        task.vocab,
        config.train.batch,
    )?;
    save_peft_adapter(&outcome.model, &spec, run.out_dir)?;
    let summary = SftSummary {
        examples: examples.len(),
        examples_used: task.examples.len(),
        examples_truncated: tokenized.truncated,
        examples_dropped: tokenized.dropped,
        completion_tokens,
        steps: outcome.total_steps,
        resumed_from_step: outcome.resumed_from,
        trainable_parameters,
        lora: spec,
        final_loss,
    };
    write_json_atomic(&run.out_dir.join(SFT_SUMMARY_FILE), &summary)?;
    Ok(summary)
}
