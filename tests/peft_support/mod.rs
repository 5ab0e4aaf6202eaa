//! Shared by the peft parity tests: the reference `scripts/peft_reference.py` writes next to a
//! mascot-trained adapter (peft's logits, merged logits and greedy continuation of a few
//! prompts on the transformers base `tests/fixtures/models/tiny-llama`), and the checks of
//! `mascot logits --adapter`, mascot's merged forward and `mascot generate --adapter` against
//! it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use burn::tensor::Device;
use mascot::model::LoadedModel;
use serde::Deserialize;

/// Largest |mascot - peft| allowed on a logit.
pub const TOLERANCE: f32 = 1e-4;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

/// The transformers base model every adapter fixture was trained on.
pub fn base_model() -> PathBuf {
    fixtures().join("tiny-llama")
}

#[derive(Debug, Deserialize)]
pub struct Prompt {
    pub text: String,
    pub chat: bool,
    pub input_ids: Vec<u32>,
    /// Last-position logits of the peft model.
    pub logits: Vec<f32>,
    /// Last-position logits of peft's `merge_and_unload()` model.
    pub merged_logits: Vec<f32>,
    /// peft's greedy continuation (`GREEDY_TOKENS` new tokens unless it stopped at EOS).
    pub greedy_ids: Vec<u32>,
}

#[derive(Debug, Deserialize)]
pub struct Reference {
    pub prompts: Vec<Prompt>,
    /// max |merged - adapted| over the prompts, in peft.
    pub merged_max_diff: f32,
    /// max |lora_B| over the adapter's tensors.
    pub max_abs_lora_b: f32,
}

/// The `reference.json` next to `adapter`.
pub fn reference(adapter: &Path) -> Reference {
    let path = adapter.join("reference.json");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "logit vectors of different lengths");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Runs the built binary's `mascot <command> --model tiny-llama [--adapter ADAPTER] --prompt
/// ... --json` and returns its JSON object.
pub fn mascot_json(
    command: &str,
    adapter: Option<&Path>,
    prompt: &Prompt,
    extra: &[&str],
) -> serde_json::Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mascot"));
    cmd.arg(command).arg("--model").arg(base_model());
    if let Some(adapter) = adapter {
        cmd.arg("--adapter").arg(adapter);
    }
    cmd.args(["--prompt", &prompt.text, "--json"]).args(extra);
    if prompt.chat {
        cmd.arg("--chat");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "mascot {command}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `mascot logits --adapter` gives peft's logits for every prompt (within [`TOLERANCE`]), and
/// the adapter moves the logits away from the base model's by more than `min_moved`, so the
/// comparison is not vacuous. Returns the largest move.
pub fn assert_logits_match_peft(adapter: &Path, min_moved: f32) -> f32 {
    let reference = reference(adapter);
    assert!(!reference.prompts.is_empty());
    let base = LoadedModel::from_hf_dir(&base_model(), Device::flex()).unwrap();
    let mut moved = 0.0f32;
    for prompt in &reference.prompts {
        let json = mascot_json("logits", Some(adapter), prompt, &[]);
        let ids: Vec<u32> = serde_json::from_value(json["input_ids"].clone()).unwrap();
        let logits: Vec<f32> = serde_json::from_value(json["logits"].clone()).unwrap();
        assert_eq!(ids, prompt.input_ids, "{}", prompt.text);
        let worst = max_abs_diff(&logits, &prompt.logits);
        let plain = base.last_logits(&ids).unwrap();
        let from_base = max_abs_diff(&plain, &logits);
        println!(
            "{:?}: max |mascot - peft| = {worst:.2e}, max |adapted - base| = {from_base:.2e}",
            prompt.text
        );
        assert!(worst < TOLERANCE, "{}: {worst}", prompt.text);
        moved = moved.max(from_base);
    }
    assert!(
        moved > min_moved,
        "the adapter barely changes the logits ({moved:.2e} <= {min_moved:.0e})"
    );
    moved
}

/// mascot's merged forward (the adapter folded into the base weights) gives the logits of
/// peft's `merge_and_unload()` model; peft's own merged and adapted logits agree.
pub fn assert_merged_forward_matches_peft(adapter: &Path) {
    let reference = reference(adapter);
    assert!(
        reference.merged_max_diff < TOLERANCE,
        "peft's merged model differs from its adapted one by {}",
        reference.merged_max_diff
    );
    let merged = LoadedModel::from_hf_dir(&base_model(), Device::flex())
        .unwrap()
        .with_adapter(adapter)
        .unwrap()
        .merge_adapter();
    for prompt in &reference.prompts {
        let logits = merged.last_logits(&prompt.input_ids).unwrap();
        let worst = max_abs_diff(&logits, &prompt.merged_logits);
        println!(
            "{:?}: max |mascot merged - peft merged| = {worst:.2e}",
            prompt.text
        );
        assert!(worst < TOLERANCE, "{}: {worst}", prompt.text);
    }
}

/// `mascot generate --adapter` (greedy) continues every prompt with peft's greedy tokens, and
/// the base model alone continues at least one prompt otherwise.
pub fn assert_greedy_generation_matches_peft(adapter: &Path) {
    let reference = reference(adapter);
    let mut differs_from_base = false;
    for prompt in &reference.prompts {
        let max_tokens = prompt.greedy_ids.len().to_string();
        let args = ["--max-tokens", &max_tokens, "--temperature", "0"];
        let json = mascot_json("generate", Some(adapter), prompt, &args);
        let ids: Vec<u32> = serde_json::from_value(json["input_ids"].clone()).unwrap();
        let output: Vec<u32> = serde_json::from_value(json["output_ids"].clone()).unwrap();
        assert_eq!(ids, prompt.input_ids, "{}", prompt.text);
        assert_eq!(output, prompt.greedy_ids, "{}", prompt.text);
        let base = mascot_json("generate", None, prompt, &args);
        let base: Vec<u32> = serde_json::from_value(base["output_ids"].clone()).unwrap();
        differs_from_base |= base != output;
    }
    assert!(
        differs_from_base,
        "the base model continues every prompt as the adapted one does"
    );
}
