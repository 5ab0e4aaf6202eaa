//! `train_reward_model` (equation 3): a Bradley-Terry scalar head on a base model, trained on
//! every preference set of the variant.

use serde::{Deserialize, Serialize};

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int, positive};
use crate::spec::model::ModelSpec;
use crate::spec::stages::common::{model_device, only_needs, weights};
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::value::{Fields, LowerError, Ref};
use crate::spec::wiring::{Graph, NewNode, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: |p| model_device::<TrainRewardModelParams>(p, |p| Some(&p.base)),
};

pub const FIELDS: &[FieldSpec] = &[
    f("base", Ty::Ref(DeclKind::Model), Required),
    f("epochs", int(1), Int(3)),
    f("batch", int(1), Int(32)),
    f("lr", positive(), Float(1e-5)),
];

/// Bradley-Terry head on a base model. Inputs: every `build_preferences` stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRewardModelParams {
    pub base: ModelSpec,
    pub epochs: usize,
    pub batch: usize,
    pub lr: f64,
    pub seed: u64,
}

fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let base = p.decls.model(&f.req::<Ref>("base")?)?.clone();
    let external = weights(&[&base]);
    let params = TrainRewardModelParams {
        base,
        epochs: f.req("epochs")?,
        batch: f.req("batch")?,
        lr: f.req("lr")?,
        seed: p.seed,
    };
    let prefs = g.nodes(StageKind::BuildPreferences).into_iter().map(|n| n.node);
    g.add(
        NewNode::new(StageKind::TrainRewardModel, &params)?
            .inputs(prefs)
            .external(external),
    );
    Ok(())
}

fn problems(_f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    Ok(only_needs(
        StageKind::TrainRewardModel,
        p,
        StageKind::BuildPreferences,
        "the reward model trains on preference pairs",
    ))
}
