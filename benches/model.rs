//! Model runtime benchmarks on SmolLM2-135M-Instruct (the Q4_1 GGUF): greedy decode at
//! batch 1 and batch 8, reading the Q4_1 blocks as stored and (`_f32`) f32 weights (prefill alone, and prefill + 32 new tokens, so decode tokens/s =
//! batch * 31 / (t_gen32 - t_prefill)), and one LoRA step as the paper trains (r 16, alpha 32,
//! dropout 0.1 on q/k/v/o; forward, backward, Adam) at batch 4 x 128 tokens. Each case prints
//! its peak resident memory, counted from the case's start with the model loaded (the
//! kernel's peak counter reset through /proc/self/clear_refs). The PyTorch eager baseline for
//! the same work is scripts/bench_torch.py; figures are in benches/README.md.
//!
//! Needs the model: scripts/fetch_smollm2.sh. Run: `RAYON_NUM_THREADS=2 cargo bench --bench model`.

mod support;

use std::hint::black_box;
use std::time::Duration;

use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::Device;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mascot::model::gguf::load_gguf;
use mascot::model::{ChatMessage, LoadedModel, LoraSpec, SamplingConfig};
use support::{model_path, peak_rss_mib, reset_peak_rss};

const NEW_TOKENS: usize = 32;
const PROMPT: &str = "What is the capital of France?";

/// Whether the command line's filter (if any) selects benchmarks of `group`, so that an
/// unselected group neither loads the model nor prints a memory figure.
fn selected(group: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-') && a.parse::<f64>().is_err())
        .collect();
    filters.is_empty()
        || filters
            .iter()
            .any(|f| f.starts_with(group) || group.starts_with(f.as_str()))
}

fn decode(c: &mut Criterion) {
    if !selected("smollm2_decode") {
        return;
    }
    let Some(path) = model_path() else { return };
    let mut group = c.benchmark_group("smollm2_decode");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(15));
    // First the Q4_1 blocks as stored, then (`batch{N}_f32/...`) the same model with its
    // weights as f32 rows, read back from the dequantised tensors: the precision PyTorch
    // decodes in. One model in memory at a time, so each case's peak is its own.
    for weights in ["", "_f32"] {
        let mut model = load_gguf(&path, Device::flex()).unwrap();
        if weights == "_f32" {
            model.decoder.host = None;
        }
        // Always generate the full count: no stop token.
        model.tokenizer.stop_ids.clear();
        let prompt = model
            .encode_chat(&[ChatMessage::new("user", PROMPT)])
            .unwrap();
        for batch in [1usize, 8] {
            reset_peak_rss();
            let prompts = vec![prompt.clone(); batch];
            for (label, tokens) in [("prefill", 1usize), ("gen32", NEW_TOKENS)] {
                let cfg = SamplingConfig::greedy(tokens);
                group.throughput(Throughput::Elements((batch * tokens) as u64));
                group.bench_function(format!("batch{batch}{weights}/{label}"), |b| {
                    b.iter(|| {
                        let out = model.generate_ids(black_box(&prompts), &cfg).unwrap();
                        assert_eq!(out[0].output_ids.len(), tokens);
                        out
                    })
                });
            }
            eprintln!(
                "peak RSS decode batch {batch}{weights}: {:.0} MiB",
                peak_rss_mib()
            );
        }
    }
    group.finish();
}

fn lora_step(c: &mut Criterion) {
    if !selected("smollm2_lora") {
        return;
    }
    let Some(path) = model_path() else { return };
    let device = Device::flex().autodiff();
    device.seed(0);
    let spec = LoraSpec {
        r: 16,
        alpha: 32.0,
        dropout: 0.1,
        targets: ["q_proj", "k_proj", "v_proj", "o_proj"]
            .map(String::from)
            .to_vec(),
        rslora: false,
        layers: None,
    };
    let base = load_gguf(&path, device).unwrap();
    reset_peak_rss();
    let model = base.with_new_lora(&spec, 0).unwrap();
    // 4 sequences x 128 tokens: a 1-token prompt and a 127-token completion each.
    let mut state = 12345u64;
    let mut next_id = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) % 49152) as u32
    };
    let pairs: Vec<(Vec<u32>, Vec<u32>)> = (0..4)
        .map(|_| (vec![next_id()], (0..127).map(|_| next_id()).collect()))
        .collect();
    let mut optim = AdamConfig::new().init();
    let mut slot: Option<LoadedModel> = Some(model);
    let mut group = c.benchmark_group("smollm2_lora");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(4 * 128));
    group.bench_function("step_b4x128", |b| {
        b.iter(|| {
            let mut m = slot.take().unwrap();
            let scored = m.completion_logprobs(&pairs).unwrap();
            let loss = scored.sequence_sums().mean().neg();
            let grads = GradientsParams::from_grads(loss.backward(), &m.decoder);
            m.decoder = optim.step(1e-4, m.decoder, grads);
            slot = Some(m);
        })
    });
    group.finish();
    eprintln!("peak RSS LoRA step 4x128: {:.0} MiB", peak_rss_mib());
}

criterion_group!(benches, decode, lora_step);
criterion_main!(benches);
