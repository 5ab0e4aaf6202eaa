//! Judge rubrics (paper Tables 5 and 6): the `rubric` declaration's fields and the
//! [`RubricSpec`] judges receive.

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f};
use crate::spec::level::Level;

/// A judge rubric: Likert criteria and the rescale of their mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RubricSpec {
    pub level: Level,
    pub criteria: Vec<Criterion>,
    /// Likert bounds, `[1, 5]` in the paper.
    pub scale: [f64; 2],
    /// Reported range, `[0, 100]` in the paper.
    pub rescale: [f64; 2],
}

/// One criterion: its name and what the judge is asked to assess.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    pub name: String,
    pub description: String,
}

pub const RUBRIC: &[FieldSpec] = &[
    f("level", Ty::Sym(Level::NAMES), Required),
    f("criteria", Ty::StrMap, Required),
    f("scale", Ty::Range, Range(1.0, 5.0)),
    f("rescale", Ty::Range, Range(0.0, 100.0)),
];
