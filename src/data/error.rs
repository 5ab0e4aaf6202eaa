//! Errors of the dataset readers: each names the file (and line:col when there is one).

use std::path::PathBuf;

/// A dataset that cannot be read at all (as opposed to a [`crate::data::BadRow`], which is
/// counted and reported while the rest of the file is read).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DataError {
    #[error("cannot read `{path}`: {source}")]
    #[diagnostic(
        code(mascot::data::io),
        help("check that the dataset path in the experiment file points at the data")
    )]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:1: unexpected header `{found}`")]
    #[diagnostic(
        code(mascot::data::ed_header),
        help("an Empathetic Dialogues CSV starts with `{expected}`")
    )]
    EdHeader {
        path: PathBuf,
        found: String,
        expected: &'static str,
    },
    #[error("{path}:{line}:{column}: invalid QMSum meeting JSON: {message}")]
    #[diagnostic(
        code(mascot::data::qmsum_json),
        help(
            "a QMSum meeting is an object with topic_list, general_query_list, specific_query_list and meeting_transcripts"
        )
    )]
    QmsumJson {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("no QMSum meetings in `{path}`")]
    #[diagnostic(
        code(mascot::data::qmsum_empty),
        help("expected `<path>/data/<Domain>/<split>/*.json` files")
    )]
    QmsumEmpty { path: PathBuf },
}
