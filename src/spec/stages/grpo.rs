//! GRPO settings shared by both training phases (equation 5): the fields `align_personas`
//! and `optimize_director` share, their parameters and their lowering.

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, f, int, nonneg, positive};
use crate::spec::value::{Fields, LowerError};

/// The GRPO fields (paper defaults), with the token budget of the phase's samples.
pub const fn fields(max_tokens: i64) -> [FieldSpec; 8] {
    [
        f("group", int(2), Int(8)),
        f("clip", positive(), Float(0.2)),
        f("beta", nonneg(), Float(0.04)),
        f("epochs", int(1), Int(1)),
        f("batch", int(1), Int(16)),
        f("lr", positive(), Float(1e-5)),
        f("max_tokens", int(1), Int(max_tokens)),
        f("temperature", nonneg(), Float(1.0)),
    ]
}

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
