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

pub const FIELDS: &[FieldSpec] = &join::<11, 9, 20>(
    join::<3, 8, 11>(
        [
            DATA,
            f("reward", Ty::Reward(Level::Agent), Required),
            f("per_persona", Ty::Bool, Optional),
        ],
        grpo::fields(512),
    ),
    grpo::OPTIONS,
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
    /// One adapter per persona instead of one shared adapter; default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_persona: Option<bool>,
}

/// The aligned adapter in PEFT's format (`adapter_config.json`,
/// `adapter_model.safetensors`); with `per_persona`, `personas/<slug>/adapter/` instead.
pub const ADAPTER: &str = "adapter";
/// With `per_persona`: one folder per persona (`<slug>/adapter/`, `<slug>/metrics.jsonl`).
pub const PERSONAS_DIR: &str = "personas";
/// Per-step GRPO metrics (TRL's names), one JSON object per line.
pub const METRICS: &str = "metrics.jsonl";
/// [`AlignSummary`]: the run's settings, steps, starting policy and per-persona adapters.
pub const SUMMARY: &str = "align_summary.json";

/// What `align_summary.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlignSummary {
    /// Prompt rows (contexts x personas).
    pub prompts: usize,
    pub steps: usize,
    /// `sft` when training started from the `train_sft` adapter, else `base`.
    pub start: String,
    /// The reward terms and their weights, in the order they are logged.
    pub reward_terms: Vec<(String, f64)>,
    /// Persona name -> adapter folder (relative to the artifact).
    pub adapters: Vec<(String, String)>,
    /// The last step's metrics.
    pub final_metrics: serde_json::Value,
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
        per_persona: f.opt("per_persona")?,
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
    out.extend(grpo::problems(stage, f)?);
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
