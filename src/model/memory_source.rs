//! An in-memory [`TensorSource`]: the built-in tiny model's random weights, and tests.

use std::collections::HashMap;

use super::error::ModelError;
use super::tensor_source::{HostTensor, TensorSource};

/// Tensors held in a map.
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    pub name: String,
    pub tensors: HashMap<String, HostTensor>,
}

impl MemorySource {
    /// An empty source called `name` in errors.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            tensors: HashMap::new(),
        }
    }

    /// Adds (or replaces) a tensor.
    pub fn insert(&mut self, name: impl Into<String>, shape: Vec<usize>, data: Vec<f32>) {
        self.tensors.insert(name.into(), HostTensor { shape, data });
    }
}

impl TensorSource for MemorySource {
    fn source_name(&self) -> String {
        self.name.clone()
    }

    fn tensor(&self, name: &str) -> Result<Option<HostTensor>, ModelError> {
        Ok(self.tensors.get(name).cloned())
    }
}
