//! Errors of the report library: each names the record, file or plot it is about and says
//! how to fix it.

use std::path::PathBuf;

/// Everything that can go wrong while aggregating scores or writing a report.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReportError {
    #[error("{location}: {message}")]
    #[diagnostic(
        code(mascot::report::score_row),
        help(
            "a scores.jsonl row is {{\"system\", \"variant\", \"seed\", \"subset\", \"context_id\", \"level\": \"agent\"|\"group\", \"speaker\" and \"turn\" (agent rows only), \"scores\": {{criterion: Likert score | {{\"failed\": reason}}}}}} with one entry per criterion of the rubric of its level"
        )
    )]
    ScoreRow { location: String, message: String },

    #[error("invalid {level} rubric: {message}")]
    #[diagnostic(
        code(mascot::report::rubric),
        help(
            "a rubric has at least one criterion, unique criterion names other than `overall`, a Likert scale lo < hi (1..5 in the paper) and a rescale range lo < hi (0..100)"
        )
    )]
    Rubric { level: String, message: String },

    #[error("{location}: {message}")]
    #[diagnostic(
        code(mascot::report::metrics_row),
        help(
            "a metrics.jsonl row is a JSON object with an integer `step` and numeric metrics, e.g. {{\"step\": 3, \"loss\": 0.61, \"reward\": 1.2, \"kl\": 0.01}}"
        )
    )]
    MetricsRow { location: String, message: String },

    #[error("{location}: {message}")]
    #[diagnostic(
        code(mascot::report::transcript),
        help(
            "a transcript names its variant, seed, system, subset and context id and has at least one turn with a speaker and a text"
        )
    )]
    Transcript { location: String, message: String },

    #[error("invalid report input: {message}")]
    #[diagnostic(code(mascot::report::input), help("{help}"))]
    Input { message: String, help: String },

    #[error("cannot {action} `{path}`: {source}")]
    #[diagnostic(
        code(mascot::report::io),
        help("check that the output folder exists and is writable")
    )]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot draw plot `{plot}`: {message}")]
    #[diagnostic(
        code(mascot::report::plot),
        help("this is a bug in the report's plotting code; please report it with the input")
    )]
    Plot { plot: String, message: String },

    #[error("cannot render `{template}`: {message}")]
    #[diagnostic(
        code(mascot::report::template),
        help("this is a bug in the report templates under src/report/templates/")
    )]
    Template { template: String, message: String },
}

impl ReportError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        ReportError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
