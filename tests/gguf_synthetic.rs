//! GGUF reading on small hand-built files: metadata of every value type, tensor layout,
//! dequantisation, Hugging Face names, q/k un-permutation, config, tokenizer, and the errors
//! for unsupported types, missing tensors and bad headers.

mod gguf_support;

use gguf_support::*;
use mascot::model::gguf::{GgufError, GgufFile, GgufValue};

/// A 1-layer Llama with hidden 4, 2 heads / 1 KV head (head dim 2), intermediate 32,
/// vocab 6, tied embeddings. GGUF dims are `[ne0, ne1]` = `[in, out]`.
fn tiny_llama() -> GgufBuilder {
    let seq = |n: usize| (0..n).map(|i| i as f32).collect::<Vec<f32>>();
    GgufBuilder::new()
        .kv("general.architecture", s("llama"))
        .kv("llama.block_count", GgufValue::U32(1))
        .kv("llama.embedding_length", GgufValue::U32(4))
        .kv("llama.feed_forward_length", GgufValue::U32(32))
        .kv("llama.attention.head_count", GgufValue::U32(2))
        .kv("llama.attention.head_count_kv", GgufValue::U32(1))
        .kv("llama.context_length", GgufValue::U64(128))
        .kv("llama.rope.freq_base", GgufValue::F32(100000.0))
        .kv(
            "llama.attention.layer_norm_rms_epsilon",
            GgufValue::F32(1e-5),
        )
        .kv("tokenizer.ggml.model", s("gpt2"))
        .kv(
            "tokenizer.ggml.tokens",
            strings(&["a", "b", "ab", "Ġ", "Ġab", "<|end|>"]),
        )
        .kv("tokenizer.ggml.merges", strings(&["a b", "Ġ ab"]))
        .kv(
            "tokenizer.ggml.token_type",
            GgufValue::Array([1, 1, 1, 1, 1, 3].map(GgufValue::I32).to_vec()),
        )
        .kv("tokenizer.ggml.bos_token_id", GgufValue::U32(5))
        .kv("tokenizer.ggml.eos_token_id", GgufValue::U32(5))
        .kv("tokenizer.chat_template", s("{{ messages[0]['content'] }}"))
        .f32_tensor("token_embd.weight", &[4, 6], &seq(24))
        .f32_tensor("blk.0.attn_q.weight", &[4, 4], &seq(16))
        .f32_tensor("blk.0.attn_k.weight", &[4, 2], &seq(8))
        .f32_tensor("blk.0.attn_v.weight", &[4, 2], &seq(8))
        .f32_tensor("blk.0.attn_output.weight", &[4, 4], &seq(16))
        .f32_tensor("blk.0.attn_norm.weight", &[4], &[1.0; 4])
        .f32_tensor("blk.0.ffn_norm.weight", &[4], &[1.0; 4])
        .tensor("blk.0.ffn_gate.weight", &[32, 4], 8, {
            (0..4)
                .flat_map(|r| {
                    q8_0_block(0.5 * (r + 1) as f32, std::array::from_fn(|i| i as i8 - 16))
                })
                .collect()
        })
        .tensor("blk.0.ffn_up.weight", &[32, 4], 2, {
            (0..4)
                .flat_map(|_| q4_0_block(0.25, std::array::from_fn(|i| (i % 16) as u8)))
                .collect()
        })
        .tensor("blk.0.ffn_down.weight", &[32, 4], 3, {
            (0..4)
                .flat_map(|_| q4_1_block(2.0, -1.0, std::array::from_fn(|i| (i / 2) as u8)))
                .collect()
        })
        .f32_tensor("output_norm.weight", &[4], &[1.0; 4])
}

