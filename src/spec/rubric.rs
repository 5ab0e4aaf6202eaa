//! Judge rubrics (paper Tables 5 and 6): the `rubric` declaration's fields, the level a rubric
//! or a reward scores at, and the [`RubricSpec`] judges receive.

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f};
use crate::spec::value::{Fields, LowerError, StrMap, symbols};

symbols! {
    /// Agent-level (Table 5: one response) or group-level (Table 6: a whole conversation).
    pub enum Level {
        Agent = "agent",
        Group = "group",
    }
}

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

/// A `rubric` declaration's checked fields -> the rubric.
pub fn lower(f: &Fields) -> Result<RubricSpec, LowerError> {
    Ok(RubricSpec {
        level: f.req("level")?,
        criteria: f
            .req::<StrMap>("criteria")?
            .0
            .into_iter()
            .map(|(name, description)| Criterion { name, description })
            .collect(),
        scale: f.req("scale")?,
        rescale: f.req("rescale")?,
    })
}
