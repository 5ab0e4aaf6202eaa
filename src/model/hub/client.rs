//! The few Hub HTTP calls mascot makes, on `ureq`: the repository's file list
//! (`GET {endpoint}/api/models/{repo}/revision/{rev}`), a file's metadata (`HEAD` on
//! `{endpoint}/{repo}/resolve/{commit}/{file}`, read as huggingface_hub's
//! `get_hf_file_metadata` does) and the download itself (`GET`, optionally from a byte
//! offset with `Range`).
//!
//! Redirects follow huggingface_hub's rule: a relative redirect (a renamed repository) keeps
//! the token; a redirect to another host (the CDN holding large files, with a signed URL)
//! does not send it.

use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use ureq::http::{Response, StatusCode};

use super::config::HubConfig;
use super::error::HubError;
use crate::spec::hub_id::{RepoId, Revision, is_commit_hash};

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

/// Python's `quote(s, safe="")` keeps letters, digits and `_.-~`.
const QUOTE_ALL: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// Python's `quote(s)` (safe `/`), used for file names.
const QUOTE_PATH: &AsciiSet = &QUOTE_ALL.remove(b'/');

/// A Hub endpoint with the caller's token.
#[derive(Debug, Clone)]
pub struct HubClient {
    agent: ureq::Agent,
    endpoint: String,
    token: Option<String>,
}

/// A repository at one commit: the commit hash and every file name in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoListing {
    pub commit: String,
    pub files: Vec<String>,
}

/// What a `HEAD` on a file's resolve URL says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMetadata {
    /// The normalised ETag (`X-Linked-Etag`, else `ETag`): the blob's name in the cache.
    pub etag: String,
    /// Size in bytes (`X-Linked-Size`, else `Content-Length`).
    pub size: u64,
    /// Where to `GET` the bytes (the CDN location of a large file).
    pub url: String,
    /// Whether `url` is on the endpoint's host, so the token may be sent.
    pub send_token: bool,
}

#[derive(Deserialize)]
struct ApiRepo {
    sha: String,
    #[serde(default)]
    siblings: Vec<ApiSibling>,
}

#[derive(Deserialize)]
struct ApiSibling {
    rfilename: String,
}