#[test]
fn reads_metadata_config_and_hf_names() {
    let (_dir, path) = tiny_llama().write();
    let file = GgufFile::open(&path).unwrap();
    assert_eq!(file.version(), 3);
    assert_eq!(file.architecture(), Some("llama"));
    let config = file.llama_config().unwrap();
    assert_eq!(config.model_type, "llama");
    assert_eq!(config.num_hidden_layers, 1);
    assert_eq!(config.hidden_size, 4);
    assert_eq!(config.intermediate_size, 32);
    assert_eq!(config.num_attention_heads, 2);
    assert_eq!(config.num_key_value_heads, 1);
    assert_eq!(config.head_dim, 2);
    assert_eq!(config.vocab_size, 6);
    assert_eq!(config.max_position_embeddings, 128);
    assert_eq!(config.rope_theta, 100000.0);
    assert!((config.rms_norm_eps - 1e-5).abs() < 1e-12);
    assert!(
        config.tie_word_embeddings,
        "no output.weight means tied embeddings"
    );
    assert!(!config.attention_bias && !config.qk_norm);
    assert_eq!(
        (config.bos_token_id, config.eos_token_id),
        (Some(5), Some(5))
    );
    assert_eq!(file.eos_token_id(), Some(5));
    assert_eq!(file.token_text(5), Some("<|end|>"));
    assert_eq!(
        file.chat_template().unwrap(),
        "{{ messages[0]['content'] }}"
    );

    let names = file.tensor_names();
    assert_eq!(names[0], "model.embed_tokens.weight");
    assert!(names.contains(&"model.layers.0.self_attn.o_proj.weight".to_string()));
    assert!(names.contains(&"model.layers.0.post_attention_layernorm.weight".to_string()));
    assert!(names.contains(&"model.norm.weight".to_string()));
    assert!(!names.contains(&"lm_head.weight".to_string()));
}

#[test]
fn shapes_come_back_in_pytorch_order_and_data_row_major() {
    let (_dir, path) = tiny_llama().write();
    let file = GgufFile::open(&path).unwrap();
    let (shape, data) = file.tensor_f32("model.embed_tokens.weight").unwrap();
    assert_eq!(shape, vec![6, 4]);
    assert_eq!(&data[4..8], &[4.0, 5.0, 6.0, 7.0], "row 1 of the embedding");
    let (shape, _) = file
        .tensor_f32("model.layers.0.mlp.down_proj.weight")
        .unwrap();
    assert_eq!(shape, vec![4, 32]);
}

#[test]
fn q_and_k_rows_are_unpermuted_per_head_and_v_is_not() {
    let (_dir, path) = tiny_llama().write();
    let file = GgufFile::open(&path).unwrap();
    // q: 2 heads x 2 rows of 4; within a head rows (0, 1) -> (0, 1): half = 1, no change.
    let (_, q) = file
        .tensor_f32("model.layers.0.self_attn.q_proj.weight")
        .unwrap();
    assert_eq!(q, (0..16).map(|i| i as f32).collect::<Vec<_>>());
    // k: 1 KV head, 2 rows; unchanged too. Build a larger case: 1 head of 4 rows.
    let seq = |n: usize| (0..n).map(|i| i as f32).collect::<Vec<f32>>();
    let mut b = tiny_llama();
    b.metadata
        .retain(|(k, _)| !k.starts_with("llama.attention.head_count"));
    let b = b
        .kv("llama.attention.head_count", GgufValue::U32(1))
        .kv("llama.attention.head_count_kv", GgufValue::U32(1));
    let mut b = b;
    for t in b.tensors.iter_mut() {
        if t.0 == "blk.0.attn_q.weight" || t.0 == "blk.0.attn_v.weight" {
            t.1 = vec![1, 4];
            t.3 = seq(4).iter().flat_map(|v| v.to_le_bytes()).collect();
        }
    }
    let (_dir2, path2) = b.write();
    let file = GgufFile::open(&path2).unwrap();
    let (shape, q) = file
        .tensor_f32("model.layers.0.self_attn.q_proj.weight")
        .unwrap();
    assert_eq!(shape, vec![4, 1]);
    assert_eq!(
        q,
        vec![0.0, 2.0, 1.0, 3.0],
        "GGUF rows (0,2,1,3) interleave the rotary halves"
    );
    let (_, v) = file
        .tensor_f32("model.layers.0.self_attn.v_proj.weight")
        .unwrap();
    assert_eq!(v, vec![0.0, 1.0, 2.0, 3.0]);
}

