//! The OpenAI-compatible judge against a scripted local server: rate limits, server errors,
//! hangs past the timeout, prose-wrapped JSON and garbage. Every item ends scored or failed
//! with its reason; answers are cached so a second pass makes no request; the API key never
//! reaches the cache, a failure reason or an error.

#[path = "judge/fixtures.rs"]
mod fixtures;
#[path = "judge/server.rs"]
mod server;

use std::path::Path;
use std::time::Duration;

use fixtures::*;
use mascot::judge::{
    CachedChat, CallCache, ChatBackend, ChatRequest, FailureKind, FailureReport, Judge, JudgeError,
    JudgeItem, MaxFailures, ModelJudge, OpenAiBackend, OpenAiConfig, Outcome, RetryPolicy,
};
use mascot::model::ChatMessage;
use server::{GOOD_SCORES, TestServer};

/// A fast configuration: 200 ms timeout, 3 retries, millisecond backoff.
fn config(server: &TestServer, temperature: f32) -> OpenAiConfig {
    let mut c = OpenAiConfig::new(&server.base_url, "judge-model", temperature);
    c.timeout = Duration::from_millis(200);
    c.retry = RetryPolicy {
        max_retries: 3,
        base: Duration::from_millis(5),
        max: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
    };
    c
}

fn judge(config: OpenAiConfig, cache_dir: &Path) -> Judge {
    let backend = OpenAiBackend::new(config).unwrap();
    let cache = CallCache::open(cache_dir).unwrap();
    Judge::Model(ModelJudge::new(CachedChat::new(
        Box::new(backend),
        Some(cache),
    )))
}

/// One agent-level item whose response carries the server's `case:` marker.
fn item(case: &str) -> JudgeItem {
    response_item(
        case,
        "My dog died yesterday and the house feels so empty.",
        None,
        anchor(),
        &format!("I'm so sorry. (case:{case})"),
    )
}

/// Sets a variable no other test uses to a random key; returns (name, value).
fn set_key(test: &str) -> (String, String) {
    let name = format!("MASCOT_TEST_KEY_{}", test.to_uppercase());
    let value = format!("sk-test-{}", blake3::hash(test.as_bytes()).to_hex());
    // SAFETY: each test sets its own variable, read only by that test.
    unsafe { std::env::set_var(&name, &value) };
    (name, value)
}

