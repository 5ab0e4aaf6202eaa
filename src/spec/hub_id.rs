//! Validated Hugging Face model ids (`org/name`) and revisions (branch, tag or commit hash),
//! with the rules huggingface_hub applies (`validate_repo_id`), so that an id mascot accepts
//! names the same cache folder Python uses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A model id or revision that does not follow the Hub's rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum HubIdError {
    #[error("`{id}` is not a valid Hugging Face model id: {reason}")]
    #[diagnostic(
        code(model::hub::bad_repo_id),
        help(
            "a model id is `organisation/name`, e.g. `Qwen/Qwen3-0.6B`: letters, digits, \
             `-`, `_` and `.`, no `--` or `..`, at most 96 characters"
        )
    )]
    BadRepoId { id: String, reason: String },

    #[error("`{revision}` is not a valid revision: {reason}")]
    #[diagnostic(
        code(model::hub::bad_revision),
        help("a revision is a branch (`main`), a tag (`v1.0`) or a 40-character commit hash")
    )]
    BadRevision { revision: String, reason: String },
}

/// The longest repository id the Hub accepts.
const MAX_REPO_ID_LEN: usize = 96;

/// A model repository id, `organisation/name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RepoId {
    id: String,
}

impl RepoId {
    /// Parses and validates `org/name`.
    pub fn parse(id: &str) -> Result<Self, HubIdError> {
        let bad = |reason: &str| HubIdError::BadRepoId {
            id: id.to_string(),
            reason: reason.to_string(),
        };
        if id.is_empty() {
            return Err(bad("it is empty"));
        }
        if id.len() > MAX_REPO_ID_LEN {
            return Err(bad("it is longer than 96 characters"));
        }
        let Some((org, name)) = id.split_once('/') else {
            return Err(bad("it has no organisation (expected `organisation/name`)"));
        };
        if name.contains('/') {
            return Err(bad("it has more than one `/`"));
        }
        for (part, what) in [(org, "organisation"), (name, "name")] {
            if part.is_empty() {
                return Err(bad(&format!("the {what} is empty")));
            }
            if let Some(c) = part
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            {
                return Err(bad(&format!("the {what} contains {c:?}")));
            }
            if part.starts_with(['-', '.']) || part.ends_with(['-', '.']) {
                return Err(bad(&format!("the {what} starts or ends with `-` or `.`")));
            }
        }
        if id.contains("--") || id.contains("..") {
            return Err(bad("it contains `--` or `..`"));
        }
        if id.ends_with(".git") {
            return Err(bad("it ends with `.git`"));
        }
        Ok(Self { id: id.to_string() })
    }

    /// `org/name`.
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// The cache folder of the repository, `models--org--name`, as huggingface_hub's
    /// `repo_folder_name` writes it.
    pub fn cache_folder_name(&self) -> String {
        format!("models--{}", self.id.replace('/', "--"))
    }
}

impl fmt::Display for RepoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

impl FromStr for RepoId {
    type Err = HubIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for RepoId {
    type Error = HubIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<RepoId> for String {
    fn from(r: RepoId) -> String {
        r.id
    }
}

/// A branch, tag or full commit hash. Default `main`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Revision {
    name: String,
}

impl Revision {
    /// Parses and validates a revision. Names that are unsafe as a relative path inside the
    /// cache's `refs/` folder (`..`, absolute, empty components) are refused.
    pub fn parse(name: &str) -> Result<Self, HubIdError> {
        let bad = |reason: &str| HubIdError::BadRevision {
            revision: name.to_string(),
            reason: reason.to_string(),
        };
        if name.is_empty() {
            return Err(bad("it is empty"));
        }
        if name.len() > 255 {
            return Err(bad("it is longer than 255 characters"));
        }
        if let Some(c) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '+')))
        {
            return Err(bad(&format!("it contains {c:?}")));
        }
        if name
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        {
            return Err(bad("it has an empty, `.` or `..` path component"));
        }
        Ok(Self {
            name: name.to_string(),
        })
    }

    /// `main`.
    pub fn main() -> Self {
        Self {
            name: "main".into(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// Whether this is a full commit hash (40 lowercase hex digits), which the cache resolves
    /// to `snapshots/<hash>/` without a ref.
    pub fn is_commit_hash(&self) -> bool {
        is_commit_hash(&self.name)
    }
}

impl Default for Revision {
    fn default() -> Self {
        Self::main()
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl FromStr for Revision {
    type Err = HubIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Revision {
    type Error = HubIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Revision> for String {
    fn from(r: Revision) -> String {
        r.name
    }
}

/// Whether `s` is a full git commit hash as the Hub writes them (huggingface_hub's
/// `REGEX_COMMIT_HASH`: 40 lowercase hex digits).
pub fn is_commit_hash(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A model on the Hub: repository and revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubModelRef {
    pub repo: RepoId,
    pub revision: Revision,
}

impl fmt::Display for HubModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.repo, self.revision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ids_and_their_cache_folders() {
        for (id, folder) in [
            ("Qwen/Qwen3-8B", "models--Qwen--Qwen3-8B"),
            (
                "HuggingFaceTB/SmolLM2-135M-Instruct",
                "models--HuggingFaceTB--SmolLM2-135M-Instruct",
            ),
            ("a_b/c.d", "models--a_b--c.d"),
        ] {
            let r = RepoId::parse(id).unwrap();
            assert_eq!(r.as_str(), id);
            assert_eq!(r.cache_folder_name(), folder);
        }
    }

    #[test]
    fn bad_ids_say_why() {
        for (id, reason) in [
            ("", "empty"),
            ("Qwen3-8B", "no organisation"),
            ("a/b/c", "more than one"),
            ("/b", "organisation is empty"),
            ("a/", "name is empty"),
            ("a/b c", "contains ' '"),
            ("a/-b", "starts or ends"),
            ("a/b.", "starts or ends"),
            ("a--x/b", "`--`"),
            ("a/b..c", "`..`"),
            ("a/b.git", ".git"),
        ] {
            let err = RepoId::parse(id).unwrap_err().to_string();
            assert!(err.contains(reason), "{id:?}: {err}");
        }
        let long = format!("a/{}", "b".repeat(95));
        assert!(RepoId::parse(&long).unwrap_err().to_string().contains("96"));
    }

    #[test]
    fn revisions() {
        assert_eq!(Revision::default().as_str(), "main");
        assert!(Revision::parse("refs/pr/1").is_ok());
        assert!(Revision::parse("v1.0+x").is_ok());
        let hash = "0123456789abcdef0123456789abcdef01234567";
        assert!(Revision::parse(hash).unwrap().is_commit_hash());
        assert!(
            !Revision::parse(&hash.to_uppercase())
                .unwrap()
                .is_commit_hash()
        );
        assert!(!Revision::parse("main").unwrap().is_commit_hash());
        for bad in ["", "../x", "a//b", "/a", "a/", "a b", "a\\b", "x/./y"] {
            assert!(Revision::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn serde_validates() {
        let r: RepoId = serde_json::from_str("\"Qwen/Qwen3-0.6B\"").unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"Qwen/Qwen3-0.6B\"");
        assert!(serde_json::from_str::<RepoId>("\"nope\"").is_err());
        assert!(serde_json::from_str::<Revision>("\"../x\"").is_err());
    }
}
