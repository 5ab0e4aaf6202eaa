//! [`CachedChat`]: a [`ChatBackend`] behind the call cache. Every request is looked up by
//! its key first; only the misses reach the backend (identical requests once), and each
//! fresh answer the caller wants kept is stored. Used for judging (with a rubric in the key)
//! and for plain generation (teacher demonstrations).

use std::collections::BTreeMap;

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
}

impl CallStats {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: CallStats) {
        self.requests += other.requests;
        self.cache_hits += other.cache_hits;
        self.calls += other.calls;
        self.corrupt_entries += other.corrupt_entries;
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
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<(Vec<CallResult>, CallStats), JudgeError> {
        let mut stats = CallStats {
            requests: requests.len(),
            ..CallStats::default()
        };
        let keys: Vec<String> = requests.iter().map(|r| self.key(purpose, r)).collect();
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
        let answers = self.backend.complete(&to_send)?;
        for ((key, indices), answer) in order.iter().zip(answers) {
            if let (Some(cache), Ok(text)) = (&self.cache, &answer)
                && keep(text)
            {
                cache.put(key, text)?;
            }
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

    /// Plain generation (teacher demonstrations): every answer is cached.
    pub fn generate(
        &self,
        requests: &[ChatRequest],
    ) -> Result<(Vec<CallResult>, CallStats), JudgeError> {
        self.complete(&json!("generate"), requests, &|_| true)
    }
}
