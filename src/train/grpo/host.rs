//! Reading small tensors (log-probabilities, masks, losses) back to the host as numbers.

use burn::tensor::Tensor;

use super::error::GrpoError;
use crate::model::ModelError;

/// The values of `t`, row-major.
pub fn to_host<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, GrpoError> {
    t.into_data()
        .convert::<f32>()
        .try_to_vec_as::<f32>()
        .map_err(|e| {
            GrpoError::Model(ModelError::Unsupported {
                what: "reading a tensor back from the device".into(),
                reason: format!("{e:?}"),
            })
        })
}
