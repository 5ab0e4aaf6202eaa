//! The built-in tiny model: deterministic from its seed, batched generation equal to one by
//! one, sampling reproducible from the seed, stop strings, and log-probabilities consistent
//! with the logits.

use std::path::Path;

use mascot::model::{ChatMessage, LoadedModel, ModelSource, ModelSpec, SamplingConfig, TinyConfig};

fn tiny_spec(arch: &str, seed: u64) -> ModelSpec {
    ModelSpec {
        source: ModelSource::Tiny(TinyConfig {
            arch: arch.into(),
            layers: 2,
            hidden: 32,
            intermediate: 64,
            heads: 4,
            kv_heads: 2,
            vocab: 260,
            max_seq_len: 128,
            seed,
        }),
        dtype: "f32".into(),
        device: "cpu".into(),
        lora: None,
        thinking: Default::default(),
    }
}

fn tiny(arch: &str, seed: u64) -> LoadedModel {
    LoadedModel::load(&tiny_spec(arch, seed), Path::new(".")).unwrap()
}

fn conversations() -> Vec<Vec<ChatMessage>> {
    vec![
        vec![ChatMessage::new("user", "hello")],
        vec![
            ChatMessage::new("system", "You are kind."),
            ChatMessage::new("user", "I lost my keys today, any advice?"),
        ],
        vec![ChatMessage::new("user", "a")],
    ]
}

#[test]
fn same_seed_same_weights_other_seed_other_weights() {
    let ids = tiny("qwen3", 1).tokenizer.encode("hello world").unwrap();
    let a = tiny("qwen3", 1).last_logits(&ids).unwrap();
    let b = tiny("qwen3", 1).last_logits(&ids).unwrap();
    let c = tiny("qwen3", 2).last_logits(&ids).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.len(), 260);
}

#[test]
fn batched_greedy_equals_one_at_a_time() {
    for arch in ["llama", "qwen3"] {
        let model = tiny(arch, 3);
        let cfg = SamplingConfig::greedy(10);
        let batched = model.generate_chat(&conversations(), &cfg).unwrap();
        for (conv, gen_b) in conversations().iter().zip(&batched) {
            let single = model
                .generate_chat(std::slice::from_ref(conv), &cfg)
                .unwrap();
            assert_eq!(single[0], *gen_b, "{arch}");
            assert!(!gen_b.output_ids.is_empty());
            assert!(gen_b.output_ids.len() <= 10);
        }
        // The chat prompt is ChatML over the byte tokenizer.
        assert_eq!(
            model.tokenizer.decode(&batched[0].prompt_ids).unwrap(),
            "user\nhello\nassistant\n"
        );
        assert_eq!(batched[0].prompt_ids[0], 257);
    }
}

#[test]
fn sampling_is_reproducible_from_the_seed_and_varies_across_seeds() {
    let model = tiny("llama", 4);
    let cfg = |seed| SamplingConfig {
        max_tokens: 12,
        temperature: 1.0,
        top_k: Some(50),
        top_p: 0.95,
        seed,
        stop: Vec::new(),
    };
    let convs = conversations();
    let a = model.generate_chat(&convs, &cfg(11)).unwrap();
    let b = model.generate_chat(&convs, &cfg(11)).unwrap();
    let c = model.generate_chat(&convs, &cfg(12)).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    // Sequences in one batch draw from different generators.
    let same = model
        .generate_chat(&[convs[0].clone(), convs[0].clone()], &cfg(11))
        .unwrap();
    assert_ne!(same[0].output_ids, same[1].output_ids);
}

#[test]
fn stop_strings_cut_the_text() {
    let model = tiny("llama", 5);
    let free = model
        .generate_text(&["abc".to_string()], &SamplingConfig::greedy(16))
        .unwrap();
    let text = &free[0].text;
    assert!(text.chars().count() >= 3, "{text:?}");
    // Stop at the second character the model produces.
    let stop: String = text.chars().skip(1).take(1).collect();
    let cfg = SamplingConfig {
        stop: vec![stop.clone()],
        ..SamplingConfig::greedy(16)
    };
    let stopped = model.generate_text(&["abc".to_string()], &cfg).unwrap();
    assert!(
        !stopped[0].text.contains(&stop),
        "{:?} / {stop:?}",
        stopped[0].text
    );
    assert!(stopped[0].output_ids.len() < free[0].output_ids.len());
    assert!(text.starts_with(&stopped[0].text));
}

