//! Device budgets: a heavy model stage occupies its device (`cpu`, `cuda:0`...) with an
//! estimate of the memory it will hold, read from the sizes of the weights it loads. Stages
//! start beside each other on one device while the sum of their estimates stays within the
//! memory the machine had available when the run started; a stage runs alone on its device
//! when nothing is running there, whatever its estimate. The CPU is the exception: its model
//! stages share one thread pool (rayon's), so a second one adds memory and no throughput,
//! and they run one at a time. Light stages take nothing.

use std::collections::BTreeMap;
use std::path::Path;

use crate::exec::memory::human_bytes;
use crate::plan::Stage;
use crate::spec::StageKind;

/// The device a stage occupies: `Some("cpu")`, `Some("cuda:0")`..., `None` for light stages
/// (each kind says which, from its parameters).
pub fn device_of(stage: &Stage) -> Option<String> {
    (stage.kind.spec().device)(&stage.params)
}

/// Bytes of f32 weights per byte of a GGUF file (4-bit blocks hold ~4.5 bits a weight).
const GGUF_TO_F32: u64 = 8;
/// Bytes of f32 weights per byte of safetensors (bf16/f16 files; f32 files are counted
/// twice, which errs on the side of running alone).
const SAFETENSORS_TO_F32: u64 = 2;
/// What a stage holds per byte of f32 base weights. Inference: the weights, the decode
/// path's copy of them, the caches. Training: also the activations kept for the backward
/// pass and the log-probabilities over the vocabulary (measured on the quickstart: the
/// training stages peak at 3-5x their weights, generation at ~2x).
const INFERENCE_FACTOR: u64 = 2;
const TRAINING_FACTOR: u64 = 5;

/// The memory a heavy stage is expected to hold, in bytes: the f32 size of the weights its
/// parameters name (`gguf`/`hf_dir` paths relative to `base_dir`) times its kind's factor.
/// `None` when a source's size is unknown (a Hub model not yet resolved, a missing file):
/// such a stage runs alone on its device.
pub fn memory_estimate(stage: &Stage, base_dir: &Path) -> Option<u64> {
    let mut weights = 0u64;
    let mut unknown = false;
    visit_sources(&stage.params, &mut |source, path| {
        let size = match (source, path) {
            ("tiny", _) => Some(1 << 20),
            ("gguf", Some(p)) => file_size(&base_dir.join(p)).map(|s| s * GGUF_TO_F32),
            ("hf_dir", Some(p)) => {
                safetensors_size(&base_dir.join(p)).map(|s| s * SAFETENSORS_TO_F32)
            }
            _ => None,
        };
        match size {
            Some(s) => weights = weights.max(s),
            None => unknown = true,
        }
    });
    if unknown {
        return None;
    }
    let factor = match stage.kind {
        StageKind::TrainSft
        | StageKind::TrainRewardModel
        | StageKind::AlignPersonas
        | StageKind::OptimizeDirector => TRAINING_FACTOR,
        _ => INFERENCE_FACTOR,
    };
    Some(weights * factor)
}

/// Calls `f(source, path)` for every model spec in `params` (objects with a `source` tag).
fn visit_sources(v: &serde_json::Value, f: &mut dyn FnMut(&str, Option<&str>)) {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(source) = map.get("source").and_then(|s| s.as_str())
                && matches!(source, "tiny" | "gguf" | "hf_dir" | "hf")
            {
                f(source, map.get("path").and_then(|p| p.as_str()));
            }
            for child in map.values() {
                visit_sources(child, f);
            }
        }
        serde_json::Value::Array(items) => {
            for child in items {
                visit_sources(child, f);
            }
        }
        _ => {}
    }
}

fn file_size(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}

fn safetensors_size(dir: &Path) -> Option<u64> {
    let total: u64 = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "safetensors"))
        .filter_map(|e| e.metadata().ok().map(|m| m.len()))
        .sum();
    (total > 0).then_some(total)
}

