//! Shared by the Hugging Face model-source tests: the tiny fixture models as Hub
//! repositories, a Hugging Face cache laid out by hand the way huggingface_hub writes it
//! (independently of mascot's cache code), and a fake Hub on 127.0.0.1 (tiny_http) that
//! answers the repository API, `HEAD`/`GET` on resolve URLs, redirects large files to a
//! second "CDN" server, honours `Range`, and can require a token or cut a transfer short.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use sha1::Sha1;
use sha2::{Digest, Sha256};

pub const COMMIT: &str = "4d0b2a9e1c3f5a7b9d1e3f5a7b9c1d3e5f7a9b1c";
pub const OTHER_COMMIT: &str = "aaaabbbbccccddddeeeeffff0000111122223333";

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models")
        .join(name)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// `git hash-object`: sha1 of `blob <len>\0<data>`.
pub fn git_hash(data: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", data.len()).as_bytes());
    h.update(data);
    hex(&h.finalize())
}

/// A file of a fake repository.
#[derive(Debug, Clone)]
pub struct RepoFile {
    pub name: String,
    pub data: Vec<u8>,
}

impl RepoFile {
    /// Large weights go through LFS on the Hub; everything else is a plain git file.
    pub fn is_lfs(&self) -> bool {
        self.name.ends_with(".safetensors") || self.name.ends_with(".bin")
    }

    /// The Hub's ETag: sha256 for LFS files, the git blob hash otherwise.
    pub fn etag(&self) -> String {
        if self.is_lfs() {
            sha256_hex(&self.data)
        } else {
            git_hash(&self.data)
        }
    }
}

/// A fake model repository at one commit.
#[derive(Debug, Clone)]
pub struct FakeRepo {
    pub id: String,
    pub commit: String,
    pub files: Vec<RepoFile>,
}

impl FakeRepo {
    /// Every file of a fixture folder (`reference.json` included: a repository holds files a
    /// model does not need), plus a README, `.gitattributes` and PyTorch weights.
    pub fn from_fixture(id: &str, commit: &str, fixture_name: &str) -> Self {
        let mut files: Vec<RepoFile> = std::fs::read_dir(fixture(fixture_name))
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| RepoFile {
                name: p.file_name().unwrap().to_string_lossy().into_owned(),
                data: std::fs::read(&p).unwrap(),
            })
            .collect();
        for (name, data) in [
            ("README.md", b"# a tiny model\n".to_vec()),
            (".gitattributes", b"*.safetensors filter=lfs\n".to_vec()),
            ("pytorch_model.bin", vec![7u8; 4096]),
        ] {
            files.push(RepoFile {
                name: name.into(),
                data,
            });
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Self {
            id: id.into(),
            commit: commit.into(),
            files,
        }
    }

    pub fn file(&self, name: &str) -> &RepoFile {
        self.files.iter().find(|f| f.name == name).unwrap()
    }
}

/// Lays `repo` out in the cache `root` as huggingface_hub's `snapshot_download` does: blobs
/// named by ETag, relative symlinks in `snapshots/<commit>/`, one ref file per entry of
/// `refs` (no newline). Only the files in `only` when given.
pub fn write_fake_cache(root: &Path, repo: &FakeRepo, refs: &[&str], only: Option<&[&str]>) {
    let repo_dir = root.join(format!("models--{}", repo.id.replace('/', "--")));
    let blobs = repo_dir.join("blobs");
    let snapshot = repo_dir.join("snapshots").join(&repo.commit);
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::create_dir_all(&snapshot).unwrap();
    for f in &repo.files {
        if only.is_some_and(|o| !o.contains(&f.name.as_str())) {
            continue;
        }
        let etag = f.etag();
        std::fs::write(blobs.join(&etag), &f.data).unwrap();
        std::os::unix::fs::symlink(format!("../../blobs/{etag}"), snapshot.join(&f.name)).unwrap();
    }
    for r in refs {
        let path = repo_dir.join("refs").join(r);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &repo.commit).unwrap();
    }
}

