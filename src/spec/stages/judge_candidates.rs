//! `judge_candidates` (equation 2): per-criterion Likert scores of every candidate, one node
//! per `sample_candidates` node. Its artifact holds `scores.jsonl` (one [`ScoreRow`] per
//! candidate, in candidate order: the candidate with its scores, or the failure and its
//! reason) and a copy of the sampler's `personas.json` (the system prompts the candidates
//! answered), so that `build_preferences` reads this artifact alone.

use serde::{Deserialize, Serialize};

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f};
use crate::spec::persona::Persona;
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
    f(
        "max_failures",
        Ty::Float {
            min: 0.0,
            open_min: false,
            max: Some(1.0),
            open_max: false,
        },
        Float(DEFAULT_MAX_FAILURES),
    ),
];

/// Share of items that may fail to be judged before the stage fails (5%, rounded down).
pub const DEFAULT_MAX_FAILURES: f64 = 0.05;

/// One line per candidate.
pub const SCORES: &str = "scores.jsonl";

/// One line of `scores.jsonl`: the candidate (as `sample_candidates` wrote it) and what the
/// judge made of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRow {
    pub context_id: String,
    pub persona: String,
    pub k: usize,
    pub context: String,
    pub response: String,
    /// `scored` or `failed`.
    pub status: String,
    /// One integer per criterion (criterion name -> score) when scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores: Option<std::collections::BTreeMap<String, i64>>,
    /// The mean of the criteria scores (s(y) of equation 2) when scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// `parse`, `transient` or `rejected` when failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The judge, the rubric it scores with, the personas it judges against and the failure
/// policy. Input: one `sample_candidates` stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeCandidatesParams {
    pub judge: JudgeSpec,
    pub rubric: RubricSpec,
    /// The pipeline's personas (their descriptions, traits and style are what the judge
    /// checks consistency against).
    pub personas: Vec<Persona>,
    /// Share of candidates allowed to fail (default 0.05).
    pub max_failures: f64,
}

fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let judge = p.decls.judge(&f.req::<Ref>("judge")?)?.clone();
    let rubric = p.decls.rubric(&f.req::<Ref>("rubric")?)?.clone();
    let external = judge_weights(&judge);
    let params = JudgeCandidatesParams {
        judge,
        rubric,
        personas: p.personas()?,
        max_failures: f.req("max_failures")?,
    };
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
