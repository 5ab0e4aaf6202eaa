//! Errors of the judge library. A per-item problem (a judge answering nonsense, a call that
//! kept timing out) is not an error but a failed [`crate::judge::Outcome`]; these errors stop
//! the whole judging step (bad configuration, an unusable cache folder, too many failures).

use std::path::PathBuf;

/// An error that stops judging.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum JudgeError {
    #[error("the heuristic judge has no {level}-level proxy for criterion `{name}`")]
    #[diagnostic(
        code(mascot::judge::unknown_criterion),
        help("the heuristic judge knows: {known}; rename the criterion or use a model judge")
    )]
    UnknownCriterion {
        name: String,
        level: &'static str,
        known: String,
    },

    #[error(
        "item `{item}` is judged at the {item_level} level but the rubric is {rubric_level}-level"
    )]
    #[diagnostic(
        code(mascot::judge::level),
        help(
            "judge single responses with an agent rubric (Table 5) and whole conversations with a group rubric (Table 6)"
        )
    )]
    LevelMismatch {
        item: String,
        item_level: &'static str,
        rubric_level: &'static str,
    },

    #[error("invalid rubric: {reason}")]
    #[diagnostic(
        code(mascot::judge::rubric),
        help(
            "a rubric needs at least one criterion, distinct names and a scale `low..high` with low < high"
        )
    )]
    InvalidRubric { reason: String },

    #[error("invalid judge configuration: {reason}")]
    #[diagnostic(code(mascot::judge::config), help("{help}"))]
    Config { reason: String, help: String },

    #[error("the environment variable `{var}` (the judge's `api_key_env`) is not set")]
    #[diagnostic(
        code(mascot::judge::api_key),
        help(
            "export {var}=<your key> before running; the key is read at call time and never stored"
        )
    )]
    MissingApiKey { var: String },

    #[error("cannot render the judge prompt: {reason}")]
    #[diagnostic(
        code(mascot::judge::prompt),
        help("the prompt template is src/judge/prompt.jinja")
    )]
    Prompt { reason: String },

    #[error("judge cache `{path}`: {reason}")]
    #[diagnostic(
        code(mascot::judge::cache),
        help("the cache folder must be writable; deleting it only costs repeated judge calls")
    )]
    Cache { path: PathBuf, reason: String },

    #[error("cannot load the local judge model: {0}")]
    #[diagnostic(
        code(mascot::judge::local_model),
        help("check the `model` of the `local` judge backend")
    )]
    Model(#[from] crate::model::ModelError),

    #[error(
        "{failed} of {total} items failed to be judged (at most {allowed} allowed); first reasons:\n{reasons}"
    )]
    #[diagnostic(
        code(mascot::judge::too_many_failures),
        help(
            "fix the cause above (endpoint, key, model, prompt) and rerun: scored items are cached and not judged again; or raise `max_failures`"
        )
    )]
    TooManyFailures {
        failed: usize,
        total: usize,
        allowed: usize,
        reasons: String,
    },
}
