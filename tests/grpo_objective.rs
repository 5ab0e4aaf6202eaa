//! The GRPO objective against hand-computed values: clipped ratios, the k3 KL, the clipping
//! statistics and every `loss` aggregation on a two-sequence batch; micro-batches summing to
//! the whole batch; the action mask removing tokens from the loss and from the gradient.

use burn::tensor::{Device, Tensor, TensorData};
use mascot::train::grpo::{
    LossSettings, LossType, Normaliser, TokenLossInputs, TokenStats, policy_loss,
};

const LN2: f32 = std::f32::consts::LN_2;

fn t2(rows: [[f32; 3]; 2], device: &Device) -> Tensor<2> {
    let flat: Vec<f32> = rows.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(flat, [2, 3]), device)
}

fn settings(loss: LossType) -> LossSettings {
    LossSettings {
        loss,
        eps_low: 0.2,
        eps_high: 0.2,
        beta: 0.1,
    }
}

/// The batch worked by hand below.
///
/// old log-probs are all -1; `logp - old` is ln 1.5, ln 0.5, 0, so the ratios c1 are 1.5, 0.5, 1.
/// Sequence 0: A = +1, mask [1, 1, 0]. Sequence 1: A = -1, mask [1, 1, 1].
/// `ref - logp` is [ln 2, 0, 0] and [0, ln 2, 0]: k3 = e^d - d - 1 = 1 - ln 2 where d = ln 2.
///
/// seq 0, t0: c1 1.5, A +1: -min(1.5, 1.2) = -1.2 (high-clipped); + 0.1 (1 - ln 2)
/// seq 0, t1: c1 0.5, A +1: -min(0.5, 0.8) = -0.5 (not clipped: A > 0)
/// seq 1, t0: c1 1.5, A -1: -min(-1.5, -1.2) = 1.5 (not clipped: A < 0)
/// seq 1, t1: c1 0.5, A -1: -min(-0.5, -0.8) = 0.8 (low-clipped); + 0.1 (1 - ln 2)
/// seq 1, t2: c1 1, A -1: 1.0
/// Sums: seq 0 = -1.7 + 0.1 k, seq 1 = 3.3 + 0.1 k, with k = 1 - ln 2.
fn inputs(device: &Device) -> TokenLossInputs {
    let old = -1.0f32;
    let logp = t2(
        [
            [old + 1.5f32.ln(), old + 0.5f32.ln(), old],
            [old + 1.5f32.ln(), old + 0.5f32.ln(), old],
        ],
        device,
    );
    let reference = logp.clone() + t2([[LN2, 0.0, 0.0], [0.0, LN2, 0.0]], device);
    TokenLossInputs {
        logp,
        old_logp: Some(t2([[old; 3]; 2], device)),
        ref_logp: Some(reference),
        advantages: Tensor::from_floats([1.0, -1.0], device),
        mask: t2([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]], device),
    }
}

const NORM: Normaliser = Normaliser {
    sequences: 2,
    active_tokens: 5.0,
    max_tokens: 4,
};

fn k() -> f64 {
    1.0 - std::f64::consts::LN_2
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-5, "{what}: {a} vs expected {b}");
}

#[test]
fn every_loss_option_matches_the_hand_computed_value() {
    let device = Device::flex();
    let seq0 = -1.7 + 0.1 * k();
    let seq1 = 3.3 + 0.1 * k();
    let cases = [
        // Equation 5: mean over sequences of per-sequence token means.
        (LossType::Grpo, (seq0 / 2.0 + seq1 / 3.0) / 2.0),
        // Token mean over the batch.
        (LossType::Bnpo, (seq0 + seq1) / 5.0),
        // Constant normaliser B * max_tokens = 2 * 4.
        (LossType::DrGrpo, (seq0 + seq1) / 8.0),
        // Active tokens of the generation batch (= the update batch here).
        (LossType::Dapo, (seq0 + seq1) / 5.0),
    ];
    for (loss, expected) in cases {
        let (value, stats) = policy_loss(inputs(&device), &settings(loss), &NORM).unwrap();
        let value = f64::from(value.into_scalar::<f32>());
        close(value, expected, loss.as_str());
        close(stats.loss, expected, "stats.loss");
        // Clipping and KL statistics do not depend on the aggregation.
        close(stats.active_tokens, 5.0, "active tokens");
        close(stats.clip_low_mean(), 1.0 / 5.0, "clip_ratio/low_mean");
        close(stats.clip_high_mean(), 1.0 / 5.0, "clip_ratio/high_mean");
        close(
            stats.clip_region_mean(),
            2.0 / 5.0,
            "clip_ratio/region_mean",
        );
        close(stats.kl(), 2.0 * k() / 5.0, "kl");
    }
}

