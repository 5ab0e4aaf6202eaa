//! `toy` (test builds only): counts the records of every dataset subset the stage reads and
//! writes `counts.json`. It exists to prove that a stage kind is this one file, one
//! implementation file (`src/stages/toy.rs`) and one line in each registry.

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, f, int};
use crate::spec::stages::common::{DATA, light, only_needs, subsets};
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::value::{Fields, LowerError};
use crate::spec::wiring::{Graph, NewNode, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: light,
};

pub const FIELDS: &[FieldSpec] = &[DATA, f("factor", int(1), Int(1))];

/// `{"label": count * factor, ...}`.
pub const COUNTS: &str = "counts.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToyParams {
    pub factor: usize,
}

fn plan(f: &Fields, _p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let params = ToyParams {
        factor: f.req("factor")?,
    };
    let inputs = subsets(f, g)?.into_iter().map(|s| s.node);
    g.add(NewNode::new(StageKind::Toy, &params)?.inputs(inputs));
    Ok(())
}

fn problems(_f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    Ok(only_needs(
        StageKind::Toy,
        p,
        StageKind::LoadDataset,
        "it counts records",
    ))
}
