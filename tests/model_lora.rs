//! LoRA on a frozen base: only adapter parameters change after an optimizer step; adapters
//! save and load in PEFT's format and reproduce the same outputs; merging folds them into the
//! base. The reward head trains with the Bradley-Terry loss and saves/loads.

use std::path::Path;

use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use mascot::model::lora::peft_tensor_name;
use mascot::model::reward::{RewardModel, bradley_terry_loss};
use mascot::model::{LoadedModel, LoraSpec, TinyConfig};

fn tiny_config() -> TinyConfig {
    TinyConfig {
        arch: "qwen3".into(),
        layers: 2,
        hidden: 32,
        intermediate: 64,
        heads: 4,
        kv_heads: 2,
        vocab: 260,
        max_seq_len: 128,
        seed: 9,
    }
}

fn lora_spec() -> LoraSpec {
    LoraSpec {
        r: 4,
        alpha: 8.0,
        dropout: 0.0,
        targets: vec!["q_proj".into(), "v_proj".into(), "down_proj".into()],
        rslora: false,
        layers: None,
    }
}

/// Per-token log-probabilities of [`pairs`]' completions under `model`.
fn logprobs(model: &LoadedModel) -> Vec<Vec<f32>> {
    model
        .completion_logprobs(&pairs(model))
        .unwrap()
        .to_vecs()
        .unwrap()
}

/// Three Adam steps raising the log-likelihood of [`pairs`].
fn train_three_steps(model: &mut LoadedModel) {
    let mut optim = AdamConfig::new().init();
    for _ in 0..3 {
        let scored = model.completion_logprobs(&pairs(model)).unwrap();
        let loss = scored.sequence_sums().mean().neg();
        let grads = GradientsParams::from_grads(loss.backward(), &model.decoder);
        model.decoder = optim.step(1e-2, model.decoder.clone(), grads);
    }
}

fn weights(t: Tensor<2>) -> Vec<f32> {
    t.into_data().try_to_vec_as::<f32>().unwrap()
}

fn pairs(model: &LoadedModel) -> Vec<(Vec<u32>, Vec<u32>)> {
    let enc = |s: &str| model.tokenizer.encode(s).unwrap();
    vec![
        (enc("hello "), enc("there friend")),
        (enc("how are"), enc(" you")),
    ]
}

