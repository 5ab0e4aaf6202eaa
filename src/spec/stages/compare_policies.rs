//! `compare_policies`: did a training stage help? Scores a policy before and after training
//! on the same held-out contexts and writes the paired differences with a seeded paired
//! bootstrap 95% interval. Per variant, up to two nodes: `speakers` (pi_SFT, or the base
//! without `train_sft`, against the `align_personas` speakers: the reward model's score and
//! the judge's mean agent score of greedy replies) when the variant aligns its personas, and
//! `director` (the untrained director against the `optimize_director` one: the share of
//! directives that parse and the group reward of greedy episodes) when it optimises its
//! director and the stage has a `reward`. Its artifact holds [`PAIRS`] and [`SUMMARY`].

use serde::{Deserialize, Serialize};

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int};
use crate::spec::judge::JudgeSpec;
use crate::spec::level::Level;
use crate::spec::model::ModelSpec;
use crate::spec::persona::Persona;
use crate::spec::reward::RewardSpec;
use crate::spec::rubric::RubricSpec;
use crate::spec::stages::common::{
    DATA, dedup, first, judge_weights, model_device, prompting_stage_problems, speaker, subsets,
    weights,
};
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::value::{Fields, LowerError, Ref, Val};
use crate::spec::wiring::{Graph, NewNode, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: |p| model_device::<ComparePoliciesParams>(p, |p| Some(&p.speaker)),
};

pub const FIELDS: &[FieldSpec] = &[
    DATA,
    f("judge", Ty::Ref(DeclKind::Judge), Required),
    f("rubric", Ty::Ref(DeclKind::Rubric), Required),
    f("reward", Ty::Reward(Level::Group), Optional),
    f("turns", int(1), Int(2)),
    f("max_tokens", int(1), Int(48)),
    f("resamples", int(100), Int(2000)),
];

/// One row per compared item (a (context, persona) reply, or an episode), both policies.
pub const PAIRS: &str = "pairs.jsonl";
/// [`ComparisonSummary`].
pub const SUMMARY: &str = "comparison_summary.json";

/// Which trained policy a node compares with its starting point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compared {
    /// pi_SFT (or the base) against the `align_personas` speakers.
    Speakers,
    /// The untrained director against the `optimize_director` one.
    Director,
}

impl Compared {
    pub fn as_str(self) -> &'static str {
        match self {
            Compared::Speakers => "speakers",
            Compared::Director => "director",
        }
    }
}

/// The comparison's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparePoliciesParams {
    pub compared: Compared,
    pub speaker: ModelSpec,
    /// The director model (the speaker when parameters are shared); used by `director`.
    pub director: ModelSpec,
    pub personas: Vec<Persona>,
    pub judge: JudgeSpec,
    /// The agent rubric the judge scores replies on (`speakers`).
    pub rubric: RubricSpec,
    /// The group reward of `director` (coherence + eta * diverse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward: Option<RewardSpec>,
    /// Turns of a `director` episode.
    pub turns: usize,
    /// Most new tokens of a reply or a directive (greedy decoding).
    pub max_tokens: usize,
    /// Bootstrap resamples of the interval.
    pub resamples: usize,
    pub seed: u64,
}

/// One metric's paired comparison: the means of both policies, the mean paired difference
/// (trained - before) and its bootstrap 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    pub metric: String,
    pub n: usize,
    pub before: f64,
    pub after: f64,
    pub diff: f64,
    pub low: f64,
    pub high: f64,
    /// `improved` (the interval is above 0), `worse` (below 0) or `no change`.
    pub verdict: String,
}

/// What [`SUMMARY`] holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonSummary {
    pub compared: Compared,
    /// What the starting policy was (`sft`, `base`, `untrained`).
    pub before: String,
    /// What the trained policy was (`align_personas`, `optimize_director`).
    pub after: String,
    pub items: usize,
    pub resamples: usize,
    pub metrics: Vec<MetricComparison>,
}

fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let speaker = speaker(p)?;
    let director = p.director()?.unwrap_or_else(|| speaker.clone());
    let judge = p.decls.judge(&f.req::<Ref>("judge")?)?.clone();
    let rubric = p.decls.rubric(&f.req::<Ref>("rubric")?)?.clone();
    let reward = match f.get("reward") {
        Some(v) => Some(p.decls.reward(v as &Val)?.clone()),
        None => None,
    };
    let data: Vec<_> = subsets(f, g)?.into_iter().map(|s| s.node).collect();
    let (personas, turns, max_tokens, resamples) = (
        p.personas()?,
        f.req("turns")?,
        f.req("max_tokens")?,
        f.req("resamples")?,
    );
    let params = |compared: Compared| ComparePoliciesParams {
        compared,
        speaker: speaker.clone(),
        director: director.clone(),
        personas: personas.clone(),
        judge: judge.clone(),
        rubric: rubric.clone(),
        reward: reward.clone(),
        turns,
        max_tokens,
        resamples,
        seed: p.seed,
    };
    let sft = first(g, StageKind::TrainSft);
    let aligned = first(g, StageKind::AlignPersonas);
    let mut external = weights(&[&speaker, &director]);
    external.extend(judge_weights(&judge));
    dedup(&mut external);
    if let Some(aligned) = aligned {
        let mut inputs: Vec<_> = sft.into_iter().collect();
        inputs.push(aligned);
        inputs.extend(first(g, StageKind::TrainRewardModel));
        inputs.extend(data.iter().copied());
        g.add(
            NewNode::new(StageKind::ComparePolicies, &params(Compared::Speakers))?
                .label("speakers")
                .inputs(inputs)
                .external(external.clone()),
        );
    }
    if let (Some(trained), Some(_)) = (first(g, StageKind::OptimizeDirector), &reward) {
        // The speakers the director was trained with.
        let mut inputs: Vec<_> = aligned.or(sft).into_iter().collect();
        inputs.push(trained);
        inputs.extend(data.iter().copied());
        g.add(
            NewNode::new(StageKind::ComparePolicies, &params(Compared::Director))?
                .label("director")
                .inputs(inputs)
                .external(external),
        );
    }
    Ok(())
}

fn problems(f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    let stage = StageKind::ComparePolicies;
    let mut out = prompting_stage_problems(stage, f, p, false)?;
    if !p.has(StageKind::AlignPersonas) && !p.has(StageKind::OptimizeDirector) {
        out.push(Problem {
            stage,
            message: "`compare_policies` compares trained policies, but the pipeline trains none"
                .into(),
            help: "add `align_personas` or `optimize_director`, or remove `compare_policies`"
                .into(),
        });
    }
    if p.has(StageKind::OptimizeDirector) && f.get("reward").is_none() {
        out.push(Problem {
            stage,
            message: "`compare_policies` needs a `reward` to compare the trained director".into(),
            help: "add `reward: <group reward>` (the one `optimize_director` trains on)".into(),
        });
    }
    Ok(out)
}
