//! Shared pieces of the trainer tests: the tiny model, learnable preference pairs and SFT
//! demonstrations, and comparisons of output folders.
#![allow(dead_code)]

use std::path::Path;

use burn::tensor::Device;
use mascot::model::{LoadedModel, LoraSpec, TinyConfig};
use mascot::train::reward::PreferencePair;
use mascot::train::sft::SftExample;

/// The built-in tiny Qwen3 (2 layers, hidden 32, byte tokenizer).
pub fn tiny_config() -> TinyConfig {
    TinyConfig {
        arch: "qwen3".into(),
        layers: 2,
        hidden: 32,
        intermediate: 64,
        heads: 4,
        kv_heads: 2,
        vocab: 260,
        max_seq_len: 256,
        seed: 9,
    }
}

/// The tiny model on an autodiff CPU device.
pub fn tiny_trainable() -> LoadedModel {
    LoadedModel::tiny(&tiny_config(), Device::flex().autodiff()).expect("tiny model")
}

pub fn lora(r: usize, targets: &[&str]) -> LoraSpec {
    LoraSpec {
        r,
        alpha: 2.0 * r as f32,
        dropout: 0.0,
        targets: targets.iter().map(|t| t.to_string()).collect(),
        rslora: false,
        layers: None,
    }
}

const WARM: [&str; 4] = [
    "I hear you, that sounds so hard.",
    "I am here with you, take your time.",
    "That hurts, and your feelings make sense.",
    "I hear how heavy this is for you.",
];
const COLD: [&str; 4] = [
    "ok.",
    "Next topic please.",
    "Whatever, move on.",
    "Not my problem.",
];
const PROMPTS: [&str; 8] = [
    "I lost my job today.",
    "My dog is sick.",
    "I failed the exam.",
    "My friend moved away.",
    "I feel lonely tonight.",
    "Work was awful.",
    "I had a fight with my sister.",
    "Nobody called me on my birthday.",
];

/// Pairs whose chosen reply always uses the Anchor's warm lexicon and whose rejected reply
/// never does: learnable from the reply alone. `offset` picks other prompt/reply combinations.
pub fn learnable_pairs(n: usize, offset: usize) -> Vec<PreferencePair> {
    (0..n)
        .map(|i| {
            let k = i + offset;
            PreferencePair::simple(
                "You are The Anchor.",
                PROMPTS[k % PROMPTS.len()],
                WARM[(k / 2) % WARM.len()],
                COLD[(k / 3 + k) % COLD.len()],
            )
        })
        .collect()
}

/// Short demonstrations.
pub fn demonstrations() -> Vec<SftExample> {
    vec![
        SftExample::simple("You are The Anchor.", "I lost my job.", "I hear you."),
        SftExample::simple(
            "You are The Beacon.",
            "I won!",
            "Wonderful news, tell me more!",
        ),
        SftExample::simple("", "Hi", "Hello there."),
    ]
}

/// The bytes of a file.
pub fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every metrics line with `step_time` (wall clock) removed.
pub fn metrics_without_time(path: &Path) -> Vec<serde_json::Value> {
    mascot::train::metrics::read_metrics(path)
        .expect("metrics")
        .into_iter()
        .map(|mut v| {
            v.as_object_mut().map(|o| o.remove("step_time"));
            v
        })
        .collect()
}