#[test]
fn dequantises_q8_0_q4_0_and_q4_1_tensors() {
    let (_dir, path) = tiny_llama().write();
    let file = GgufFile::open(&path).unwrap();
    let (shape, gate) = file
        .tensor_f32("model.layers.0.mlp.gate_proj.weight")
        .unwrap();
    assert_eq!(shape, vec![4, 32]);
    assert_eq!(gate[0], -16.0 * 0.5);
    assert_eq!(gate[32 * 3 + 31], 15.0 * 2.0);
    let (_, up) = file
        .tensor_f32("model.layers.0.mlp.up_proj.weight")
        .unwrap();
    assert_eq!(up[0], -8.0 * 0.25);
    assert_eq!(up[15], 7.0 * 0.25);
    assert_eq!(up[16], -8.0 * 0.25);
    let (_, down) = file
        .tensor_f32("model.layers.0.mlp.down_proj.weight")
        .unwrap();
    assert_eq!(down[0], -1.0);
    assert_eq!(down[31], 15.0 * 2.0 - 1.0);
}

#[test]
fn tokenizer_merges_and_keeps_control_tokens_whole() {
    let (_dir, path) = tiny_llama().write();
    let file = GgufFile::open(&path).unwrap();
    let tokenizer = file.tokenizer().unwrap();
    let enc = tokenizer.encode("ab ab<|end|>", false).unwrap();
    assert_eq!(enc.get_ids(), &[2, 4, 5]);
    let text = tokenizer.decode(&[2, 4], false).unwrap();
    assert_eq!(text, "ab ab");
}

#[test]
fn every_metadata_value_type_round_trips() {
    let values = vec![
        ("t.u8", GgufValue::U8(200)),
        ("t.i8", GgufValue::I8(-100)),
        ("t.u16", GgufValue::U16(60000)),
        ("t.i16", GgufValue::I16(-30000)),
        ("t.u32", GgufValue::U32(4_000_000_000)),
        ("t.i32", GgufValue::I32(-2_000_000_000)),
        ("t.f32", GgufValue::F32(1.5)),
        ("t.bool", GgufValue::Bool(true)),
        ("t.string", s("héllo")),
        ("t.u64", GgufValue::U64(u64::MAX)),
        ("t.i64", GgufValue::I64(i64::MIN)),
        ("t.f64", GgufValue::F64(-2.25)),
        (
            "t.array",
            GgufValue::Array(vec![GgufValue::F64(1.0), GgufValue::F64(2.0)]),
        ),
        (
            "t.nested",
            GgufValue::Array(vec![strings(&["x", "y"]), strings(&["z"])]),
        ),
    ];
    let mut b = GgufBuilder::new();
    b.version = 2;
    b.alignment = 64;
    b = b.kv("general.alignment", GgufValue::U32(64));
    for (k, v) in &values {
        b = b.kv(k, v.clone());
    }
    let b = b
        .f32_tensor("x", &[3], &[1.0, 2.0, 3.0])
        .f32_tensor("y", &[2], &[4.0, 5.0]);
    let (_dir, path) = b.write();
    let file = GgufFile::open(&path).unwrap();
    assert_eq!(file.version(), 2);
    for (k, v) in &values {
        assert_eq!(file.metadata().get(*k), Some(v), "{k}");
    }
    assert_eq!(file.tensor_infos()[1].offset % 64, 0);
    assert_eq!(file.tensor_f32("y").unwrap(), (vec![2], vec![4.0, 5.0]));
}

