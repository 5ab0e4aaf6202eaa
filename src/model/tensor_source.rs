//! Where weights come from: anything that maps a Hugging Face tensor name
//! (`model.layers.0.self_attn.q_proj.weight`) to an f32 tensor and its shape. Safetensors
//! folders and GGUF files both implement it, so one loader builds the decoder from either.

use mascot_kernels::Matrix;

use super::error::ModelError;

/// An f32 tensor in row-major order with its (PyTorch) shape.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// A named collection of weights.
pub trait TensorSource {
    /// Human-readable name used in errors (usually the file path).
    fn source_name(&self) -> String;

    /// The tensor called `name`, or `Ok(None)` when the source does not have it.
    fn tensor(&self, name: &str) -> Result<Option<HostTensor>, ModelError>;

    /// The 2-D tensor called `name` as stored, when the source stores it in a block format
    /// the CPU decode kernels read directly (GGUF Q4_0, Q4_1, Q8_0), rows in Hugging Face's
    /// order; `Ok(None)` otherwise (the caller then uses the f32 values).
    fn block_matrix(&self, _name: &str) -> Result<Option<Matrix>, ModelError> {
        Ok(None)
    }

    /// The tensor called `name` with exactly `shape`, or a clear error.
    fn require(&self, name: &str, shape: &[usize]) -> Result<HostTensor, ModelError> {
        let tensor = self
            .tensor(name)?
            .ok_or_else(|| ModelError::MissingTensor {
                source_name: self.source_name(),
                tensor: name.to_string(),
            })?;
        if tensor.shape != shape {
            return Err(ModelError::ShapeMismatch {
                source_name: self.source_name(),
                tensor: name.to_string(),
                expected: shape.to_vec(),
                found: tensor.shape,
            });
        }
        Ok(tensor)
    }
}
