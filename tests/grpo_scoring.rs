//! GRPO's scoring on the tiny model: left-padded prompts and right-padded completions give
//! the same log-probabilities as the runtime's right-padded scorer; the sampling temperature
//! divides the logits; chunking changes nothing; and the gradient computed with the graph cut
//! at the hidden states equals the gradient of the whole loss taken in one backward pass.

use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use mascot::model::{LoadedModel, LoraSpec, TinyConfig};
use mascot::train::grpo::objective::{LossSettings, Normaliser, TokenLossInputs, policy_loss};
use mascot::train::grpo::scoring::{PackedBatch, head_logprobs, score_packed, score_rows};
use mascot::train::grpo::update::{UpdateRow, UpdateSettings, policy_gradients};
use mascot::train::grpo::{LossType, host::to_host};
use mascot::train::params::trainable_params;

fn tiny() -> TinyConfig {
    TinyConfig {
        arch: "llama".into(),
        layers: 2,
        hidden: 32,
        intermediate: 64,
        heads: 4,
        kv_heads: 2,
        vocab: 260,
        max_seq_len: 128,
        seed: 3,
    }
}

fn lora() -> LoraSpec {
    serde_json::from_value(serde_json::json!({
        "r": 4, "alpha": 8.0, "dropout": 0.0, "targets": ["q_proj", "v_proj", "up_proj"]
    }))
    .unwrap()
}

/// Prompts of different lengths, completions of different lengths.
fn pairs() -> Vec<(Vec<u32>, Vec<u32>)> {
    vec![
        (vec![10, 20, 30, 40, 50], vec![60, 70]),
        (vec![11], vec![12, 13, 14, 15]),
        (vec![200, 201, 202], vec![203]),
    ]
}

fn borrowed(p: &[(Vec<u32>, Vec<u32>)]) -> Vec<(&[u32], &[u32])> {
    p.iter()
        .map(|(a, b)| (a.as_slice(), b.as_slice()))
        .collect()
}

#[test]
fn left_padded_scores_match_the_runtime_scorer_in_any_chunking() {
    let model = LoadedModel::tiny(&tiny(), Device::flex()).unwrap();
    let p = pairs();
    let reference = model.completion_logprobs(&p).unwrap().to_vecs().unwrap();
    for chunk in [1, 4, 1000] {
        for micro in [1, 2, 3] {
            let rows = score_rows(
                &model.decoder,
                &borrowed(&p),
                1.0,
                chunk,
                micro,
                &model.device,
            )
            .unwrap();
            for (a, b) in rows.iter().flatten().zip(reference.iter().flatten()) {
                assert!(
                    (a - b).abs() < 1e-5,
                    "chunk {chunk} micro {micro}: {a} vs {b}"
                );
            }
            assert_eq!(rows.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 4, 1]);
        }
    }
}

#[test]
fn temperature_divides_the_logits_and_entropy_is_of_that_distribution() {
    let model = LoadedModel::tiny(&tiny(), Device::flex()).unwrap();
    let (prompt, completion) = (vec![5u32, 6, 7], vec![8u32, 9]);
    let t = 0.7f32;
    let packed = PackedBatch::new(&[(&prompt, &completion)], 260).unwrap();
    let scored = score_packed(&model.decoder, &packed, t, 1024, true, &model.device).unwrap();
    // By hand from the full logits: position 2 predicts token 8, position 3 token 9.
    let ids: Vec<u32> = prompt.iter().chain(&completion).copied().collect();
    let logits = model.all_logits(&ids).unwrap();
    for (j, pos) in [2usize, 3].iter().enumerate() {
        let row: Vec<f64> = logits[pos * 260..(pos + 1) * 260]
            .iter()
            .map(|&l| f64::from(l / t))
            .collect();
        let max = row.iter().copied().fold(f64::MIN, f64::max);
        let lse = max + row.iter().map(|l| (l - max).exp()).sum::<f64>().ln();
        let target = completion[j] as usize;
        let expected = row[target] - lse;
        let got = f64::from(scored.logp[j]);
        assert!((got - expected).abs() < 1e-4, "{got} vs {expected}");
        let entropy: f64 = row.iter().map(|l| -(l - lse).exp() * (l - lse)).sum();
        let got_entropy = f64::from(scored.entropy.as_ref().unwrap()[j]);
        assert!(
            (got_entropy - entropy).abs() < 1e-4,
            "{got_entropy} vs {entropy}"
        );
    }
}