/// Why a heavy CPU stage must not start (the executor refuses it, a dry run says it would): its memory estimate exceeds `limit` (the machine's
/// available memory, or `--max-memory`). Refused before it starts rather than killed by
/// the kernel hours into a run. GPU stages are not checked: their memory is the device's.
pub fn memory_refusal(
    stage: &Stage,
    device: Option<&str>,
    estimate: Option<u64>,
    limit: Option<u64>,
) -> Option<String> {
    let (Some("cpu"), Some(estimate), Some(limit)) = (device, estimate, limit) else {
        return None;
    };
    (estimate > limit).then(|| {
        format!(
            "refused before starting: `{}` is expected to hold about {} (the f32 weights it \
             loads times its kind's factor, see `mascot run --help`), more than the {} it may \
             use; run it on a machine with more memory or a GPU, use a smaller model, or pass \
             `--max-memory {}` to run it anyway",
            stage.id,
            human_bytes(estimate),
            human_bytes(limit),
            size_flag(estimate),
        )
    })
}

/// A `--max-memory` value just above `bytes` (whole GiB).
fn size_flag(bytes: u64) -> String {
    format!("{}G", bytes.div_ceil(1 << 30))
}

/// What each device holds now.
#[derive(Debug)]
pub struct DeviceTokens {
    /// Memory the running stages of one device may hold together, bytes.
    budget: u64,
    /// Per device, the estimates of the stages running there (`None`: unknown).
    held: BTreeMap<String, Vec<Option<u64>>>,
}

impl Default for DeviceTokens {
    /// The budget is the memory available now (`MemAvailable`), or one stage per device
    /// where the platform does not tell.
    fn default() -> Self {
        Self::with_budget(crate::exec::memory::available_bytes().unwrap_or(0))
    }
}

impl DeviceTokens {
    pub fn with_budget(budget: u64) -> Self {
        Self {
            budget,
            held: BTreeMap::new(),
        }
    }

    /// Takes room for a stage on `device` with memory `estimate` if it fits (always for
    /// light stages, and for any stage on an idle device).
    pub fn try_take(&mut self, device: Option<&str>, estimate: Option<u64>) -> bool {
        let Some(d) = device else {
            return true;
        };
        let running = self.held.entry(d.to_string()).or_default();
        let fits = running.is_empty()
            || (d != "cpu"
                && estimate.is_some_and(|e| {
                    running
                        .iter()
                        .try_fold(e, |sum, r| r.map(|r| sum.saturating_add(r)))
                        .is_some_and(|sum| sum <= self.budget)
                }));
        if fits {
            running.push(estimate);
        }
        fits
    }

    /// Gives back the room a stage took with `estimate`.
    pub fn release(&mut self, device: Option<&str>, estimate: Option<u64>) {
        if let Some(d) = device
            && let Some(running) = self.held.get_mut(d)
            && let Some(i) = running.iter().position(|r| *r == estimate)
        {
            running.remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_share_a_device_while_their_estimates_fit() {
        let gpu = Some("cuda:0");
        let mut d = DeviceTokens::with_budget(10);
        assert!(d.try_take(gpu, Some(6)));
        assert!(d.try_take(gpu, Some(4)));
        assert!(!d.try_take(gpu, Some(1)), "11 > 10");
        assert!(
            d.try_take(Some("cuda:1"), Some(50)),
            "an idle device takes any stage"
        );
        assert!(d.try_take(None, None), "light stages take nothing");
        d.release(gpu, Some(6));
        assert!(d.try_take(gpu, Some(5)));
        assert!(!d.try_take(gpu, None), "an unknown estimate runs alone");
        d.release(gpu, Some(4));
        d.release(gpu, Some(5));
        assert!(d.try_take(gpu, None));
        assert!(
            !d.try_take(gpu, Some(1)),
            "nothing joins an unknown estimate"
        );
        assert!(d.try_take(Some("cpu"), Some(1)));
        assert!(
            !d.try_take(Some("cpu"), Some(1)),
            "the CPU runs one model stage"
        );
    }

    #[test]
    fn model_sources_are_found_in_parameters() {
        let params = serde_json::json!({
            "speaker": {"source": "gguf", "path": "m.gguf", "device": "cpu"},
            "judge": {"kind": "offline"},
            "list": [{"source": "tiny", "seed": 1}],
        });
        let mut seen = Vec::new();
        visit_sources(&params, &mut |s, p| {
            seen.push((s.to_string(), p.map(String::from)))
        });
        seen.sort();
        assert_eq!(
            seen,
            vec![
                ("gguf".to_string(), Some("m.gguf".to_string())),
                ("tiny".to_string(), None)
            ]
        );
    }
}
