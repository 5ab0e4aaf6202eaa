//! What a stage asks SLURM for: cores, memory and GPUs, from whether it runs a model and on
//! which devices its models are placed. Also the renaming of those devices inside a job,
//! where SLURM's allocation is numbered from 0 whatever the experiment file says.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::exec::slurm::settings::SlurmSettings;

/// The resources of one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobResources {
    pub cpus: u32,
    /// `--mem` (`2G`, `32G`).
    pub mem: String,
    /// `--gres=gpu:N` when above 0.
    pub gpus: u32,
}

/// Cores and memory of a stage without a model (dataset reading, preference pairs,
/// reports).
pub const LIGHT_STAGE: (u32, &str) = (1, "2G");
/// Defaults of a model stage on the CPU.
pub const CPU_MODEL_STAGE: (u32, &str) = (2, "8G");
/// Defaults of a model stage on GPUs.
pub const GPU_MODEL_STAGE: (u32, &str) = (4, "32G");

/// A device string naming a GPU, normalised (`cuda` -> `cuda:0`); `None` for the CPU or
/// anything else.
pub fn gpu_device(device: &str) -> Option<String> {
    let (kind, index) = match device.split_once(':') {
        Some((k, i)) => (k, i.parse::<u32>().ok()?),
        None => (device, 0),
    };
    matches!(kind, "cuda" | "wgpu").then(|| format!("{kind}:{index}"))
}

/// Every distinct GPU named by a `device` field anywhere in the stage's parameters (the
/// model specs of its speaker, director, reward model, local judge...), sorted.
pub fn gpu_devices(params: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(params, &mut |key, value| {
        if key == "device"
            && let Some(d) = value.as_str().and_then(gpu_device)
            && !out.contains(&d)
        {
            out.push(d);
        }
    });
    out.sort();
    out
}

fn walk(value: &Value, f: &mut impl FnMut(&str, &Value)) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                f(k, v);
                walk(v, f);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, f)),
        _ => {}
    }
}

/// The resources of a stage. `runs_model`: whether the stage loads a model at all.
pub fn job_resources(runs_model: bool, params: &Value, settings: &SlurmSettings) -> JobResources {
    if !runs_model {
        return JobResources {
            cpus: LIGHT_STAGE.0,
            mem: LIGHT_STAGE.1.to_string(),
            gpus: 0,
        };
    }
    let gpus = gpu_devices(params).len() as u32;
    let (cpus, mem) = if gpus > 0 {
        GPU_MODEL_STAGE
    } else {
        CPU_MODEL_STAGE
    };
    JobResources {
        cpus: settings.cpus_per_stage.unwrap_or(cpus),
        mem: settings
            .mem_per_stage
            .clone()
            .unwrap_or_else(|| mem.to_string()),
        gpus: match (gpus, settings.gpus_per_stage) {
            (0, _) => 0,
            (_, Some(n)) => n,
            (n, None) => n,
        },
    }
}

/// Inside a job: the i-th distinct GPU the stage names becomes device i of its kind, the
/// numbering of the GPUs SLURM allocated (`CUDA_VISIBLE_DEVICES`). `cuda:3` alone -> `cuda:0`.
pub fn job_local_devices(params: &Value) -> BTreeMap<String, String> {
    let mut next: BTreeMap<String, u32> = BTreeMap::new();
    let mut map = BTreeMap::new();
    for d in gpu_devices(params) {
        let kind = d.split(':').next().unwrap_or_default().to_string();
        let n = next.entry(kind.clone()).or_insert(0);
        map.insert(d, format!("{kind}:{n}"));
        *n += 1;
    }
    map
}

/// Rewrites every GPU `device` field of `params` by `map` (see [`job_local_devices`]).
pub fn remap_devices(params: &mut Value, map: &BTreeMap<String, String>) {
    match params {
        Value::Object(obj) => {
            for (k, v) in obj.iter_mut() {
                if k == "device"
                    && let Some(to) = v.as_str().and_then(gpu_device).and_then(|d| map.get(&d))
                {
                    *v = Value::String(to.clone());
                } else {
                    remap_devices(v, map);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| remap_devices(v, map)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn light_cpu_and_gpu_stages() {
        let s = SlurmSettings::default();
        let light = job_resources(false, &json!({"model": {"device": "cuda:0"}}), &s);
        assert_eq!((light.cpus, light.mem.as_str(), light.gpus), (1, "2G", 0));
        let cpu = job_resources(true, &json!({"model": {"device": "cpu"}}), &s);
        assert_eq!((cpu.cpus, cpu.mem.as_str(), cpu.gpus), (2, "8G", 0));
        let two = json!({
            "model": {"device": "cuda:1"},
            "reward": {"terms": [{"model": {"device": "cuda"}}, {"model": {"device": "cuda:1"}}]},
        });
        let gpu = job_resources(true, &two, &s);
        assert_eq!((gpu.cpus, gpu.mem.as_str(), gpu.gpus), (4, "32G", 2));
        let set = SlurmSettings {
            gpus_per_stage: Some(1),
            cpus_per_stage: Some(16),
            mem_per_stage: Some("120G".into()),
            ..SlurmSettings::default()
        };
        let g = job_resources(true, &two, &set);
        assert_eq!((g.cpus, g.mem.as_str(), g.gpus), (16, "120G", 1));
        // A GPU count never makes a CPU stage ask for GPUs.
        assert_eq!(job_resources(true, &json!({}), &set).gpus, 0);
    }

    #[test]
    fn devices_are_renumbered_inside_the_job() {
        let mut p = json!({
            "model": {"device": "cuda:3"},
            "judge": {"model": {"device": "cuda:1"}},
            "other": {"device": "wgpu:2"},
            "note": "device",
            "cpu": {"device": "cpu"},
        });
        let map = job_local_devices(&p);
        assert_eq!(map["cuda:1"], "cuda:0");
        assert_eq!(map["cuda:3"], "cuda:1");
        assert_eq!(map["wgpu:2"], "wgpu:0");
        remap_devices(&mut p, &map);
        assert_eq!(p["model"]["device"], "cuda:1");
        assert_eq!(p["judge"]["model"]["device"], "cuda:0");
        assert_eq!(p["other"]["device"], "wgpu:0");
        assert_eq!(p["cpu"]["device"], "cpu");
        assert_eq!(gpu_device("cuda:x"), None);
        assert_eq!(gpu_device("tpu:0"), None);
    }
}
