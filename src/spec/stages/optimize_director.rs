//! `optimize_director` (phase 2, equation 7): GRPO for the director on the group reward.
//! Inputs: the speaker policy (`align_personas`, else `train_sft`), every subset of its data.
//! Its rollouts have no simulated user (the speakers answer the dataset's opening turn), so
//! the pipeline's `user:` model neither runs here nor enters this stage's key.

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int, join};
use crate::spec::model::ModelSpec;
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
use crate::spec::value::{Fields, LowerError};
use crate::spec::wiring::{Graph, NewNode, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: |p| model_device::<OptimizeDirectorParams>(p, |p| Some(&p.director)),
};

pub const FIELDS: &[FieldSpec] = &join::<12, 8, 20>(
    join::<4, 8, 12>(
        [
            DATA,
            f("reward", Ty::Reward(Level::Group), Required),
            f("turns", int(1), Int(4)),
            TRANSCRIPT_TOKENS,
        ],
        grpo::fields(128),
    ),
    grpo::OPTIONS,
);

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
    let mut external = weights(&[&director, &model]);
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
        grpo: grpo::lower(f)?,
        seed: p.seed,
    };
    let policy = first(g, StageKind::AlignPersonas).or(first(g, StageKind::TrainSft));
    let mut inputs: Vec<_> = policy.into_iter().collect();
    inputs.extend(subsets(f, g)?.into_iter().map(|s| s.node));
    g.add(
        NewNode::new(StageKind::OptimizeDirector, &params)?
            .inputs(inputs)
            .external(external),
    );
    Ok(())
}

fn problems(f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    prompting_stage_problems(StageKind::OptimizeDirector, f, p, false)
}
