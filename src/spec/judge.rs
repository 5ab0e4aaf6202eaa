//! Judges and teachers: the `judge` declaration's backends (an OpenAI-compatible endpoint, a
//! local model, the offline heuristic) and the [`JudgeSpec`] stages receive.

use serde::{Deserialize, Serialize};

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f, nonneg};
use crate::spec::model::ModelSpec;

/// A judge or teacher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "snake_case")]
pub enum JudgeSpec {
    /// `api_key_env` is the NAME of the environment variable holding the key, never a key.
    Openai {
        base_url: String,
        model: String,
        temperature: f32,
        api_key_env: String,
    },
    Local {
        model: ModelSpec,
        temperature: f32,
    },
    /// Deterministic lexical scores; needs no model (tests, quickstart).
    Heuristic,
}

impl JudgeSpec {
    /// The model a local judge runs.
    pub fn local_model(&self) -> Option<&ModelSpec> {
        match self {
            JudgeSpec::Local { model, .. } => Some(model),
            _ => None,
        }
    }
}

pub const OPENAI: &[FieldSpec] = &[
    f("base_url", Ty::Str, Required),
    f("model", Ty::Str, Required),
    f("temperature", nonneg(), Float(0.0)),
    f("api_key_env", Ty::EnvName, Required),
];

pub const LOCAL: &[FieldSpec] = &[
    f("model", Ty::Ref(DeclKind::Model), Required),
    f("temperature", nonneg(), Float(0.0)),
];

pub const JUDGE: &[FieldSpec] = &[f(
    "backend",
    Ty::Variant(&[("openai", OPENAI), ("local", LOCAL), ("heuristic", &[])]),
    Required,
)];
