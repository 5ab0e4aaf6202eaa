//! Errors of the dialogue library: a model call that failed (with the role and turn), a
//! dataset record an episode cannot start from, a configuration that cannot run, a coherence
//! score outside [0, 1].

/// Anything that stops a conversation run.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DialogueError {
    #[error("the {role} model failed at turn {turn}: {source}")]
    #[diagnostic(
        code(mascot::dialogue::model),
        help(
            "the model error above says what went wrong; a prompt that is too long needs a larger `max_seq_len`, fewer `turns` or a smaller `max_tokens`"
        )
    )]
    Model {
        role: String,
        turn: usize,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    #[error("the {role} model returned {got} completions for {expected} prompts")]
    #[diagnostic(
        code(mascot::dialogue::completions),
        help("a ChatModel must return exactly one completion per chat, in order")
    )]
    CompletionCount {
        role: String,
        expected: usize,
        got: usize,
    },

    #[error("record `{record}`: {reason}")]
    #[diagnostic(code(mascot::dialogue::record), help("{help}"))]
    BadRecord {
        record: String,
        reason: String,
        help: String,
    },

    #[error("invalid conversation setup: {reason}")]
    #[diagnostic(code(mascot::dialogue::config), help("{help}"))]
    Config { reason: String, help: String },

    #[error("coherence score {value} for conversation `{context_id}` is outside [0, 1]")]
    #[diagnostic(
        code(mascot::dialogue::coherence),
        help("a CoherenceScorer returns scores already scaled to [0, 1] (see `scale_to_unit`)")
    )]
    Coherence { context_id: String, value: f64 },
}

impl DialogueError {
    pub(crate) fn config(reason: impl Into<String>, help: impl Into<String>) -> Self {
        Self::Config {
            reason: reason.into(),
            help: help.into(),
        }
    }
}
