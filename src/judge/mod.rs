//! Judges: score persona responses (agent level, the paper's Table 5) and whole
//! conversations (group level, Table 6) on a Likert rubric, with the offline heuristic
//! judge or a chat model (an OpenAI-compatible endpoint or a local runtime model) whose
//! JSON answers are parsed and whose calls are cached. The same cached chat backends
//! generate teacher demonstrations for SFT.
//!
//! A judged item is [`Outcome::Scored`] (one integer per criterion) or [`Outcome::Failed`]
//! with its reason; never clamped, never dropped. [`FailureReport`] applies `max_failures`.

pub mod any_judge;
pub mod cache;
pub mod cached_chat;
pub mod chat;
pub mod error;
pub mod failures;
pub mod from_spec;
pub mod heuristic;
pub mod item;
pub mod local;
pub mod model_judge;
pub mod openai;
pub mod parse;
pub mod prompt;
pub mod rate_limit;
pub mod retry;

pub use any_judge::{Judge, JudgeRun};
pub use cache::CallCache;
pub use cached_chat::{CachedChat, CallStats};
pub use chat::{CallFailure, CallResult, ChatBackend, ChatRequest};
pub use error::JudgeError;
pub use failures::{FailureReport, MaxFailures};
pub use from_spec::{chat_backend_from_spec, judge_from_spec, persona_profile, rubric_from_spec};
pub use heuristic::HeuristicJudge;
pub use item::{
    FailureKind, JudgeItem, Judged, Outcome, PersonaProfile, Role, Rubric, RubricCriterion,
    RubricLevel, Scores, Subject, Turn,
};
pub use local::{LocalBackend, LocalConfig};
pub use model_judge::ModelJudge;
pub use openai::{OpenAiBackend, OpenAiConfig};
pub use parse::parse_scores;
pub use prompt::judge_messages;
pub use retry::RetryPolicy;
