//! SFT on the tiny model: the loss is the cross-entropy of the completion tokens only,
//! pooled over every micro-batch of a step (checked against a hand computation from the
//! model's logits); it falls on a memorisation task; the adapter is saved in PEFT's format and
//! reloads to the same loss; over-long examples are cut or dropped and counted.

mod train_support;

use burn::tensor::Device;
use mascot::model::LoadedModel;
use mascot::train::chat::ChatCodec;
use mascot::train::sft::{
    SftConfig, SftExample, SftRun, completion_loss, tokenize_examples, train_sft,
};
use mascot::train::{LoopConfig, NoProgress, OptimizerConfig, TrainError};
use train_support::*;

fn config(epochs: usize, batch: usize, grad_accum: usize, lr: f64) -> SftConfig {
    SftConfig {
        train: LoopConfig {
            epochs,
            batch,
            grad_accum,
            seed: 5,
            checkpoint_every: 0,
            ..LoopConfig::default()
        },
        optimizer: OptimizerConfig {
            lr,
            ..OptimizerConfig::default()
        },
        max_length: 256,
        lora: Some(lora(
            8,
            &[
                "q_proj",
                "k_proj",
                "v_proj",
                "o_proj",
                "gate_proj",
                "up_proj",
                "down_proj",
            ],
        )),
    }
}

/// `-log softmax(logits)[target]` in f64.
fn nll(logits: &[f32], target: u32) -> f64 {
    let max = logits.iter().cloned().fold(f32::MIN, f32::max) as f64;
    let sum: f64 = logits.iter().map(|&l| (l as f64 - max).exp()).sum();
    max + sum.ln() - logits[target as usize] as f64
}

#[test]
fn the_loss_is_the_masked_cross_entropy_pooled_over_the_step() {
    let examples = demonstrations();
    let base = LoadedModel::tiny(&tiny_config(), Device::flex()).unwrap();
    let tokenized = tokenize_examples(ChatCodec::of(&base), &examples, 256).unwrap();
    let vocab = base.config.vocab_size;
    let mut total = 0.0;
    let mut tokens = 0usize;
    let mut per_example = Vec::new();
    for example in &tokenized.examples {
        let full: Vec<u32> = example
            .prompt
            .iter()
            .chain(&example.completion)
            .copied()
            .collect();
        let logits = base.all_logits(&full).unwrap();
        let p = example.prompt.len();
        // Completion token k sits at position p + k and is predicted from position p + k - 1;
        // the prompt's tokens are not scored at all.
        let sum: f64 = (0..example.completion.len())
            .map(|k| nll(&logits[(p + k - 1) * vocab..(p + k) * vocab], full[p + k]))
            .sum();
        total += sum;
        tokens += example.completion.len();
        per_example.push(sum / example.completion.len() as f64);
    }
    let pooled = total / tokens as f64;
    let mean_of_means = per_example.iter().sum::<f64>() / per_example.len() as f64;
    assert!(
        (pooled - mean_of_means).abs() > 1e-3,
        "the examples must differ in length"
    );

    // One step of 3 micro-batches of 1 example: the logged loss is the loss before the update
    // (fresh adapters leave the outputs unchanged).
    let dir = tempfile::tempdir().unwrap();
    let summary = train_sft(
        tiny_trainable(),
        &examples,
        &config(1, 1, 3, 1e-3),
        SftRun {
            out_dir: dir.path(),
            checkpoint_dir: None,
            progress: &mut NoProgress,
        },
    )
    .unwrap();
    assert_eq!(summary.steps, 1);
    assert_eq!(summary.completion_tokens, tokens);
    let metrics = mascot::train::metrics::read_metrics(&dir.path().join("metrics.jsonl")).unwrap();
    let logged = metrics[0]["loss"].as_f64().unwrap();
    assert!(
        (logged - pooled).abs() < 1e-4,
        "logged {logged} vs hand-computed {pooled}"
    );
    let all_tokens: usize = tokenized
        .examples
        .iter()
        .map(|e| e.prompt.len() + e.completion.len())
        .sum();
    assert_eq!(
        metrics[0]["num_tokens"].as_f64().unwrap(),
        all_tokens as f64
    );
}

