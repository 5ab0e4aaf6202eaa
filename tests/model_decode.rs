//! The CPU decode path (host kernels, preallocated cache, GGUF blocks read as stored) gives
//! the tensor decoder's logits at every step, for Llama (GQA, tied head), Qwen2 (q/k/v bias)
//! and Qwen3 (q/k norms), with left-padded batches, with LoRA adapters (attached, on a
//! trainable model, or merged) and for models without host weights; greedy generations agree.

use std::path::Path;

use burn::tensor::{Device, Distribution, Tensor};
use mascot::model::generation::{DecodePath, stepwise_logits};
use mascot::model::{LoadedModel, LoraSpec, SamplingConfig, TinyConfig};

fn tiny(arch: &str) -> TinyConfig {
    TinyConfig {
        arch: arch.into(),
        layers: 2,
        hidden: 64,
        intermediate: 96,
        heads: 4,
        kv_heads: 2,
        vocab: 300,
        max_seq_len: 64,
        seed: 17,
    }
}

fn prompts() -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
    (
        vec![
            vec![5, 77, 120, 9, 41],
            vec![200, 3],
            vec![64, 65, 66, 67, 68, 69, 70],
        ],
        vec![
            vec![11, 12, 13, 14, 15, 16],
            vec![250, 1, 2, 3, 4, 5],
            vec![99, 98, 97, 96, 95, 94],
        ],
    )
}

/// Largest difference between the two paths' logits over every step, relative to the
/// largest logit.
fn path_gap(model: &LoadedModel) -> f32 {
    let (p, c) = prompts();
    let run = |path| stepwise_logits(&model.decoder, &p, &c, &model.device, path).unwrap();
    let (host, tensor) = (run(DecodePath::Auto), run(DecodePath::Tensor));
    assert_eq!(host.len(), 7);
    let scale = tensor.iter().flatten().fold(1e-3f32, |m, v| m.max(v.abs()));
    host.iter()
        .flatten()
        .zip(tensor.iter().flatten())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
        / scale
}

fn greedy_agrees(model: &LoadedModel) {
    let (p, _) = prompts();
    let cfg = SamplingConfig::greedy(10);
    let host = model.generate_ids_on(&p, &cfg, DecodePath::Auto).unwrap();
    let tensor = model.generate_ids_on(&p, &cfg, DecodePath::Tensor).unwrap();
    assert_eq!(host, tensor);
}

#[test]
fn host_decode_matches_the_tensor_decoder_on_llama_and_qwen3() {
    for arch in ["llama", "qwen3"] {
        let model = LoadedModel::tiny(&tiny(arch), Device::flex()).unwrap();
        assert!(model.decoder.host.is_some(), "{arch}: no host weights");
        let gap = path_gap(&model);
        assert!(gap < 1e-5, "{arch}: relative logit gap {gap}");
        // Sums in another order: a gap of exactly 0 would mean the host path never ran.
        assert!(gap > 0.0, "{arch}: the host decode path did not run");
        greedy_agrees(&model);
    }
}

#[test]
fn host_decode_matches_the_tensor_decoder_on_qwen2_with_biases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models/tiny-qwen2");
    let model = LoadedModel::from_hf_dir(&dir, Device::flex()).unwrap();
    assert!(model.config.qkv_bias);
    let gap = path_gap(&model);
    assert!(gap < 1e-5, "relative logit gap {gap}");
}

/// Gives every adapter's B random values so that the adapters change the outputs.
fn perturb_adapters(model: &mut LoadedModel) {
    for layer in &mut model.decoder.layers {
        for linear in [
            &mut layer.self_attn.q_proj,
            &mut layer.self_attn.v_proj,
            &mut layer.mlp.up_proj,
        ] {
            let adapter = linear.lora.as_mut().unwrap();
            adapter.b = adapter.b.clone().map(|b| {
                Tensor::random(b.shape(), Distribution::Uniform(-0.3, 0.3), &b.device())
                    .require_grad()
            });
        }
    }
}

#[test]
fn adapters_attached_trainable_and_merged_decode_the_same_on_both_paths() {
    let spec = LoraSpec {
        r: 4,
        alpha: 8.0,
        dropout: 0.5,
        targets: vec!["q_proj".into(), "v_proj".into(), "up_proj".into()],
        rslora: false,
        layers: None,
    };
    let device = Device::flex().autodiff();
    device.seed(1);
    let mut model = LoadedModel::tiny(&tiny("llama"), device)
        .unwrap()
        .with_new_lora(&spec, 4)
        .unwrap();
    perturb_adapters(&mut model);
    // On the training device (dropout configured): generation runs without dropout.
    let gap = path_gap(&model);
    assert!(gap < 1e-5, "trainable: relative logit gap {gap}");
    greedy_agrees(&model);

    let (p, c) = prompts();
    let before = stepwise_logits(&model.decoder, &p, &c, &model.device, DecodePath::Auto).unwrap();
    let merged = model.merge_adapter();
    assert!(merged.decoder.layers[0].self_attn.q_proj.lora.is_none());
    let gap = path_gap(&merged);
    assert!(gap < 1e-5, "merged: relative logit gap {gap}");
    let after = stepwise_logits(&merged.decoder, &p, &c, &merged.device, DecodePath::Auto).unwrap();
    let err = before
        .iter()
        .flatten()
        .zip(after.iter().flatten())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(err < 1e-4, "merging changed the logits by {err}");
}

#[test]
fn a_decoder_without_host_weights_reads_them_from_its_tensors() {
    let mut model = LoadedModel::tiny(&tiny("qwen3"), Device::flex()).unwrap();
    model.decoder.host = None;
    let gap = path_gap(&model);
    assert!(gap < 1e-5, "relative logit gap {gap}");
}

#[test]
fn a_fully_trainable_decoder_never_decodes_from_stale_host_weights() {
    use burn::module::Module;
    use burn::optim::{AdamConfig, GradientsParams};
    let mut model = LoadedModel::tiny(&tiny("llama"), Device::flex().autodiff()).unwrap();
    assert!(model.decoder.base_is_trainable());
    let pairs = vec![(vec![5, 6, 7], vec![8, 9])];
    let mut optim = AdamConfig::new().init();
    let loss = model
        .completion_logprobs(&pairs)
        .unwrap()
        .sequence_sums()
        .mean()
        .neg();
    let grads = GradientsParams::from_grads(loss.backward(), &model.decoder);
    model.decoder = optim.step(1e-2, model.decoder, grads);
    let gap = path_gap(&model);
    assert!(
        gap < 1e-5,
        "relative logit gap {gap} after a full fine-tuning step"
    );
    let _ = model.decoder.valid();
}
