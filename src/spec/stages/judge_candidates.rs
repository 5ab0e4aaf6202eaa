//! `judge_candidates` (equation 2): per-criterion Likert scores of every candidate, one node
//! per `sample_candidates` node.

use serde::{Deserialize, Serialize};

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f};
use crate::spec::judge::JudgeSpec;
use crate::spec::level::Level;
use crate::spec::rubric::RubricSpec;
use crate::spec::stages::common::{judge_weights, model_device, needs};
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::value::{Fields, LowerError, Ref};
use crate::spec::wiring::{Graph, NewNode, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: |p| model_device::<JudgeCandidatesParams>(p, |p| p.judge.local_model()),
};

pub const FIELDS: &[FieldSpec] = &[
    f("judge", Ty::Ref(DeclKind::Judge), Required),
    f("rubric", Ty::Ref(DeclKind::Rubric), Required),
];

/// The judge and the rubric it scores with. Input: one `sample_candidates` stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeCandidatesParams {
    pub judge: JudgeSpec,
    pub rubric: RubricSpec,
}

fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let judge = p.decls.judge(&f.req::<Ref>("judge")?)?.clone();
    let rubric = p.decls.rubric(&f.req::<Ref>("rubric")?)?.clone();
    let external = judge_weights(&judge);
    let params = JudgeCandidatesParams { judge, rubric };
    for sample in g.nodes(StageKind::SampleCandidates) {
        let mut node = NewNode::new(StageKind::JudgeCandidates, &params)?
            .inputs([sample.node])
            .external(external.clone());
        node.label = sample.label;
        g.add(node);
    }
    Ok(())
}

fn problems(f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    let stage = StageKind::JudgeCandidates;
    let mut out: Vec<Problem> = needs(
        p,
        stage,
        StageKind::SampleCandidates,
        "the judge scores sampled candidates",
    )
    .into_iter()
    .collect();
    if p.decls.rubric(&f.req::<Ref>("rubric")?)?.level != Level::Agent {
        out.push(Problem {
            stage,
            message: "`judge_candidates` scores single responses but its rubric is group-level"
                .into(),
            help: "use an agent-level rubric (Table 5) to judge candidates".into(),
        });
    }
    Ok(out)
}
