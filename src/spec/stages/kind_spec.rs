//! The shape of a stage kind's description: [`KindSpec`], which each kind file defines as
//! its `SPEC`.

use crate::spec::field::FieldSpec;
use crate::spec::value::{Fields, LowerError};
use crate::spec::wiring::{Graph, PipelineView, Problem};

/// Everything the language, the planner and the executor need to know about a stage kind.
pub struct KindSpec {
    /// The fields the stage block accepts.
    pub fields: &'static [FieldSpec],
    /// How its nodes are made.
    pub plan: Planner,
    /// What the pipeline must also hold for this stage to run (other stages, settings).
    pub problems: fn(&Fields, &PipelineView) -> Result<Vec<Problem>, LowerError>,
    /// The device a node occupies while it runs, from its parameters (`None`: a light stage
    /// that needs no device token).
    pub device: fn(&serde_json::Value) -> Option<String>,
}

/// How a kind's nodes are made.
pub enum Planner {
    /// Nodes of one variant, wired to the nodes earlier stages of that variant made.
    PerVariant(fn(&Fields, &PipelineView, &mut dyn Graph) -> Result<(), LowerError>),
    /// One node for the whole plan that reads the final nodes of every variant listing the
    /// stage; the function gives its parameters.
    Summary(fn(&SummaryInput) -> Result<serde_json::Value, LowerError>),
}

/// What a summary stage is lowered from.
pub struct SummaryInput<'a> {
    /// The stage's fields in each variant that lists it, in variant order.
    pub fields: &'a [&'a Fields],
    /// The experiment's title.
    pub experiment: &'a str,
    /// The variants that list the stage, in order.
    pub variants: &'a [String],
}
