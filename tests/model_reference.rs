//! Parity with Hugging Face transformers on the tiny reference models of
//! `tests/fixtures/models/` (built by `scripts/make_reference.py`): tokenizer ids, chat
//! template, logits of every position (max abs error < 1e-3), greedy ids, single and batched.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use mascot::model::{ChatMessage, LoadedModel, SamplingConfig};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    prompts: Vec<PromptReference>,
    batched_greedy_ids: Vec<Vec<u32>>,
    chat: ChatReference,
}

#[derive(Deserialize)]
struct PromptReference {
    text: String,
    input_ids: Vec<u32>,
    logits: Vec<Vec<f32>>,
    greedy_ids: Vec<u32>,
}

#[derive(Deserialize)]
struct ChatReference {
    messages: Vec<ChatMessage>,
    text: String,
    input_ids: Vec<u32>,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models")
        .join(name)
}

fn check_against_transformers(name: &str) {
    let dir = fixture(name);
    let reference: Reference =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reference.json")).unwrap())
            .unwrap();
    let model = LoadedModel::from_hf_dir(&dir, Device::flex()).unwrap();
    let vocab = model.config.vocab_size;
    for prompt in &reference.prompts {
        let ids = model.tokenizer.encode(&prompt.text).unwrap();
        assert_eq!(
            ids, prompt.input_ids,
            "{name}: tokenizer ids of {:?}",
            prompt.text
        );
        let logits = model.all_logits(&ids).unwrap();
        let expected: Vec<f32> = prompt.logits.iter().flatten().copied().collect();
        assert_eq!(logits.len(), expected.len());
        assert_eq!(expected.len(), ids.len() * vocab);
        let max_err = logits
            .iter()
            .zip(&expected)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        let scale = expected.iter().map(|v| v.abs()).fold(0.0f32, f32::max);
        eprintln!(
            "{name}: {:?} max abs logit error {max_err:e} (logits up to {scale})",
            prompt.text
        );
        assert!(
            max_err < 1e-3,
            "{name}: max abs error {max_err} on {:?}",
            prompt.text
        );
        let generated = model
            .generate_ids(
                std::slice::from_ref(&ids),
                &SamplingConfig::greedy(prompt.greedy_ids.len()),
            )
            .unwrap();
        assert_eq!(
            generated[0].output_ids, prompt.greedy_ids,
            "{name}: greedy ids"
        );
    }
    let prompts: Vec<Vec<u32>> = reference
        .prompts
        .iter()
        .map(|p| p.input_ids.clone())
        .collect();
    let batched = model
        .generate_ids(&prompts, &SamplingConfig::greedy(12))
        .unwrap();
    let batched: Vec<Vec<u32>> = batched.into_iter().map(|g| g.output_ids).collect();
    assert_eq!(
        batched, reference.batched_greedy_ids,
        "{name}: batched greedy ids"
    );

    let template = model
        .chat_template
        .as_ref()
        .expect("fixture has a chat template");
    let text = template
        .render(
            &reference.chat.messages,
            true,
            model.tokenizer.bos_token.as_deref(),
            model.tokenizer.eos_token.as_deref(),
        )
        .unwrap();
    assert_eq!(text, reference.chat.text, "{name}: rendered chat template");
    assert_eq!(
        model.encode_chat(&reference.chat.messages).unwrap(),
        reference.chat.input_ids,
        "{name}: chat ids"
    );
}

#[test]
fn tiny_qwen3_matches_transformers() {
    check_against_transformers("tiny-qwen3");
}

#[test]
fn tiny_llama_sharded_matches_transformers() {
    check_against_transformers("tiny-llama");
}

#[test]
fn tiny_qwen2_bf16_matches_transformers() {
    check_against_transformers("tiny-qwen2");
}
