//! Weights from `model.safetensors` or the shards of `model.safetensors.index.json`, memory
//! mapped and cast to f32 (f16 and bf16 included).

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use safetensors::{Dtype, SafeTensors};

use super::error::ModelError;
use super::tensor_source::{HostTensor, TensorSource};

/// One or more safetensors files with their tensor-to-file index.
pub struct SafetensorsSource {
    files: Vec<(PathBuf, Mmap)>,
    index: HashMap<String, usize>,
}

impl SafetensorsSource {
    /// Opens the weights of a Hugging Face folder: `model.safetensors`, or the shards listed
    /// by `model.safetensors.index.json`.
    pub fn open_dir(dir: &Path) -> Result<Self, ModelError> {
        let single = dir.join("model.safetensors");
        let index = dir.join("model.safetensors.index.json");
        if single.exists() {
            Self::open_files(&[single])
        } else if index.exists() {
            let text = std::fs::read_to_string(&index).map_err(|e| ModelError::io(&index, e))?;
            let json: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| ModelError::corrupt(&index, e))?;
            let map = json
                .get("weight_map")
                .and_then(|m| m.as_object())
                .ok_or_else(|| ModelError::corrupt(&index, "no `weight_map` object"))?;
            let mut shards: Vec<String> = map
                .values()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            shards.sort();
            shards.dedup();
            let paths: Vec<PathBuf> = shards.iter().map(|s| dir.join(s)).collect();
            Self::open_files(&paths)
        } else {
            Err(ModelError::io(
                &single,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "neither model.safetensors nor model.safetensors.index.json exists",
                ),
            ))
        }
    }

    /// Opens and validates the given safetensors files.
    pub fn open_files(paths: &[PathBuf]) -> Result<Self, ModelError> {
        let mut files = Vec::new();
        let mut index = HashMap::new();
        for path in paths {
            let file = File::open(path).map_err(|e| ModelError::io(path, e))?;
            // SAFETY: the file is opened read-only and only read through this mapping; a
            // concurrent truncation by another process is outside what we can guard against.
            let mmap = unsafe { Mmap::map(&file) }.map_err(|e| ModelError::io(path, e))?;
            let parsed = SafeTensors::deserialize(&mmap).map_err(|e| {
                ModelError::corrupt(path, format!("not a valid safetensors file ({e})"))
            })?;
            for name in parsed.names() {
                index.insert(name.to_string(), files.len());
            }
            files.push((path.clone(), mmap));
        }
        Ok(Self { files, index })
    }

    /// Names of every tensor, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.index.keys().cloned().collect();
        names.sort();
        names
    }
}

impl TensorSource for SafetensorsSource {
    fn source_name(&self) -> String {
        match self.files.as_slice() {
            [(path, _)] => path.display().to_string(),
            files => format!(
                "{} safetensors shards in `{}`",
                files.len(),
                files
                    .first()
                    .and_then(|(p, _)| p.parent())
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            ),
        }
    }

    fn tensor(&self, name: &str) -> Result<Option<HostTensor>, ModelError> {
        let Some(&file) = self.index.get(name) else {
            return Ok(None);
        };
        let (path, mmap) = &self.files[file];
        let parsed = SafeTensors::deserialize(mmap).map_err(|e| ModelError::corrupt(path, e))?;
        let view = parsed
            .tensor(name)
            .map_err(|e| ModelError::corrupt(path, e))?;
        let bytes = view.data();
        let data = match view.dtype() {
            Dtype::F32 => bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            Dtype::F16 => bytes
                .chunks_exact(2)
                .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            Dtype::BF16 => bytes
                .chunks_exact(2)
                .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            other => {
                return Err(ModelError::UnsupportedDtype {
                    source_name: path.display().to_string(),
                    tensor: name.to_string(),
                    dtype: format!("{other:?}"),
                });
            }
        };
        Ok(Some(HostTensor {
            shape: view.shape().to_vec(),
            data,
        }))
    }
}