/// One request the fake servers received.
#[derive(Debug, Clone)]
pub struct Logged {
    /// `hub` or `cdn`.
    pub server: &'static str,
    pub method: String,
    pub url: String,
    pub range: Option<String>,
    pub authorization: Option<String>,
}

#[derive(Default)]
struct State {
    repos: Vec<FakeRepo>,
    token: Option<String>,
    /// File name -> bytes to send on its next GET (then the rule is used up).
    cut_next_get: HashMap<String, usize>,
    log: Vec<Logged>,
}

/// The fake Hub and its CDN, both on 127.0.0.1; stopped when dropped.
pub struct FakeHub {
    pub url: String,
    pub cdn_url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl FakeHub {
    pub fn start(repos: Vec<FakeRepo>) -> Self {
        let hub = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let cdn = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let url = format!("http://{}", hub.server_addr().to_ip().unwrap());
        let cdn_url = format!("http://{}", cdn.server_addr().to_ip().unwrap());
        let state = Arc::new(Mutex::new(State {
            repos,
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for (server, name) in [(hub, "hub"), (cdn, "cdn")] {
            let state = state.clone();
            let stop = stop.clone();
            let cdn_url = cdn_url.clone();
            threads.push(std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(Some(req)) = server.recv_timeout(Duration::from_millis(50)) {
                        handle(req, name, &state, &cdn_url);
                    }
                }
            }));
        }
        Self {
            url,
            cdn_url,
            state,
            stop,
            threads,
        }
    }

    /// Answer 401 to requests without `Authorization: Bearer <token>`.
    pub fn require_token(&self, token: &str) {
        self.state.lock().unwrap().token = Some(token.into());
    }

    /// The next GET of `file` sends only its first `bytes` bytes (a transfer cut short).
    pub fn cut_next_get(&self, file: &str, bytes: usize) {
        self.state
            .lock()
            .unwrap()
            .cut_next_get
            .insert(file.into(), bytes);
    }

    pub fn log(&self) -> Vec<Logged> {
        self.state.lock().unwrap().log.clone()
    }
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

type Reply = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap()
}

fn reply(status: u16, body: Vec<u8>) -> Reply {
    tiny_http::Response::from_data(body)
        .with_status_code(status)
        .with_chunked_threshold(usize::MAX)
}

fn error(status: u16, code: Option<&str>) -> Reply {
    let mut r = reply(status, b"{\"error\":\"fake hub error\"}".to_vec());
    if let Some(code) = code {
        r.add_header(header("X-Error-Code", code));
    }
    r
}

fn handle(req: tiny_http::Request, server: &'static str, state: &Mutex<State>, cdn_url: &str) {
    let get = |name: &'static str| {
        req.headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.to_string())
    };
    let logged = Logged {
        server,
        method: req.method().to_string(),
        url: req.url().to_string(),
        range: get("Range"),
        authorization: get("Authorization"),
    };
    let mut st = state.lock().unwrap();
    st.log.push(logged.clone());
    let resp = if server == "cdn" {
        cdn(&mut st, &logged)
    } else {
        hub(&mut st, &logged, cdn_url)
    };
    drop(st);
    let _ = req.respond(resp);
}

/// The CDN serves `/blob/<sha256>` and, like a signed storage URL, refuses a second
/// credential.
fn cdn(st: &mut State, req: &Logged) -> Reply {
    if req.authorization.is_some() {
        return error(400, None);
    }
    let sha = req.url.trim_start_matches("/blob/");
    let found = st
        .repos
        .iter()
        .flat_map(|r| r.files.iter())
        .find(|f| f.is_lfs() && f.etag() == sha)
        .cloned();
    match found {
        Some(f) => body(st, &f, req),
        None => error(404, None),
    }
}

