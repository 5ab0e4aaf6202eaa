//! [`OpenAiBackend`]: `POST {base_url}/chat/completions` as the OpenAI chat API defines it,
//! so it works with OpenAI, vLLM, llama.cpp's server and Ollama.
//!
//! The API key is read from the environment variable the configuration NAMES, at call time;
//! it is only ever put in the `Authorization` header. It is not part of the backend's
//! identity (cache keys), its `Debug` output or any failure reason (every reason is scrubbed
//! of the key's value in case a server echoes it).
//!
//! Retries with [`RetryPolicy`] on 429 (honouring `Retry-After` seconds), 408, 5xx,
//! connection errors, timeouts, and a 2xx whose body is not a chat completion (not JSON, no
//! `choices`, no message content: a fault of the server or a gateway, not the judge's
//! answer); a per-request timeout; at most `concurrency` requests in
//! flight; an optional requests-per-minute limit ([`RateLimiter`]).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use super::chat::{CallFailure, CallResult, ChatBackend, ChatRequest, OnResult};
use super::error::JudgeError;
use super::rate_limit::RateLimiter;
use super::retry::{RetryPolicy, parse_retry_after};

/// Settings of an OpenAI-compatible endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAiConfig {
    /// E.g. `https://api.openai.com/v1` or `http://127.0.0.1:8000/v1`; `/chat/completions`
    /// is appended.
    pub base_url: String,
    pub model: String,
    /// Sampling temperature (the paper judges at 0).
    pub temperature: f32,
    /// NAME of the environment variable holding the key; `None` sends no `Authorization`
    /// header (local servers). Default: `None`.
    pub api_key_env: Option<String>,
    /// Per-request timeout, connection to last byte (default 60 s).
    pub timeout: Duration,
    /// Most requests in flight (default 4).
    pub concurrency: usize,
    /// Most request starts per minute, retries included (default: no limit).
    pub rpm: Option<u32>,
    /// Sent as `seed` when set (default: not sent).
    pub seed: Option<u64>,
    /// Retries and backoff (default: [`RetryPolicy::default`]).
    pub retry: RetryPolicy,
}

impl OpenAiConfig {
    /// An endpoint with the defaults above.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>, temperature: f32) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            temperature,
            api_key_env: None,
            timeout: Duration::from_secs(60),
            concurrency: 4,
            rpm: None,
            seed: None,
            retry: RetryPolicy::default(),
        }
    }
}

/// The HTTP chat backend.
#[derive(Debug)]
pub struct OpenAiBackend {
    config: OpenAiConfig,
    url: String,
    agent: ureq::Agent,
    limiter: Option<RateLimiter>,
    /// Attempts repeated so far (see [`ChatBackend::retries`]).
    retries: AtomicUsize,
}

/// What one HTTP attempt came to.
enum Attempt {
    Answer(String),
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    Fail(CallFailure),
}

