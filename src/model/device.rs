//! The runtime device a model runs on, parsed from the spec's `device` string: `cpu` (burn's
//! Flex backend, the default), `cuda:N` (feature `cuda`) or `wgpu:N` (feature `wgpu`).

use std::sync::{Arc, Mutex};

use burn::tensor::{Device, Tensor, TensorData};

use super::error::ModelError;

/// Whether `device` (with or without autodiff) is the CPU backend, where the host kernels of
/// `mascot-kernels` serve decoding and dropout masks.
pub fn is_cpu(device: &Device) -> bool {
    device.clone().without_autodiff() == Device::flex()
}

/// Parses `cpu`, `cuda`, `cuda:N`, `wgpu` or `wgpu:N` into a burn device.
pub fn parse_device(spec: &str) -> Result<Device, ModelError> {
    let (kind, index) = match spec.split_once(':') {
        Some((kind, index)) => {
            let index = index
                .trim()
                .parse::<usize>()
                .map_err(|_| ModelError::Device {
                    device: spec.to_string(),
                    reason: format!("`{index}` is not a device index"),
                })?;
            (kind.trim(), index)
        }
        None => (spec.trim(), 0),
    };
    match kind {
        "cpu" | "flex" => Ok(Device::flex()),
        "cuda" => cuda_device(spec, index),
        "wgpu" => wgpu_device(spec, index),
        other => Err(ModelError::Device {
            device: spec.to_string(),
            reason: format!("unknown device kind `{other}`"),
        }),
    }
}

#[cfg(feature = "cuda")]
fn cuda_device(spec: &str, index: usize) -> Result<Device, ModelError> {
    probe(spec, Device::cuda(index))
}

#[cfg(not(feature = "cuda"))]
fn cuda_device(spec: &str, _index: usize) -> Result<Device, ModelError> {
    Err(ModelError::Device {
        device: spec.to_string(),
        reason: "this binary was built without the `cuda` feature (cargo build --features cuda)"
            .into(),
    })
}

#[cfg(feature = "wgpu")]
fn wgpu_device(spec: &str, index: usize) -> Result<Device, ModelError> {
    probe(
        spec,
        Device::wgpu(burn::tensor::DeviceKind::DiscreteGpu(index)),
    )
}

/// Runs one tiny operation on a GPU device. The GPU runtimes panic (on a thread of their
/// own, then on ours) when no adapter or driver is found; that panic becomes an error that
/// says why, instead of a crash.
#[cfg_attr(not(any(feature = "cuda", feature = "wgpu")), allow(dead_code))]
fn probe(spec: &str, device: Device) -> Result<Device, ModelError> {
    let first_message: Arc<Mutex<Option<String>>> = Arc::default();
    let previous = std::panic::take_hook();
    let sink = Arc::clone(&first_message);
    std::panic::set_hook(Box::new(move |info| {
        let mut slot = sink.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert_with(|| panic_text(info.payload()));
    }));
    let outcome = std::panic::catch_unwind(|| {
        let t = Tensor::<1>::from_data(TensorData::new(vec![1.0f32, 2.0], [2]), &device);
        t.sum().into_data()
    });
    std::panic::set_hook(previous);
    match outcome {
        Ok(_) => Ok(device),
        Err(payload) => {
            let reason = first_message
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_else(|| panic_text(payload.as_ref()));
            Err(ModelError::Device {
                device: spec.to_string(),
                reason: format!("the device could not be initialised: {reason}"),
            })
        }
    }
}

#[cfg_attr(not(any(feature = "cuda", feature = "wgpu")), allow(dead_code))]
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown error".into())
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_device(spec: &str, _index: usize) -> Result<Device, ModelError> {
    Err(ModelError::Device {
        device: spec.to_string(),
        reason: "this binary was built without the `wgpu` feature (cargo build --features wgpu)"
            .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_that_panics_on_first_use_is_an_error() {
        // The CPU device does not panic, so the probe passes it through; the failure path is
        // exercised by `--device wgpu:0` on a machine without a GPU (see scripts/gpu_check.sh).
        assert!(probe("cpu", Device::flex()).is_ok());
        let text = panic_text(&String::from("no adapter"));
        assert_eq!(text, "no adapter");
    }

    #[test]
    fn cpu_parses_and_unknown_kinds_are_rejected() {
        assert!(parse_device("cpu").is_ok());
        assert!(matches!(
            parse_device("tpu:0"),
            Err(ModelError::Device { .. })
        ));
        assert!(matches!(
            parse_device("cuda:x"),
            Err(ModelError::Device { .. })
        ));
    }
}