/// Every file under `dir`, as bytes.
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn every_item_is_scored_or_failed_and_the_cache_answers_the_rerun() {
    let server = TestServer::start(None);
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        "ok",
        "prose",
        "ratelimit",
        "flaky500",
        "hang",
        "garbage",
        "outofscale",
        "hang_always",
        "always500",
        "badbody",
    ];
    let items: Vec<JudgeItem> = cases.iter().map(|c| item(c)).collect();
    let judge = judge(config(&server, 0.0), dir.path());
    let run = judge.judge(&agent_rubric(), &items).unwrap();
    assert_eq!(run.judged.len(), cases.len());
    let outcome = |case: &str| {
        &run.judged
            .iter()
            .find(|j| j.id == case)
            .unwrap_or_else(|| panic!("no outcome for {case}"))
            .outcome
    };
    for case in ["ok", "prose", "ratelimit", "flaky500", "hang"] {
        let scores = outcome(case)
            .scores()
            .unwrap_or_else(|| panic!("{case}: {:?}", outcome(case)));
        assert_eq!(scores["empathetic_support_quality"], 5, "{case}");
        assert_eq!(scores["social_contribution"], 2, "{case}");
    }
    let failed = |case: &str| match outcome(case) {
        Outcome::Failed { kind, reason } => (*kind, reason.clone()),
        other => panic!("{case} should have failed: {other:?}"),
    };
    let (kind, reason) = failed("garbage");
    assert_eq!(kind, FailureKind::Parse);
    assert!(reason.contains("no JSON object"), "{reason}");
    let (kind, reason) = failed("outofscale");
    assert_eq!(kind, FailureKind::Parse);
    assert!(
        reason.contains("emotional_expressiveness`: 7 is outside the scale 1..5"),
        "{reason}"
    );
    let (kind, reason) = failed("hang_always");
    assert_eq!(kind, FailureKind::Transient);
    assert!(
        reason.contains("gave up after 4 attempts") && reason.contains("timeout"),
        "{reason}"
    );
    let (kind, reason) = failed("always500");
    assert_eq!(kind, FailureKind::Transient);
    assert!(reason.contains("HTTP 503"), "{reason}");
    // A 2xx that is not a chat completion is a transport fault: retried, then given up.
    let (kind, reason) = failed("badbody");
    assert_eq!(kind, FailureKind::Transient);
    assert!(
        reason.contains("gave up after 4 attempts")
            && reason.contains("choices[0].message.content"),
        "{reason}"
    );

    // Retries: 429 then success after the server's Retry-After (1 s); 500 twice then success;
    // a hang past the 200 ms timeout then success; a permanent hang and 5xx give up after
    // 1 + 3 attempts.
    let rl = server.attempts("ratelimit");
    assert_eq!(rl.len(), 2);
    assert!(
        rl[1] - rl[0] >= Duration::from_millis(950),
        "{:?}",
        rl[1] - rl[0]
    );
    assert_eq!(server.attempts("flaky500").len(), 3);
    assert_eq!(server.attempts("hang").len(), 2);
    assert_eq!(server.attempts("hang_always").len(), 4);
    assert_eq!(server.attempts("always500").len(), 4);
    assert_eq!(server.attempts("badbody").len(), 4);
    assert_eq!(run.stats.calls, cases.len());
    // 1 (ratelimit) + 2 (flaky500) + 1 (hang) + 3 (hang_always) + 3 (always500) + 3 (badbody)
    assert_eq!(run.stats.retries, 13);
    assert_eq!(run.stats.cache_hits, 0);

    let report = FailureReport::of(&run.judged);
    assert_eq!(report.failed, 5);
    assert_eq!(report.count(FailureKind::Parse), 2);
    assert_eq!(report.count(FailureKind::Transient), 3);
    assert_eq!(report.count(FailureKind::Rejected), 0);
    let err = report
        .check(MaxFailures::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("5 of 10 items failed") && err.contains("garbage (parse)"),
        "{err}"
    );

    // Second pass over the items that scored: all from the cache, same outcomes, zero
    // requests.
    let answered: Vec<JudgeItem> = ["ok", "prose", "ratelimit", "flaky500", "hang"]
        .iter()
        .map(|c| item(c))
        .collect();
    let before = server.requests();
    let again = judge.judge(&agent_rubric(), &answered).unwrap();
    assert_eq!(server.requests(), before, "the second pass made requests");
    assert_eq!(again.stats.cache_hits, answered.len());
    for j in &again.judged {
        assert_eq!(&j.outcome, outcome(&j.id), "{}", j.id);
    }

    // Failed items were not cached, whatever the failure: a rerun asks them again (a parse
    // failure once each, a transport failure with its retries).
    let failed_items = [item("always500"), item("garbage"), item("outofscale")];
    let before = server.requests();
    let retried = judge.judge(&agent_rubric(), &failed_items).unwrap();
    assert_eq!(retried.stats.calls, 3);
    assert_eq!(retried.stats.cache_hits, 0);
    assert_eq!(server.requests() - before, 4 + 1 + 1);
}

/// Regression: a 200 with an empty `choices` list, a body cut mid-JSON, a choice without
/// content or an HTML page was recorded as a rejected item, so a run with a flaky gateway
/// failed its tolerance and had to be rerun by hand.
#[test]
fn malformed_2xx_bodies_are_retried_then_answered() {
    let server = TestServer::start(None);
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        "emptychoices_once",
        "cutbody_once",
        "nocontent_once",
        "html200_once",
    ];
    let items: Vec<JudgeItem> = cases.iter().map(|c| item(c)).collect();
    let judge = judge(config(&server, 0.0), dir.path());
    let run = judge.judge(&agent_rubric(), &items).unwrap();
    for j in &run.judged {
        let scores = j
            .outcome
            .scores()
            .unwrap_or_else(|| panic!("{}: {:?}", j.id, j.outcome));
        assert_eq!(scores["empathetic_support_quality"], 5, "{}", j.id);
    }
    for case in cases {
        assert_eq!(server.attempts(case).len(), 2, "{case}");
    }
    assert_eq!(run.stats.retries, cases.len());
    assert_eq!(FailureReport::of(&run.judged).failed, 0);
    // The good answers were cached: a rerun makes no request.
    let before = server.requests();
    let again = judge.judge(&agent_rubric(), &items).unwrap();
    assert_eq!(server.requests(), before);
    assert_eq!(again.stats.cache_hits, cases.len());
}