fn hub(st: &mut State, req: &Logged, cdn_url: &str) -> Reply {
    if let Some(token) = &st.token
        && req.authorization.as_deref() != Some(&format!("Bearer {token}"))
    {
        return error(401, None);
    }
    let path = req.url.split('?').next().unwrap_or_default().to_string();
    if let Some(rest) = path.strip_prefix("/api/models/") {
        let (id, rev, tree) = match (rest.split_once("/revision/"), rest.split_once("/tree/")) {
            (Some((id, rev)), _) => (id, rev, false),
            (None, Some((id, rev))) => (id, rev, true),
            _ => return error(404, None),
        };
        let Some(repo) = st.repos.iter().find(|r| r.id == id) else {
            return error(404, Some("RepoNotFound"));
        };
        if rev != "main" && rev != repo.commit {
            return error(404, Some("RevisionNotFound"));
        }
        if tree {
            // The tree listing huggingface_hub's `snapshot_download` asks for.
            let entries: Vec<_> = repo.files.iter().map(tree_entry).collect();
            return reply(
                200,
                serde_json::Value::Array(entries).to_string().into_bytes(),
            );
        }
        let siblings: Vec<_> = repo
            .files
            .iter()
            .map(|f| serde_json::json!({ "rfilename": f.name }))
            .collect();
        let json = serde_json::json!({ "id": repo.id, "sha": repo.commit, "siblings": siblings });
        return reply(200, json.to_string().into_bytes());
    }
    // /{org}/{name}/resolve/{rev}/{file}
    let parts: Vec<&str> = path.trim_start_matches('/').splitn(5, '/').collect();
    let [org, name, "resolve", rev, file] = parts[..] else {
        return error(404, None);
    };
    let id = format!("{org}/{name}");
    let Some(repo) = st.repos.iter().find(|r| r.id == id).cloned() else {
        return error(404, Some("RepoNotFound"));
    };
    if rev != "main" && rev != repo.commit {
        return error(404, Some("RevisionNotFound"));
    }
    let Some(f) = repo.files.iter().find(|f| f.name == file).cloned() else {
        let mut r = error(404, Some("EntryNotFound"));
        r.add_header(header("X-Repo-Commit", &repo.commit));
        return r;
    };
    let mut resp = if f.is_lfs() {
        // The Hub redirects LFS files to a signed CDN URL on another host.
        let mut r = reply(302, Vec::new());
        r.add_header(header("Location", &format!("{cdn_url}/blob/{}", f.etag())));
        r.add_header(header("X-Linked-Etag", &format!("\"{}\"", f.etag())));
        r.add_header(header("X-Linked-Size", &f.data.len().to_string()));
        r
    } else if req.method == "HEAD" {
        let mut r = reply(200, f.data.clone());
        r.add_header(header("ETag", &format!("\"{}\"", f.etag())));
        r
    } else {
        body(st, &f, req)
    };
    resp.add_header(header("X-Repo-Commit", &repo.commit));
    resp
}

fn tree_entry(f: &RepoFile) -> serde_json::Value {
    let mut entry = serde_json::json!({
        "type": "file",
        "path": f.name,
        "size": f.data.len(),
        "oid": git_hash(&f.data),
    });
    if f.is_lfs() {
        entry["oid"] = git_hash(format!("lfs pointer {}", f.etag()).as_bytes()).into();
        entry["lfs"] = serde_json::json!({
            "oid": f.etag(),
            "size": f.data.len(),
            "pointerSize": 134,
        });
    }
    entry
}

/// The file's bytes, from the `Range` start when one is asked for (206), cut short when a
/// rule says so.
fn body(st: &mut State, f: &RepoFile, req: &Logged) -> Reply {
    let len = f.data.len();
    let start = req
        .range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|s| s.parse::<usize>().ok());
    let (status, from) = match start {
        Some(s) if s >= len => return error(416, None),
        Some(s) => (206, s),
        None => (200, 0),
    };
    let mut data = f.data[from..].to_vec();
    if req.method == "GET"
        && let Some(cut) = st.cut_next_get.remove(&f.name)
    {
        data.truncate(cut.saturating_sub(from));
    }
    let mut r = reply(status, data);
    r.add_header(header("ETag", &format!("\"{}\"", f.etag())));
    if status == 206 {
        r.add_header(header(
            "Content-Range",
            &format!("bytes {from}-{}/{len}", len - 1),
        ));
    }
    r
}
