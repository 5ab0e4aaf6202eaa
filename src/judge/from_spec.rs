//! The library's inputs built from the experiment's typed parameters (`JudgeSpec`,
//! `RubricSpec`, `Persona`): the only place the judge library reads the planner's types.

use std::path::Path;

use super::any_judge::Judge;
use super::cache::CallCache;
use super::cached_chat::CachedChat;
use super::chat::ChatBackend;
use super::error::JudgeError;
use super::heuristic::HeuristicJudge;
use super::item::{PersonaProfile, Rubric, RubricCriterion, RubricLevel};
use super::local::{LocalBackend, LocalConfig};
use super::model_judge::ModelJudge;
use super::openai::{OpenAiBackend, OpenAiConfig};
use crate::model::LoadedModel;
use crate::plan::params::{JudgeSpec, Level, Persona, RubricSpec};

/// The rubric of a `rubric` declaration; its scale bounds must be integers.
pub fn rubric_from_spec(spec: &RubricSpec) -> Result<Rubric, JudgeError> {
    let bound = |v: f64| -> Result<i64, JudgeError> {
        if v.fract() == 0.0 && v.abs() < 1e9 {
            Ok(v as i64)
        } else {
            Err(JudgeError::InvalidRubric {
                reason: format!("scale bound {v} is not an integer (Likert scores are integers)"),
            })
        }
    };
    let rubric = Rubric {
        level: match spec.level {
            Level::Agent => RubricLevel::Agent,
            Level::Group => RubricLevel::Group,
        },
        criteria: spec
            .criteria
            .iter()
            .map(|c| RubricCriterion {
                name: c.name.clone(),
                description: c.description.clone(),
            })
            .collect(),
        low: bound(spec.scale[0])?,
        high: bound(spec.scale[1])?,
    };
    rubric.validate()?;
    Ok(rubric)
}

/// The persona as a judge sees it (few-shot examples left out).
pub fn persona_profile(p: &Persona) -> PersonaProfile {
    PersonaProfile {
        name: p.name.clone(),
        description: p.description.clone(),
        traits: p.traits.clone(),
        style: p.style.clone(),
    }
}

/// The chat backend of a judge or teacher declaration; relative model paths resolve
/// against `base_dir`. The heuristic judge generates nothing, so it is an error here.
pub fn chat_backend_from_spec(
    spec: &JudgeSpec,
    base_dir: &Path,
) -> Result<Box<dyn ChatBackend>, JudgeError> {
    match spec {
        JudgeSpec::Openai {
            base_url,
            model,
            temperature,
            api_key_env,
        } => {
            let mut config = OpenAiConfig::new(base_url, model, *temperature);
            config.api_key_env = Some(api_key_env.clone()).filter(|v| !v.trim().is_empty());
            Ok(Box::new(OpenAiBackend::new(config)?))
        }
        JudgeSpec::Local { model, temperature } => {
            let identity = serde_json::to_value(model).map_err(|e| JudgeError::Config {
                reason: format!("cannot serialise the local model's spec: {e}"),
                help: "this is a bug; please report it".into(),
            })?;
            let loaded = LoadedModel::load(model, base_dir)?;
            let mut config = LocalConfig::new(identity);
            config.temperature = *temperature;
            Ok(Box::new(LocalBackend::new(loaded, config)?))
        }
        JudgeSpec::Heuristic => Err(JudgeError::Config {
            reason: "the heuristic judge cannot generate text".into(),
            help: "a teacher needs a model: use an `openai(...)` or `local(...)` backend".into(),
        }),
    }
}

/// The judge of a `judge` declaration, caching model calls in `cache` when given.
pub fn judge_from_spec(
    spec: &JudgeSpec,
    base_dir: &Path,
    cache: Option<CallCache>,
) -> Result<Judge, JudgeError> {
    match spec {
        JudgeSpec::Heuristic => Ok(Judge::Heuristic(HeuristicJudge)),
        other => Ok(Judge::Model(ModelJudge::new(CachedChat::new(
            chat_backend_from_spec(other, base_dir)?,
            cache,
        )))),
    }
}
