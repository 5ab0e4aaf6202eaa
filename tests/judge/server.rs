//! A scripted OpenAI-compatible chat server on 127.0.0.1 for the judge tests. The reply to a
//! request is chosen by a `case:<name>` marker in its last message; the server counts
//! requests, remembers when each case was asked, and the most requests it had in flight.
//! [`TestServer::teacher`] answers as a teacher instead: a director prompt (its system
//! message starts `You are the director`) with the format example that ends it, anything else
//! with `Teacher reply <n>.`, n counting the requests (a judge prompt, `Rate ...`, with the
//! agent rubric's scores, all `1 + n mod 5`).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tiny_http::{Header, Response, Server};

/// A valid answer for the agent rubric of the tests.
pub const GOOD_SCORES: &str = r#"{"emotional_expressiveness": 4, "empathetic_support_quality": 5, "consistency": 3, "response_relevance": 4, "social_contribution": 2}"#;

#[derive(Default)]
struct State {
    /// Attempts per case, with their arrival times.
    attempts: BTreeMap<String, Vec<Instant>>,
    authorizations: Vec<Option<String>>,
    /// Answer as a teacher (see the module documentation).
    teacher: bool,
    /// Every request's messages, in arrival order.
    bodies: Vec<serde_json::Value>,
}

pub struct TestServer {
    pub base_url: String,
    server: Arc<Server>,
    requests: Arc<AtomicUsize>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
    state: Arc<Mutex<State>>,
    expected_key: Option<String>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts the server; requests whose `Authorization` is not `Bearer <expected_key>` get
    /// a 401 that echoes the header they sent (a server that leaks what it was given).
    /// A server that answers as a teacher, with no key.
    pub fn teacher() -> Self {
        let server = Self::start(None);
        server.state.lock().unwrap().teacher = true;
        server
    }

    /// The `messages` of every request received, in arrival order.
    pub fn bodies(&self) -> Vec<serde_json::Value> {
        self.state.lock().unwrap().bodies.clone()
    }

    pub fn start(expected_key: Option<&str>) -> Self {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("ip address").port();
        let requests = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let state = Arc::new(Mutex::new(State::default()));
        let expected = expected_key.map(String::from);
        let thread = {
            let (server, requests, in_flight, max_in_flight, state, expected) = (
                server.clone(),
                requests.clone(),
                in_flight.clone(),
                max_in_flight.clone(),
                state.clone(),
                expected.clone(),
            );
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    requests.fetch_add(1, Ordering::SeqCst);
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    max_in_flight.fetch_max(now, Ordering::SeqCst);
                    let (in_flight, state, expected) =
                        (in_flight.clone(), state.clone(), expected.clone());
                    std::thread::spawn(move || {
                        handle(request, &state, expected.as_deref());
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            })
        };
        Self {
            base_url: format!("http://127.0.0.1:{port}/v1"),
            server,
            requests,
            in_flight,
            max_in_flight,
            state,
            expected_key: expected,
            thread: Some(thread),
        }
    }

    /// HTTP requests received so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    /// Arrival times of the attempts of one case.
    pub fn attempts(&self, case: &str) -> Vec<Instant> {
        self.state
            .lock()
            .unwrap()
            .attempts
            .get(case)
            .cloned()
            .unwrap_or_default()
    }