#[test]
fn loss_falls_when_memorising_and_the_peft_adapter_reloads() {
    let examples = demonstrations();
    let dir = tempfile::tempdir().unwrap();
    let summary = train_sft(
        tiny_trainable(),
        &examples,
        &config(40, 3, 1, 2e-2),
        SftRun {
            out_dir: dir.path(),
            checkpoint_dir: None,
            progress: &mut NoProgress,
        },
    )
    .unwrap();
    let metrics = mascot::train::metrics::read_metrics(&dir.path().join("metrics.jsonl")).unwrap();
    assert_eq!(metrics.len(), 40);
    let first = metrics[0]["loss"].as_f64().unwrap();
    println!("SFT loss {first} -> {}", summary.final_loss);
    assert!(
        summary.final_loss < 0.3 * first,
        "loss {first} -> {}",
        summary.final_loss
    );
    for name in [
        "loss",
        "num_tokens",
        "grad_norm",
        "learning_rate",
        "epoch",
        "step_time",
    ] {
        assert!(metrics[0].get(name).is_some(), "missing {name}");
    }

    let config: serde_json::Value =
        serde_json::from_slice(&bytes(&dir.path().join("adapter_config.json"))).unwrap();
    assert_eq!(config["peft_type"], "LORA");
    assert_eq!(config["r"], 8);
    let reloaded = LoadedModel::tiny(&tiny_config(), Device::flex())
        .unwrap()
        .with_adapter(dir.path())
        .unwrap();
    let tokenized = tokenize_examples(ChatCodec::of(&reloaded), &examples, 256).unwrap();
    let loss = completion_loss(&reloaded.decoder, &tokenized.examples, 260, 2).unwrap();
    assert!(
        (loss - summary.final_loss).abs() < 1e-4,
        "{loss} vs {}",
        summary.final_loss
    );
    let base = LoadedModel::tiny(&tiny_config(), Device::flex()).unwrap();
    let untrained = completion_loss(&base.decoder, &tokenized.examples, 260, 2).unwrap();
    assert!((untrained - first).abs() < 1e-4, "{untrained} vs {first}");
}

#[test]
fn long_examples_are_cut_or_dropped_and_bad_rows_are_errors() {
    let mut examples = demonstrations();
    // Prompt alone past max_length: dropped; long reply: cut.
    examples.push(SftExample::simple("", &"x".repeat(200), "ok"));
    examples.push(SftExample::simple("", "hi", &"y".repeat(200)));
    let mut cfg = config(1, 2, 1, 1e-3);
    cfg.max_length = 100;
    let dir = tempfile::tempdir().unwrap();
    let summary = train_sft(
        tiny_trainable(),
        &examples,
        &cfg,
        SftRun {
            out_dir: dir.path(),
            checkpoint_dir: None,
            progress: &mut NoProgress,
        },
    )
    .unwrap();
    assert_eq!((summary.examples, summary.examples_used), (5, 4));
    assert_eq!(
        (summary.examples_dropped, summary.examples_truncated),
        (1, 1)
    );

    let mut bad = demonstrations();
    bad[1].completion.clear();
    let err = train_sft(
        tiny_trainable(),
        &bad,
        &cfg,
        SftRun {
            out_dir: dir.path(),
            checkpoint_dir: None,
            progress: &mut NoProgress,
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, TrainError::BadRecord { index: 1, .. }),
        "{err}"
    );
    let mut no_lora = cfg.clone();
    no_lora.lora = None;
    let err = train_sft(
        tiny_trainable(),
        &demonstrations(),
        &no_lora,
        SftRun {
            out_dir: dir.path(),
            checkpoint_dir: None,
            progress: &mut NoProgress,
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("lora"), "{err}");
}
