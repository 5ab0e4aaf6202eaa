//! Stopping a training run and resuming it from its checkpoint gives bit-identical final
//! weights and the same metrics as an uninterrupted run (CPU, same seed): for a stop the
//! trainer was asked for, and for a crash after a checkpoint (the process dies mid-run and
//! the steps after the checkpoint are redone).

mod train_support;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use mascot::train::reward::{RewardConfig, RewardRun, train_reward_model};
use mascot::train::sft::{SftConfig, SftRun, train_sft};
use mascot::train::{Control, LoopConfig, NoProgress, OptimizerConfig, ProgressEvent, TrainError};
use train_support::*;

fn reward_config() -> RewardConfig {
    RewardConfig {
        train: LoopConfig {
            epochs: 2,
            batch: 2,
            grad_accum: 2,
            seed: 7,
            shuffle: true,
            checkpoint_every: 2,
            keep_checkpoints: 2,
        },
        optimizer: OptimizerConfig {
            lr: 5e-3,
            weight_decay: 0.01,
            ..OptimizerConfig::default()
        },
        lora: Some(lora(4, &["q_proj", "v_proj"])),
        max_length: 256,
        ..RewardConfig::default()
    }
}

fn train_rm(
    root: &Path,
    progress: &mut dyn mascot::train::TrainProgress,
) -> Result<(), TrainError> {
    let pairs = learnable_pairs(10, 0);
    train_reward_model(
        tiny_trainable(),
        &pairs,
        &learnable_pairs(3, 20),
        &reward_config(),
        RewardRun {
            out_dir: &root.join("out"),
            checkpoint_dir: Some(&root.join("ckpt")),
            progress,
        },
    )
    .map(|_| ())
}

/// Asks the trainer to stop right after step `at`.
fn stop_at(at: usize) -> impl FnMut(&ProgressEvent<'_>) -> Control {
    move |event| match event {
        ProgressEvent::Step { metrics, .. } if metrics.step == at => Control::Stop,
        _ => Control::Continue,
    }
}

/// Dies (panics, as a killed process would stop) right after step `at`, before any
/// checkpoint of that step.
fn crash_at(at: usize) -> impl FnMut(&ProgressEvent<'_>) -> Control {
    move |event| match event {
        ProgressEvent::Step { metrics, .. } if metrics.step == at => panic!("simulated crash"),
        _ => Control::Continue,
    }
}

fn assert_same_run(a: &Path, b: &Path, weights: &str) {
    assert_eq!(
        bytes(&a.join("out").join(weights)),
        bytes(&b.join("out").join(weights)),
        "final weights differ"
    );
    assert_eq!(
        metrics_without_time(&a.join("out/metrics.jsonl")),
        metrics_without_time(&b.join("out/metrics.jsonl")),
        "metrics differ"
    );
}

#[test]
fn reward_model_resumes_bit_identically_after_stop_and_crash() {
    let straight = tempfile::tempdir().unwrap();
    train_rm(straight.path(), &mut NoProgress).unwrap();
    // 10 pairs, 4 a step: 3 steps an epoch, 6 in all.
    assert_eq!(
        metrics_without_time(&straight.path().join("out/metrics.jsonl")).len(),
        6
    );

    let stopped = tempfile::tempdir().unwrap();
    match train_rm(stopped.path(), &mut stop_at(3)) {
        Err(TrainError::Stopped {
            step: 3,
            checkpoint: Some(dir),
        }) => {
            assert!(dir.ends_with("checkpoint-000003"), "{}", dir.display())
        }
        other => panic!("expected a stop after step 3, got {other:?}"),
    }
    assert!(!stopped.path().join("out/model.safetensors").exists());
    let mut messages = Vec::new();
    train_rm(stopped.path(), &mut |e: &ProgressEvent<'_>| {
        if let ProgressEvent::Message(m) = e {
            messages.push(m.to_string());
        }
        Control::Continue
    })
    .unwrap();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("resuming") && m.contains("step 3")),
        "{messages:?}"
    );
    assert_same_run(straight.path(), stopped.path(), "model.safetensors");

    // Crash after step 5: the newest checkpoint is step 4 (every 2 steps); metrics line 5
    // was written and must be redone, not duplicated.
    let crashed = tempfile::tempdir().unwrap();
    let died = catch_unwind(AssertUnwindSafe(|| {
        let _ = train_rm(crashed.path(), &mut crash_at(5));
    }));
    assert!(died.is_err());
    assert_eq!(
        metrics_without_time(&crashed.path().join("out/metrics.jsonl")).len(),
        5
    );
    let kept: Vec<String> = std::fs::read_dir(crashed.path().join("ckpt"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("checkpoint-"))
        .collect();
    assert_eq!(kept.len(), 2, "keep_checkpoints: {kept:?}");
    train_rm(crashed.path(), &mut NoProgress).unwrap();
    let summary: serde_json::Value =
        serde_json::from_slice(&bytes(&crashed.path().join("out/reward_summary.json"))).unwrap();
    assert_eq!(summary["resumed_from_step"], 4);
    assert_same_run(straight.path(), crashed.path(), "model.safetensors");
}

#[test]
fn a_checkpoint_of_another_run_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let _ = train_rm(root.path(), &mut stop_at(2));
    let mut other = reward_config();
    other.optimizer.lr = 1e-3;
    let err = train_reward_model(
        tiny_trainable(),
        &learnable_pairs(10, 0),
        &[],
        &other,
        RewardRun {
            out_dir: &root.path().join("out"),
            checkpoint_dir: Some(&root.path().join("ckpt")),
            progress: &mut NoProgress,
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, TrainError::CheckpointMismatch { .. }),
        "{err}"
    );
}

fn sft_config() -> SftConfig {
    SftConfig {
        train: LoopConfig {
            epochs: 3,
            batch: 1,
            grad_accum: 2,
            seed: 3,
            shuffle: true,
            checkpoint_every: 2,
            keep_checkpoints: 1,
        },
        optimizer: OptimizerConfig {
            lr: 1e-2,
            ..OptimizerConfig::default()
        },
        max_length: 256,
        lora: Some(lora(4, &["q_proj", "k_proj", "v_proj", "o_proj"])),
    }
}

fn train_sft_into(
    root: &Path,
    progress: &mut dyn mascot::train::TrainProgress,
) -> Result<(), TrainError> {
    train_sft(
        tiny_trainable(),
        &demonstrations(),
        &sft_config(),
        SftRun {
            out_dir: &root.join("out"),
            checkpoint_dir: Some(&root.join("ckpt")),
            progress,
        },
    )
    .map(|_| ())
}

#[test]
fn sft_resumes_bit_identically() {
    let straight = tempfile::tempdir().unwrap();
    train_sft_into(straight.path(), &mut NoProgress).unwrap();
    let stopped = tempfile::tempdir().unwrap();
    assert!(matches!(
        train_sft_into(stopped.path(), &mut stop_at(3)),
        Err(TrainError::Stopped { step: 3, .. })
    ));
    train_sft_into(stopped.path(), &mut NoProgress).unwrap();
    assert_same_run(straight.path(), stopped.path(), "adapter_model.safetensors");
}