impl OpenAiBackend {
    /// Checks the configuration and builds the client (no request is made).
    pub fn new(config: OpenAiConfig) -> Result<Self, JudgeError> {
        let bad = |reason: String, help: &str| {
            Err(JudgeError::Config {
                reason,
                help: help.into(),
            })
        };
        let base = config.base_url.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return bad(
                format!("base_url `{}` is not an http(s) URL", config.base_url),
                "e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8000/v1`",
            );
        }
        if config.concurrency == 0 {
            return bad(
                "concurrency is 0".into(),
                "allow at least 1 request in flight",
            );
        }
        if config.rpm == Some(0) {
            return bad("rpm is 0".into(), "leave `rpm` out for no limit");
        }
        if config.timeout.is_zero() {
            return bad(
                "timeout is 0".into(),
                "give a per-request timeout, e.g. 60 s",
            );
        }
        if !(config.temperature.is_finite() && config.temperature >= 0.0) {
            return bad(
                format!("temperature {} is not a number >= 0", config.temperature),
                "judges usually run at temperature 0",
            );
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Self {
            url: format!("{base}/chat/completions"),
            limiter: config.rpm.map(RateLimiter::per_minute),
            retries: AtomicUsize::new(0),
            agent,
            config,
        })
    }

    pub fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    /// The key's value from the named variable, read now.
    fn read_key(&self) -> Result<Option<String>, JudgeError> {
        let Some(var) = &self.config.api_key_env else {
            return Ok(None);
        };
        match std::env::var(var) {
            Ok(key) if !key.trim().is_empty() => Ok(Some(key.trim().to_string())),
            _ => Err(JudgeError::MissingApiKey { var: var.clone() }),
        }
    }

    /// One request with its retries.
    fn call(&self, request: &ChatRequest, key: Option<&str>) -> CallResult {
        let mut body = json!({
            "model": self.config.model,
            "messages": request.messages,
            "temperature": self.config.temperature,
        });
        if let Some(n) = request.max_tokens {
            body["max_tokens"] = json!(n);
        }
        if let Some(seed) = self.config.seed {
            body["seed"] = json!(seed);
        }
        let policy = &self.config.retry;
        let mut retry = 0;
        loop {
            let (reason, after) = match self.attempt(&body, key) {
                Attempt::Answer(text) => return Ok(text),
                Attempt::Fail(failure) => return Err(scrub(failure, key)),
                Attempt::Retry { reason, after } => (reason, after),
            };
            if retry >= policy.max_retries {
                return Err(scrub(
                    CallFailure::transient(format!(
                        "gave up after {} attempts; last: {reason}",
                        retry + 1
                    )),
                    key,
                ));
            }
            let wait = match after {
                Some(after) if after > policy.max_retry_after => {
                    return Err(scrub(
                        CallFailure::transient(format!(
                            "{reason}; the server asks to retry after {} s, more than the {} s allowed",
                            after.as_secs_f64(),
                            policy.max_retry_after.as_secs_f64()
                        )),
                        key,
                    ));
                }
                Some(after) => after,
                None => policy.backoff(retry),
            };
            std::thread::sleep(wait);
            retry += 1;
            self.retries.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn attempt(&self, body: &Value, key: Option<&str>) -> Attempt {
        if let Some(limiter) = &self.limiter {
            limiter.acquire();
        }
        let mut req = self.agent.post(&self.url);
        if let Some(key) = key {
            req = req.header("Authorization", format!("Bearer {key}"));
        }
        let mut response = match req.send_json(body) {
            Ok(r) => r,
            Err(e) => return transport_error(e, self.config.timeout),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let text = match response.body_mut().read_to_string() {
            // Scrubbed before any excerpt is cut from it, so no part of the key survives.
            Ok(t) => match key {
                Some(k) if !k.is_empty() => t.replace(k, "[api key]"),
                _ => t,
            },
            Err(e) => return transport_error(e, self.config.timeout),
        };
        match status {
            200..=299 => match answer_text(&text) {
                Ok(answer) => Attempt::Answer(answer),
                Err(reason) => Attempt::Retry {
                    reason: format!("HTTP {status} with {reason}"),
                    after: None,
                },
            },
            429 | 408 | 500..=599 => Attempt::Retry {
                reason: format!("HTTP {status}: {}", excerpt(&text)),
                after: retry_after,
            },
            _ => Attempt::Fail(CallFailure::rejected(format!(
                "HTTP {status} from {}: {}",
                self.url,
                excerpt(&text)
            ))),
        }
    }
}

impl ChatBackend for OpenAiBackend {
    fn identity(&self) -> Value {
        json!({
            "backend": "openai",
            "base_url": self.config.base_url.trim_end_matches('/'),
            "model": self.config.model,
            "temperature": self.config.temperature,
            "seed": self.config.seed,
        })
    }

    fn retries(&self) -> usize {
        self.retries.load(Ordering::Relaxed)
    }

    fn complete(
        &self,
        requests: &[ChatRequest],
        on_result: &OnResult,
    ) -> Result<Vec<CallResult>, JudgeError> {
        if requests.is_empty() {
            return Ok(Vec::new());
        }
        let key = self.read_key()?;
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<CallResult>>> = Mutex::new(vec![None; requests.len()]);
        let workers = self.config.concurrency.min(requests.len());
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(request) = requests.get(i) else {
                            break;
                        };
                        let result = self.call(request, key.as_deref());
                        on_result(i, &result);
                        let mut slots = results.lock().unwrap_or_else(|p| p.into_inner());
                        if let Some(slot) = slots.get_mut(i) {
                            *slot = Some(result);
                        }
                    }
                });
            }
        });
        let slots = results.into_inner().unwrap_or_else(|p| p.into_inner());
        Ok(slots
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(CallFailure::transient("request was not run"))))
            .collect())
    }
}

/// `choices[0].message.content` of a chat-completion response body.
fn answer_text(body: &str) -> Result<String, String> {
    let value: Value = serde_json::from_str(body)
        .map_err(|e| format!("a body that is not JSON ({e}): {}", excerpt(body)))?;
    value
        .pointer("/choices/0/message/content")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            format!(
                "a body without choices[0].message.content: {}",
                excerpt(body)
            )
        })
}

fn transport_error(e: ureq::Error, timeout: Duration) -> Attempt {
    match e {
        ureq::Error::Timeout(_) => Attempt::Retry {
            reason: format!("no answer within the {} s timeout", timeout.as_secs_f64()),
            after: None,
        },
        ureq::Error::Io(_)
        | ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound
        | ureq::Error::Protocol(_) => Attempt::Retry {
            reason: format!("connection error: {e}"),
            after: None,
        },
        other => Attempt::Fail(CallFailure::rejected(format!("request error: {other}"))),
    }
}

/// The first 200 characters of a body, on one line.
fn excerpt(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = line.chars().take(200).collect();
    if cut.len() < line.len() {
        format!("{cut}...")
    } else if cut.is_empty() {
        "(empty body)".into()
    } else {
        cut
    }
}

/// Removes the key's value from a failure reason.
fn scrub(mut failure: CallFailure, key: Option<&str>) -> CallFailure {
    if let Some(key) = key.filter(|k| !k.is_empty()) {
        failure.reason = failure.reason.replace(key, "[api key]");
    }
    failure
}
