//! `optimize_director` (phase 2, equation 7): GRPO for the director on the group reward.
//! Inputs: the speaker policy (`align_personas`, else `train_sft`), every subset of its data,
//! and `simulated_users` when the pipeline has that stage: the rollouts are episodes of the
//! shape `generate_conversations` plays (directive, persona turn, user reply after every turn
//! but the last), one GRPO prompt per context, context `i` played with user `i mod |users|`.
//! The users are played by the
//! pipeline's `user:` model (recorded only when it is not the speaker's base model), else
//! the speaker's base model. Per-role budgets and temperatures: `speaker_max_tokens`,
//! `user_max_tokens`, `speaker_temperature`, `user_temperature` (the director's are the GRPO
//! `max_tokens` and `temperature`). `adapter: own` (default) trains a fresh director LoRA;
//! `adapter: shared` trains the speakers' adapter itself (the paper's parameter sharing):
//! the director starts from it, the speakers of the rollouts are the current policy, and
//! `generate_conversations` speaks with the trained adapter too.

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int, join, nonneg};
use crate::spec::model::{ModelSpec, Thinking};
use crate::spec::persona::Persona;
use crate::spec::reward::RewardSpec;
use crate::spec::level::Level;
use crate::spec::stages::common::{
    DATA, TRANSCRIPT_TOKENS, dedup, first, judge_weights, model_device, prompting_stage_problems,
    speaker, subsets, weights,
};
use crate::spec::stages::grpo::{self, GrpoParams};
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::value::{Fields, LowerError, Symbol};
use crate::spec::wiring::{Graph, NewNode, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: |p| model_device::<OptimizeDirectorParams>(p, |p| Some(&p.director)),
};

pub const FIELDS: &[FieldSpec] = &join::<20, 9, 29>(
    join::<12, 8, 20>(
        [
            DATA,
            f("reward", Ty::Reward(Level::Group), Required),
            f("turns", int(1), Int(4)),
            TRANSCRIPT_TOKENS,
            f("adapter", Ty::Sym(ADAPTERS), Optional),
            f("speaker_max_tokens", int(1), Optional),
            f("user_max_tokens", int(1), Optional),
            f("speaker_temperature", nonneg(), Optional),
            f("user_temperature", nonneg(), Optional),
            f("speaker_thinking", Ty::Sym(Thinking::NAMES), Optional),
            f("director_thinking", Ty::Sym(Thinking::NAMES), Optional),
            f("user_thinking", Ty::Sym(Thinking::NAMES), Optional),
        ],
        grpo::fields(128),
    ),
    grpo::OPTIONS,
);

/// `adapter:` choices: `own` (a fresh director LoRA) or `shared` (the speakers' adapter).
pub const ADAPTERS: &[&str] = &["own", "shared"];

/// Phase 2 settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizeDirectorParams {
    /// The director model; equal to the speaker when parameters are shared.
    pub director: ModelSpec,
    pub speaker: ModelSpec,
    pub share_params: bool,
    pub personas: Vec<Persona>,
    pub reward: RewardSpec,
    /// Turns N of an episode.
    pub turns: usize,
    /// The token budget of a QMSum transcript; `None` (the default, not written so that
    /// existing plans keep their keys) derives it from the speaker's context window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript_tokens: Option<usize>,
    /// The model playing the simulated users when it is not the speaker's base model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<ModelSpec>,
    /// `own` (default) or `shared` (one of [`ADAPTERS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adapter: Option<String>,
    /// Most new tokens of a speaker's reply; default 64 (`generate_conversations`').
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_max_tokens: Option<usize>,
    /// Most new tokens of a simulated user's reply; default 64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_max_tokens: Option<usize>,
    /// Speakers' sampling temperature; default 0.7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_temperature: Option<f32>,
    /// Users' sampling temperature; default 0.7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_temperature: Option<f32>,
    /// Each role's thinking switch in the rollouts (as in `generate_conversations`); `None`:
    /// the role's model's own `thinking`. Not written when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_thinking: Option<Thinking>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub director_thinking: Option<Thinking>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_thinking: Option<Thinking>,
    pub grpo: GrpoParams,
    pub seed: u64,
}

