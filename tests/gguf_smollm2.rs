//! The real SmolLM2-135M-Instruct Q4_1 GGUF against what transformers makes of the same file
//! (tests/fixtures/models/smollm2_reference.json, written by scripts/gguf_reference.py):
//! config, tensor types, dequantised tensors, tokenizer ids and the chat template. Also cuts
//! the file short at many points: every cut is an error naming the file, never a panic.
//! Skips with a notice when the file was not fetched, fails in CI.

mod gguf_support;

use gguf_support::*;
use mascot::model::gguf::{GgmlType, GgufError, GgufFile, parse_header};
use serde_json::Value;

fn open() -> Option<GgufFile> {
    smollm2_path().map(|p| GgufFile::open(p).unwrap())
}

#[test]
fn config_and_tensor_inventory() {
    let Some(file) = open() else { return };
    let c = file.llama_config().unwrap();
    assert_eq!(c.model_type, "llama");
    assert_eq!(c.num_hidden_layers, 30);
    assert_eq!(c.hidden_size, 576);
    assert_eq!(c.intermediate_size, 1536);
    assert_eq!(
        (c.num_attention_heads, c.num_key_value_heads, c.head_dim),
        (9, 3, 64)
    );
    assert_eq!(c.vocab_size, 49152);
    assert_eq!(c.max_position_embeddings, 8192);
    assert_eq!(c.rope_theta, 100000.0);
    assert!((c.rms_norm_eps - 1e-5).abs() < 1e-9);
    assert!(c.tie_word_embeddings);
    assert_eq!((c.bos_token_id, c.eos_token_id), (Some(1), Some(2)));
    assert_eq!(file.token_text(2), Some("<|im_end|>"));

    let count = |t: GgmlType| file.tensor_infos().iter().filter(|i| i.dtype == t).count();
    assert_eq!(count(GgmlType::Q4_1), 210);
    assert_eq!(count(GgmlType::Q8_0), 1);
    assert_eq!(count(GgmlType::F32), 61);
    assert_eq!(file.tensor_names().len(), 272);
    assert!(
        file.tensor_names().iter().all(|n| n.starts_with("model.")),
        "all mapped"
    );
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn dequantised_tensors_equal_transformers() {
    let Some(file) = open() else { return };
    let reference = smollm2_reference();
    let tensors = reference["tensors"].as_object().unwrap();
    assert!(tensors.len() >= 8);
    for (name, want) in tensors {
        let (shape, data) = file.tensor_f32(name).unwrap();
        let want_shape: Vec<usize> = serde_json::from_value(want["shape"].clone()).unwrap();
        assert_eq!(shape, want_shape, "{name}");
        let first: Vec<f64> = serde_json::from_value(want["first"].clone()).unwrap();
        for (i, (&got, &w)) in data.iter().zip(&first).enumerate() {
            assert!(close(got as f64, w, 1e-6), "{name}[{i}]: {got} vs {w}");
        }
        let sum: f64 = data.iter().map(|&v| v as f64).sum();
        let abs_sum: f64 = data.iter().map(|&v| (v as f64).abs()).sum();
        let cols = data.len() / shape[0];
        let row_weighted: f64 = data
            .chunks(cols)
            .enumerate()
            .map(|(r, row)| row.iter().map(|&v| v as f64).sum::<f64>() * ((r % 101) + 1) as f64)
            .sum();
        for (what, got) in [
            ("sum", sum),
            ("abs_sum", abs_sum),
            ("row_weighted_sum", row_weighted),
        ] {
            let w = want[what].as_f64().unwrap();
            assert!(close(got, w, 1e-6), "{name} {what}: {got} vs {w}");
        }
    }
}

fn ids(v: &Value) -> Vec<u32> {
    serde_json::from_value(v.clone()).unwrap()
}

#[test]
fn tokenizer_ids_equal_transformers() {
    let Some(file) = open() else { return };
    let tokenizer = file.tokenizer().unwrap();
    let reference = smollm2_reference();
    for case in reference["tokens"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let enc = tokenizer.encode(text, false).unwrap();
        assert_eq!(enc.get_ids(), ids(&case["ids"]).as_slice(), "{text:?}");
        let back = tokenizer.decode(enc.get_ids(), false).unwrap();
        assert_eq!(back, text, "decode round trip");
    }
    let chat = &reference["chat_prompt"];
    let enc = tokenizer
        .encode(chat["text"].as_str().unwrap(), false)
        .unwrap();
    assert_eq!(enc.get_ids(), ids(&chat["ids"]).as_slice());
}

#[test]
fn chat_template_renders_the_reference_prompt() {
    let Some(file) = open() else { return };
    let template = file.chat_template().expect("SmolLM2 has a chat template");
    // transformers renders chat templates with trim_blocks and lstrip_blocks.
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    minijinja_contrib::add_to_environment(&mut env);
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env.add_template("chat", &template).unwrap();
    let reference = smollm2_reference();
    let chat = &reference["chat_prompt"];
    let rendered = env
        .get_template("chat")
        .unwrap()
        .render(minijinja::context! {
            messages => vec![minijinja::context! { role => "user", content => chat["prompt"].as_str().unwrap() }],
            add_generation_prompt => true,
        })
        .unwrap();
    assert_eq!(rendered, chat["text"].as_str().unwrap());
    let enc = file.tokenizer().unwrap().encode(rendered, false).unwrap();
    assert_eq!(enc.get_ids(), ids(&chat["ids"]).as_slice());
}

#[test]
fn truncating_the_real_file_anywhere_is_a_named_error() {
    let Some(path) = smollm2_path() else { return };
    let bytes = std::fs::read(&path).unwrap();
    let header = parse_header(&bytes, &path).unwrap();
    let data_offset = header.data_offset as usize;
    // Dense cuts through the header (metadata, token list, merges, tensor infos) ...
    let mut cuts: Vec<usize> = (0..24).map(|i| i * 4).collect();
    cuts.extend((1..60).map(|i| data_offset * i / 60));
    cuts.extend([data_offset - 1, data_offset]);
    // ... and a few through the tensor data.
    cuts.extend([data_offset + 1000, bytes.len() / 2, bytes.len() - 1]);
    for cut in cuts {
        let (_dir, short) = write_bytes(&bytes[..cut]);
        let err = GgufFile::open(&short).expect_err(&format!("cut at {cut}"));
        let msg = err.to_string();
        assert!(msg.contains("model.gguf"), "cut at {cut}: {msg}");
        if cut > data_offset {
            assert!(
                matches!(err, GgufError::BadTensor { .. }),
                "cut at {cut}: {err:?}"
            );
            assert!(msg.contains("past the end"), "{msg}");
        }
    }
}
