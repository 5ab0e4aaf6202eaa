//! Errors of the Hugging Face model source: each names the repository, the revision and the
//! cache folder involved, and says how to fix the problem.

use std::path::PathBuf;

/// Anything that can go wrong resolving or downloading a `hf("org/name")` model.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum HubError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Id(#[from] crate::spec::hub_id::HubIdError),

    #[error(
        "model `{repo}` (revision `{revision}`) is not in the Hugging Face cache `{}`{}",
        cache.display(),
        if *offline { " and HF_HUB_OFFLINE is set" } else { "" }
    )]
    #[diagnostic(
        code(model::hub::not_cached),
        help(
            "download it with `mascot generate --model {repo} --revision {revision} ...` (or \
             `hf download {repo} --revision {revision}`) with network access and \
             HF_HUB_OFFLINE unset; point HF_HUB_CACHE (or HF_HOME) at another cache if it \
             lives elsewhere"
        )
    )]
    NotCached {
        repo: String,
        revision: String,
        cache: PathBuf,
        offline: bool,
    },

    #[error(
        "model `{repo}` (commit {commit}) is only partly in the cache `{}`: missing {}",
        snapshot.display(),
        missing.join(", ")
    )]
    #[diagnostic(
        code(model::hub::incomplete_snapshot),
        help(
            "run once with network access and HF_HUB_OFFLINE unset to download the missing \
             files (or `hf download {repo} --revision {commit}`)"
        )
    )]
    IncompleteSnapshot {
        repo: String,
        commit: String,
        snapshot: PathBuf,
        missing: Vec<String>,
    },

    #[error("Hugging Face repository `{repo}` was not found at {endpoint}")]
    #[diagnostic(
        code(model::hub::repo_not_found),
        help(
            "check the spelling of the model id; a private or gated model needs a token in \
             HF_TOKEN; if you meant a local model folder or .gguf file, that path does not exist"
        )
    )]
    RepoNotFound { repo: String, endpoint: String },

    #[error("revision `{revision}` of `{repo}` was not found at {endpoint}")]
    #[diagnostic(
        code(model::hub::revision_not_found),
        help("check the branch, tag or commit hash on the model's page")
    )]
    RevisionNotFound {
        repo: String,
        revision: String,
        endpoint: String,
    },

    #[error("{endpoint} refused access to `{repo}` (HTTP {status}){}", token_note(*with_token))]
    #[diagnostic(
        code(model::hub::unauthorized),
        help(
            "set HF_TOKEN to a token with read access (https://huggingface.co/settings/tokens); \
             a gated model also needs its licence accepted on the model's page"
        )
    )]
    Unauthorized {
        repo: String,
        endpoint: String,
        status: u16,
        with_token: bool,
    },

    #[error("`{repo}` has no safetensors weights at commit {commit} (files: {})", files.join(", "))]
    #[diagnostic(
        code(model::hub::no_safetensors),
        help(
            "mascot loads `model.safetensors` or `model.safetensors.index.json` with its \
             shards; pick a repository that ships safetensors, or a GGUF file"
        )
    )]
    NoSafetensors {
        repo: String,
        commit: String,
        files: Vec<String>,
    },

    #[error("`{repo}` has no `{file}` at commit {commit}")]
    #[diagnostic(
        code(model::hub::missing_file),
        help("mascot needs config.json, tokenizer.json and safetensors weights")
    )]
    MissingFile {
        repo: String,
        commit: String,
        file: String,
    },

    #[error("request to {url} failed: {reason}")]
    #[diagnostic(
        code(model::hub::http),
        help(
            "check the network and HF_ENDPOINT; an interrupted download resumes where it \
             stopped on the next run; set HF_HUB_OFFLINE=1 to use the cache only"
        )
    )]
    Http { url: String, reason: String },

    #[error("{url} answered HTTP {status}: {reason}")]
    #[diagnostic(
        code(model::hub::bad_response),
        help("the endpoint does not behave like the Hugging Face Hub; check HF_ENDPOINT")
    )]
    BadResponse {
        url: String,
        status: u16,
        reason: String,
    },

    #[error("download of `{file}` from `{repo}` is corrupt: {reason}")]
    #[diagnostic(
        code(model::hub::corrupt_download),
        help("the partial file was deleted; run again to download it afresh")
    )]
    CorruptDownload {
        repo: String,
        file: String,
        reason: String,
    },

    #[error("`{}` in the Hugging Face cache is not valid: {reason}", path.display())]
    #[diagnostic(
        code(model::hub::corrupt_cache),
        help("delete the file (or the model's `models--...` folder) and download it again")
    )]
    CorruptCache { path: PathBuf, reason: String },

    #[error("cannot access `{}` in the Hugging Face cache: {source}", path.display())]
    #[diagnostic(
        code(model::hub::io),
        help("check that the cache folder (HF_HUB_CACHE or HF_HOME) is writable and has space")
    )]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn token_note(with_token: bool) -> &'static str {
    if with_token {
        ": the token in HF_TOKEN was rejected"
    } else {
        ": no token was sent (HF_TOKEN is not set)"
    }
}

impl HubError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
