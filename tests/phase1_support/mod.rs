//! Shared helpers of the phase 1 stage tests: an OpenAI-compatible judge server on 127.0.0.1
//! whose behaviour per item is fixed by the order in which distinct items first arrive
//! (429 with Retry-After, 500, a hang past the client's timeout, prose-wrapped JSON,
//! garbage, plain JSON), with scores derived from a hash of the request so that candidates
//! differ; and a temporary checkout holding the persona files, the fixture data and one
//! experiment.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tiny_http::{Header, Response, Server};

/// The criteria of `agent_criteria` (personas/rubrics.mascot).
pub const CRITERIA: [&str; 5] = [
    "emotional_expressiveness",
    "empathetic_support_quality",
    "consistency",
    "response_relevance",
    "social_contribution",
];

/// What the server does with the n-th distinct item (n modulo [`BEHAVIOURS`]).
pub const BEHAVIOURS: [&str; 8] = [
    "ratelimit",
    "error500",
    "hang",
    "prose",
    "garbage",
    "plain",
    "plain",
    "plain",
];

/// How long a `hang` answer takes (the tests' client timeout is 1 s).
pub const HANG: Duration = Duration::from_millis(2500);

#[derive(Default)]
struct State {
    /// Item (hash of the request's messages) -> (its behaviour, attempts so far).
    items: BTreeMap<String, (&'static str, usize)>,
    /// Authorization headers seen.
    authorizations: Vec<Option<String>>,
}

pub struct JudgeServer {
    pub base_url: String,
    server: Arc<Server>,
    requests: Arc<AtomicUsize>,
    state: Arc<Mutex<State>>,
    thread: Option<JoinHandle<()>>,
}

impl JudgeServer {
    /// Starts the server; a request without `Authorization: Bearer <key>` gets a 401.
    pub fn start(key: &str) -> JudgeServer {
        Self::start_with(key, &BEHAVIOURS)
    }

    /// A server that answers every item with plain JSON scores.
    pub fn plain(key: &str) -> JudgeServer {
        Self::start_with(key, &["plain"])
    }

    /// A server whose n-th distinct item gets `behaviours[n % len]`.
    pub fn start_with(key: &str, behaviours: &'static [&'static str]) -> JudgeServer {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("ip").port();
        let requests = Arc::new(AtomicUsize::new(0));
        let state = Arc::new(Mutex::new(State::default()));
        let thread = {
            let (server, requests, state) = (server.clone(), requests.clone(), state.clone());
            let key = key.to_string();
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    requests.fetch_add(1, Ordering::SeqCst);
                    let (state, key) = (state.clone(), key.clone());
                    std::thread::spawn(move || handle(request, &state, &key, behaviours));
                }
            })
        };
        JudgeServer {
            base_url: format!("http://127.0.0.1:{port}/v1"),
            server,
            requests,
            state,
            thread: Some(thread),
        }
    }

    /// HTTP requests received so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Distinct items per behaviour.
    pub fn items_by_behaviour(&self) -> BTreeMap<&'static str, usize> {
        let mut out = BTreeMap::new();
        for (b, _) in self.state.lock().unwrap().items.values() {
            *out.entry(*b).or_default() += 1;
        }
        out
    }

    pub fn authorizations(&self) -> Vec<Option<String>> {
        self.state.lock().unwrap().authorizations.clone()
    }
}

impl Drop for JudgeServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Scores in 1..=5 drawn from the item's hash.
pub fn scores_for(item: &str) -> String {
    let h = blake3::hash(item.as_bytes());
    let fields: Vec<String> = CRITERIA
        .iter()
        .zip(h.as_bytes())
        .map(|(c, b)| format!("\"{c}\": {}", 1 + b % 5))
        .collect();
    format!("{{{}}}", fields.join(", "))
}

fn handle(
    mut request: tiny_http::Request,
    state: &Mutex<State>,
    key: &str,
    behaviours: &'static [&'static str],
) {
    let mut body = String::new();
    let _ = request.as_reader().read_to_string(&mut body);
    let auth = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .map(|h| h.value.as_str().to_string());
    let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let item = blake3::hash(value["messages"].to_string().as_bytes())
        .to_hex()
        .to_string();
    let (behaviour, attempt) = {
        let mut s = state.lock().unwrap();
        s.authorizations.push(auth.clone());
        let n = s.items.len();
        let entry = s
            .items
            .entry(item.clone())
            .or_insert((behaviours[n % behaviours.len()], 0));
        entry.1 += 1;
        (entry.0, entry.1)
    };
    if auth.as_deref() != Some(&format!("Bearer {key}")) {
        let _ = request.respond(Response::from_string("bad key").with_status_code(401));
        return;
    }
    let answer = |content: &str| {
        serde_json::json!({
            "id": "t", "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        })
        .to_string()
    };
    let ok = || Response::from_string(answer(&scores_for(&item))).with_status_code(200);
    let response = match (behaviour, attempt) {
        ("ratelimit", 1) => Response::from_string("slow down")
            .with_status_code(429)
            .with_header(Header::from_bytes("Retry-After", "1").expect("header")),
        ("error500", 1) => Response::from_string("internal error").with_status_code(500),
        ("hang", 1) => {
            std::thread::sleep(HANG);
            ok()
        }
        ("prose", _) => Response::from_string(answer(&format!(
            "Here is my assessment.\n```json\n{}\n```\nHope this helps!",
            scores_for(&item)
        )))
        .with_status_code(200),
        ("garbage", _) => Response::from_string(answer("What a lovely response, I like it."))
            .with_status_code(200),
        _ => ok(),
    };
    let _ = request.respond(response);
}

/// A temporary checkout: `personas/`, `data/` (the fixture data) and `experiments/`.
pub struct Checkout {
    pub dir: tempfile::TempDir,
}

impl Checkout {
    /// Copies the persona files and the fixture data, and writes `experiments/<name>`.
    pub fn new(name: &str, experiment: &str) -> Checkout {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_dir(&root.join("personas"), &dir.path().join("personas"));
        copy_dir(&root.join("tests/fixtures/data"), &dir.path().join("data"));
        std::fs::create_dir_all(dir.path().join("experiments")).unwrap();
        std::fs::write(dir.path().join("experiments").join(name), experiment).unwrap();
        Checkout { dir }
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join("experiments").join(name)
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join("experiments/.mascot")
    }

    /// Replaces the first `from` in the experiment file.
    pub fn edit(&self, name: &str, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.file(name)).unwrap();
        assert!(text.contains(from), "{name} does not contain `{from}`");
        std::fs::write(self.file(name), text.replacen(from, to, 1)).unwrap();
    }

    /// The newest artifact of stage `id`: its directory and manifest.
    pub fn artifact(&self, id: &str) -> (PathBuf, serde_json::Value) {
        let mut found: Vec<(String, PathBuf, serde_json::Value)> = Vec::new();
        for e in std::fs::read_dir(self.store().join("objects")).unwrap() {
            let dir = e.unwrap().path();
            let m: serde_json::Value =
                serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
            if m["stage_id"] == id {
                found.push((m["finished"].to_string(), dir, m));
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let (_, dir, m) = found
            .pop()
            .unwrap_or_else(|| panic!("no artifact of stage {id}"));
        (dir, m)
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_name() == ".mascot" {
            continue;
        }
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` (recursively) with its bytes.
pub fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else if let Ok(bytes) = std::fs::read(&p) {
            out.push((p, bytes));
        }
    }
    out
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
