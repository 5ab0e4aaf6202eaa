//! The chunked LM-head log-probabilities equal the plain `log_softmax(h W)[y]` in value and in
//! gradient (with respect to the hidden states and to LoRA factors upstream), whatever the
//! chunk size; rows that are not needed come out as 0; a trainable head keeps its gradient.

use burn::module::Module;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use mascot::model::token_logprobs::{target_logprobs, target_logprobs_in_chunks};
use mascot::model::{LoadedModel, LoraSpec, TinyConfig};

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec_as::<f32>().unwrap()
}

fn max_err(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn tiny() -> TinyConfig {
    TinyConfig {
        arch: "llama".into(),
        layers: 2,
        hidden: 32,
        intermediate: 64,
        heads: 4,
        kv_heads: 2,
        vocab: 300,
        max_seq_len: 64,
        seed: 5,
    }
}

/// The reference: full logits, log-softmax, gather, masked.
fn reference(
    model: &LoadedModel,
    hidden: Tensor<2>,
    targets: &[u32],
    needed: &[bool],
) -> Tensor<1> {
    let [rows, _] = hidden.dims();
    let device = hidden.device();
    let logits = hidden.matmul(model.decoder.head_weight());
    let ids: Vec<i32> = targets.iter().map(|&t| t as i32).collect();
    let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [rows, 1]), &device);
    let mask: Vec<f32> = needed.iter().map(|&n| f32::from(u8::from(n))).collect();
    let mask = Tensor::<1>::from_data(TensorData::new(mask, [rows]), &device);
    log_softmax(logits, 1).gather(1, ids).reshape([rows]) * mask
}

#[test]
fn chunked_logprobs_match_the_full_softmax_in_value_and_gradient() {
    let device = Device::flex().autodiff();
    device.seed(11);
    let mut model = LoadedModel::tiny(&tiny(), device.clone()).unwrap();
    // A frozen head, as under LoRA: the chunked path.
    model.decoder = model.decoder.no_grad();
    assert!(!model.decoder.head_weight().is_require_grad());
    let rows = 10;
    let targets: Vec<u32> = (0..rows as u32).map(|i| (i * 37 + 5) % 300).collect();
    let needed: Vec<bool> = (0..rows).map(|i| i % 4 != 1).collect();
    let weights: Tensor<1> = Tensor::random([rows], Distribution::Uniform(-1.0, 1.0), &device);
    let base: Tensor<2> = Tensor::random([rows, 32], Distribution::Normal(0.0, 1.0), &device);
    let run = |f: &dyn Fn(Tensor<2>) -> Tensor<1>| {
        let hidden = base.clone().require_grad();
        let lp = f(hidden.clone());
        let grads = (lp.clone() * weights.clone()).sum().backward();
        (values(lp), values(hidden.grad(&grads).unwrap()))
    };
    let (want, want_grad) = run(&|h| reference(&model, h, &targets, &needed));
    for chunk in [1, 3, 4, 100] {
        let (got, got_grad) =
            run(&|h| target_logprobs_in_chunks(&model.decoder, h, &targets, &needed, chunk));
        assert!(max_err(&got, &want) < 1e-5, "chunk {chunk}: values");
        assert!(
            max_err(&got_grad, &want_grad) < 1e-5,
            "chunk {chunk}: gradients"
        );
        assert_eq!(got[1], 0.0);
        assert!(got[0] < 0.0);
    }
    // Without autodiff: the same values.
    let inference = model.decoder.valid();
    let got = values(target_logprobs(
        &inference,
        base.clone().without_autodiff(),
        &targets,
        &needed,
    ));
    assert!(max_err(&got, &want) < 1e-5);
}

#[test]
fn lora_gradients_through_chunked_logprobs_match_the_full_softmax() {
    let device = Device::flex().autodiff();
    let spec = LoraSpec {
        r: 2,
        alpha: 4.0,
        dropout: 0.0,
        targets: vec!["v_proj".into(), "up_proj".into()],
        rslora: false,
        layers: None,
    };
    let mut model = LoadedModel::tiny(&tiny(), device.clone())
        .unwrap()
        .with_new_lora(&spec, 3)
        .unwrap();
    // Give B non-zero values so A receives a gradient too.
    for layer in &mut model.decoder.layers {
        let adapter = layer.self_attn.v_proj.lora.as_mut().unwrap();
        adapter.b = adapter.b.clone().map(|b| {
            Tensor::random(b.shape(), Distribution::Uniform(-0.5, 0.5), &b.device()).require_grad()
        });
    }
    let ids: Vec<u32> = vec![7, 120, 33, 250, 9, 64];
    let targets: Vec<u32> = ids[1..].iter().copied().chain([1]).collect();
    let needed = vec![false, true, true, true, true, false];
    let adapter_grads = |f: &dyn Fn(Tensor<2>) -> Tensor<1>| {
        let input = Tensor::<2, Int>::from_data(
            TensorData::new(ids.iter().map(|&i| i as i32).collect::<Vec<_>>(), [1, 6]),
            &device,
        );
        let positions = vec![(0..6).collect::<Vec<usize>>()];
        let key_valid = vec![vec![true; 6]];
        let hidden = model.decoder.forward_hidden(
            input,
            &mascot::model::decoder::ForwardInput {
                positions: &positions,
                key_valid: &key_valid,
            },
            None,
        );
        let lp = f(hidden.reshape([6, 32]));
        let grads = lp.sum().backward();
        let adapter = model.decoder.layers[0]
            .self_attn
            .v_proj
            .lora
            .as_ref()
            .unwrap();
        (
            values(adapter.a.val().grad(&grads).unwrap()),
            values(adapter.b.val().grad(&grads).unwrap()),
        )
    };
    let (want_a, want_b) = adapter_grads(&|h| reference(&model, h, &targets, &needed));
    let (got_a, got_b) =
        adapter_grads(&|h| target_logprobs_in_chunks(&model.decoder, h, &targets, &needed, 2));
    assert!(want_a.iter().any(|g| g.abs() > 1e-4));
    assert!(max_err(&got_a, &want_a) < 1e-5);
    assert!(max_err(&got_b, &want_b) < 1e-5);
}

#[test]
fn a_trainable_head_keeps_its_gradient() {
    let device = Device::flex().autodiff();
    let model = LoadedModel::tiny(&tiny(), device.clone()).unwrap();
    let hidden: Tensor<2> = Tensor::random([3, 32], Distribution::Normal(0.0, 1.0), &device);
    let lp = target_logprobs(&model.decoder, hidden, &[1, 2, 3], &[true, true, true]);
    let grads = lp.sum().backward();
    let head = model.decoder.head_weight();
    assert!(head.grad(&grads).is_some(), "the head lost its gradient");
}
