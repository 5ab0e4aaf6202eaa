//! [`CachedChat`]: a [`ChatBackend`] behind the call cache. Every request is looked up by
//! its key first; only the misses reach the backend (identical requests once), and each
//! fresh answer the caller wants kept is stored. Used for judging (with a rubric in the key)
//! and for plain generation (teacher demonstrations).

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::{Value, json};

use super::cache::{CallCache, Lookup};
use super::chat::{CallResult, ChatBackend, ChatRequest};
use super::error::JudgeError;

/// What a batch of requests cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CallStats {
    /// Requests asked for.
    pub requests: usize,
    /// Answered from the cache.
    pub cache_hits: usize,
    /// Sent to the backend (distinct requests that missed the cache).
    pub calls: usize,
    /// Cache entries that could not be read and were asked again.
    pub corrupt_entries: usize,
    /// Attempts repeated after a transport fault (429, 5xx, timeout, malformed 2xx body).
    pub retries: usize,
}

impl CallStats {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: CallStats) {
        self.requests += other.requests;
        self.cache_hits += other.cache_hits;
        self.calls += other.calls;
        self.corrupt_entries += other.corrupt_entries;
        self.retries += other.retries;
    }
}

/// A chat backend with an optional call cache.
#[derive(Debug)]
pub struct CachedChat {
    backend: Box<dyn ChatBackend>,
    cache: Option<CallCache>,
}

impl CachedChat {
    /// `cache: None` calls the backend for every request.
    pub fn new(backend: Box<dyn ChatBackend>, cache: Option<CallCache>) -> Self {
        Self { backend, cache }
    }

    pub fn backend(&self) -> &dyn ChatBackend {
        self.backend.as_ref()
    }

    /// The cache key of `request` made for `purpose`.
    pub fn key(&self, purpose: &Value, request: &ChatRequest) -> String {
        CallCache::key(&json!({
            "purpose": purpose,
            "backend": self.backend.identity(),
            "messages": request.messages,
            "max_tokens": request.max_tokens,
        }))
    }

