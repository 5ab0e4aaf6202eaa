//! Reward models trained and exported by mascot score the same under Hugging Face transformers
//! (`AutoModelForSequenceClassification`) as under mascot, within 1e-4, with identical token
//! ids: a LoRA-trained Qwen3 (adapters merged; its PEFT adapter, applied by `peft` to the
//! base, scores the same too) and a fully fine-tuned Llama whose chat
//! template writes a BOS token. The references were made by `scripts/reward_reference.py`
//! from the folders the ignored test `make_reward_fixture` exports.

mod train_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use burn::tensor::Device;
use mascot::model::{ChatMessage, LoadedModel};
use mascot::train::reward::{
    PreferencePair, RewardConfig, RewardRun, load_reward_model, train_reward_model,
};
use mascot::train::{LoopConfig, NoProgress, OptimizerConfig};
use serde::Deserialize;
use train_support::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

#[derive(Deserialize)]
struct Reference {
    chats: Vec<Vec<ChatMessage>>,
    input_ids: Vec<Vec<u32>>,
    scores: Vec<f32>,
    /// Scores of the PEFT adapter (`adapter/`) applied by `peft` to the base (LoRA runs).
    adapter_scores: Option<Vec<f32>>,
}

fn reference(folder: &Path) -> Reference {
    serde_json::from_slice(&bytes(&folder.join("reference.json"))).expect("reference.json")
}

fn check_folder(name: &str) {
    let folder = fixtures().join(name);
    let reference = reference(&folder);
    let model = load_reward_model(&folder, "cpu").unwrap();
    let ids: Vec<Vec<u32>> = reference
        .chats
        .iter()
        .map(|c| model.codec().ids(c, false).unwrap())
        .collect();
    assert_eq!(
        ids, reference.input_ids,
        "{name}: token ids differ from transformers'"
    );
    let scores = model.score_chats(&reference.chats).unwrap();
    let worst = scores
        .iter()
        .zip(&reference.scores)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    println!("{name}: max |mascot - transformers| = {worst:.2e}");
    for (i, (ours, theirs)) in scores.iter().zip(&reference.scores).enumerate() {
        assert!(
            (ours - theirs).abs() < 1e-4,
            "{name}, chat {i}: mascot {ours} vs transformers {theirs}"
        );
    }
    if let Some(adapter_scores) = &reference.adapter_scores {
        for (ours, peft) in scores.iter().zip(adapter_scores) {
            assert!(
                (ours - peft).abs() < 1e-4,
                "{name}: mascot {ours} vs peft adapter {peft}"
            );
        }
    }
    // The scores are not all alike (the head and the adapters were trained).
    let spread = scores.iter().cloned().fold(f32::MIN, f32::max)
        - scores.iter().cloned().fold(f32::MAX, f32::min);
    assert!(spread > 1e-3, "{name}: scores {scores:?}");
}

#[test]
fn lora_qwen3_reward_model_matches_transformers_and_its_peft_adapter() {
    check_folder("tiny-qwen3-rm");
    assert!(
        reference(&fixtures().join("tiny-qwen3-rm"))
            .adapter_scores
            .is_some()
    );
}

#[test]
fn full_llama_reward_model_matches_transformers() {
    check_folder("tiny-llama-rm");
}

#[test]
fn mascot_reward_prints_the_transformers_score() {
    let folder = fixtures().join("tiny-qwen3-rm");
    let reference = reference(&folder);
    let chat = &reference.chats[0];
    let out = Command::new(env!("CARGO_BIN_EXE_mascot"))
        .arg("reward")
        .arg("--model")
        .arg(&folder)
        .args(["--system", &chat[0].content])
        .args(["--prompt", &chat[1].content])
        .args(["--response", &chat[2].content])
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let score = json["score"].as_f64().unwrap() as f32;
    assert!(
        (score - reference.scores[0]).abs() < 1e-4,
        "{score} vs {}",
        reference.scores[0]
    );

    let missing = Command::new(env!("CARGO_BIN_EXE_mascot"))
        .args([
            "reward",
            "--model",
            "/nonexistent",
            "--prompt",
            "a",
            "--response",
            "b",
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("/nonexistent"), "{stderr}");
}

fn fixture_pairs() -> Vec<PreferencePair> {
    let warm = ["I hear you, that sounds so hard.", "I am here with you."];
    let cold = ["ok.", "Whatever."];
    let prompts = [
        "I lost my job today.",
        "My dog is sick.",
        "I feel lonely tonight.",
    ];
    (0..6)
        .map(|i| {
            PreferencePair::simple(
                "You are The Anchor.",
                prompts[i % 3],
                warm[i % 2],
                cold[(i / 2) % 2],
            )
        })
        .collect()
}

fn make(base: &str, out: &str, config: RewardConfig) {
    let base = LoadedModel::from_hf_dir(&fixtures().join(base), Device::flex().autodiff()).unwrap();
    let dir = fixtures().join(out);
    let _ = std::fs::remove_dir_all(&dir);
    let summary = train_reward_model(
        base,
        &fixture_pairs(),
        &[],
        &config,
        RewardRun {
            out_dir: &dir,
            checkpoint_dir: None,
            progress: &mut NoProgress,
        },
    )
    .unwrap();
    println!("{out}: {summary:?}");
    // The folder is the fixture; metrics and summary are not needed beside it.
    std::fs::remove_file(dir.join("metrics.jsonl")).unwrap();
}

/// Writes `tests/fixtures/models/tiny-{qwen3,llama}-rm`; then run
/// `scripts/reward_reference.py` on each folder.
#[test]
#[ignore]
fn make_reward_fixture() {
    let train = LoopConfig {
        epochs: 3,
        batch: 2,
        grad_accum: 1,
        seed: 3,
        checkpoint_every: 0,
        ..LoopConfig::default()
    };
    make(
        "tiny-qwen3",
        "tiny-qwen3-rm",
        RewardConfig {
            train: train.clone(),
            optimizer: OptimizerConfig {
                lr: 2e-2,
                ..OptimizerConfig::default()
            },
            lora: Some(lora(4, &["q_proj", "v_proj", "down_proj"])),
            max_length: 256,
            ..RewardConfig::default()
        },
    );
    make(
        "tiny-llama",
        "tiny-llama-rm",
        RewardConfig {
            train,
            optimizer: OptimizerConfig {
                lr: 5e-3,
                ..OptimizerConfig::default()
            },
            lora: None,
            pad_token: Some("<|endoftext|>".into()),
            max_length: 256,
            ..RewardConfig::default()
        },
    );
}
