//! The Bradley-Terry reward-model trainer on the tiny model: held-out accuracy rises above
//! chance on learnable pairs (the chosen reply always uses one persona's lexicon); the
//! exported Hugging Face folder scores exactly as the trained model; over-long pairs are
//! counted and dropped; bad rows are errors naming the pair; a GGUF base exports
//! dequantised f32 weights.

#[path = "gguf_support/mod.rs"]
mod gguf_support;
mod train_support;

use burn::tensor::Device;
use gguf_support::*;
use mascot::model::LoadedModel;
use mascot::model::gguf::GgufValue;
use mascot::model::reward::RewardModel;
use mascot::train::chat::ChatCodec;
use mascot::train::reward::{
    PreferencePair, RewardConfig, RewardExport, RewardRun, evaluate_pairs, export_reward_model,
    load_reward_model, tokenize_pairs, train_reward_model,
};
use mascot::train::{LoopConfig, NoProgress, OptimizerConfig, TrainError};
use train_support::*;

fn config(lora: bool) -> RewardConfig {
    RewardConfig {
        train: LoopConfig {
            epochs: 4,
            batch: 4,
            grad_accum: 2,
            seed: 11,
            checkpoint_every: 0,
            ..LoopConfig::default()
        },
        optimizer: OptimizerConfig {
            lr: 1e-2,
            ..OptimizerConfig::default()
        },
        lora: lora.then(lora_spec),
        max_length: 256,
        ..RewardConfig::default()
    }
}

fn lora_spec() -> mascot::model::LoraSpec {
    lora(
        8,
        &[
            "q_proj",
            "k_proj",
            "v_proj",
            "o_proj",
            "up_proj",
            "down_proj",
        ],
    )
}

