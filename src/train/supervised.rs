//! The loop the supervised trainers share (reward model, SFT): epochs of shuffled examples,
//! optimizer steps of `batch * grad_accum` examples split into micro-batches of `batch`,
//! gradients accumulated so that a step's loss is exactly the loss of its whole batch,
//! AdamW with clipping and schedule, `metrics.jsonl`, progress, checkpoints every N steps and
//! resume from the newest one.

use std::path::Path;
use std::time::Instant;

use burn::module::Module;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::checkpoint::Checkpointer;
use super::data_order::{DataCursor, steps_per_epoch};
use super::error::TrainError;
use super::metrics::{MetricsWriter, StepMetrics};
use super::optimizer::{Optimizer, OptimizerConfig};
use super::params::assign_stable_ids;
use super::progress::{Control, ProgressEvent, TrainProgress};
use crate::model::lora::seed_lora_dropout;

/// Epochs, batching, seed and checkpointing of a supervised run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoopConfig {
    /// Passes over the training examples. Default: 1.
    pub epochs: usize,
    /// Examples per forward pass (a micro-batch). Default: 8.
    pub batch: usize,
    /// Micro-batches per optimizer step (the effective batch is `batch * grad_accum`).
    /// Default: 1.
    pub grad_accum: usize,
    /// Seed of the data order (and of anything else the trainer draws). Default: 42.
    pub seed: u64,
    /// Reshuffle the examples every epoch. Default: true.
    pub shuffle: bool,
    /// Write a checkpoint every this many steps (0: only when stopped). Default: 50.
    pub checkpoint_every: usize,
    /// Checkpoints kept on disk. Default: 2.
    pub keep_checkpoints: usize,
}

impl Default for LoopConfig {
    fn default() -> Self {
        Self {
            epochs: 1,
            batch: 8,
            grad_accum: 1,
            seed: 42,
            shuffle: true,
            checkpoint_every: 50,
            keep_checkpoints: 2,
        }
    }
}

impl LoopConfig {
    /// Checks the ranges; errors name the field.
    pub fn validate(&self) -> Result<(), TrainError> {
        for (field, value) in [
            ("epochs", self.epochs),
            ("batch", self.batch),
            ("grad_accum", self.grad_accum),
        ] {
            if value == 0 {
                return Err(TrainError::config(
                    field,
                    "must be at least 1",
                    format!("set `{field}` to a positive number"),
                ));
            }
        }
        Ok(())
    }

    /// Optimizer steps of a run over `n` examples.
    pub fn total_steps(&self, n: usize) -> usize {
        self.epochs * steps_per_epoch(n, self.batch * self.grad_accum)
    }
}

/// One supervised objective over indexed examples.
pub trait SupervisedTask {
    /// The trained module (on an autodiff device).
    type Model: Module;

    /// Number of training examples.
    fn len(&self) -> usize;

    /// Whether there are no examples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How much example `item` weighs in its step's loss (1 for a preference pair, its
    /// number of completion tokens for SFT): a step's loss is the weighted mean over its items.
    fn weight(&self, item: usize) -> f64;

    /// Input tokens of example `item` (for `num_tokens`).
    fn tokens(&self, item: usize) -> usize;

    /// The loss of the micro-batch `items`, already divided by `step_weight` (the summed
    /// weight of the whole step), so that the micro-batch losses of a step add up to its
    /// loss. Also records whatever the task logs.
    fn micro_loss(
        &mut self,
        model: &Self::Model,
        items: &[usize],
        step_weight: f64,
    ) -> Result<Tensor<1>, TrainError>;

    /// Adds the task's metrics of the step that just ended (and resets them).
    fn end_step(&mut self, metrics: &mut StepMetrics);
}

/// The loop state saved in checkpoints.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LoopState {
    cursor: DataCursor,
    total_steps: usize,
    num_tokens: u64,
}

/// Where a run writes.
pub struct RunFiles<'a> {
    /// `metrics.jsonl`.
    pub metrics: &'a Path,
    /// Checkpoints, when the run should be resumable.
    pub checkpoints: Option<&'a Checkpointer>,
}

/// What the loop hands back.
pub struct LoopOutcome<M> {
    pub model: M,
    pub total_steps: usize,
    /// The step the run resumed from, when it did.
    pub resumed_from: Option<usize>,
}

