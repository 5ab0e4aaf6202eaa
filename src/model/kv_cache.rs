//! The key/value cache of an incremental forward pass: per layer, the keys and values of every
//! position seen so far, `[batch, kv_heads, past, head_dim]`.

use burn::tensor::Tensor;

/// Keys and values of one attention layer.
#[derive(Debug, Clone, Default)]
pub struct LayerCache {
    pub keys: Option<Tensor<4>>,
    pub values: Option<Tensor<4>>,
}

impl LayerCache {
    /// Appends the new keys/values and returns the full ones.
    pub fn append(&mut self, keys: Tensor<4>, values: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        let keys = match self.keys.take() {
            Some(past) => Tensor::cat(vec![past, keys], 2),
            None => keys,
        };
        let values = match self.values.take() {
            Some(past) => Tensor::cat(vec![past, values], 2),
            None => values,
        };
        self.keys = Some(keys.clone());
        self.values = Some(values.clone());
        (keys, values)
    }
}

/// The cache of a whole decoder.
#[derive(Debug, Clone)]
pub struct KvCache {
    pub layers: Vec<LayerCache>,
    /// Number of positions already cached.
    pub len: usize,
}

impl KvCache {
    /// An empty cache for `num_layers` layers.
    pub fn new(num_layers: usize) -> Self {
        Self {
            layers: vec![LayerCache::default(); num_layers],
            len: 0,
        }
    }
}