#[test]
fn asymmetric_clipping_uses_clip_high_above_one() {
    // eps_high 0.6: the ratio 1.5 of seq 0 t0 is no longer clipped: -1.5 instead of -1.2.
    let device = Device::flex();
    let s = LossSettings {
        eps_high: 0.6,
        beta: 0.0,
        ..settings(LossType::Bnpo)
    };
    let mut input = inputs(&device);
    input.ref_logp = None;
    let (value, stats) = policy_loss(input, &s, &NORM).unwrap();
    // Tokens: -1.5, -0.5, 1.5, 0.8, 1.0.
    close(
        f64::from(value.into_scalar::<f32>()),
        (-1.5 - 0.5 + 1.5 + 0.8 + 1.0) / 5.0,
        "bnpo",
    );
    close(stats.clip_high_mean(), 0.0, "high");
    close(stats.clip_low_mean(), 0.2, "low");
    close(stats.kl(), 0.0, "no KL when beta is 0");
}

#[test]
fn beta_without_reference_is_an_error() {
    let device = Device::flex();
    let mut input = inputs(&device);
    input.ref_logp = None;
    let err = policy_loss(input, &settings(LossType::Grpo), &NORM).unwrap_err();
    assert!(err.to_string().contains("reference"), "{err}");
}

#[test]
fn micro_batches_sum_to_the_whole_batch() {
    let device = Device::flex();
    for loss in [
        LossType::Grpo,
        LossType::Bnpo,
        LossType::DrGrpo,
        LossType::Dapo,
    ] {
        let (whole, whole_stats) = policy_loss(inputs(&device), &settings(loss), &NORM).unwrap();
        let full = inputs(&device);
        let mut total = TokenStats::default();
        let mut sum = 0.0f64;
        for row in 0..2 {
            let take2 = |t: &Tensor<2>| t.clone().narrow(0, row, 1);
            let part = TokenLossInputs {
                logp: take2(&full.logp),
                old_logp: full.old_logp.as_ref().map(take2),
                ref_logp: full.ref_logp.as_ref().map(take2),
                advantages: full.advantages.clone().narrow(0, row, 1),
                mask: take2(&full.mask),
            };
            let (value, stats) = policy_loss(part, &settings(loss), &NORM).unwrap();
            sum += f64::from(value.into_scalar::<f32>());
            total.add(&stats);
        }
        close(sum, f64::from(whole.into_scalar::<f32>()), loss.as_str());
        close(total.kl(), whole_stats.kl(), "kl");
        close(
            total.clip_region_mean(),
            whole_stats.clip_region_mean(),
            "clip",
        );
    }
}

#[test]
fn masked_tokens_add_nothing_to_the_loss_or_the_gradient() {
    // On-policy (ratio 1), beta 0: l = -A on every active token, and under `grpo`
    // d loss / d logp[b, t] = -A_b * m[b, t] / (n_b * B).
    // Seq 0: A = 2, action mask [1, 0, 1] (the middle token is not an action) -> n = 2.
    // Seq 1: A = -1, mask [0, 0, 1] -> n = 1.
    // loss = (-2 * 2 / 2 + 1 * 1 / 1) / 2 = (-2 + 1) / 2 = -0.5.
    let device = Device::flex().autodiff();
    // Masked positions hold extreme values that would overflow if they leaked in.
    let logp = t2([[-0.5, -80.0, -1.0], [-90.0, -95.0, -2.0]], &device).require_grad();
    let reference = t2([[-0.5, 10.0, -1.0], [5.0, 0.0, -2.0]], &device);
    let input = TokenLossInputs {
        logp: logp.clone(),
        old_logp: None,
        ref_logp: Some(reference),
        advantages: Tensor::from_floats([2.0, -1.0], &device),
        mask: t2([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]], &device),
    };
    let s = LossSettings {
        beta: 0.04,
        ..settings(LossType::Grpo)
    };
    let norm = Normaliser {
        sequences: 2,
        active_tokens: 3.0,
        max_tokens: 3,
    };
    let (loss, stats) = policy_loss(input, &s, &norm).unwrap();
    close(stats.loss, -0.5, "loss");
    close(stats.active_tokens, 3.0, "active tokens");
    close(stats.kl(), 0.0, "kl on active tokens (ref == logp there)");
    let grads = loss.backward();
    let g: Vec<f32> = logp
        .grad(&grads)
        .unwrap()
        .into_data()
        .try_to_vec_as::<f32>()
        .unwrap();
    // Active: -A / (n * B): seq 0: -2 / 4 = -0.5; seq 1: 1 / 2 = 0.5. The KL gradient at
    // d = 0 is e^0 - 1 = 0. Masked tokens: exactly 0.
    let expected = [-0.5, 0.0, -0.5, 0.0, 0.0, 0.5];
    for (i, (a, b)) in g.iter().zip(expected).enumerate() {
        assert!((a - b).abs() < 1e-6, "grad[{i}] = {a}, expected {b}");
    }
}
