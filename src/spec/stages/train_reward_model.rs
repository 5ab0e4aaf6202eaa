//! `train_reward_model` (equation 3): a Bradley-Terry scalar head on a base model, trained on
//! every preference set of the variant. The artifact directory IS the exported Hugging Face
//! folder (`config.json` with the `*ForSequenceClassification` architecture,
//! `model.safetensors` with `score.weight`, the tokenizer files), plus `metrics.jsonl`,
//! `reward_summary.json` and, with LoRA, `adapter/`: `AutoModelForSequenceClassification`
//! and `mascot reward --model` load it as it is, and `rm(NAME)` in a reward expression
//! resolves to it (the planner makes this node an input of `align_personas`).

use serde::{Deserialize, Serialize};

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int, positive};
use crate::spec::lower::lora;
use crate::spec::model::{LORA, LoraSpec, ModelSpec};
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
    f("lr", positive(), Float(1e-4)),
    f("max_length", int(2), Int(1024)),
    f("holdout", Ty::Bool, Bool(true)),
    f("lora", Ty::Object(LORA), Optional),
];

/// Bradley-Terry head on a base model. Inputs: every `build_preferences` stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRewardModelParams {
    /// The base decoder (its own `lora`, if declared, is not used: see [`Self::lora`]).
    pub base: ModelSpec,
    /// Default 3 (the paper).
    pub epochs: usize,
    /// Pairs per optimizer step (the paper's 32); run as micro-batches of at most 8.
    pub batch: usize,
    /// Default 1e-4 (TRL's `RewardConfig`; the paper gives none).
    pub lr: f64,
    /// Pairs with a side longer than this many tokens are counted and dropped. Default 1024.
    pub max_length: usize,
    /// `true` (default): the held-out pairs of the preference sets only measure the model;
    /// `false`: they are trained on too (no held-out accuracy).
    pub holdout: bool,
    /// LoRA adapters on the frozen base (the head is always trained); absent: full
    /// fine-tuning.
    pub lora: Option<LoraSpec>,
    pub seed: u64,
}

/// Where the exported reward model is inside the artifact directory: the directory itself.
pub const MODEL_DIR: &str = ".";

fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let base = p.decls.model(&f.req::<Ref>("base")?)?.clone();
    let external = weights(&[&base]);
    let params = TrainRewardModelParams {
        base,
        epochs: f.req("epochs")?,
        batch: f.req("batch")?,
        lr: f.req("lr")?,
        max_length: f.req("max_length")?,
        holdout: f.req("holdout")?,
        lora: match f.opt::<Fields>("lora")? {
            Some(l) => Some(lora(&l).map_err(|e| e.within("lora"))?),
            None => None,
        },
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