#[test]
fn unsupported_type_names_file_tensor_and_type() {
    // Q4_K: 256 elements in 144 bytes.
    let b = tiny_llama().tensor("blk.0.attn_q_norm.weight", &[256], 12, vec![0; 144]);
    let (_dir, path) = b.write();
    let file = GgufFile::open(&path).unwrap();
    let err = file
        .tensor_f32("model.layers.0.self_attn.q_norm.weight")
        .unwrap_err();
    assert!(matches!(err, GgufError::UnsupportedType { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("model.gguf")
            && msg.contains("blk.0.attn_q_norm.weight")
            && msg.contains("Q4_K"),
        "{msg}"
    );
}

#[test]
fn missing_tensor_is_an_error() {
    let (_dir, path) = tiny_llama().write();
    let file = GgufFile::open(&path).unwrap();
    let err = file.tensor_f32("lm_head.weight").unwrap_err();
    assert!(matches!(err, GgufError::MissingTensor { .. }));
    assert!(err.to_string().contains("lm_head.weight"));
}

#[test]
fn non_gpt2_tokenizer_and_unknown_architecture_are_clear_errors() {
    let mut b = tiny_llama();
    for (k, v) in b.metadata.iter_mut() {
        if k == "tokenizer.ggml.model" {
            *v = s("llama");
        }
        if k == "general.architecture" {
            *v = s("mamba");
        }
    }
    let (_dir, path) = b.write();
    let file = GgufFile::open(&path).unwrap();
    let err = file.tokenizer().unwrap_err().to_string();
    assert!(err.contains("gpt2") && err.contains("model.gguf"), "{err}");
    let err = file.llama_config().unwrap_err().to_string();
    assert!(err.contains("mamba"), "{err}");
}

#[test]
fn bad_magic_and_version_are_named() {
    let mut bytes = tiny_llama().build();
    bytes[0] = b'X';
    let (_d, path) = write_bytes(&bytes);
    let err = GgufFile::open(&path).unwrap_err();
    assert!(matches!(err, GgufError::BadMagic { .. }), "{err:?}");
    let mut bytes = tiny_llama().build();
    bytes[4] = 1;
    let (_d, path) = write_bytes(&bytes);
    let err = GgufFile::open(&path).unwrap_err();
    assert!(
        matches!(err, GgufError::UnsupportedVersion { version: 1, .. }),
        "{err:?}"
    );
    let (_d, path) = write_bytes(&[]);
    assert!(GgufFile::open(&path).is_err());
    let err = GgufFile::open("/no/such/file.gguf").unwrap_err();
    assert!(err.to_string().contains("/no/such/file.gguf"));
}

#[test]
fn lying_counts_fail_without_allocating() {
    // tensor count, metadata count, a string length and an array length set to huge values.
    let good = tiny_llama().build();
    let patch = |at: usize, value: u64| {
        let mut b = good.clone();
        b[at..at + 8].copy_from_slice(&value.to_le_bytes());
        b
    };
    // header: magic 4, version 4, tensor count @8, kv count @16, first key length @24
    for (at, value) in [
        (8, u64::MAX),
        (16, u64::MAX / 2),
        (24, u64::MAX),
        (16, 1 << 40),
    ] {
        let (_d, path) = write_bytes(&patch(at, value));
        let err = GgufFile::open(&path).unwrap_err();
        assert!(err.to_string().contains("model.gguf"), "{err}");
    }
    // an array whose count is past the file
    let mut b = GgufBuilder::new().kv("a", GgufValue::Array(vec![GgufValue::U64(1)]));
    b.tensors.clear();
    let mut bytes = b.build();
    // key "a": 24 + 8 + 1 = 33, type 4 bytes -> 37, item type 4 -> 41, count at 41
    bytes[41..49].copy_from_slice(&(u64::MAX / 8).to_le_bytes());
    let (_d, path) = write_bytes(&bytes);
    let err = GgufFile::open(&path).unwrap_err();
    assert!(
        err.to_string().contains("items in metadata key `a`"),
        "{err}"
    );
}

#[test]
fn tensor_offsets_past_the_end_name_the_tensor() {
    let mut bytes = tiny_llama().build();
    // Cut the last tensor's data short.
    bytes.truncate(bytes.len() - 4);
    let (_d, path) = write_bytes(&bytes);
    let err = GgufFile::open(&path).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("output_norm.weight") && msg.contains("past the end"),
        "{msg}"
    );
}

#[test]
fn every_truncation_of_a_small_file_is_an_error_not_a_panic() {
    let bytes = tiny_llama().build();
    for len in 0..bytes.len() {
        let (_d, path) = write_bytes(&bytes[..len]);
        let err = GgufFile::open(&path).expect_err(&format!("truncated to {len} bytes"));
        assert!(err.to_string().contains("model.gguf"), "at {len}: {err}");
    }
}

#[test]
fn flipped_header_bytes_never_panic() {
    let bytes = tiny_llama().build();
    let header_len = 1200.min(bytes.len());
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..1500 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut b = bytes.clone();
        let at = (state % header_len as u64) as usize;
        b[at] ^= (state >> 32) as u8 | 1;
        let (_d, path) = write_bytes(&b);
        if let Ok(file) = GgufFile::open(&path) {
            for name in file.tensor_names().to_vec() {
                let _ = file.tensor_f32(&name);
            }
            let _ = file.llama_config();
            let _ = file.tokenizer();
        }
    }
}

