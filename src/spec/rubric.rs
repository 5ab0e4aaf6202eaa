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

/// The criteria the offline heuristic judge has a proxy for, by canonical name
/// ([`criterion_key`]), with the level each proxy measures: the names of
/// `personas/rubrics.mascot` (paper Tables 5 and 6). `crate::judge::heuristic` holds the
/// proxies themselves; a test there keeps the two lists equal.
pub const HEURISTIC_CRITERIA: &[(&str, Level)] = &[
    ("emotional_expressiveness", Level::Agent),
    ("empathetic_support_quality", Level::Agent),
    ("consistency", Level::Agent),
    ("response_relevance", Level::Agent),
    ("social_contribution", Level::Agent),
    ("engagement_and_contribution", Level::Group),
    ("originality_and_specificity", Level::Group),
    ("fidelity", Level::Group),
    ("relevance_and_coherence", Level::Group),
];

/// A criterion name in canonical form: lowercase, `&` read as `and`, runs of other
/// characters as one `_` (`Engagement & Contribution` -> `engagement_and_contribution`).
pub fn criterion_key(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().to_lowercase().replace('&', " and ").chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

/// What the heuristic judge cannot score in `rubric`: its criteria without a proxy of the
/// rubric's level (in rubric order), and whether the scale is not the 1..5 its thresholds
/// are defined on. Empty when the heuristic judge can score the whole rubric.
pub fn heuristic_gaps(rubric: &RubricSpec) -> (Vec<String>, bool) {
    let missing = rubric
        .criteria
        .iter()
        .filter(|c| {
            let key = criterion_key(&c.name);
            !HEURISTIC_CRITERIA
                .iter()
                .any(|(n, l)| *n == key && *l == rubric.level)
        })
        .map(|c| c.name.clone())
        .collect();
    (missing, rubric.scale != [1.0, 5.0])
}

/// The heuristic criteria of a level, comma-separated (for help lines).
pub fn heuristic_names(level: Level) -> String {
    HEURISTIC_CRITERIA
        .iter()
        .filter(|(_, l)| *l == level)
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}