#[test]
fn completion_logprobs_match_log_softmax_of_the_logits() {
    let model = tiny("qwen3", 6);
    let prompt = model.tokenizer.encode("good morning").unwrap();
    let completion = model.tokenizer.encode(" friend").unwrap();
    let short = (vec![prompt[0]], vec![prompt[1]]);
    let scored = model
        .completion_logprobs(&[(prompt.clone(), completion.clone()), short.clone()])
        .unwrap()
        .to_vecs()
        .unwrap();
    assert_eq!(scored[0].len(), completion.len());
    assert_eq!(scored[1].len(), 1);
    let full: Vec<u32> = prompt.iter().chain(&completion).copied().collect();
    let logits = model.all_logits(&full).unwrap();
    let vocab = model.config.vocab_size;
    for (j, &token) in completion.iter().enumerate() {
        let row = &logits[(prompt.len() + j - 1) * vocab..(prompt.len() + j) * vocab];
        let max = row.iter().copied().fold(f32::MIN, f32::max);
        let lse = max + row.iter().map(|v| (v - max).exp()).sum::<f32>().ln();
        let expected = row[token as usize] - lse;
        assert!(
            (scored[0][j] - expected).abs() < 1e-4,
            "{} vs {expected}",
            scored[0][j]
        );
    }
    // Padding in the batch does not change a sequence's scores.
    let alone = model
        .completion_logprobs(&[short])
        .unwrap()
        .to_vecs()
        .unwrap();
    assert!((alone[0][0] - scored[1][0]).abs() < 1e-5);
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let model = tiny("llama", 7);
    assert!(
        model
            .generate_ids(&[vec![]], &SamplingConfig::greedy(2))
            .is_err()
    );
    assert!(
        model
            .generate_ids(&[vec![999]], &SamplingConfig::greedy(2))
            .is_err()
    );
    assert!(model.completion_logprobs(&[(vec![], vec![1])]).is_err());
    // max_seq_len (128) bounds prompt + output.
    let long = vec![b'a' as u32; 200];
    let err = model
        .generate_ids(&[long], &SamplingConfig::greedy(2))
        .unwrap_err();
    assert!(err.to_string().contains("at most 128"), "{err}");
    let near = vec![b'a' as u32; 124];
    let out = model
        .generate_ids(&[near], &SamplingConfig::greedy(20))
        .unwrap();
    assert!(out[0].output_ids.len() <= 4, "{}", out[0].output_ids.len());
    let mut spec = tiny_spec("llama", 1);
    if let ModelSource::Tiny(t) = &mut spec.source {
        t.vocab = 100;
    }
    let err = LoadedModel::load(&spec, Path::new(".")).unwrap_err();
    assert!(err.to_string().contains("vocab"), "{err}");
    let mut spec = tiny_spec("gpt2", 1);
    spec.device = "cpu".into();
    assert!(LoadedModel::load(&spec, Path::new(".")).is_err());
    let mut spec = tiny_spec("llama", 1);
    spec.device = "tpu:0".into();
    assert!(LoadedModel::load(&spec, Path::new(".")).is_err());
}

/// Regression: the tiny model's logits were so peaked (embedding entries of unit variance,
/// tied to the output head) that K samples at temperature 1 were all the same string, so
/// candidate sampling on the quickstart produced K identical responses.
#[test]
fn tiny_model_samples_differ_at_temperature_one() {
    let model = tiny("llama", 7);
    let conv = vec![ChatMessage::new(
        "user",
        "I lost my keys today, any advice?",
    )];
    let cfg = SamplingConfig {
        max_tokens: 12,
        temperature: 1.0,
        top_k: None,
        top_p: 1.0,
        seed: 7,
        stop: vec![],
    };
    let outputs = model.generate_chat(&vec![conv; 4], &cfg).unwrap();
    let distinct: std::collections::BTreeSet<_> = outputs.iter().map(|g| &g.output_ids).collect();
    assert!(
        distinct.len() >= 3,
        "only {} distinct samples out of 4",
        distinct.len()
    );
    let ids = model
        .encode_chat(&[ChatMessage::new("user", "hello")])
        .unwrap();
    let logits = model.last_logits(&ids).unwrap();
    let max = logits.iter().cloned().fold(f32::MIN, f32::max);
    let mean = logits.iter().sum::<f32>() / logits.len() as f32;
    assert!(
        max - mean < 15.0,
        "logits too peaked: max {max}, mean {mean}"
    );
}