#[test]
fn block_matrices_hold_the_dequantised_rows_in_hugging_face_order() {
    // Q8_0, Q4_0 and Q4_1 MLP weights: every row of the stored blocks equals the f32 row.
    let (_dir, path) = tiny_llama().write();
    let file = GgufFile::open(&path).unwrap();
    let rows_match = |file: &GgufFile, name: &str| {
        let (shape, data) = file.tensor_f32(name).unwrap();
        let matrix = file.tensor_blocks(name).unwrap().expect("a block matrix");
        assert_eq!([matrix.rows(), matrix.cols()], [shape[0], shape[1]]);
        let mut row = vec![0.0; shape[1]];
        for r in 0..shape[0] {
            matrix.row_into(r, &mut row);
            assert_eq!(
                row,
                data[r * shape[1]..(r + 1) * shape[1]],
                "{name} row {r}"
            );
        }
    };
    for name in ["gate_proj", "up_proj", "down_proj"] {
        rows_match(&file, &format!("model.layers.0.mlp.{name}.weight"));
    }
    assert!(
        file.tensor_blocks("model.layers.0.self_attn.v_proj.weight")
            .unwrap()
            .is_none(),
        "f32 tensors have no block matrix"
    );
    // A Q8_0 q projection of one head of 4 rows: its rows come back un-permuted (0, 2, 1, 3).
    let mut b = tiny_llama();
    b.metadata
        .retain(|(k, _)| !k.starts_with("llama.attention.head_count"));
    let mut b = b
        .kv("llama.attention.head_count", GgufValue::U32(1))
        .kv("llama.attention.head_count_kv", GgufValue::U32(1));
    for t in b.tensors.iter_mut() {
        if t.0 == "blk.0.attn_q.weight" {
            t.1 = vec![32, 4];
            t.2 = 8;
            t.3 = (0..4)
                .flat_map(|r| q8_0_block((r + 1) as f32, std::array::from_fn(|i| i as i8)))
                .collect();
        }
    }
    let (_dir2, path2) = b.write();
    let file = GgufFile::open(&path2).unwrap();
    rows_match(&file, "model.layers.0.self_attn.q_proj.weight");
    let matrix = file
        .tensor_blocks("model.layers.0.self_attn.q_proj.weight")
        .unwrap()
        .unwrap();
    let mut row = vec![0.0; 32];
    matrix.row_into(1, &mut row);
    assert_eq!(row[1], 3.0, "row 1 is GGUF row 2 (scale 3)");
}
