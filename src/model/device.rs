//! The runtime device a model runs on, parsed from the spec's `device` string: `cpu` (burn's
//! Flex backend, the default), `cuda:N` (feature `cuda`) or `wgpu:N` (feature `wgpu`).

use burn::tensor::Device;

use super::error::ModelError;

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
fn cuda_device(_spec: &str, index: usize) -> Result<Device, ModelError> {
    Ok(Device::cuda(index))
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
fn wgpu_device(_spec: &str, index: usize) -> Result<Device, ModelError> {
    Ok(Device::wgpu(burn::tensor::DeviceKind::DiscreteGpu(index)))
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
