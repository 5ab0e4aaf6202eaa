//! `evaluate`: rubric scores (0-100) of one conversation set, one node per
//! `generate_conversations` node.

use serde::{Deserialize, Serialize};

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f};
use crate::spec::judge::JudgeSpec;
use crate::spec::rubric::RubricSpec;
use crate::spec::stages::common::{judge_weights, model_device, only_needs};
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::value::{Fields, LowerError, Ref};
use crate::spec::wiring::{Graph, NewNode, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: |p| model_device::<EvaluateParams>(p, |p| p.judge.local_model()),
};

pub const FIELDS: &[FieldSpec] = &[
    f("judge", Ty::Ref(DeclKind::Judge), Required),
    f("rubrics", Ty::RefList(DeclKind::Rubric), Required),
];

/// The judge and its rubrics. Input: one `generate_conversations` stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluateParams {
    pub judge: JudgeSpec,
    pub rubrics: Vec<RubricSpec>,
}

fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let judge = p.decls.judge(&f.req::<Ref>("judge")?)?.clone();
    let rubrics = f
        .req::<Vec<Ref>>("rubrics")?
        .iter()
        .map(|r| p.decls.rubric(r).cloned())
        .collect::<Result<Vec<_>, _>>()?;
    let external = judge_weights(&judge);
    let params = EvaluateParams { judge, rubrics };
    for conversations in g.nodes(StageKind::GenerateConversations) {
        let mut node = NewNode::new(StageKind::Evaluate, &params)?
            .inputs([conversations.node])
            .external(external.clone());
        node.label = conversations.label;
        g.add(node);
    }
    Ok(())
}

fn problems(_f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    Ok(only_needs(
        StageKind::Evaluate,
        p,
        StageKind::GenerateConversations,
        "evaluation scores generated conversations",
    ))
}
