//! Judges and teachers: the `judge` declaration's backends (an OpenAI-compatible endpoint, a
//! local model, the offline heuristic) and the [`JudgeSpec`] stages receive.

use serde::{Deserialize, Serialize};

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int, nonneg, positive};
use crate::spec::model::ModelSpec;

/// A judge or teacher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "snake_case")]
pub enum JudgeSpec {
    /// `api_key_env` is the NAME of the environment variable holding the key, never a key.
    /// The operational knobs (`timeout`, `concurrency`, `rpm`, `max_retries`) do not change
    /// answers: they are left out of the serialised spec at their defaults, so adding them
    /// kept the keys of existing plans, and they never enter a judge call's cache key.
    Openai {
        base_url: String,
        model: String,
        temperature: f32,
        api_key_env: String,
        /// Per-request timeout in seconds. Default: 60.
        #[serde(
            default = "default_timeout",
            skip_serializing_if = "is_default_timeout"
        )]
        timeout: f64,
        /// Most requests in flight. Default: 4.
        #[serde(
            default = "default_concurrency",
            skip_serializing_if = "is_default_concurrency"
        )]
        concurrency: usize,
        /// Most request starts per minute, retries included. Default: no limit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rpm: Option<usize>,
        /// Retries of one request (429, 5xx, timeouts, connection errors). Default: 5.
        #[serde(
            default = "default_max_retries",
            skip_serializing_if = "is_default_max_retries"
        )]
        max_retries: usize,
    },
    Local {
        model: ModelSpec,
        temperature: f32,
    },
    /// Deterministic lexical scores; needs no model (tests, quickstart).
    Heuristic,
}

/// Default per-request timeout of an `openai` judge, in seconds.
pub const DEFAULT_TIMEOUT_S: f64 = 60.0;
/// Default number of requests in flight.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Default retries of one request.
pub const DEFAULT_MAX_RETRIES: usize = 5;

fn default_timeout() -> f64 {
    DEFAULT_TIMEOUT_S
}
fn is_default_timeout(v: &f64) -> bool {
    *v == DEFAULT_TIMEOUT_S
}
fn default_concurrency() -> usize {
    DEFAULT_CONCURRENCY
}
fn is_default_concurrency(v: &usize) -> bool {
    *v == DEFAULT_CONCURRENCY
}
fn default_max_retries() -> usize {
    DEFAULT_MAX_RETRIES
}
fn is_default_max_retries(v: &usize) -> bool {
    *v == DEFAULT_MAX_RETRIES
}

impl JudgeSpec {
    /// The model a local judge runs.
    pub fn local_model(&self) -> Option<&ModelSpec> {
        match self {
            JudgeSpec::Local { model, .. } => Some(model),
            _ => None,
        }
    }

    /// The same backend sampling at `t` (a teacher sampling candidates at the stage's
    /// temperature); the heuristic judge has no temperature and is returned as it is.
    pub fn with_temperature(&self, t: f32) -> JudgeSpec {
        let mut out = self.clone();
        match &mut out {
            JudgeSpec::Openai { temperature, .. } | JudgeSpec::Local { temperature, .. } => {
                *temperature = t;
            }
            JudgeSpec::Heuristic => {}
        }
        out
    }
}

pub const OPENAI: &[FieldSpec] = &[
    f("base_url", Ty::Str, Required),
    f("model", Ty::Str, Required),
    f("temperature", nonneg(), Float(0.0)),
    f("api_key_env", Ty::EnvName, Required),
    f("timeout", positive(), Float(DEFAULT_TIMEOUT_S)),
    f("concurrency", int(1), Int(DEFAULT_CONCURRENCY as i64)),
    f("rpm", int(1), Optional),
    f("max_retries", int(0), Int(DEFAULT_MAX_RETRIES as i64)),
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
