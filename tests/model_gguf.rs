//! The runtime on the real SmolLM2-135M-Instruct Q4_1 GGUF against transformers on the same
//! file (tests/fixtures/models/smollm2_reference.json): chat-template ids, last-position logits
//! and greedy chat answers token for token, one at a time and batched. Skips with a notice when
//! the file was not fetched (scripts/fetch_smollm2.sh); fails in CI when it is missing.

mod gguf_support;

use burn::tensor::Device;
use gguf_support::{smollm2_path, smollm2_reference};
use mascot::model::{ChatMessage, LoadedModel, SamplingConfig};

fn ids(value: &serde_json::Value) -> Vec<u32> {
    serde_json::from_value(value.clone()).unwrap()
}

#[test]
fn smollm2_gguf_logits_and_greedy_answers_equal_transformers() {
    let Some(path) = smollm2_path() else { return };
    let reference = smollm2_reference();
    let model = LoadedModel::from_gguf(&path, Device::flex()).unwrap();

    let logits_ref = &reference["logits"];
    let prompt = vec![ChatMessage::new(
        "user",
        logits_ref["prompt"].as_str().unwrap(),
    )];
    let input_ids = model.encode_chat(&prompt).unwrap();
    assert_eq!(input_ids, ids(&logits_ref["input_ids"]));
    let logits = model.last_logits(&input_ids).unwrap();
    let first: Vec<f32> = serde_json::from_value(logits_ref["first_64"].clone()).unwrap();
    let max_err = logits[..64]
        .iter()
        .zip(&first)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    eprintln!("SmolLM2 GGUF: max abs error on the first 64 logits {max_err:e}");
    assert!(max_err < 1e-3, "{max_err}");
    let max = logits.iter().copied().fold(f32::MIN, f32::max);
    assert!((f64::from(max) - logits_ref["max"].as_f64().unwrap()).abs() < 1e-2);
    let argmax = logits
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap()
        .0;
    assert_eq!(argmax as u64, logits_ref["argmax"].as_u64().unwrap());

    let greedy = &reference["greedy"];
    let max_tokens = greedy["max_new_tokens"].as_u64().unwrap() as usize;
    let answers = greedy["answers"].as_array().unwrap();
    let conversations: Vec<Vec<ChatMessage>> = answers
        .iter()
        .map(|a| vec![ChatMessage::new("user", a["prompt"].as_str().unwrap())])
        .collect();
    let cfg = SamplingConfig::greedy(max_tokens);
    let first = model.generate_chat(&conversations[..1], &cfg).unwrap();
    assert_eq!(first[0].prompt_ids, ids(&answers[0]["input_ids"]));
    assert_eq!(first[0].output_ids, ids(&answers[0]["output_ids"]));
    assert_eq!(first[0].text, answers[0]["text"].as_str().unwrap());
    let batched = model.generate_chat(&conversations, &cfg).unwrap();
    for (got, want) in batched.iter().zip(answers) {
        assert_eq!(
            got.output_ids,
            ids(&want["output_ids"]),
            "{}",
            want["prompt"]
        );
        assert_eq!(got.text, want["text"].as_str().unwrap());
    }
}
