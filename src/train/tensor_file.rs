//! Named `f32` tensors to and from a safetensors file (checkpoint weights, exported models).

use std::path::Path;

use super::error::TrainError;
use super::fsio::write_atomic;
use super::params::NamedTensors;

/// Serialises `tensors` (f32, little-endian) as safetensors bytes.
pub fn safetensors_bytes(tensors: &NamedTensors, path: &Path) -> Result<Vec<u8>, TrainError> {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(name, (shape, data))| {
            (
                name.clone(),
                shape.clone(),
                data.iter().flat_map(|v| v.to_le_bytes()).collect(),
            )
        })
        .collect();
    let views = bytes
        .iter()
        .map(|(name, shape, data)| {
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data)
                .map(|view| (name.clone(), view))
                .map_err(|e| TrainError::corrupt("tensor", path, format!("`{name}`: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    safetensors::serialize(views, None)
        .map_err(|e| TrainError::corrupt("safetensors file", path, e))
}

/// Writes `tensors` to `path` atomically.
pub fn save_tensors(path: &Path, tensors: &NamedTensors) -> Result<(), TrainError> {
    write_atomic(path, &safetensors_bytes(tensors, path)?)
}

/// Reads every tensor of the f32 safetensors file `path`.
pub fn load_tensors(path: &Path) -> Result<NamedTensors, TrainError> {
    let bytes = std::fs::read(path).map_err(TrainError::io("read", path))?;
    let file = safetensors::SafeTensors::deserialize(&bytes)
        .map_err(|e| TrainError::corrupt("safetensors file", path, e))?;
    let mut out = NamedTensors::new();
    for (name, view) in file.tensors() {
        if view.dtype() != safetensors::Dtype::F32 {
            return Err(TrainError::corrupt(
                "safetensors file",
                path,
                format!("tensor `{name}` is {:?}, expected F32", view.dtype()),
            ));
        }
        let data = view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        out.insert(name, (view.shape().to_vec(), data));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensors_round_trip_bit_for_bit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.safetensors");
        let mut tensors = NamedTensors::new();
        tensors.insert(
            "a.b".into(),
            (vec![2, 2], vec![1.0, -0.0, f32::MIN_POSITIVE, 3.5]),
        );
        tensors.insert("c".into(), (vec![1], vec![0.1]));
        save_tensors(&path, &tensors).unwrap();
        let back = load_tensors(&path).unwrap();
        assert_eq!(back.len(), 2);
        for (name, (shape, data)) in &tensors {
            let (s, d) = &back[name];
            assert_eq!(s, shape);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(d), bits(data));
        }
        std::fs::write(&path, b"garbage").unwrap();
        let err = load_tensors(&path).unwrap_err().to_string();
        assert!(err.contains("w.safetensors"), "{err}");
    }
}
