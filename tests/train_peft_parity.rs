//! A LoRA adapter trained by mascot's SFT, applied to the transformers base model with `peft`,
//! gives the same last-position logits as `mascot logits --adapter DIR` (within 1e-4).
//! The reference was made by `scripts/peft_reference.py` from the adapter the ignored test
//! `make_sft_adapter_fixture` trains.

mod train_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use burn::tensor::Device;
use mascot::model::LoadedModel;
use mascot::train::sft::{SftConfig, SftExample, SftRun, train_sft};
use mascot::train::{LoopConfig, NoProgress, OptimizerConfig};
use serde::Deserialize;
use train_support::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

#[derive(Deserialize)]
struct Prompt {
    text: String,
    chat: bool,
    input_ids: Vec<u32>,
    logits: Vec<f32>,
}

#[derive(Deserialize)]
struct Reference {
    prompts: Vec<Prompt>,
}

#[test]
fn mascot_logits_with_the_adapter_match_peft() {
    let adapter = fixtures().join("tiny-llama-sft-adapter");
    let reference: Reference =
        serde_json::from_slice(&bytes(&adapter.join("reference.json"))).unwrap();
    let mut moved = 0.0f32;
    for prompt in &reference.prompts {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mascot"));
        cmd.arg("logits")
            .arg("--model")
            .arg(fixtures().join("tiny-llama"))
            .arg("--adapter")
            .arg(&adapter)
            .args(["--prompt", &prompt.text, "--json"]);
        if prompt.chat {
            cmd.arg("--chat");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let ids: Vec<u32> = serde_json::from_value(json["input_ids"].clone()).unwrap();
        let logits: Vec<f32> = serde_json::from_value(json["logits"].clone()).unwrap();
        assert_eq!(ids, prompt.input_ids, "{}", prompt.text);
        let worst = logits
            .iter()
            .zip(&prompt.logits)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        println!("{:?}: max |mascot - peft| = {worst:.2e}", prompt.text);
        assert!(worst < 1e-4, "{}: {worst}", prompt.text);

        // The adapter matters: the base alone gives other logits.
        let base =
            LoadedModel::from_hf_dir(&fixtures().join("tiny-llama"), Device::flex()).unwrap();
        let plain = base.last_logits(&ids).unwrap();
        moved = moved.max(
            plain
                .iter()
                .zip(&logits)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max),
        );
    }
    assert!(
        moved > 1e-2,
        "the adapter barely changes the logits ({moved})"
    );
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