#[test]
fn only_adapters_train_and_peft_round_trip_reproduces_outputs() {
    let device = Device::flex().autodiff();
    let base = LoadedModel::tiny(&tiny_config(), device.clone()).unwrap();
    let before_logprobs = logprobs(&base);
    let mut model = base.with_new_lora(&lora_spec(), 1).unwrap();
    // B starts at zero: attaching adapters does not change the outputs.
    let attached = logprobs(&model);
    assert_eq!(before_logprobs, attached);

    let layer = &model.decoder.layers[0];
    let q_base = weights(layer.self_attn.q_proj.weight.val());
    let k_base = weights(layer.self_attn.k_proj.weight.val());
    let embed = weights(model.decoder.embed_tokens.weight.val());
    let b_before = weights(layer.self_attn.q_proj.lora.as_ref().unwrap().b.val());
    assert!(layer.self_attn.k_proj.lora.is_none());
    assert!(!model.decoder.embed_tokens.weight.is_require_grad());

    train_three_steps(&mut model);
    let layer = &model.decoder.layers[0];
    assert_eq!(
        weights(layer.self_attn.q_proj.weight.val()),
        q_base,
        "frozen base changed"
    );
    assert_eq!(
        weights(layer.self_attn.k_proj.weight.val()),
        k_base,
        "untargeted weight changed"
    );
    assert_eq!(
        weights(model.decoder.embed_tokens.weight.val()),
        embed,
        "embeddings changed"
    );
    assert_ne!(
        weights(layer.self_attn.q_proj.lora.as_ref().unwrap().b.val()),
        b_before,
        "adapter did not train"
    );
    let trained = logprobs(&model);
    let gain: f32 = trained.iter().flatten().sum::<f32>() - attached.iter().flatten().sum::<f32>();
    assert!(
        gain > 0.0,
        "training did not raise the log-likelihood ({gain})"
    );

    // Save in PEFT format, load onto a fresh base: same outputs.
    let tmp = tempfile::tempdir().unwrap();
    model.save_adapter(tmp.path()).unwrap();
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("adapter_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(config["peft_type"], "LORA");
    assert_eq!(config["r"], 4);
    let st_bytes = std::fs::read(tmp.path().join("adapter_model.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&st_bytes).unwrap();
    let a = st.tensor(&peft_tensor_name(1, "q_proj", 'A')).unwrap();
    let b = st.tensor(&peft_tensor_name(1, "down_proj", 'B')).unwrap();
    assert_eq!(a.shape(), &[4, 32]);
    assert_eq!(b.shape(), &[32, 4]);
    assert_eq!(st.names().len(), 2 * 3 * 2);
    assert!(
        st.names()
            .contains(&"base_model.model.model.layers.0.mlp.down_proj.lora_A.weight")
    );

    let reloaded = LoadedModel::tiny(&tiny_config(), Device::flex())
        .unwrap()
        .with_adapter(tmp.path())
        .unwrap();
    let reloaded_lp = logprobs(&reloaded);
    for (x, y) in trained.iter().flatten().zip(reloaded_lp.iter().flatten()) {
        assert!((x - y).abs() < 1e-5, "{x} vs {y}");
    }
    // Merging folds the adapters into the weights with the same outputs.
    let merged = reloaded.merge_adapter();
    assert!(merged.decoder.layers[0].self_attn.q_proj.lora.is_none());
    let merged_lp = logprobs(&merged);
    for (x, y) in trained.iter().flatten().zip(merged_lp.iter().flatten()) {
        assert!((x - y).abs() < 1e-4, "{x} vs {y}");
    }
}

#[test]
fn adapter_errors_are_clear() {
    let model = LoadedModel::tiny(&tiny_config(), Device::flex()).unwrap();
    let mut bad = lora_spec();
    bad.targets = vec!["embed_tokens".into()];
    let err = LoadedModel::tiny(&tiny_config(), Device::flex())
        .unwrap()
        .with_new_lora(&bad, 0)
        .unwrap_err();
    assert!(err.to_string().contains("embed_tokens"), "{err}");
    assert!(model.save_adapter(Path::new("/tmp/unused")).is_err());
    let empty = tempfile::tempdir().unwrap();
    assert!(
        LoadedModel::tiny(&tiny_config(), Device::flex())
            .unwrap()
            .with_adapter(empty.path())
            .is_err()
    );
}

#[test]
fn reward_head_trains_with_bradley_terry_and_round_trips() {
    let device = Device::flex().autodiff();
    let base = LoadedModel::tiny(&tiny_config(), device.clone())
        .unwrap()
        .with_new_lora(&lora_spec(), 2)
        .unwrap();
    let enc = |s: &str| base.tokenizer.encode(s).unwrap();
    let chosen = vec![
        enc("I hear you, that sounds hard."),
        enc("Thank you for sharing."),
    ];
    let rejected = vec![enc("whatever"), enc("no")];
    let mut rm = RewardModel::new(base.decoder, 3, &device);
    let mut optim = AdamConfig::new().init();
    let loss_of = |rm: &RewardModel| {
        bradley_terry_loss(
            rm.rewards(&chosen, &device).unwrap(),
            rm.rewards(&rejected, &device).unwrap(),
        )
    };
    let first = loss_of(&rm).into_scalar::<f32>();
    for _ in 0..10 {
        let loss = loss_of(&rm);
        let grads = GradientsParams::from_grads(loss.backward(), &rm);
        rm = optim.step(5e-3, rm, grads);
    }
    let last = loss_of(&rm).into_scalar::<f32>();
    assert!(
        last < first,
        "Bradley-Terry loss did not fall: {first} -> {last}"
    );

    let tmp = tempfile::tempdir().unwrap();
    rm.save_head(tmp.path()).unwrap();
    let scores = rm
        .rewards(&chosen, &device)
        .unwrap()
        .into_data()
        .try_to_vec_as::<f32>()
        .unwrap();
    let decoder = rm.decoder.clone();
    let fresh = RewardModel::new(decoder, 99, &device);
    let before = fresh
        .rewards(&chosen, &device)
        .unwrap()
        .into_data()
        .try_to_vec_as::<f32>()
        .unwrap();
    assert_ne!(before, scores);
    let loaded = fresh.load_head(tmp.path(), &device).unwrap();
    let after = loaded
        .rewards(&chosen, &device)
        .unwrap()
        .into_data()
        .try_to_vec_as::<f32>()
        .unwrap();
    for (x, y) in scores.iter().zip(&after) {
        assert!((x - y).abs() < 1e-5);
    }
    // Padding does not change a sequence's reward.
    let alone = loaded
        .rewards(&chosen[1..], &device)
        .unwrap()
        .into_data()
        .try_to_vec_as::<f32>()
        .unwrap();
    assert!((alone[0] - after[1]).abs() < 1e-4);
}

#[test]
fn spec_with_lora_loads_trainable_adapters() {
    use mascot::model::{ModelSource, ModelSpec};
    let spec = ModelSpec {
        source: ModelSource::Tiny(tiny_config()),
        dtype: "f32".into(),
        device: "cpu".into(),
        lora: Some(lora_spec()),
        thinking: Default::default(),
    };
    let model = LoadedModel::load_trainable(&spec, Path::new(".")).unwrap();
    assert!(model.device.is_autodiff());
    assert_eq!(model.lora.as_ref(), Some(&lora_spec()));
    let layer = &model.decoder.layers[1];
    assert!(layer.self_attn.q_proj.lora.is_some());
    assert!(layer.mlp.down_proj.lora.is_some());
    assert!(layer.mlp.up_proj.lora.is_none());
    let inference = LoadedModel::load(&spec, Path::new(".")).unwrap();
    assert!(!inference.device.is_autodiff());
}

/// PEFT's `layers_to_transform`: only the listed layers get adapters, train, save and load
/// (the config names them, as PEFT writes it: a list, or one bare integer); a layer the
/// model lacks is a clear error.
#[test]
fn adapters_on_listed_layers_only() {
    let spec = LoraSpec {
        layers: Some(vec![1]),
        ..lora_spec()
    };
    let device = Device::flex().autodiff();
    let mut model = LoadedModel::tiny(&tiny_config(), device)
        .unwrap()
        .with_new_lora(&spec, 1)
        .unwrap();
    assert!(model.decoder.layers[0].self_attn.q_proj.lora.is_none());
    assert!(model.decoder.layers[1].self_attn.q_proj.lora.is_some());
    let before = logprobs(&model);
    train_three_steps(&mut model);
    let trained = logprobs(&model);
    let gain: f32 = trained.iter().flatten().sum::<f32>() - before.iter().flatten().sum::<f32>();
    assert!(
        gain > 0.0,
        "the top layer's adapters did not train ({gain})"
    );

    let tmp = tempfile::tempdir().unwrap();
    model.save_adapter(tmp.path()).unwrap();
    let config_path = tmp.path().join("adapter_config.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config_path).unwrap()).unwrap();
    assert_eq!(config["layers_to_transform"], serde_json::json!([1]));
    let st_bytes = std::fs::read(tmp.path().join("adapter_model.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&st_bytes).unwrap();
    assert_eq!(st.names().len(), 3 * 2, "one layer x 3 targets x (A, B)");
    assert!(st.tensor(&peft_tensor_name(0, "q_proj", 'A')).is_err());

    // PEFT writes a single layer as a bare integer.
    config["layers_to_transform"] = serde_json::json!(1);
    std::fs::write(&config_path, config.to_string()).unwrap();
    let reloaded = LoadedModel::tiny(&tiny_config(), Device::flex())
        .unwrap()
        .with_adapter(tmp.path())
        .unwrap();
    assert_eq!(reloaded.lora.as_ref().unwrap().layers, Some(vec![1]));
    let reloaded_lp = logprobs(&reloaded);
    for (x, y) in trained.iter().flatten().zip(reloaded_lp.iter().flatten()) {
        assert!((x - y).abs() < 1e-5, "{x} vs {y}");
    }

    let beyond = LoraSpec {
        layers: Some(vec![2]),
        ..lora_spec()
    };
    let Err(err) = LoadedModel::tiny(&tiny_config(), Device::flex())
        .unwrap()
        .with_new_lora(&beyond, 1)
    else {
        panic!("layer 2 of a 2-layer model must be refused");
    };
    assert!(err.to_string().contains("layers 0 to 1"), "{err}");
}
