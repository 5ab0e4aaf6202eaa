//! The library's inputs built from the experiment's typed parameters (`JudgeSpec`,
//! `RubricSpec`, `Persona`): the only place the judge library reads the planner's types.

use crate::model::hub::{HubCache, HubConfig, resolve_cached};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

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
use crate::model::{LoadedModel, ModelSource, ModelSpec};
use crate::spec::judge::JudgeSpec;
use crate::spec::level::Level;
use crate::spec::persona::Persona;
use crate::spec::rubric::RubricSpec;

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
            timeout,
            concurrency,
            rpm,
            max_retries,
        } => {
            let mut config = OpenAiConfig::new(base_url, model, *temperature);
            config.api_key_env = Some(api_key_env.clone()).filter(|v| !v.trim().is_empty());
            if !(timeout.is_finite() && *timeout > 0.0 && *timeout < 1e9) {
                return Err(JudgeError::Config {
                    reason: format!("timeout {timeout} is not a positive number of seconds"),
                    help: "give a per-request timeout in seconds, e.g. `timeout: 60`".into(),
                });
            }
            config.timeout = std::time::Duration::from_secs_f64(*timeout);
            config.concurrency = *concurrency;
            config.rpm = rpm.map(|r| u32::try_from(r).unwrap_or(u32::MAX));
            config.retry.max_retries = u32::try_from(*max_retries).unwrap_or(u32::MAX);
            Ok(Box::new(OpenAiBackend::new(config)?))
        }
        JudgeSpec::Local { model, temperature } => {
            let identity = model_identity(model, base_dir)?;
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

/// What a local model is, for cache keys: its spec and the blake3 hash of its weight files
/// (the GGUF file, or every file of the Hugging Face folder), so a model retrained in place
/// does not answer from the previous model's cache. `weights` is null for the built-in tiny
/// model (its spec, with the seed, determines it).
pub fn model_identity(spec: &ModelSpec, base_dir: &Path) -> Result<Value, JudgeError> {
    let spec_value = serde_json::to_value(spec).map_err(|e| JudgeError::Config {
        reason: format!("cannot serialise the local model's spec: {e}"),
        help: "this is a bug; please report it".into(),
    })?;
    let resolve = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            base_dir.join(p)
        }
    };
    let weights = match &spec.source {
        ModelSource::Tiny(_) => None,
        // A Hub model is the commit its revision resolves to in the local cache.
        ModelSource::Hf { repo, revision } => {
            let model = crate::model::hub::HubModelRef {
                repo: repo.clone(),
                revision: revision.clone(),
            };
            let cache = HubCache::new(HubConfig::from_env().cache_dir);
            Some(match resolve_cached(&model, &cache) {
                Ok(found) => found.content_id(),
                Err(_) => format!("hf:{model}"),
            })
        }
        ModelSource::Gguf { path } => Some(hash_files(&[resolve(path)])?),
        ModelSource::HfDir { path } => {
            let dir = resolve(path);
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map_err(|e| unreadable(&dir, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            Some(hash_files(&files)?)
        }
    };
    Ok(json!({ "spec": spec_value, "weights": weights }))
}

fn hash_files(files: &[PathBuf]) -> Result<String, JudgeError> {
    let mut hasher = blake3::Hasher::new();
    for path in files {
        let mut file = std::fs::File::open(path).map_err(|e| unreadable(path, e))?;
        if let Some(name) = path.file_name() {
            hasher.update(name.as_encoded_bytes());
        }
        std::io::copy(&mut file, &mut hasher).map_err(|e| unreadable(path, e))?;
    }
    Ok(hasher.finalize().to_hex().to_string())
}

fn unreadable(path: &Path, e: std::io::Error) -> JudgeError {
    JudgeError::Config {
        reason: format!(
            "cannot read the local judge's model `{}`: {e}",
            path.display()
        ),
        help:
            "check the `model` of the `local` backend: its path is relative to the experiment file"
                .into(),
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