#[test]
fn unparseable_answers_at_temperature_above_zero_are_asked_again() {
    let server = TestServer::start(None);
    let dir = tempfile::tempdir().unwrap();
    let judge = judge(config(&server, 0.7), dir.path());
    let items = [item("ok"), item("garbage")];
    judge.judge(&agent_rubric(), &items).unwrap();
    let before = server.requests();
    let run = judge.judge(&agent_rubric(), &items).unwrap();
    assert_eq!(run.stats.cache_hits, 1, "only the parsed answer is cached");
    assert_eq!(server.requests() - before, 1);
    assert!(matches!(
        run.judged[1].outcome,
        Outcome::Failed {
            kind: FailureKind::Parse,
            ..
        }
    ));
}

#[test]
fn a_corrupt_cache_entry_is_asked_again_and_replaced() {
    let server = TestServer::start(None);
    let dir = tempfile::tempdir().unwrap();
    let judge = judge(config(&server, 0.0), dir.path());
    let items = [item("ok")];
    judge.judge(&agent_rubric(), &items).unwrap();
    let files = files_under(dir.path());
    assert_eq!(files.len(), 1);
    std::fs::write(&files[0].0, b"{\"version\": 1, \"key\": \"trunc").unwrap();
    let run = judge.judge(&agent_rubric(), &items).unwrap();
    assert_eq!(run.stats.corrupt_entries, 1);
    assert_eq!(run.stats.calls, 1);
    assert!(run.judged[0].outcome.scores().is_some());
    let run = judge.judge(&agent_rubric(), &items).unwrap();
    assert_eq!(run.stats.cache_hits, 1);
    assert_eq!(server.requests(), 2);
}

#[test]
fn the_key_is_sent_but_never_stored_or_reported() {
    let (var, key) = set_key("never_stored");
    let server = TestServer::start(Some(&key));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, 0.0);
    cfg.api_key_env = Some(var.clone());
    let backend = OpenAiBackend::new(cfg.clone()).unwrap();
    assert!(!format!("{backend:?}").contains(&key));
    assert!(!backend.identity().to_string().contains(&key));
    let judge = judge(cfg.clone(), dir.path());
    let run = judge
        .judge(&agent_rubric(), &[item("ok"), item("garbage")])
        .unwrap();
    assert!(run.judged[0].outcome.scores().is_some());
    assert!(
        server
            .authorizations()
            .iter()
            .all(|a| a.as_deref() == Some(&format!("Bearer {key}")))
    );

    // A wrong key: the server answers 401 and echoes what it got; the reason hides it.
    let (wrong_var, wrong_key) = set_key("wrong_key");
    let mut wrong = cfg.clone();
    wrong.api_key_env = Some(wrong_var);
    let run_wrong = judge_with(wrong, dir.path())
        .judge(&agent_rubric(), &[item("prose")])
        .unwrap();
    let Outcome::Failed { kind, reason } = &run_wrong.judged[0].outcome else {
        panic!("{:?}", run_wrong.judged[0]);
    };
    assert_eq!(*kind, FailureKind::Rejected);
    assert!(reason.contains("HTTP 401"), "{reason}");
    assert!(
        !reason.contains(&wrong_key) && reason.contains("[api key]"),
        "{reason}"
    );

    let report = FailureReport::of(&run.judged);
    let err = report.check(MaxFailures::Count(0)).unwrap_err();
    for text in [
        err.to_string(),
        format!("{err:?}"),
        format!("{:?}", run.judged),
    ] {
        assert!(!text.contains(&key));
    }
    let files = files_under(dir.path());
    assert!(!files.is_empty());
    for (path, bytes) in &files {
        assert!(!contains(bytes, &key), "{path} holds the key");
        assert!(!contains(bytes, &wrong_key), "{path} holds the wrong key");
        assert!(!path.contains(&key));
    }
}

