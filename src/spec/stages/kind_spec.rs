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
    /// One node for the whole plan, made when at least two variants list the kind `over`:
    /// it reads what each such variant's `over` nodes read (the variant's results), so it
    /// compares variants. It is never listed in a pipeline; `lower` gives its parameters.
    Summary {
        over: crate::spec::stages::kind::StageKind,
        lower: fn(&SummaryInput) -> Result<serde_json::Value, LowerError>,
    },
}

/// What a summary stage is lowered from.
pub struct SummaryInput<'a> {
    /// The experiment's title.
    pub experiment: &'a str,
    /// The variants it compares, in declaration order.
    pub variants: &'a [SummaryVariant],
}

/// One variant a summary stage compares.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryVariant {
    pub name: String,
    /// The variant it replicates with another seed (its own name when it is no seed
    /// replicate): variants of one group are aggregated as mean +- std across seeds.
    pub group: String,
    /// The experiment seed of the variant.
    pub seed: u64,
    /// The positions, among the summary node's inputs, of this variant's results.
    pub inputs: Vec<usize>,
}