#[test]
fn cut_gradient_equals_the_whole_backward_pass() {
    let device = Device::flex().autodiff();
    let model = LoadedModel::tiny(&tiny(), device.clone())
        .unwrap()
        .with_new_lora(&lora(), 5)
        .unwrap();
    // Fresh adapters (B = 0): the B factors get the gradient, the A factors none.
    let p = pairs();
    let pairs_b = borrowed(&p);
    let masks: Vec<Vec<f32>> = vec![vec![1.0, 1.0], vec![1.0, 0.0, 1.0, 1.0], vec![1.0]];
    let advantages = [0.7, -1.2, 0.4];
    let refs: Vec<Vec<f32>> = p
        .iter()
        .map(|(_, c)| c.iter().map(|&t| -5.0 - t as f32 / 100.0).collect())
        .collect();
    let settings = LossSettings {
        loss: LossType::Grpo,
        eps_low: 0.2,
        eps_high: 0.28,
        beta: 0.04,
    };
    let norm = Normaliser {
        sequences: 3,
        active_tokens: 6.0,
        max_tokens: 4,
    };
    let rows: Vec<UpdateRow<'_>> = (0..3)
        .map(|i| UpdateRow {
            prompt: pairs_b[i].0,
            completion: pairs_b[i].1,
            mask: &masks[i],
            advantage: advantages[i],
            old_logp: None,
            ref_logp: Some(&refs[i]),
        })
        .collect();
    let cut = policy_gradients(
        &model.decoder,
        &rows,
        &UpdateSettings {
            loss: settings,
            norm,
            temperature: 0.9,
            chunk_tokens: 1,
            micro_batch: 2,
        },
        &device,
    )
    .unwrap();

    // The same loss in one graph: head on the live hidden states, one backward.
    let packed = PackedBatch::new(&pairs_b, 260).unwrap();
    let hidden = packed.completion_hidden(&model.decoder, &device);
    let (logp, _) = head_logprobs(
        &model.decoder,
        hidden,
        packed.targets_tensor(0, 3, &device),
        0.9,
        false,
    );
    let cw = packed.completion_width;
    let pad = |rows: &[Vec<f32>]| -> Tensor<2> {
        let flat: Vec<f32> = rows
            .iter()
            .flat_map(|r| r.iter().copied().chain(std::iter::repeat(0.0)).take(cw))
            .collect();
        Tensor::from_data(TensorData::new(flat, [3, cw]), &device)
    };
    let (loss, stats) = policy_loss(
        TokenLossInputs {
            logp,
            old_logp: None,
            ref_logp: Some(pad(&refs)),
            advantages: Tensor::from_floats([0.7, -1.2, 0.4], &device),
            mask: pad(&masks),
        },
        &settings,
        &norm,
    )
    .unwrap();
    assert!((stats.loss - cut.stats.loss).abs() < 1e-5);
    let whole = GradientsParams::from_grads(loss.backward(), &model.decoder);
    // Compare over every trainable parameter (the LoRA factors), whatever their layout.
    let mut nonzero = 0;
    let params = trainable_params(&model.decoder);
    assert_eq!(params.len(), 2 * 3 * 2, "two factors per target per layer");
    for param in &params {
        let a = to_host(whole.get::<2>(param.id).unwrap()).unwrap();
        let b = to_host(cut.grads.get::<2>(param.id).unwrap()).unwrap();
        let largest = a.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        nonzero += usize::from(largest > 0.0);
        let scale = largest.max(1e-6);
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() <= 1e-4 * scale, "{}: {x} vs {y}", param.path);
        }
    }
    assert!(nonzero >= 2 * 3, "the B factors (at least) have a gradient");
    // The entropy statistic is over active tokens only: 6 of them, each in (0, ln 260].
    assert!(cut.entropy_sum > 0.0 && cut.entropy_sum <= 6.0 * 260f64.ln());
}
