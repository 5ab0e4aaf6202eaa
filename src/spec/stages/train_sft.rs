//! `train_sft`: supervised fine-tuning of the base policy on teacher trajectories (the `sft`
//! baseline and the starting point of persona alignment). Inputs: every subset of its data.

use serde::{Deserialize, Serialize};

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int, positive};
use crate::spec::judge::JudgeSpec;
use crate::spec::model::ModelSpec;
use crate::spec::persona::Persona;
use crate::spec::stages::common::{
    DATA, model_device, prompting_stage_problems, speaker, subsets, weights,
};
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::value::{Fields, LowerError, Ref};
use crate::spec::wiring::{Graph, NewNode, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: |p| model_device::<TrainSftParams>(p, |p| Some(&p.model)),
};

pub const FIELDS: &[FieldSpec] = &[
    DATA,
    f("teacher", Ty::Ref(DeclKind::Judge), Optional),
    f("epochs", int(1), Int(1)),
    f("batch", int(1), Int(16)),
    f("lr", positive(), Float(2e-5)),
];

/// Supervised fine-tuning settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSftParams {
    pub model: ModelSpec,
    pub personas: Vec<Persona>,
    pub teacher: Option<JudgeSpec>,
    pub epochs: usize,
    pub batch: usize,
    pub lr: f64,
    pub seed: u64,
}

fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let model = speaker(p)?;
    let teacher = match f.opt::<Ref>("teacher")? {
        Some(r) => Some(p.decls.judge(&r)?.clone()),
        None => None,
    };
    let external = weights(&[&model]);
    let params = TrainSftParams {
        model,
        personas: p.personas()?,
        teacher,
        epochs: f.req("epochs")?,
        batch: f.req("batch")?,
        lr: f.req("lr")?,
        seed: p.seed,
    };
    let inputs = subsets(f, g)?.into_iter().map(|s| s.node);
    g.add(
        NewNode::new(StageKind::TrainSft, &params)?
            .inputs(inputs)
            .external(external),
    );
    Ok(())
}

fn problems(f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    prompting_stage_problems(StageKind::TrainSft, f, p, false)
}
