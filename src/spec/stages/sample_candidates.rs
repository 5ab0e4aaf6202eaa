//! `sample_candidates` (equation 1): K responses `y_k ~ pi(. | x, rho_i)` per (context,
//! persona), one node per subset of its data. An explicit `model` is a fixed sampler (the
//! paper's teacher role): its candidates do not depend on the speaker or its SFT, so every
//! variant shares them. So does a `teacher` (a judge declaration: an OpenAI-compatible or
//! local model, B.2's GPT-4o teacher), whose K samples per (context, persona) are drawn at
//! the stage's `temperature` and cached like judge calls. Its artifact holds `candidates.jsonl` (one [`Candidate`] per line) and
//! `personas.json` (the system prompts used).

use serde::{Deserialize, Serialize};

use crate::spec::decl_kind::DeclKind;
use crate::spec::decoding::Decoding;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int, nonneg, unit_open};
use crate::spec::model::ModelSpec;
use crate::spec::persona::Persona;
use crate::spec::judge::JudgeSpec;
use crate::spec::stages::common::{
    DATA, first, judge_weights, model_device, prompting_stage_problems, speaker, subsets,
    weights,
};
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::value::{Fields, LowerError, Ref};
use crate::spec::wiring::{Graph, NewNode, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: |p| model_device::<SampleCandidatesParams>(p, |p| p.model.as_ref()),
};

pub const FIELDS: &[FieldSpec] = &[
    DATA,
    f("model", Ty::Ref(DeclKind::Model), Optional),
    f("teacher", Ty::Ref(DeclKind::Judge), Optional),
    f("k", int(2), Int(8)),
    f("temperature", nonneg(), Float(1.0)),
    f("top_p", unit_open(), Float(0.95)),
    f("top_k", int(1), Optional),
    f("max_tokens", int(1), Int(512)),
    f("limit", int(1), Optional),
];

/// One line per sampled response.
pub const CANDIDATES: &str = "candidates.jsonl";
/// The system prompt of each persona: `[{"persona", "system_prompt"}]`.
pub const PERSONAS: &str = "personas.json";

/// One line of `candidates.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub context_id: String,
    pub persona: String,
    /// 0-based index among the K samples of this (context, persona).
    pub k: usize,
    pub context: String,
    pub response: String,
    pub prompt_tokens: usize,
    pub output_tokens: usize,
}

/// One entry of `personas.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonaPrompt {
    pub persona: String,
    pub system_prompt: String,
}

/// K responses per (context, persona) from one model. Input: one `load_dataset` stage (and
/// the `train_sft` policy when the speaker samples).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleCandidatesParams {
    /// The sampling model; absent when a `teacher` samples (not written then, so a teacher's
    /// candidates do not depend on the speaker, and variants or sweeps over the speaker share
    /// them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelSpec>,
    pub personas: Vec<Persona>,
    /// K, at least 2.
    pub k: usize,
    #[serde(flatten)]
    pub decoding: Decoding,
    pub seed: u64,
    /// Use only the first N contexts of the input dataset; all when absent.
    pub limit: Option<usize>,
    /// Samples from this teacher (at `decoding.temperature`, `decoding.max_tokens`) instead
    /// of `model`; absent (not written, so existing plans keep their keys): from `model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teacher: Option<JudgeSpec>,
}

fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let fixed = match f.opt::<Ref>("model")? {
        Some(r) => Some(p.decls.model(&r)?.clone()),
        None => None,
    };
    let teacher = match f.opt::<Ref>("teacher")? {
        Some(r) => Some(p.decls.judge(&r)?.clone()),
        None => None,
    };
    let from_sft = if fixed.is_some() || teacher.is_some() {
        None
    } else {
        first(g, StageKind::TrainSft)
    };
    let model = match (&teacher, fixed) {
        (Some(_), _) => None,
        (None, Some(m)) => Some(m),
        (None, None) => Some(speaker(p)?),
    };
    let external = match (&teacher, &model) {
        (Some(t), _) => judge_weights(t),
        (None, Some(m)) => weights(&[m]),
        (None, None) => Vec::new(),
    };
    let params = SampleCandidatesParams {
        model,
        personas: p.personas()?,
        k: f.req("k")?,
        decoding: Decoding {
            max_tokens: f.req("max_tokens")?,
            temperature: f.req("temperature")?,
            top_k: f.opt("top_k")?,
            top_p: f.req("top_p")?,
        },
        seed: p.seed,
        limit: f.opt("limit")?,
        teacher,
    };
    for subset in subsets(f, g)? {
        let mut node = NewNode::new(StageKind::SampleCandidates, &params)?
            .inputs([subset.node])
            .inputs(from_sft)
            .external(external.clone());
        node.label = subset.label;
        g.add(node);
    }
    Ok(())
}

fn problems(f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    let stage = StageKind::SampleCandidates;
    let own_model = f.contains("model") || f.contains("teacher");
    let mut out = prompting_stage_problems(stage, f, p, own_model)?;
    if f.contains("model") && f.contains("teacher") {
        out.push(Problem {
            stage,
            message: "stage `sample_candidates` names both a `model` and a `teacher`".into(),
            help: "sample from one: `teacher: <judge>` (B.2's GPT-4o teacher) or `model: <model>`"
                .into(),
        });
    }
    Ok(out)
}