/// Trains `model` on `task`. See the module documentation.
pub fn run_supervised<T: SupervisedTask>(
    task: &mut T,
    model: T::Model,
    config: &LoopConfig,
    optim: &OptimizerConfig,
    files: RunFiles<'_>,
    progress: &mut dyn TrainProgress,
) -> Result<LoopOutcome<T::Model>, TrainError> {
    config.validate()?;
    let n = task.len();
    let total_steps = config.total_steps(n);
    let mut model = assign_stable_ids(model);
    let mut optimizer = Optimizer::new(optim, total_steps)?;
    let mut state = LoopState {
        cursor: DataCursor::new(n, config.seed, config.shuffle),
        total_steps,
        num_tokens: 0,
    };
    let mut resumed_from = None;
    let mut saved_metrics = None;
    if let Some(checkpoint) = files.checkpoints.map(|c| c.latest()).transpose()?.flatten() {
        let saved: LoopState = checkpoint.trainer_state()?;
        if saved.total_steps != total_steps || saved.cursor.order.len() != n {
            return Err(TrainError::CheckpointMismatch {
                path: checkpoint.dir.clone(),
                reason: format!(
                    "it was made for {} steps over {} examples, this run has {total_steps} over {n}",
                    saved.total_steps,
                    saved.cursor.order.len()
                ),
            });
        }
        (model, optimizer) = checkpoint.restore(model, optimizer)?;
        state = saved;
        resumed_from = Some(checkpoint.step);
        saved_metrics = checkpoint.metrics.clone();
        progress.event(&ProgressEvent::Message(&format!(
            "resuming from checkpoint `{}` (step {})",
            checkpoint.dir.display(),
            checkpoint.step
        )));
    }
    let mut writer = MetricsWriter::open(
        files.metrics,
        optimizer.steps_done(),
        saved_metrics.as_deref(),
    )?;
    progress.event(&ProgressEvent::Start {
        total_steps,
        steps_done: optimizer.steps_done(),
    });
    let per_epoch = steps_per_epoch(n, config.batch * config.grad_accum).max(1);
    while optimizer.steps_done() < total_steps {
        let started = Instant::now();
        let items = state.cursor.next_step(config.batch * config.grad_accum);
        let step_weight: f64 = items.iter().map(|&i| task.weight(i)).sum();
        let mut accumulator = GradientsAccumulator::<T::Model>::new();
        let mut loss_value = 0.0f64;
        seed_lora_dropout(config.seed, optimizer.steps_done() as u64 + 1);
        for micro in items.chunks(config.batch) {
            let loss = task.micro_loss(&model, micro, step_weight.max(f64::MIN_POSITIVE))?;
            loss_value += f64::from(loss.clone().into_scalar::<f32>());
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            accumulator.accumulate(&model, grads);
        }
        let step = optimizer.steps_done() + 1;
        if !loss_value.is_finite() {
            return Err(TrainError::NonFinite {
                step,
                value: loss_value,
            });
        }
        state.num_tokens += items.iter().map(|&i| task.tokens(i) as u64).sum::<u64>();
        let (updated, stats) = optimizer.update(model, accumulator.grads());
        model = updated;
        let mut metrics = StepMetrics::new(step);
        metrics.set("loss", loss_value);
        task.end_step(&mut metrics);
        metrics.set("num_tokens", state.num_tokens as f64);
        metrics.set("grad_norm", stats.grad_norm);
        metrics.set("learning_rate", stats.learning_rate);
        metrics.set("epoch", step as f64 / per_epoch as f64);
        metrics.set("step_time", started.elapsed().as_secs_f64());
        writer.write(&metrics)?;
        let control = progress.event(&ProgressEvent::Step {
            metrics: &metrics,
            total_steps,
        });
        let due = config.checkpoint_every > 0 && step.is_multiple_of(config.checkpoint_every);
        let stop = control == Control::Stop && step < total_steps;
        if stop || (due && step < total_steps) {
            let mut dir = None;
            if let Some(checkpoints) = files.checkpoints {
                writer.sync()?;
                dir = Some(checkpoints.save(
                    step,
                    &model,
                    &optimizer,
                    &state,
                    Some(files.metrics),
                )?);
            }
            if stop {
                return Err(TrainError::Stopped {
                    step,
                    checkpoint: dir,
                });
            }
        }
    }
    writer.sync()?;
    Ok(LoopOutcome {
        model,
        total_steps,
        resumed_from,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::params::read_trainable;
    use burn::nn::{Linear, LinearConfig};
    use burn::tensor::{Device, TensorData};

    /// Least squares `y = 3 x0 - 2 x1 + 1` on 10 points with a linear layer.
    struct Regression {
        device: Device,
    }

    impl Regression {
        fn point(i: usize) -> ([f32; 2], f32) {
            let x = [i as f32 / 10.0, ((i * 7) % 10) as f32 / 10.0];
            (x, 3.0 * x[0] - 2.0 * x[1] + 1.0)
        }
    }

    impl SupervisedTask for Regression {
        type Model = Linear;
        fn len(&self) -> usize {
            10
        }
        fn weight(&self, _: usize) -> f64 {
            1.0
        }
        fn tokens(&self, _: usize) -> usize {
            2
        }
        fn micro_loss(
            &mut self,
            model: &Linear,
            items: &[usize],
            step_weight: f64,
        ) -> Result<Tensor<1>, TrainError> {
            let (xs, ys): (Vec<[f32; 2]>, Vec<f32>) = items.iter().map(|&i| Self::point(i)).unzip();
            let x = Tensor::<2>::from_data(
                TensorData::new(xs.concat(), [items.len(), 2]),
                &self.device,
            );
            let y = Tensor::<2>::from_data(TensorData::new(ys, [items.len(), 1]), &self.device);
            let err = model.forward(x) - y;
            Ok(err.square().sum().div_scalar(step_weight as f32))
        }
        fn end_step(&mut self, _: &mut StepMetrics) {}
    }

    fn run(dir: &Path, stop_at: Option<usize>) -> Result<Linear, TrainError> {
        let device = Device::flex().autodiff();
        device.seed(1);
        let model: Linear = LinearConfig::new(2, 1).init(&device);
        let config = LoopConfig {
            epochs: 8,
            batch: 2,
            grad_accum: 2,
            checkpoint_every: 3,
            ..LoopConfig::default()
        };
        let optim = OptimizerConfig {
            lr: 0.2,
            weight_decay: 0.01,
            max_grad_norm: Some(0.5),
            ..OptimizerConfig::default()
        };
        let checkpoints = Checkpointer::new(&dir.join("ckpt"), 2, "regression");
        let mut stopper = |e: &ProgressEvent<'_>| match e {
            ProgressEvent::Step { metrics, .. } if Some(metrics.step) == stop_at => Control::Stop,
            _ => Control::Continue,
        };
        let outcome = run_supervised(
            &mut Regression { device },
            model,
            &config,
            &optim,
            RunFiles {
                metrics: &dir.join("metrics.jsonl"),
                checkpoints: Some(&checkpoints),
            },
            &mut stopper,
        )?;
        Ok(outcome.model)
    }

    #[test]
    fn loss_falls_and_a_stopped_run_resumes_bit_identically() {
        let straight = tempfile::tempdir().unwrap();
        let full = run(straight.path(), None).unwrap();
        let metrics =
            crate::train::metrics::read_metrics(&straight.path().join("metrics.jsonl")).unwrap();
        // 10 points, 4 a step: 3 steps an epoch, 24 in all.
        assert_eq!(metrics.len(), 24);
        let epoch_loss = |e: usize| -> f64 {
            (3 * e..3 * e + 3)
                .map(|i| metrics[i]["loss"].as_f64().unwrap())
                .sum()
        };
        assert!(
            epoch_loss(7) < 0.5 * epoch_loss(0),
            "{} -> {}",
            epoch_loss(0),
            epoch_loss(7)
        );
        assert_eq!(metrics[0]["learning_rate"].as_f64().unwrap(), 0.2);
        assert!(metrics[0]["grad_norm"].as_f64().unwrap() > 0.0);
        assert_eq!(metrics[23]["num_tokens"].as_f64().unwrap(), 160.0);

        let stopped = tempfile::tempdir().unwrap();
        let err = run(stopped.path(), Some(5)).map(|_| ()).unwrap_err();
        assert!(matches!(err, TrainError::Stopped { step: 5, .. }), "{err}");
        let resumed = run(stopped.path(), None).unwrap();
        let bits = |m: &Linear| {
            read_trainable(m)
                .unwrap()
                .into_values()
                .flat_map(|(_, v)| v.into_iter().map(f32::to_bits))
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&full), bits(&resumed));
        let again =
            crate::train::metrics::read_metrics(&stopped.path().join("metrics.jsonl")).unwrap();
        assert_eq!(again.len(), 24);
        for (a, b) in metrics.iter().zip(&again) {
            assert_eq!(a["loss"], b["loss"]);
            assert_eq!(a["grad_norm"], b["grad_norm"]);
        }
    }
}
