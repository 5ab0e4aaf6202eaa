//! `build_preferences`: preference pairs whose judge-score margin reaches delta, one node per
//! `judge_candidates` node.

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, f, nonneg};
use crate::spec::stages::common::{light, only_needs};
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

pub const FIELDS: &[FieldSpec] = &[f("delta", nonneg(), Float(0.5))];

/// Pairs with score margin >= delta. Input: one `judge_candidates` stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildPreferencesParams {
    pub delta: f64,
}

fn plan(f: &Fields, _p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let params = BuildPreferencesParams {
        delta: f.req("delta")?,
    };
    for judged in g.nodes(StageKind::JudgeCandidates) {
        let mut node = NewNode::new(StageKind::BuildPreferences, &params)?.inputs([judged.node]);
        node.label = judged.label;
        g.add(node);
    }
    Ok(())
}

fn problems(_f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    Ok(only_needs(
        StageKind::BuildPreferences,
        p,
        StageKind::JudgeCandidates,
        "pairs are built from judge scores",
    ))
}
