//! The built-in tiny decoder: its configuration from a [`TinyConfig`] and its weights drawn
//! from the spec's seed with a portable generator (independent of the backend's RNG, so two
//! loads with the same seed are identical even when tests run in parallel).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::config::DecoderConfig;
use super::error::ModelError;
use super::memory_source::MemorySource;
use super::tokenizer::BUILTIN_SPECIAL_TOKENS;
use crate::spec::model::TinyConfig;

/// Smallest vocabulary that covers the built-in byte tokenizer (one rule for the checker and
/// the runtime).
pub use crate::spec::model::MIN_TINY_VOCAB;

const _: () = assert!(MIN_TINY_VOCAB == 256 + BUILTIN_SPECIAL_TOKENS.len());

/// The decoder configuration of a tiny spec (tied embeddings, RoPE theta 10000).
pub fn tiny_decoder_config(tiny: &TinyConfig) -> Result<DecoderConfig, ModelError> {
    let invalid = |reason: String| ModelError::InvalidInput {
        reason: format!("tiny model: {reason}"),
    };
    let qk_norm = match tiny.arch.as_str() {
        "llama" => false,
        "qwen3" => true,
        other => {
            return Err(invalid(format!(
                "arch `{other}` is unknown (use `llama` or `qwen3`)"
            )));
        }
    };
    if tiny.vocab < MIN_TINY_VOCAB {
        return Err(invalid(format!(
            "vocab {} is smaller than the built-in byte tokenizer ({MIN_TINY_VOCAB} tokens)",
            tiny.vocab
        )));
    }
    let config = DecoderConfig::new(
        tiny.vocab,
        tiny.hidden,
        tiny.intermediate,
        tiny.layers,
        tiny.heads,
        tiny.kv_heads,
    )
    .with_qk_norm(qk_norm)
    .with_tie_embeddings(true)
    .with_max_seq_len(tiny.max_seq_len);
    config.validate().map_err(invalid)?;
    Ok(config)
}

/// Random weights for `config` with Hugging Face names, drawn from `seed`.
pub fn tiny_weights(config: &DecoderConfig, seed: u64) -> MemorySource {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut source = MemorySource::new(format!("built-in tiny model (seed {seed})"));
    let (h, i, v) = (
        config.hidden_size,
        config.intermediate_size,
        config.vocab_size,
    );
    let hd = config.head_dim();
    let (q_out, kv_out) = (config.num_heads * hd, config.num_kv_heads * hd);
    let mut uniform = |shape: Vec<usize>, fan_in: usize| {
        let bound = (3.0 / fan_in as f32).sqrt();
        let n: usize = shape.iter().product();
        let data = (0..n).map(|_| rng.random_range(-bound..bound)).collect();
        (shape, data)
    };
    let put = |source: &mut MemorySource, name: String, (shape, data)| {
        source.insert(name, shape, data);
    };
    // The embedding is also the (tied) output head. With unit-variance entries the logits
    // have a standard deviation of sqrt(hidden) (8 for hidden 64) and sampling at
    // temperature 1 always draws the same token; entries of standard deviation 2/sqrt(h)
    // keep the logits near unit scale, so K samples differ as they do for a real model.
    put(
        &mut source,
        "model.embed_tokens.weight".into(),
        uniform(vec![v, h], (h / 4).max(1)),
    );
    for n in 0..config.num_layers {
        let p = format!("model.layers.{n}");
        for (name, out, inp) in [
            ("self_attn.q_proj", q_out, h),
            ("self_attn.k_proj", kv_out, h),
            ("self_attn.v_proj", kv_out, h),
            ("self_attn.o_proj", h, q_out),
            ("mlp.gate_proj", i, h),
            ("mlp.up_proj", i, h),
            ("mlp.down_proj", h, i),
        ] {
            put(
                &mut source,
                format!("{p}.{name}.weight"),
                uniform(vec![out, inp], inp),
            );
        }
        for name in ["input_layernorm", "post_attention_layernorm"] {
            source.insert(format!("{p}.{name}.weight"), vec![h], vec![1.0; h]);
        }
        if config.qk_norm {
            for name in ["q_norm", "k_norm"] {
                source.insert(
                    format!("{p}.self_attn.{name}.weight"),
                    vec![hd],
                    vec![1.0; hd],
                );
            }
        }
    }
    source.insert("model.norm.weight", vec![h], vec![1.0; h]);
    source
}
