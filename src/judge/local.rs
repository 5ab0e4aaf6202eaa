//! [`LocalBackend`]: a model of the runtime ([`LoadedModel::generate_chat`]) as a chat
//! backend, prompted like the HTTP judge and parsed the same way; requests are decoded in
//! batches, greedily at temperature 0, seeded otherwise.

use serde_json::{Value, json};

use super::chat::{CallFailure, CallResult, ChatBackend, ChatRequest, OnResult};
use super::error::JudgeError;
use crate::model::{LoadedModel, SamplingConfig};

/// Settings of a local judge or teacher.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalConfig {
    /// What the model is, for cache keys: e.g. the serialised `ModelSpec` (with the content
    /// hash of its weights when the caller has one).
    pub model_identity: Value,
    /// 0 decodes greedily (default 0).
    pub temperature: f32,
    /// Seed of the sampler at temperature > 0 (default 0).
    pub seed: u64,
    /// Most new tokens when a request does not say (default 256).
    pub max_tokens: u32,
    /// Requests decoded together (default 8).
    pub batch: usize,
}

impl LocalConfig {
    /// Greedy decoding with the defaults above.
    pub fn new(model_identity: Value) -> Self {
        Self {
            model_identity,
            temperature: 0.0,
            seed: 0,
            max_tokens: 256,
            batch: 8,
        }
    }
}

/// A loaded model answering chat requests.
#[derive(Debug)]
pub struct LocalBackend {
    model: LoadedModel,
    config: LocalConfig,
}

impl LocalBackend {
    pub fn new(model: LoadedModel, config: LocalConfig) -> Result<Self, JudgeError> {
        if config.batch == 0 {
            return Err(JudgeError::Config {
                reason: "batch is 0".into(),
                help: "decode at least 1 request at a time".into(),
            });
        }
        if !(config.temperature.is_finite() && config.temperature >= 0.0) {
            return Err(JudgeError::Config {
                reason: format!("temperature {} is not a number >= 0", config.temperature),
                help: "judges usually run at temperature 0".into(),
            });
        }
        Ok(Self { model, config })
    }

    fn sampling(&self, max_tokens: u32) -> SamplingConfig {
        SamplingConfig {
            max_tokens: max_tokens as usize,
            temperature: self.config.temperature,
            seed: self.config.seed,
            ..SamplingConfig::default()
        }
    }
}

impl ChatBackend for LocalBackend {
    fn identity(&self) -> Value {
        json!({
            "backend": "local",
            "model": self.config.model_identity,
            "temperature": self.config.temperature,
            "seed": self.config.seed,
            "default_max_tokens": self.config.max_tokens,
            "batch": self.config.batch,
        })
    }

    fn complete(
        &self,
        requests: &[ChatRequest],
        on_result: &OnResult,
    ) -> Result<Vec<CallResult>, JudgeError> {
        let mut results = Vec::with_capacity(requests.len());
        let mut start = 0;
        while start < requests.len() {
            // A batch shares one max_tokens: take the run of equal limits, at most `batch`.
            let limit = requests[start].max_tokens.unwrap_or(self.config.max_tokens);
            let mut end = start + 1;
            while end < requests.len()
                && end - start < self.config.batch
                && requests[end].max_tokens.unwrap_or(self.config.max_tokens) == limit
            {
                end += 1;
            }
            let conversations: Vec<_> = requests[start..end]
                .iter()
                .map(|r| r.messages.clone())
                .collect();
            match self
                .model
                .generate_chat(&conversations, &self.sampling(limit))
            {
                Ok(generations) if generations.len() == end - start => {
                    results.extend(generations.into_iter().map(|g| Ok(g.text)));
                }
                Ok(generations) => {
                    let reason = format!(
                        "local model returned {} generations for {} conversations",
                        generations.len(),
                        end - start
                    );
                    results
                        .extend((start..end).map(|_| Err(CallFailure::rejected(reason.clone()))));
                }
                Err(e) => {
                    let reason = format!("local model: {e}");
                    results
                        .extend((start..end).map(|_| Err(CallFailure::rejected(reason.clone()))));
                }
            }
            for (i, result) in results.iter().enumerate().skip(start) {
                on_result(i, result);
            }
            start = end;
        }
        Ok(results)
    }
}