#[test]
fn heldout_accuracy_rises_on_learnable_pairs_and_the_export_scores_the_same() {
    let train = learnable_pairs(24, 0);
    // Held-out pairs: other prompt/reply combinations than the training pairs.
    let heldout = learnable_pairs(12, 100);
    let before = {
        let base = tiny_trainable();
        let codec = ChatCodec::of(&base);
        let pad = codec.pad_id(None).unwrap();
        let pairs = tokenize_pairs(codec, &heldout, 256, pad).unwrap().pairs;
        let rm = RewardModel::new(base.decoder, 11, &base.device);
        evaluate_pairs(&rm, &pairs, 8).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let summary = train_reward_model(
        tiny_trainable(),
        &train,
        &heldout,
        &config(true),
        RewardRun {
            out_dir: dir.path(),
            checkpoint_dir: None,
            progress: &mut NoProgress,
        },
    )
    .unwrap();
    let held = summary.heldout.clone().unwrap();
    println!(
        "held-out accuracy {} -> {}, margin {} -> {}",
        before.accuracy, held.accuracy, before.margin, held.margin
    );
    assert_eq!(summary.mode, "lora");
    assert_eq!(summary.steps, 4 * 3);
    assert!(held.accuracy > 0.5, "held-out accuracy {}", held.accuracy);
    assert!(held.accuracy >= 0.9, "held-out accuracy {}", held.accuracy);
    assert!(
        held.margin > before.margin + 0.5,
        "margin {} -> {}",
        before.margin,
        held.margin
    );

    // Metrics under TRL's names, one line a step.
    let metrics = mascot::train::metrics::read_metrics(&dir.path().join("metrics.jsonl")).unwrap();
    assert_eq!(metrics.len(), 12);
    for name in [
        "loss",
        "accuracy",
        "margin",
        "min_reward",
        "mean_reward",
        "max_reward",
        "num_tokens",
        "grad_norm",
        "learning_rate",
        "epoch",
        "step_time",
    ] {
        assert!(
            metrics[0].get(name).is_some(),
            "missing {name}: {}",
            metrics[0]
        );
    }
    let first = metrics[0]["loss"].as_f64().unwrap();
    let last = metrics[11]["loss"].as_f64().unwrap();
    assert!(last < first, "loss {first} -> {last}");

    // The folder scores the held-out pairs exactly as the trained model did.
    let loaded = load_reward_model(dir.path(), "cpu").unwrap();
    let chats = |side: fn(&PreferencePair) -> &Vec<mascot::model::ChatMessage>| {
        heldout
            .iter()
            .map(|p| p.prompt.iter().chain(side(p)).cloned().collect())
            .collect::<Vec<Vec<_>>>()
    };
    let chosen = loaded.score_chats(&chats(|p| &p.chosen)).unwrap();
    let rejected = loaded.score_chats(&chats(|p| &p.rejected)).unwrap();
    let n = heldout.len() as f64;
    let margin: f64 = chosen
        .iter()
        .zip(&rejected)
        .map(|(c, r)| f64::from(c - r))
        .sum::<f64>()
        / n;
    let accuracy = chosen.iter().zip(&rejected).filter(|(c, r)| c > r).count() as f64 / n;
    assert!(
        (margin - held.margin).abs() < 1e-4,
        "{margin} vs {}",
        held.margin
    );
    assert_eq!(accuracy, held.accuracy);

    // The PEFT adapter over a fresh copy of the base (how a stage that already holds the base
    // loads a LoRA reward model) scores as the merged folder does.
    let over_base = mascot::train::reward::load_reward_adapter(
        tiny_trainable(),
        &dir.path().join(mascot::train::reward::ADAPTER_DIR),
        dir.path(),
    )
    .unwrap();
    assert_eq!(over_base.pad_id, loaded.pad_id);
    let chosen_over_base = over_base.score_chats(&chats(|p| &p.chosen)).unwrap();
    for (merged, adapter) in chosen.iter().zip(&chosen_over_base) {
        assert!((merged - adapter).abs() < 1e-4, "{merged} vs {adapter}");
    }

    let config: serde_json::Value =
        serde_json::from_slice(&bytes(&dir.path().join("config.json"))).unwrap();
    assert_eq!(config["architectures"][0], "Qwen3ForSequenceClassification");
    assert_eq!(config["num_labels"], 1);
    assert_eq!(config["pad_token_id"], summary.pad_token_id);
    let weights = bytes(&dir.path().join("model.safetensors"));
    let st = safetensors::SafeTensors::deserialize(&weights).unwrap();
    assert_eq!(st.tensor("score.weight").unwrap().shape(), &[1, 32]);
    assert!(
        st.names()
            .iter()
            .all(|n| !n.contains("lora") && !n.contains("lm_head"))
    );
    for file in [
        "tokenizer.json",
        "tokenizer_config.json",
        "chat_template.jinja",
        "reward_summary.json",
    ] {
        assert!(dir.path().join(file).exists(), "{file}");
    }
}

#[test]
fn full_fine_tuning_trains_every_weight_but_the_unused_lm_head() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(false);
    cfg.train.epochs = 1;
    let summary = train_reward_model(
        tiny_trainable(),
        &learnable_pairs(8, 0),
        &[],
        &cfg,
        RewardRun {
            out_dir: dir.path(),
            checkpoint_dir: None,
            progress: &mut NoProgress,
        },
    )
    .unwrap();
    assert_eq!(summary.mode, "full");
    assert!(summary.heldout.is_none());
    // Decoder (without lm_head) plus the head: embeddings 260x32, per layer attention
    // (32x32 q, 32x16 k, 32x16 v, 32x32 o, q/k norms 8+8), MLP 3x(32x64), 2 norms of 32;
    // final norm 32; head 32.
    let layer = 32 * 32 + 32 * 16 * 2 + 32 * 32 + 8 + 8 + 3 * 32 * 64 + 2 * 32;
    assert_eq!(summary.trainable_parameters, 260 * 32 + 2 * layer + 32 + 32);
}

