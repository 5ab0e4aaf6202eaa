//! `train_sft`: supervised fine-tuning of the base policy on teacher trajectories (the `sft`
//! baseline and the starting point of persona alignment). Inputs: every subset of its data
//! (and `simulated_users` with `users:`).
//! Demonstrations (`demonstrations:`): `replies` (default): for every (context, persona), the
//! teacher's answer to the persona's system prompt and the context, or, without a teacher,
//! the dataset's own reply (the Empathetic Dialogues listener's turn). `trajectories`: the
//! teacher plays whole group conversations of `generate_conversations`' episode shape (the
//! director's choice, the persona's turn, with `users:` the simulated user's reply), `turns`
//! turns each, and every persona that spoke gets one multi-turn demonstration: its turns are
//! the assistant turns (the only tokens the loss sees, TRL's `assistant_only_loss`), the rest
//! of the conversation the user turns between them. The artifact holds the LoRA adapter in PEFT's format
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
    DATA, first, model_device, prompting_stage_problems, speaker, subsets, weights,
};
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::value::{Fields, LowerError, Ref, Symbol};
use crate::spec::wiring::{Graph, NewNode, NodeRef, PipelineView, Problem};

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
    f("demonstrations", Ty::Sym(DEMONSTRATION_KINDS), Optional),
    f("turns", int(1), Optional),
    f("users", Ty::Ref(DeclKind::Users), Optional),
    f("max_tokens", int(1), Optional),
];

/// `demonstrations:` choices: single replies (default) or teacher-played conversations.
pub const DEMONSTRATION_KINDS: &[&str] = &["replies", "trajectories"];
/// Turns of a teacher trajectory when `turns` is left out (`generate_conversations`' default).
pub const DEFAULT_TRAJECTORY_TURNS: usize = 4;

/// Where the SFT adapter (PEFT's format: `adapter_config.json`, `adapter_model.safetensors`)
/// is inside the artifact: the directory itself. It is the starting policy of
/// `sample_candidates`, `align_personas` and `optimize_director`.
pub const ADAPTER: &str = ".";
/// The demonstrations trained on, in TRL's prompt-completion format.
pub const DEMOS: &str = "demonstrations.jsonl";
/// With `demonstrations: trajectories`: the conversations the teacher played (dialogue
/// `ConversationRow`s).
pub const TRAJECTORIES: &str = "trajectories.jsonl";

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
    /// `replies` (default, not written so existing plans keep their keys) or `trajectories`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demonstrations: Option<String>,
    /// Turns of a trajectory; default [`DEFAULT_TRAJECTORY_TURNS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turns: Option<usize>,
    /// Most tokens of one teacher call; default 512.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<usize>,
}

impl TrainSftParams {
    /// Whether the teacher plays whole conversations.
    pub fn trajectories(&self) -> bool {
        self.demonstrations.as_deref() == Some("trajectories")
    }
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
        demonstrations: f.opt::<Symbol>("demonstrations")?.map(|s| s.0),
        turns: f.opt("turns")?,
        max_tokens: f.opt("max_tokens")?,
    };
    let mut inputs: Vec<NodeRef> = subsets(f, g)?.into_iter().map(|s| s.node).collect();
    if f.contains("users") {
        inputs.extend(first(g, StageKind::SimulatedUsers));
    }
    g.add(
        NewNode::new(StageKind::TrainSft, &params)?
            .inputs(inputs)
            .external(external),
    );
    Ok(())
}

fn problems(f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    let stage = StageKind::TrainSft;
    let mut out = prompting_stage_problems(stage, f, p, false)?;
    let trajectories = f
        .opt::<Symbol>("demonstrations")?
        .is_some_and(|s| s.0 == "trajectories");
    if trajectories && !f.contains("teacher") {
        out.push(Problem {
            stage,
            message: "`demonstrations: trajectories` needs a `teacher` to play the conversations"
                .into(),
            help: "add `teacher: <judge>` (an openai(...) or local(...) backend)".into(),
        });
    }
    for field in ["turns", "users"] {
        if f.contains(field) && !trajectories {
            out.push(Problem {
                stage,
                message: format!("`{field}` is a setting of `demonstrations: trajectories`"),
                help: "add `demonstrations: trajectories`, or drop the field".into(),
            });
        }
    }
    if f.contains("users") && !p.has(StageKind::SimulatedUsers) {
        out.push(Problem {
            stage,
            message: "`train_sft` plays trajectories with simulated users, but the pipeline has \
                      no `simulated_users` stage"
                .into(),
            help: "add `simulated_users { users: <users> }`".into(),
        });
    }
    Ok(out)
}
