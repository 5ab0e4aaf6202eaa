//! GRPO settings shared by both training phases (equation 5): the parameters and their
//! lowering from the fields `align_personas` and `optimize_director` share.

use serde::{Deserialize, Serialize};

use crate::spec::value::{Fields, LowerError};

/// GRPO settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrpoParams {
    /// Group size G.
    pub group: usize,
    /// Clip epsilon.
    pub clip: f64,
    /// KL coefficient beta.
    pub beta: f64,
    pub epochs: usize,
    pub batch: usize,
    pub lr: f64,
    pub max_tokens: usize,
    pub temperature: f32,
}

/// The GRPO fields of a stage.
pub fn lower(f: &Fields) -> Result<GrpoParams, LowerError> {
    Ok(GrpoParams {
        group: f.req("group")?,
        clip: f.req("clip")?,
        beta: f.req("beta")?,
        epochs: f.req("epochs")?,
        batch: f.req("batch")?,
        lr: f.req("lr")?,
        max_tokens: f.req("max_tokens")?,
        temperature: f.req("temperature")?,
    })
}
