//! `train_sft`: supervised fine-tuning of the base policy on teacher trajectories (the `sft`
//! baseline and the starting point of persona alignment). Inputs: every subset of its data.
//! Demonstrations: for every (context, persona), the teacher's answer to the persona's system
//! prompt and the context, or, without a teacher, the dataset's own reply (the Empathetic
//! Dialogues listener's turn). The artifact holds the LoRA adapter in PEFT's format
//! (`adapter_config.json`, `adapter_model.safetensors`: the default starting policy of
//! `sample_candidates` and `align_personas`), `metrics.jsonl`, `sft_summary.json` and the
//! demonstrations ([`DEMOS`]).

use serde::{Deserialize, Serialize};

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int, positive};
use crate::spec::judge::JudgeSpec;
use crate::spec::lower::lora;
use crate::spec::model::{LORA, LoraSpec, ModelSpec};
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
    f("grad_accum", int(1), Int(1)),
    f("max_length", int(2), Int(1024)),
    f("lora", Ty::Object(LORA), Optional),
];

/// Where the SFT adapter (PEFT's format: `adapter_config.json`, `adapter_model.safetensors`)
/// is inside the artifact: the directory itself. It is the starting policy of
/// `sample_candidates`, `align_personas` and `optimize_director`.
pub const ADAPTER: &str = ".";
/// The demonstrations trained on, in TRL's prompt-completion format.
pub const DEMOS: &str = "demonstrations.jsonl";

/// Supervised fine-tuning settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSftParams {
    /// The speaker's base model (its declared `lora` is the default adapter shape).
    pub model: ModelSpec,
    pub personas: Vec<Persona>,
    /// Generates the demonstrations; absent: the dataset's own replies.
    pub teacher: Option<JudgeSpec>,
    /// Default 1 (the paper).
    pub epochs: usize,
    /// Examples per forward pass. Default 16 (the paper's batch).
    pub batch: usize,
    /// Default 2e-5 (TRL's `SFTConfig`).
    pub lr: f64,
    /// Forward passes per optimizer step (a step sees `batch * grad_accum` examples).
    /// Default 1.
    pub grad_accum: usize,
    /// Sequences are cut to this many tokens (TRL). Default 1024.
    pub max_length: usize,
    /// The adapters trained; absent: the speaker's declared `lora`, else the paper's
    /// (r 16, alpha 32, dropout 0.1 on q/k/v/o).
    pub lora: Option<LoraSpec>,
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
        grad_accum: f.req("grad_accum")?,
        max_length: f.req("max_length")?,
        lora: match f.opt::<Fields>("lora")? {
            Some(l) => Some(lora(&l).map_err(|e| e.within("lora"))?),
            None => None,
        },
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
