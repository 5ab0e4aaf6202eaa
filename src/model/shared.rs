//! One copy of each model's base weights per process. [`LoadedModel::load`] and
//! [`LoadedModel::load_trainable`] take the base from here: the first call for some weights
//! on some device reads them; later calls get a clone of that model, whose tensors share the
//! same storage (burn's tensors are reference-counted), so the speakers, the director, the
//! simulated users, the GRPO policy and the sampler of a process hold one copy of the base
//! between them, each with its own small adapters. A trainable model wraps the shared
//! tensors for autodiff without copying them; an optimizer step never writes into them
//! (burn's operations copy a tensor whose storage is shared).
//!
//! A base is kept while something uses it, and also after, until a load of other weights
//! finds it unused: consecutive stages on the same model load it once per run. On the CPU
//! "in use" is read from the reference count of the decode path's host weights; on other
//! devices, where there are none, only the latest base of each device is kept.
//!
//! [`LoadedModel::load`]: super::LoadedModel::load
//! [`LoadedModel::load_trainable`]: super::LoadedModel::load_trainable

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::UNIX_EPOCH;

use super::error::ModelError;
use super::loaded::LoadedModel;
use crate::spec::model::{ModelSource, ModelSpec};

struct Entry {
    key: String,
    device: String,
    model: LoadedModel,
}

#[derive(Default)]
struct Pool {
    entries: Vec<Entry>,
    /// Reads from the source, per key (for tests and the log).
    loads: BTreeMap<String, usize>,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    entries: Vec::new(),
    loads: BTreeMap::new(),
});

/// The base model of `key` on `device` (plain, no adapters): the shared copy, or `load()`'s
/// result, kept for the next caller.
pub(crate) fn shared_base(
    key: &str,
    device: &str,
    load: impl FnOnce() -> Result<LoadedModel, ModelError>,
) -> Result<LoadedModel, ModelError> {
    // One load at a time: two stages asking for the same weights at once read them once.
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(e) = pool.entries.iter().find(|e| e.key == key) {
        return Ok(e.model.clone());
    }
    pool.entries
        .retain(|e| in_use(&e.model) && (e.model.decoder.host.is_some() || e.device != device));
    let model = load()?;
    *pool.loads.entry(key.to_string()).or_default() += 1;
    pool.entries.push(Entry {
        key: key.to_string(),
        device: device.to_string(),
        model: model.clone(),
    });
    Ok(model)
}

/// Whether a model other than the pool's own copy holds the base (CPU: the host weights'
/// reference count; elsewhere assumed).
fn in_use(model: &LoadedModel) -> bool {
    match &model.decoder.host {
        Some(host) => Arc::strong_count(&host.weights) > 1,
        None => true,
    }
}

/// The key a model's base weights are shared under: its device and source (paths resolved
/// against `base_dir`, with their files' sizes and times). A Hub source must be resolved to
/// its cached folder first.
pub fn base_key(spec: &ModelSpec, base_dir: &Path) -> Result<String, ModelError> {
    let resolve = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            base_dir.join(p)
        }
    };
    let source = match &spec.source {
        ModelSource::Tiny(tiny) => format!(
            "tiny:{}",
            serde_json::to_string(tiny).unwrap_or_else(|_| format!("{tiny:?}"))
        ),
        ModelSource::HfDir { path } => format!("dir:{}", path_identity(&resolve(path))),
        ModelSource::Gguf { path } => format!("gguf:{}", path_identity(&resolve(path))),
        ModelSource::Hf { .. } => {
            return Err(ModelError::invalid(
                "a Hub model is shared under its cached folder: resolve it first",
            ));
        }
    };
    Ok(format!("{}|{}|{source}", spec.device, spec.dtype))
}

/// How many times the weights of `key` were read from their source by this process.
pub fn load_count(key: &str) -> usize {
    let pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    pool.loads.get(key).copied().unwrap_or(0)
}

/// Bases currently kept, as their keys.
pub fn kept() -> Vec<String> {
    let pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    pool.entries.iter().map(|e| e.key.clone()).collect()
}

/// Drops every kept base that nothing else uses (their memory returns once the last user
/// drops its clone).
pub fn release_unused() {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    pool.entries.retain(|e| in_use(&e.model));
}

/// A path's identity for a key: the path, and the size and modification time of the file
/// or of each file of the folder, so that weights rewritten in place load again.
fn path_identity(path: &Path) -> String {
    let stamp = |p: &Path| {
        std::fs::metadata(p)
            .ok()
            .map(|m| {
                let t = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                format!("{}:{t}", m.len())
            })
            .unwrap_or_default()
    };
    let mut out = format!("{}@{}", path.display(), stamp(path));
    if path.is_dir()
        && let Ok(dir) = std::fs::read_dir(path)
    {
        let mut files: Vec<_> = dir.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            out.push_str(&format!(
                ";{}@{}",
                f.file_name().unwrap_or_default().to_string_lossy(),
                stamp(&f)
            ));
        }
    }
    out
}