fn judge_with(config: OpenAiConfig, cache_dir: &Path) -> Judge {
    judge(config, cache_dir)
}

#[test]
fn a_missing_key_variable_is_an_error_naming_it() {
    let server = TestServer::start(None);
    let mut cfg = config(&server, 0.0);
    cfg.api_key_env = Some("MASCOT_TEST_KEY_THAT_IS_NOT_SET".into());
    let dir = tempfile::tempdir().unwrap();
    let err = judge(cfg, dir.path())
        .judge(&agent_rubric(), &[item("ok")])
        .unwrap_err();
    assert!(matches!(err, JudgeError::MissingApiKey { .. }));
    assert!(err.to_string().contains("MASCOT_TEST_KEY_THAT_IS_NOT_SET"));
    assert_eq!(server.requests(), 0);
}

#[test]
fn at_most_concurrency_requests_in_flight() {
    let server = TestServer::start(None);
    let mut cfg = config(&server, 0.0);
    cfg.concurrency = 2;
    let backend = OpenAiBackend::new(cfg).unwrap();
    let requests: Vec<ChatRequest> = (0..6)
        .map(|i| ChatRequest {
            messages: vec![ChatMessage::new("user", format!("request {i} case:slow"))],
            max_tokens: Some(16),
        })
        .collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let answers = backend
        .complete(&requests, &|_, _| {
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })
        .unwrap();
    assert_eq!(done.into_inner(), 6, "on_result runs once per request");
    assert_eq!(answers.len(), 6);
    assert!(answers.iter().all(|a| a.as_deref() == Ok(GOOD_SCORES)));
    assert_eq!(server.requests(), 6);
    assert!(server.max_in_flight() <= 2, "{}", server.max_in_flight());
}

#[test]
fn identical_requests_in_a_batch_are_sent_once() {
    let server = TestServer::start(None);
    let dir = tempfile::tempdir().unwrap();
    let run = judge(config(&server, 0.0), dir.path())
        .judge(&agent_rubric(), &[item("ok"), item("ok"), item("ok")])
        .unwrap();
    assert_eq!(run.stats.calls, 1);
    assert_eq!(server.requests(), 1);
    assert!(run.judged.iter().all(|j| j.outcome.scores().is_some()));
}

#[test]
fn teacher_generation_is_cached_like_judge_calls() {
    let server = TestServer::start(None);
    let dir = tempfile::tempdir().unwrap();
    let chat = CachedChat::new(
        Box::new(OpenAiBackend::new(config(&server, 0.0)).unwrap()),
        Some(CallCache::open(dir.path()).unwrap()),
    );
    let requests = vec![ChatRequest {
        messages: vec![
            ChatMessage::new("system", "You are Anchor."),
            ChatMessage::new("user", "I failed my exam. case:ok"),
        ],
        max_tokens: Some(64),
    }];
    let (first, stats) = chat.generate(&requests).unwrap();
    assert_eq!(first[0].as_deref(), Ok(GOOD_SCORES));
    assert_eq!(stats.calls, 1);
    let (second, stats) = chat.generate(&requests).unwrap();
    assert_eq!(second, first);
    assert_eq!(stats.cache_hits, 1);
    assert_eq!(server.requests(), 1);
}

#[test]
fn bad_configurations_are_errors() {
    for (mutate, needle) in [
        (
            Box::new(|c: &mut OpenAiConfig| c.base_url = "api.openai.com/v1".into())
                as Box<dyn Fn(&mut OpenAiConfig)>,
            "not an http(s) URL",
        ),
        (
            Box::new(|c: &mut OpenAiConfig| c.concurrency = 0),
            "concurrency is 0",
        ),
        (Box::new(|c: &mut OpenAiConfig| c.rpm = Some(0)), "rpm is 0"),
        (
            Box::new(|c: &mut OpenAiConfig| c.temperature = -1.0),
            "temperature",
        ),
    ] {
        let mut c = OpenAiConfig::new("http://127.0.0.1:9/v1", "m", 0.0);
        mutate(&mut c);
        let err = OpenAiBackend::new(c).unwrap_err();
        assert!(err.to_string().contains(needle), "{err}");
    }
}
