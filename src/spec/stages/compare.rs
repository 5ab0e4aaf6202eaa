//! `compare`: one node for the whole plan that compares the variants listing `report`. The
//! planner adds it when at least two variants do (it is never written in a pipeline); it reads
//! every such variant's results (what the variant's report reads), and its artifact holds
//! `comparison.md`: one row per variant (seed replicates aggregated as mean +- std) and one
//! column per number the variants' results report in their summaries.

use serde::{Deserialize, Serialize};

use crate::spec::stages::common::light;
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner, SummaryInput};
use crate::spec::value::{Fields, LowerError};
use crate::spec::wiring::{PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: &[],
    plan: Planner::Summary {
        over: StageKind::Report,
        lower,
    },
    problems,
    device: light,
};

/// The comparison table.
pub const COMPARISON: &str = "comparison.md";

/// The variants compared and which inputs are whose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareParams {
    pub title: String,
    pub variants: Vec<ComparedVariant>,
}

/// One compared variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparedVariant {
    pub name: String,
    /// Variants with the same group are seed replicates of one configuration.
    pub group: String,
    pub seed: u64,
    /// Positions of the variant's results among the node's inputs.
    pub inputs: Vec<usize>,
}

fn lower(input: &SummaryInput) -> Result<serde_json::Value, LowerError> {
    let params = CompareParams {
        title: input.experiment.to_string(),
        variants: input
            .variants
            .iter()
            .map(|v| ComparedVariant {
                name: v.name.clone(),
                group: v.group.clone(),
                seed: v.seed,
                inputs: v.inputs.clone(),
            })
            .collect(),
    };
    serde_json::to_value(&params).map_err(|e| LowerError::Other(e.to_string()))
}

fn problems(_f: &Fields, _p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    Ok(vec![Problem {
        stage: StageKind::Compare,
        message: "`compare` is added by the planner, not listed in a pipeline".into(),
        help: "remove it: a pipeline with `report` gets one comparison of its variants".into(),
    }])
}