impl HubClient {
    pub fn new(config: &HubConfig) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("mascot/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_recv_response(Some(Duration::from_secs(30)))
            .timeout_per_read(Some(Duration::from_secs(60)))
            .build()
            .new_agent();
        Self {
            agent,
            endpoint: config.endpoint.clone(),
            token: config.token.clone(),
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The commit a revision points to and the repository's file names.
    pub fn listing(&self, repo: &RepoId, revision: &Revision) -> Result<RepoListing, HubError> {
        let url = format!(
            "{}/api/models/{}/revision/{}",
            self.endpoint,
            repo,
            utf8_percent_encode(revision.as_str(), QUOTE_ALL)
        );
        let mut resp = self.send("GET", &url, true, None)?;
        if !resp.status().is_success() {
            return Err(self.status_error(&mut resp, &url, repo, Some(revision), None));
        }
        let bad = |reason: String| HubError::BadResponse {
            url: url.clone(),
            status: 200,
            reason,
        };
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| http_error(&url, e))?;
        let api: ApiRepo = serde_json::from_str(&text)
            .map_err(|e| bad(format!("the repository info is not the Hub's JSON: {e}")))?;
        if !is_commit_hash(&api.sha) {
            return Err(bad(format!("`sha` {:?} is not a commit hash", api.sha)));
        }
        Ok(RepoListing {
            commit: api.sha,
            files: api.siblings.into_iter().map(|s| s.rfilename).collect(),
        })
    }

    /// The resolve URL of `file` at `commit`.
    pub fn resolve_url(&self, repo: &RepoId, commit: &str, file: &str) -> String {
        format!(
            "{}/{}/resolve/{}/{}",
            self.endpoint,
            repo,
            utf8_percent_encode(commit, QUOTE_ALL),
            utf8_percent_encode(file, QUOTE_PATH)
        )
    }

    /// ETag, size and download location of `file` at `commit`.
    pub fn file_metadata(
        &self,
        repo: &RepoId,
        commit: &str,
        file: &str,
    ) -> Result<FileMetadata, HubError> {
        let mut url = self.resolve_url(repo, commit, file);
        for _ in 0..=MAX_REDIRECTS {
            let mut resp = self.send("HEAD", &url, true, None)?;
            let status = resp.status();
            let location = header(&resp, "location");
            if status.is_redirection() {
                let Some(relative) = location.as_deref() else {
                    return Err(self.status_error(&mut resp, &url, repo, None, Some(file)));
                };
                if relative.starts_with('/') {
                    url = format!("{}{relative}", origin(&url));
                    continue;
                }
            } else if !status.is_success() {
                return Err(self.status_error(&mut resp, &url, repo, None, Some(file)));
            }
            let bad = |reason: &str| HubError::BadResponse {
                url: url.clone(),
                status: status.as_u16(),
                reason: reason.to_string(),
            };
            let etag = header(&resp, "x-linked-etag")
                .or_else(|| header(&resp, "etag"))
                .map(|e| normalize_etag(&e))
                .filter(|e| is_safe_blob_name(e))
                .ok_or_else(|| bad("no usable ETag header: the file cannot be cached"))?;
            let size = header(&resp, "x-linked-size")
                .or_else(|| {
                    (!status.is_redirection())
                        .then(|| header(&resp, "content-length"))
                        .flatten()
                })
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| bad("no file size (X-Linked-Size or Content-Length)"))?;
            let (url, send_token) = match location.filter(|_| status.is_redirection()) {
                Some(loc) => {
                    let same = origin(&loc) == origin(&url);
                    (loc, same)
                }
                None => (url, true),
            };
            return Ok(FileMetadata {
                etag,
                size,
                url,
                send_token,
            });
        }
        Err(HubError::Http {
            url,
            reason: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    /// `GET url`, from byte `from` on when `from > 0`; follows redirects (dropping the token
    /// on a change of host). The caller checks the status (200 or 206).
    pub fn get_from(
        &self,
        url: &str,
        send_token: bool,
        from: u64,
    ) -> Result<Response<ureq::Body>, HubError> {
        let mut url = url.to_string();
        let mut send_token = send_token;
        let range = (from > 0).then(|| format!("bytes={from}-"));
        for _ in 0..=MAX_REDIRECTS {
            let resp = self.send("GET", &url, send_token, range.as_deref())?;
            if !resp.status().is_redirection() {
                return Ok(resp);
            }
            let Some(location) = header(&resp, "location") else {
                return Ok(resp);
            };
            let next = if location.starts_with('/') {
                format!("{}{location}", origin(&url))
            } else {
                location
            };
            send_token = send_token && origin(&next) == origin(&url);
            url = next;
        }
        Err(HubError::Http {
            url,
            reason: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    fn send(
        &self,
        method: &str,
        url: &str,
        send_token: bool,
        range: Option<&str>,
    ) -> Result<Response<ureq::Body>, HubError> {
        let mut req = match method {
            "HEAD" => self.agent.head(url),
            _ => self.agent.get(url),
        }
        .header("Accept-Encoding", "identity");
        if let (true, Some(token)) = (send_token, &self.token) {
            req = req.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(range) = range {
            req = req.header("Range", range);
        }
        req.call().map_err(|e| http_error(url, e))
    }

    /// The error of a failed call, from its status and `X-Error-Code` (the Hub's codes).
    fn status_error(
        &self,
        resp: &mut Response<ureq::Body>,
        url: &str,
        repo: &RepoId,
        revision: Option<&Revision>,
        file: Option<&str>,
    ) -> HubError {
        let status = resp.status();
        let code = header(resp, "x-error-code").unwrap_or_default();
        let repo_s = repo.to_string();
        let endpoint = self.endpoint.clone();
        match (code.as_str(), status) {
            ("RepoNotFound", _) => HubError::RepoNotFound {
                repo: repo_s,
                endpoint,
            },
            ("RevisionNotFound", _) => HubError::RevisionNotFound {
                repo: repo_s,
                revision: revision.map(|r| r.to_string()).unwrap_or_default(),
                endpoint,
            },
            ("EntryNotFound", _) => HubError::MissingFile {
                repo: repo_s,
                commit: header(resp, "x-repo-commit").unwrap_or_default(),
                file: file.unwrap_or_default().to_string(),
            },
            ("GatedRepo", _) | (_, StatusCode::UNAUTHORIZED) | (_, StatusCode::FORBIDDEN) => {
                HubError::Unauthorized {
                    repo: repo_s,
                    endpoint,
                    status: status.as_u16(),
                    with_token: self.token.is_some(),
                }
            }
            (_, StatusCode::NOT_FOUND) => match file {
                Some(file) => HubError::MissingFile {
                    repo: repo_s,
                    commit: String::new(),
                    file: file.to_string(),
                },
                None => HubError::RepoNotFound {
                    repo: repo_s,
                    endpoint,
                },
            },
            _ => {
                let body = resp
                    .body_mut()
                    .with_config()
                    .limit(4096)
                    .lossy_utf8(true)
                    .read_to_string()
                    .unwrap_or_default();
                HubError::BadResponse {
                    url: url.to_string(),
                    status: status.as_u16(),
                    reason: if body.trim().is_empty() {
                        status
                            .canonical_reason()
                            .unwrap_or("unexpected status")
                            .into()
                    } else {
                        body.trim().chars().take(300).collect()
                    },
                }
            }
        }
    }
}

fn http_error(url: &str, e: ureq::Error) -> HubError {
    HubError::Http {
        url: url.to_string(),
        reason: e.to_string(),
    }
}

/// A response header as text.
pub fn header(resp: &Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// huggingface_hub's `_normalize_etag`: drops a weak `W/` prefix and the quotes.
pub fn normalize_etag(etag: &str) -> String {
    etag.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .to_string()
}

/// An ETag usable as a file name in `blobs/`.
fn is_safe_blob_name(etag: &str) -> bool {
    !etag.is_empty()
        && etag.len() <= 200
        && etag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !etag.starts_with('.')
}

/// `scheme://host[:port]` of an absolute URL.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_and_origins() {
        assert_eq!(normalize_etag("W/\"abc\""), "abc");
        assert_eq!(normalize_etag("\"abc\""), "abc");
        assert!(!is_safe_blob_name("../x"));
        assert!(!is_safe_blob_name(""));
        assert!(is_safe_blob_name("a1b2-3"));
        assert_eq!(origin("http://127.0.0.1:8/a/b"), "http://127.0.0.1:8");
        assert_eq!(origin("https://h"), "https://h");
    }

    #[test]
    fn urls_quote_like_python() {
        let client = HubClient::new(&HubConfig {
            cache_dir: "/c".into(),
            endpoint: "http://e".into(),
            token: None,
            offline: false,
        });
        let repo = RepoId::parse("o/n").unwrap();
        assert_eq!(
            client.resolve_url(&repo, "refs/pr/1", "sub dir/a+b.json"),
            "http://e/o/n/resolve/refs%2Fpr%2F1/sub%20dir/a%2Bb.json"
        );
    }
}