    /// The `Authorization` headers received.
    pub fn authorizations(&self) -> Vec<Option<String>> {
        self.state.lock().unwrap().authorizations.clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn handle(mut request: tiny_http::Request, state: &Mutex<State>, expected_key: Option<&str>) {
    let mut body = String::new();
    let _ = request.as_reader().read_to_string(&mut body);
    let auth = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .map(|h| h.value.as_str().to_string());
    let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let last = value
        .pointer("/messages")
        .and_then(|m| m.as_array())
        .and_then(|m| m.last())
        .and_then(|m| m.pointer("/content"))
        .and_then(|c| c.as_str())
        .unwrap_or("")
        .to_string();
    let case = last
        .split("case:")
        .nth(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .unwrap_or_else(|| "ok".into());
    let (attempt, teacher, n) = {
        let mut s = state.lock().unwrap();
        s.authorizations.push(auth.clone());
        s.bodies
            .push(value.pointer("/messages").cloned().unwrap_or_default());
        let (teacher, n) = (s.teacher, s.bodies.len());
        let list = s.attempts.entry(case.clone()).or_default();
        list.push(Instant::now());
        (list.len(), teacher, n)
    };
    if let Some(key) = expected_key
        && auth.as_deref() != Some(&format!("Bearer {key}"))
    {
        let echo = format!(
            r#"{{"error": "invalid key", "you_sent": {:?}}}"#,
            auth.unwrap_or_default()
        );
        let _ = request.respond(Response::from_string(echo).with_status_code(401));
        return;
    }
    let answer = |content: &str| {
        serde_json::json!({
            "id": "test",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        })
        .to_string()
    };
    let status =
        |code: u16, text: &str| Response::from_string(text.to_string()).with_status_code(code);
    if teacher {
        let directing = value
            .pointer("/messages/0/content")
            .and_then(|c| c.as_str())
            .is_some_and(|c| c.starts_with("You are the director"));
        let text = if directing {
            last.lines().last().unwrap_or("").to_string()
        } else if last.starts_with("Rate ") {
            // Judging: scores that differ between requests, so candidates can be ranked.
            let v = 1 + n % 5;
            format!(
                r#"{{"emotional_expressiveness": {v}, "empathetic_support_quality": {v}, "consistency": {v}, "response_relevance": {v}, "social_contribution": {v}}}"#
            )
        } else {
            format!("Teacher reply {n}.")
        };
        let _ = request.respond(status(200, &answer(&text)));
        return;
    }
    let response = match (case.as_str(), attempt) {
        ("ok", _) => status(200, &answer(GOOD_SCORES)),
        ("prose", _) => status(
            200,
            &answer(&format!(
                "Sure! Here is my assessment of the response.\n```json\n{GOOD_SCORES}\n```\nLet me know if you need more detail."
            )),
        ),
        ("ratelimit", 1) => status(429, r#"{"error": "rate limited"}"#)
            .with_header(Header::from_bytes("Retry-After", "1").expect("header")),
        ("flaky500", 1 | 2) => status(500, "internal error"),
        ("always500", _) => status(503, "overloaded"),
        ("hang", 1) | ("hang_always", _) => {
            std::thread::sleep(Duration::from_millis(1000));
            status(200, &answer(GOOD_SCORES))
        }
        ("garbage", _) => status(
            200,
            &answer("I think it is a pretty good response overall."),
        ),
        ("outofscale", _) => status(
            200,
            &answer(
                r#"{"emotional_expressiveness": 7, "empathetic_support_quality": 5, "consistency": 3, "response_relevance": 4, "social_contribution": 2}"#,
            ),
        ),
        ("badbody", _) => status(200, r#"{"choices": []}"#),
        // Transport faults dressed as answers, once each, then a good answer: an empty
        // `choices` list, a body cut mid-JSON, a choice without message content, and an HTML
        // error page from a gateway with status 200.
        ("emptychoices_once", 1) => status(200, r#"{"choices": []}"#),
        ("cutbody_once", 1) => status(200, r#"{"id": "test", "choices": [{"index": 0, "mess"#),
        ("nocontent_once", 1) => status(
            200,
            r#"{"choices": [{"index": 0, "message": {"role": "assistant"}}]}"#,
        ),
        ("html200_once", 1) => status(200, "<html><body>Bad gateway</body></html>"),
        ("slow", _) => {
            std::thread::sleep(Duration::from_millis(50));
            status(200, &answer(GOOD_SCORES))
        }
        _ => status(200, &answer(GOOD_SCORES)),
    };
    let _ = request.respond(response);
}