/// The trained director adapter in PEFT's format (`adapter_config.json`,
/// `adapter_model.safetensors`), for the director model.
pub const ADAPTER: &str = "adapter";
/// Per-step GRPO metrics (TRL's names; reward terms `coherence` and `diverse`).
pub const METRICS: &str = "metrics.jsonl";
/// The conversations of the last step (dialogue `ConversationRow`s), to read what the
/// director learnt.
pub const LAST_ROLLOUTS: &str = "last_rollouts.jsonl";
/// [`DirectorSummary`].
pub const SUMMARY: &str = "director_summary.json";

/// What `director_summary.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectorSummary {
    pub contexts: usize,
    pub steps: usize,
    /// Where the frozen speakers came from: `align_personas`, `train_sft` or `base`.
    pub speakers: String,
    /// `adapter: shared`: the trained adapter is the speakers' too (`generate_conversations`
    /// speaks with it).
    #[serde(default)]
    pub shared_adapter: bool,
    /// `(coherence weight, eta)`.
    pub weights: (f64, f64),
    /// The last step's metrics.
    pub final_metrics: serde_json::Value,
}

/// The director model (the speaker when the pipeline names none) and whether it shares the
/// speaker's parameters.
pub fn director(p: &PipelineView) -> Result<(ModelSpec, bool), LowerError> {
    let speaker = p.speaker()?;
    let director = p.director()?;
    let share = director.is_none() || director == speaker;
    match director.or(speaker) {
        Some(d) => Ok((d, share)),
        None => Err(LowerError::Missing {
            field: "speaker".into(),
        }),
    }
}

fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let model = speaker(p)?;
    let (director, share_params) = director(p)?;
    let reward = p
        .decls
        .reward(f.get("reward").ok_or_else(|| LowerError::Missing {
            field: "reward".into(),
        })?)?
        .clone();
    let users = first(g, StageKind::SimulatedUsers);
    let base = |m: &ModelSpec| ModelSpec {
        lora: None,
        ..m.clone()
    };
    let user = p.user()?.map(|u| base(&u)).filter(|u| *u != base(&model));
    let mut external = weights(&[&director, &model]);
    if users.is_some()
        && let Some(u) = &user
    {
        external.extend(weights(&[u]));
    }
    if let Some(judge) = reward.coherence_judge() {
        external.extend(judge_weights(judge));
    }
    dedup(&mut external);
    let params = OptimizeDirectorParams {
        director,
        speaker: model,
        share_params,
        personas: p.personas()?,
        reward,
        turns: f.req("turns")?,
        transcript_tokens: f.opt("transcript_tokens")?,
        user: users.and(user.clone()),
        adapter: f.opt::<Symbol>("adapter")?.map(|s| s.0),
        speaker_max_tokens: f.opt("speaker_max_tokens")?,
        user_max_tokens: f.opt("user_max_tokens")?,
        speaker_temperature: f.opt("speaker_temperature")?,
        user_temperature: f.opt("user_temperature")?,
        speaker_thinking: f.opt("speaker_thinking")?,
        director_thinking: f.opt("director_thinking")?,
        user_thinking: f.opt("user_thinking")?,
        grpo: grpo::lower(f)?,
        seed: p.seed,
    };
    let policy = first(g, StageKind::AlignPersonas).or(first(g, StageKind::TrainSft));
    let mut inputs: Vec<_> = policy.into_iter().collect();
    inputs.extend(users);
    inputs.extend(subsets(f, g)?.into_iter().map(|s| s.node));
    g.add(
        NewNode::new(StageKind::OptimizeDirector, &params)?
            .inputs(inputs)
            .external(external),
    );
    Ok(())
}

fn problems(f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    let stage = StageKind::OptimizeDirector;
    let mut out = prompting_stage_problems(stage, f, p, false)?;
    out.extend(grpo::problems(stage, f)?);
    if f.opt::<Symbol>("adapter")?.is_some_and(|s| s.0 == "shared") {
        let (_, share) = director(p)?;
        if !share {
            out.push(Problem {
                stage,
                message: "`adapter: shared` trains the speakers' adapter, but the pipeline's \
                          director is another model than its speaker"
                    .into(),
                help: "drop `director:` (or name the speaker's model), or use `adapter: own`"
                    .into(),
            });
        }
    }
    Ok(out)
}
