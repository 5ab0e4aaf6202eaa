//! llama.cpp tensor names to Hugging Face names, and the inverse of llama.cpp's q/k rotary
//! permutation (as transformers' GGUF loader undoes it for Llama).

/// The Hugging Face name of a llama.cpp tensor, or `None` for tensors without one
/// (`rope_freqs.weight`, unknown names).
pub fn hf_name(gguf_name: &str) -> Option<String> {
    match gguf_name {
        "token_embd.weight" => return Some("model.embed_tokens.weight".into()),
        "output_norm.weight" => return Some("model.norm.weight".into()),
        "output.weight" => return Some("lm_head.weight".into()),
        _ => {}
    }
    let rest = gguf_name.strip_prefix("blk.")?;
    let (layer, rest) = rest.split_once('.')?;
    let layer: usize = layer.parse().ok()?;
    let (module, suffix) = rest.rsplit_once('.')?;
    if suffix != "weight" && suffix != "bias" {
        return None;
    }
    let hf_module = match module {
        "attn_norm" => "input_layernorm",
        "attn_q" => "self_attn.q_proj",
        "attn_k" => "self_attn.k_proj",
        "attn_v" => "self_attn.v_proj",
        "attn_output" => "self_attn.o_proj",
        "attn_q_norm" => "self_attn.q_norm",
        "attn_k_norm" => "self_attn.k_norm",
        "ffn_norm" => "post_attention_layernorm",
        "ffn_gate" => "mlp.gate_proj",
        "ffn_up" => "mlp.up_proj",
        "ffn_down" => "mlp.down_proj",
        _ => return None,
    };
    Some(format!("model.layers.{layer}.{hf_module}.{suffix}"))
}

/// Which rotary permutation a tensor carries: llama.cpp's convert script interleaves the
/// rows of Llama's q and k projections per head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permuted {
    /// Rows grouped in `heads` groups of interleaved (even, odd) pairs.
    Rows {
        heads: usize,
    },
    No,
}

/// Whether `gguf_name` of an `arch` model was permuted, given the model's head counts.
pub fn permutation(arch: &str, gguf_name: &str, heads: usize, kv_heads: usize) -> Permuted {
    if arch != "llama" {
        return Permuted::No;
    }
    if gguf_name.contains(".attn_q.") {
        Permuted::Rows { heads }
    } else if gguf_name.contains(".attn_k.") {
        Permuted::Rows { heads: kv_heads }
    } else {
        Permuted::No
    }
}

/// Undoes the permutation in place on a row-major `[rows, cols]` tensor: within each head
/// of `2 * half` rows, GGUF row `2 * d + t` becomes row `t * half + d`. This is
/// `w.reshape(heads, half, 2, cols).swapaxes(1, 2)` of transformers' `reverse_permute_weights`.
/// Returns `false` (leaving `data` unchanged) when `rows` does not split into heads of pairs.
pub fn reverse_permute_rows(data: &mut [f32], rows: usize, heads: usize) -> bool {
    let Some(pair_rows) = heads.checked_mul(2) else {
        return false;
    };
    if heads == 0
        || rows == 0
        || !rows.is_multiple_of(pair_rows)
        || !data.len().is_multiple_of(rows)
    {
        return false;
    }
    let cols = data.len() / rows;
    let half = rows / heads / 2;
    let source = data.to_vec();
    for head in 0..heads {
        let base = head * 2 * half;
        for d in 0..half {
            for t in 0..2 {
                let from = (base + 2 * d + t) * cols;
                let to = (base + t * half + d) * cols;
                data[to..to + cols].copy_from_slice(&source[from..from + cols]);
            }
        }
    }
    true
}

/// The row order of [`reverse_permute_rows`]: row `i` of the result is row `order[i]` of
/// the GGUF tensor. `None` when `rows` does not split into heads of pairs.
pub fn reverse_permutation_order(rows: usize, heads: usize) -> Option<Vec<usize>> {
    let pair_rows = heads.checked_mul(2)?;
    if heads == 0 || rows == 0 || !rows.is_multiple_of(pair_rows) {
        return None;
    }
    let half = rows / heads / 2;
    let mut order = vec![0; rows];
    for head in 0..heads {
        let base = head * 2 * half;
        for d in 0..half {
            for t in 0..2 {
                order[base + t * half + d] = base + 2 * d + t;
            }
        }
    }
    Some(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_llama_and_qwen_names() {
        assert_eq!(
            hf_name("token_embd.weight").unwrap(),
            "model.embed_tokens.weight"
        );
        assert_eq!(hf_name("output.weight").unwrap(), "lm_head.weight");
        assert_eq!(
            hf_name("blk.12.attn_q.weight").unwrap(),
            "model.layers.12.self_attn.q_proj.weight"
        );
        assert_eq!(
            hf_name("blk.0.attn_v.bias").unwrap(),
            "model.layers.0.self_attn.v_proj.bias"
        );
        assert_eq!(
            hf_name("blk.3.ffn_norm.weight").unwrap(),
            "model.layers.3.post_attention_layernorm.weight"
        );
        assert_eq!(
            hf_name("blk.1.attn_k_norm.weight").unwrap(),
            "model.layers.1.self_attn.k_norm.weight"
        );
        assert_eq!(hf_name("rope_freqs.weight"), None);
        assert_eq!(hf_name("blk.x.attn_q.weight"), None);
    }

    #[test]
    fn reverse_permute_matches_transformers_on_two_heads() {
        // 2 heads x 4 rows, 1 column: row value = its GGUF index.
        let mut rows: Vec<f32> = (0..8).map(|i| i as f32).collect();
        assert!(reverse_permute_rows(&mut rows, 8, 2));
        // numpy: np.arange(8).reshape(2, 2, 2).swapaxes(1, 2).reshape(8) = [0 2 1 3 4 6 5 7]
        assert_eq!(rows, vec![0., 2., 1., 3., 4., 6., 5., 7.]);
    }

    #[test]
    fn permutation_order_matches_the_in_place_permutation() {
        let mut rows: Vec<f32> = (0..12).map(|i| i as f32).collect();
        assert!(reverse_permute_rows(&mut rows, 12, 2));
        let order = reverse_permutation_order(12, 2).unwrap();
        assert_eq!(order.iter().map(|&i| i as f32).collect::<Vec<_>>(), rows);
        assert_eq!(reverse_permutation_order(12, 5), None);
    }

    #[test]
    fn reverse_permute_moves_whole_rows() {
        let mut data: Vec<f32> = (0..12).map(|i| i as f32).collect(); // 4 rows x 3 cols
        assert!(reverse_permute_rows(&mut data, 4, 1));
        assert_eq!(data, vec![0., 1., 2., 6., 7., 8., 3., 4., 5., 9., 10., 11.]);
        assert!(!reverse_permute_rows(&mut data, 4, 3));
    }
}
