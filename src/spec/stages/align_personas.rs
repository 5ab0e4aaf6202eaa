//! `align_personas` (phase 1, equations 4 and 5): GRPO with LoRA on the speaker, rewarded by
//! the persona reward. Inputs: `train_sft` (when present), `train_reward_model` (when the
//! reward uses `rm`), every subset of its data.

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f, join};
use crate::spec::model::ModelSpec;
use crate::spec::persona::Persona;
use crate::spec::reward::RewardSpec;
use crate::spec::level::Level;
use crate::spec::stages::common::{
    DATA, first, model_device, prompting_stage_problems, speaker, subsets, weights,
};
use crate::spec::stages::grpo::{self, GrpoParams};
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::value::{Fields, LowerError, Ref, Val};
use crate::spec::wiring::{Graph, NewNode, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: |p| model_device::<AlignPersonasParams>(p, |p| Some(&p.model)),
};

pub const FIELDS: &[FieldSpec] = &join::<2, 8, 10>(
    [DATA, f("reward", Ty::Reward(Level::Agent), Required)],
    grpo::fields(512),
);

/// Phase 1 settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlignPersonasParams {
    /// The speaker base model, with its LoRA.
    pub model: ModelSpec,
    pub personas: Vec<Persona>,
    pub reward: RewardSpec,
    pub grpo: GrpoParams,
    pub seed: u64,
}

fn reward(f: &Fields, p: &PipelineView) -> Result<RewardSpec, LowerError> {
    let v: &Val = f.get("reward").ok_or_else(|| LowerError::Missing {
        field: "reward".into(),
    })?;
    p.decls.reward(v).cloned()
}

fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let model = speaker(p)?;
    let reward = reward(f, p)?;
    let uses_rm = reward.reward_model().is_some();
    let external = weights(&[&model]);
    let params = AlignPersonasParams {
        model,
        personas: p.personas()?,
        reward,
        grpo: grpo::lower(f)?,
        seed: p.seed,
    };
    let mut inputs: Vec<_> = first(g, StageKind::TrainSft).into_iter().collect();
    if uses_rm {
        inputs.extend(first(g, StageKind::TrainRewardModel));
    }
    inputs.extend(subsets(f, g)?.into_iter().map(|s| s.node));
    g.add(
        NewNode::new(StageKind::AlignPersonas, &params)?
            .inputs(inputs)
            .external(external),
    );
    Ok(())
}

fn problems(f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    let stage = StageKind::AlignPersonas;
    let mut out = prompting_stage_problems(stage, f, p, false)?;
    let reward = reward(f, p)?;
    if let Some(base) = reward.reward_model() {
        match p.fields(StageKind::TrainRewardModel) {
            None => out.push(Problem {
                stage,
                message: "the reward of `align_personas` uses rm(...), but the pipeline has no `train_reward_model` stage".into(),
                help: "add `train_reward_model { base: <model> }`, or drop the rm(...) term".into(),
            }),
            Some(t) => {
                if p.decls.model(&t.req::<Ref>("base")?)? != base {
                    out.push(Problem {
                        stage,
                        message: "rm(...) in the reward of `align_personas` names another model than `train_reward_model.base`".into(),
                        help: "use the reward model's base model in rm(...)".into(),
                    });
                }
            }
        }
    }
    Ok(out)
}