#[test]
fn long_pairs_are_counted_and_dropped_and_bad_rows_name_the_pair() {
    let mut pairs = learnable_pairs(4, 0);
    pairs.push(PreferencePair::simple("s", &"x".repeat(300), "a", "b"));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(true);
    cfg.train.epochs = 1;
    cfg.max_length = 120;
    let summary = train_reward_model(
        tiny_trainable(),
        &pairs,
        &[],
        &cfg,
        RewardRun {
            out_dir: dir.path(),
            checkpoint_dir: None,
            progress: &mut NoProgress,
        },
    )
    .unwrap();
    assert_eq!(summary.train_pairs, 5);
    assert_eq!(summary.train_pairs_too_long, 1);
    assert_eq!(summary.train_pairs_used, 4);

    let mut bad = learnable_pairs(3, 0);
    bad[2].rejected.clear();
    let err = train_reward_model(
        tiny_trainable(),
        &bad,
        &[],
        &cfg,
        RewardRun {
            out_dir: dir.path(),
            checkpoint_dir: None,
            progress: &mut NoProgress,
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, TrainError::BadRecord { index: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("preference pair 2"), "{err}");

    let all_long = vec![PreferencePair::simple("s", &"x".repeat(300), "a", "b")];
    let err = train_reward_model(
        tiny_trainable(),
        &all_long,
        &[],
        &cfg,
        RewardRun {
            out_dir: dir.path(),
            checkpoint_dir: None,
            progress: &mut NoProgress,
        },
    )
    .unwrap_err();
    assert!(matches!(err, TrainError::NoData { .. }), "{err}");
    let inference = LoadedModel::tiny(&tiny_config(), Device::flex()).unwrap();
    let err = train_reward_model(
        inference,
        &pairs,
        &[],
        &cfg,
        RewardRun {
            out_dir: dir.path(),
            checkpoint_dir: None,
            progress: &mut NoProgress,
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("inference"), "{err}");
}

/// A 1-layer Llama GGUF (hidden 4, vocab 6) with a Q8_0 MLP weight.
fn tiny_gguf() -> GgufBuilder {
    let seq = |n: usize, scale: f32| {
        (0..n)
            .map(|i| (i as f32 - n as f32 / 2.0) * scale)
            .collect::<Vec<f32>>()
    };
    GgufBuilder::new()
        .kv("general.architecture", s("llama"))
        .kv("llama.block_count", GgufValue::U32(1))
        .kv("llama.embedding_length", GgufValue::U32(4))
        .kv("llama.feed_forward_length", GgufValue::U32(32))
        .kv("llama.attention.head_count", GgufValue::U32(2))
        .kv("llama.attention.head_count_kv", GgufValue::U32(1))
        .kv("llama.context_length", GgufValue::U64(128))
        .kv("llama.rope.freq_base", GgufValue::F32(10000.0))
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
        .kv(
            "tokenizer.chat_template",
            s("{% for m in messages %}{{ m['content'] }} {% endfor %}"),
        )
        .f32_tensor("token_embd.weight", &[4, 6], &seq(24, 0.1))
        .f32_tensor("blk.0.attn_q.weight", &[4, 4], &seq(16, 0.05))
        .f32_tensor("blk.0.attn_k.weight", &[4, 2], &seq(8, 0.07))
        .f32_tensor("blk.0.attn_v.weight", &[4, 2], &seq(8, 0.03))
        .f32_tensor("blk.0.attn_output.weight", &[4, 4], &seq(16, 0.02))
        .f32_tensor("blk.0.attn_norm.weight", &[4], &[1.0; 4])
        .f32_tensor("blk.0.ffn_norm.weight", &[4], &[0.9; 4])
        .f32_tensor("blk.0.ffn_gate.weight", &[4, 32], &seq(128, 0.01))
        .f32_tensor("blk.0.ffn_up.weight", &[4, 32], &seq(128, -0.012))
        // Q8_0 (blocks of 32 along the input dimension): dequantised on load.
        .tensor("blk.0.ffn_down.weight", &[32, 4], 8, {
            (0..4)
                .flat_map(|r| {
                    q8_0_block(0.01 * (r + 1) as f32, std::array::from_fn(|i| i as i8 - 16))
                })
                .collect()
        })
        .f32_tensor("output_norm.weight", &[4], &[1.0; 4])
}

#[test]
fn a_gguf_base_exports_dequantised_f32_weights_that_score_the_same() {
    let (_tmp, path) = tiny_gguf().write();
    let base = LoadedModel::from_gguf(&path, Device::flex()).unwrap();
    let codec = ChatCodec::of(&base);
    let pad = codec.pad_id(None).unwrap();
    let pairs = vec![
        PreferencePair::simple("ab", "a b", "ab ab", "b"),
        PreferencePair::simple("", "b a", "a", "ab b a"),
    ];
    let tokenized = tokenize_pairs(codec, &pairs, 64, pad).unwrap();
    let rm = RewardModel::new(base.decoder.clone(), 5, &base.device);
    let expected = evaluate_pairs(&rm, &tokenized.pairs, 4).unwrap();
    let dir = tempfile::tempdir().unwrap();
    export_reward_model(
        &rm,
        &RewardExport {
            config: &base.config,
            tokenizer: &base.tokenizer,
            chat_template: base.chat_template.as_ref(),
            pad_id: pad,
        },
        dir.path(),
    )
    .unwrap();
    let config: serde_json::Value =
        serde_json::from_slice(&bytes(&dir.path().join("config.json"))).unwrap();
    assert_eq!(config["architectures"][0], "LlamaForSequenceClassification");
    let weights = bytes(&dir.path().join("model.safetensors"));
    let st = safetensors::SafeTensors::deserialize(&weights).unwrap();
    let down = st.tensor("model.layers.0.mlp.down_proj.weight").unwrap();
    assert_eq!(down.dtype(), safetensors::Dtype::F32);
    assert_eq!(down.shape(), &[4, 32]);
    // Row 1 of the Q8_0 weight: scale 0.02, quants -16..15.
    let row: Vec<f32> = down.data()[32 * 4..64 * 4]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    for (i, v) in row.iter().enumerate() {
        let expected = half::f16::from_f32(0.02).to_f32() * (i as f32 - 16.0);
        assert!((v - expected).abs() < 1e-6, "{i}: {v} vs {expected}");
    }
    let loaded = load_reward_model(dir.path(), "cpu").unwrap();
    let ids: Vec<Vec<u32>> = tokenized
        .pairs
        .iter()
        .flat_map(|p| [p.chosen.clone(), p.rejected.clone()])
        .collect();
    let scores = loaded.score_ids(&ids).unwrap();
    let margin = ((scores[0] - scores[1]) + (scores[2] - scores[3])) / 2.0;
    assert!(
        (f64::from(margin) - expected.margin).abs() < 1e-5,
        "{margin} vs {}",
        expected.margin
    );
}

/// Trains two LoRA steps of a reward model on the real SmolLM2-135M GGUF and exports it to
/// `$MASCOT_RM_EXPORT_DIR` (default `/tmp/smollm2-rm`), for a manual check with
/// `scripts/reward_reference.py --check DIR` against `mascot reward --model DIR ...`.
#[test]
#[ignore]
fn export_smollm2_reward_model_for_a_transformers_check() {
    let Some(path) = smollm2_path() else {
        panic!("run scripts/fetch_smollm2.sh first");
    };
    let out = std::env::var("MASCOT_RM_EXPORT_DIR").unwrap_or_else(|_| "/tmp/smollm2-rm".into());
    let base = LoadedModel::from_gguf(&path, Device::flex().autodiff()).unwrap();
    let mut cfg = config(true);
    cfg.lora = Some(lora(4, &["q_proj", "v_proj"]));
    cfg.train = LoopConfig {
        epochs: 1,
        batch: 2,
        grad_accum: 1,
        checkpoint_every: 0,
        ..LoopConfig::default()
    };
    cfg.optimizer.lr = 1e-3;
    let summary = train_reward_model(
        base,
        &learnable_pairs(4, 0),
        &[],
        &cfg,
        RewardRun {
            out_dir: std::path::Path::new(&out),
            checkpoint_dir: None,
            progress: &mut NoProgress,
        },
    )
    .unwrap();
    println!("{summary:?}");
}
