//! A LoRA adapter trained by mascot's SFT, applied to the transformers base model with `peft`,
//! gives the same last-position logits as `mascot logits --adapter DIR` (within 1e-4), the
//! same merged logits as mascot's merged forward, and the same greedy continuation as
//! `mascot generate --adapter DIR`. The reference was made by `scripts/peft_reference.py`
//! from the adapter the ignored test `make_sft_adapter_fixture` trains.

mod peft_support;
mod train_support;

use std::process::Command;

use burn::tensor::Device;
use mascot::model::LoadedModel;
use mascot::train::sft::{SftConfig, SftExample, SftRun, train_sft};
use mascot::train::{LoopConfig, NoProgress, OptimizerConfig};
use peft_support::*;
use train_support::*;

const ADAPTER: &str = "tiny-llama-sft-adapter";

#[test]
fn mascot_logits_with_the_adapter_match_peft() {
    assert_logits_match_peft(&fixtures().join(ADAPTER), 1e-2);
}

#[test]
fn mascot_merged_forward_matches_peft_merged() {
    assert_merged_forward_matches_peft(&fixtures().join(ADAPTER));
}

#[test]
fn mascot_generate_with_the_adapter_matches_peft_greedy() {
    assert_greedy_generation_matches_peft(&fixtures().join(ADAPTER));
}

#[test]
fn a_missing_adapter_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_mascot"))
        .arg("logits")
        .arg("--model")
        .arg(fixtures().join("tiny-llama"))
        .args([
            "--adapter",
            "/nonexistent-adapter",
            "--prompt",
            "hi",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/nonexistent-adapter/adapter_config.json"),
        "{stderr}"
    );
}

/// Writes `tests/fixtures/models/tiny-llama-sft-adapter`; then run
/// `scripts/peft_reference.py tests/fixtures/models/tiny-llama tests/fixtures/models/tiny-llama-sft-adapter`.
#[test]
#[ignore]
fn make_sft_adapter_fixture() {
    let base = LoadedModel::from_hf_dir(&fixtures().join("tiny-llama"), Device::flex().autodiff())
        .unwrap();
    let dir = fixtures().join("tiny-llama-sft-adapter");
    let _ = std::fs::remove_dir_all(&dir);
    let examples = vec![
        SftExample::simple(
            "You are The Anchor.",
            "I lost my job.",
            "I hear you. That is hard.",
        ),
        SftExample::simple(
            "You are The Beacon.",
            "I passed!",
            "Wonderful, tell me more!",
        ),
        SftExample::simple("", "The quick brown fox", "jumps over the lazy dog."),
    ];
    let summary = train_sft(
        base,
        &examples,
        &SftConfig {
            train: LoopConfig {
                epochs: 8,
                batch: 3,
                grad_accum: 1,
                seed: 1,
                checkpoint_every: 0,
                ..LoopConfig::default()
            },
            optimizer: OptimizerConfig {
                lr: 2e-2,
                ..OptimizerConfig::default()
            },
            max_length: 256,
            lora: Some(lora(
                4,
                &[
                    "q_proj",
                    "k_proj",
                    "v_proj",
                    "o_proj",
                    "up_proj",
                    "down_proj",
                ],
            )),
        },
        SftRun {
            out_dir: &dir,
            checkpoint_dir: None,
            progress: &mut NoProgress,
        },
    )
    .unwrap();
    println!("{summary:?}");
    std::fs::remove_file(dir.join("metrics.jsonl")).unwrap();
}