    /// One result per request. `keep(answer)` says whether a fresh answer is stored.
    pub fn complete(
        &self,
        purpose: &Value,
        requests: &[ChatRequest],
        keep: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<(Vec<CallResult>, CallStats), JudgeError> {
        self.complete_keyed(&|_| purpose.clone(), requests, keep)
    }

    /// Plain generation (teacher demonstrations): every answer is cached.
    pub fn generate(
        &self,
        requests: &[ChatRequest],
    ) -> Result<(Vec<CallResult>, CallStats), JudgeError> {
        self.complete(&json!("generate"), requests, &|_| true)
    }

    /// Independent samples: request `i` is sample number `samples[i]` of its conversation, so
    /// equal conversations with different sample numbers are distinct calls (K candidates of
    /// one prompt), each cached under its own key.
    pub fn generate_samples(
        &self,
        requests: &[ChatRequest],
        samples: &[u64],
    ) -> Result<(Vec<CallResult>, CallStats), JudgeError> {
        self.complete_keyed(
            &|i| json!({"sample": samples.get(i).copied().unwrap_or(0)}),
            requests,
            &|_| true,
        )
    }

    /// [`CachedChat::complete`] with the purpose of request `i` given by `purpose(i)`.
    fn complete_keyed(
        &self,
        purpose: &dyn Fn(usize) -> Value,
        requests: &[ChatRequest],
        keep: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<(Vec<CallResult>, CallStats), JudgeError> {
        let mut stats = CallStats {
            requests: requests.len(),
            ..CallStats::default()
        };
        let keys: Vec<String> = requests
            .iter()
            .enumerate()
            .map(|(i, r)| self.key(&purpose(i), r))
            .collect();
        let mut results: Vec<Option<CallResult>> = vec![None; requests.len()];
        // Misses, one per distinct key, with every request index that shares it.
        let mut misses: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, key) in keys.iter().enumerate() {
            let lookup = match &self.cache {
                Some(cache) => cache.get(key),
                None => Lookup::Miss,
            };
            match lookup {
                Lookup::Hit(answer) => {
                    stats.cache_hits += 1;
                    results[i] = Some(Ok(answer));
                }
                Lookup::Miss => misses.entry(key).or_default().push(i),
                Lookup::Corrupt(_) => {
                    stats.corrupt_entries += 1;
                    misses.entry(key).or_default().push(i);
                }
            }
        }
        let order: Vec<(&str, Vec<usize>)> = misses.into_iter().collect();
        let to_send: Vec<ChatRequest> = order
            .iter()
            .filter_map(|(_, idx)| idx.first().and_then(|&i| requests.get(i)).cloned())
            .collect();
        stats.calls = to_send.len();
        // Answers are stored as they arrive, so a run killed mid-batch keeps them.
        let store_error: Mutex<Option<JudgeError>> = Mutex::new(None);
        let cache = self.cache.as_ref();
        let store = |j: usize, answer: &CallResult| {
            if let (Some(cache), Some((key, _)), Ok(text)) = (cache, order.get(j), answer)
                && keep(text)
                && let Err(e) = cache.put(key, text)
            {
                store_error
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert(e);
            }
        };
        let retries_before = self.backend.retries();
        let answers = self.backend.complete(&to_send, &store)?;
        stats.retries = self.backend.retries().saturating_sub(retries_before);
        if let Some(e) = store_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
        for ((_, indices), answer) in order.iter().zip(answers) {
            for &i in indices {
                results[i] = Some(answer.clone());
            }
        }
        let results = results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(super::chat::CallFailure::rejected(
                        "the backend returned fewer answers than requests",
                    ))
                })
            })
            .collect();
        Ok((results, stats))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::chat::OnResult;
    use crate::model::ChatMessage;

    /// Answers the first request, then dies (like a process killed mid-batch).
    #[derive(Debug)]
    struct DiesAfterOne;

    impl ChatBackend for DiesAfterOne {
        fn identity(&self) -> Value {
            json!({"backend": "fake"})
        }
        fn complete(
            &self,
            _requests: &[ChatRequest],
            on_result: &OnResult,
        ) -> Result<Vec<CallResult>, JudgeError> {
            on_result(0, &Ok("first answer".into()));
            Err(JudgeError::Config {
                reason: "killed".into(),
                help: String::new(),
            })
        }
    }

    /// Answers every request with its last message, counting requests.
    #[derive(Debug, Default)]
    struct Echo {
        calls: std::sync::atomic::AtomicUsize,
    }

    impl ChatBackend for Echo {
        fn identity(&self) -> Value {
            json!({"backend": "fake"})
        }
        fn complete(
            &self,
            requests: &[ChatRequest],
            on_result: &OnResult,
        ) -> Result<Vec<CallResult>, JudgeError> {
            let out: Vec<CallResult> = requests
                .iter()
                .map(|r| {
                    Ok(r.messages
                        .last()
                        .map(|m| m.content.clone())
                        .unwrap_or_default())
                })
                .collect();
            for (i, r) in out.iter().enumerate() {
                self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                on_result(i, r);
            }
            Ok(out)
        }
    }

    fn requests() -> Vec<ChatRequest> {
        ["a", "b", "c"]
            .iter()
            .map(|t| ChatRequest {
                messages: vec![ChatMessage::new("user", *t)],
                max_tokens: None,
            })
            .collect()
    }

    #[test]
    fn samples_of_one_conversation_are_distinct_calls() {
        let dir = tempfile::tempdir().unwrap();
        let chat = CachedChat::new(
            Box::new(Echo::default()),
            Some(CallCache::open(dir.path()).unwrap()),
        );
        let same: Vec<ChatRequest> = requests().into_iter().take(1).cycle().take(3).collect();
        let (_, stats) = chat.generate_samples(&same, &[0, 1, 2]).unwrap();
        assert_eq!(stats.calls, 3);
        let (_, again) = chat.generate_samples(&same, &[0, 1, 2]).unwrap();
        assert_eq!((again.calls, again.cache_hits), (0, 3));
        // Plain generation dedups equal conversations.
        let (_, plain) = chat.generate(&same).unwrap();
        assert_eq!(plain.calls, 1);
    }

    #[test]
    fn answers_given_before_a_crash_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let dying = CachedChat::new(
            Box::new(DiesAfterOne),
            Some(CallCache::open(dir.path()).unwrap()),
        );
        assert!(dying.generate(&requests()).is_err());
        let resumed = CachedChat::new(
            Box::new(Echo::default()),
            Some(CallCache::open(dir.path()).unwrap()),
        );
        let (answers, stats) = resumed.generate(&requests()).unwrap();
        assert_eq!(stats.cache_hits, 1);
        assert_eq!(stats.calls, 2);
        // The kept answer belongs to the first request sent (keys are sent in key order).
        let kept = answers
            .iter()
            .filter(|a| a.as_deref() == Ok("first answer"))
            .count();
        assert_eq!(kept, 1);
    }
}
