//! `GgufFile`: a memory-mapped GGUF file with its metadata, Hugging Face named tensors
//! dequantised to f32 on request, model config, tokenizer and chat template.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use mascot_kernels::{BlockFormat, Matrix};
use memmap2::Mmap;
use tokenizers::Tokenizer;

use super::config::{GgufModelConfig, TensorFacts, read_config};
use super::dequant::dequantize;
use super::dtype::GgmlType;
use super::error::GgufError;
use super::names::{
    Permuted, hf_name, permutation, reverse_permutation_order, reverse_permute_rows,
};
use super::reader::{GgufHeader, TensorInfo, parse_header};
use super::tokenizer::build_tokenizer;
use super::value::GgufValue;

/// An open GGUF file. Tensor data stays in the memory map until asked for.
pub struct GgufFile {
    path: PathBuf,
    map: Mmap,
    header: GgufHeader,
    /// Hugging Face name of each tensor, in file order (the GGUF name when none is known).
    hf_names: Vec<String>,
    by_hf_name: HashMap<String, usize>,
}

impl std::fmt::Debug for GgufFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GgufFile")
            .field("path", &self.path)
            .field("version", &self.header.version)
            .field("tensors", &self.header.tensors.len())
            .field("metadata", &self.header.metadata.len())
            .finish()
    }
}

impl GgufFile {
    /// Opens and maps `path`, parses and checks the header. Tensor data is read lazily.
    pub fn open(path: impl AsRef<Path>) -> Result<GgufFile, GgufError> {
        let path = path.as_ref().to_path_buf();
        let io = |source| GgufError::Io {
            path: path.clone(),
            source,
        };
        let file = File::open(&path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len == 0 {
            return Err(GgufError::Corrupt {
                path,
                what: "the file is empty".into(),
                offset: 0,
            });
        }
        // SAFETY: the map is read-only; like every mmap-based loader we assume the file is
        // not truncated by another process while it is open.
        let map = unsafe { Mmap::map(&file) }.map_err(io)?;
        let header = parse_header(&map, &path)?;
        let mut hf_names = Vec::with_capacity(header.tensors.len());
        let mut by_hf_name = HashMap::with_capacity(header.tensors.len());
        for (i, tensor) in header.tensors.iter().enumerate() {
            let name = hf_name(&tensor.name).unwrap_or_else(|| tensor.name.clone());
            if by_hf_name.insert(name.clone(), i).is_some() {
                return Err(GgufError::BadTensor {
                    path,
                    tensor: tensor.name.clone(),
                    what: format!("maps to `{name}`, which another tensor maps to as well"),
                });
            }
            hf_names.push(name);
        }
        Ok(GgufFile {
            path,
            map,
            header,
            hf_names,
            by_hf_name,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// GGUF format version (2 or 3).
    pub fn version(&self) -> u32 {
        self.header.version
    }

    /// All metadata key/values, sorted by key.
    pub fn metadata(&self) -> &BTreeMap<String, GgufValue> {
        &self.header.metadata
    }

    /// `general.architecture`, when present.
    pub fn architecture(&self) -> Option<&str> {
        self.header
            .metadata
            .get("general.architecture")
            .and_then(GgufValue::as_str)
    }

    /// Tensor infos with their GGUF names, in file order.
    pub fn tensor_infos(&self) -> &[TensorInfo] {
        &self.header.tensors
    }

    /// Hugging Face names of all tensors, in file order.
    pub fn tensor_names(&self) -> &[String] {
        &self.hf_names
    }

    /// The info of the tensor with Hugging Face name `hf_name`.
    pub fn tensor_info(&self, hf_name: &str) -> Option<&TensorInfo> {
        self.by_hf_name
            .get(hf_name)
            .map(|&i| &self.header.tensors[i])
    }

    /// The model config read from the metadata.
    pub fn llama_config(&self) -> Result<GgufModelConfig, GgufError> {
        let layer0 = |module: &str| {
            self.by_hf_name
                .contains_key(&format!("model.layers.0.{module}"))
        };
        let facts = TensorFacts {
            has_output: self.by_hf_name.contains_key("lm_head.weight"),
            has_q_bias: layer0("self_attn.q_proj.bias"),
            has_q_norm: layer0("self_attn.q_norm.weight"),
            embedding_rows: self
                .tensor_info("model.embed_tokens.weight")
                .and_then(|t| t.torch_shape().first().copied()),
        };
        read_config(&self.header.metadata, &facts, &self.path)
    }

    /// The tensor `hf_name` dequantised to f32, with its shape in PyTorch order. Llama's q/k
    /// projections come back in Hugging Face's row order (llama.cpp's rotary permutation
    /// undone).
    pub fn tensor_f32(&self, hf_name: &str) -> Result<(Vec<usize>, Vec<f32>), GgufError> {
        let info = self
            .tensor_info(hf_name)
            .ok_or_else(|| GgufError::MissingTensor {
                path: self.path.clone(),
                tensor: hf_name.to_string(),
            })?;
        let bad = |what: String| GgufError::BadTensor {
            path: self.path.clone(),
            tensor: info.name.clone(),
            what,
        };
        let unsupported = || GgufError::UnsupportedType {
            path: self.path.clone(),
            tensor: info.name.clone(),
            dtype: info.dtype.name(),
        };
        if !info.dtype.is_dequantisable() {
            return Err(unsupported());
        }
        let byte_len = info.byte_len.ok_or_else(unsupported)?;
        let n = usize::try_from(info.element_count())
            .map_err(|_| bad("has more elements than this machine can address".into()))?;
        let start = info.offset as usize;
        let bytes = &self.map[start..start + byte_len as usize];
        let mut data = dequantize(info.dtype, bytes, n).ok_or_else(unsupported)?;
        let shape = info.torch_shape();

        if let Permuted::Rows { heads } = self.rotary_permutation(&info.name)? {
            let rows = shape.first().copied().unwrap_or(0);
            if !reverse_permute_rows(&mut data, rows, heads) {
                return Err(bad(format!(
                    "has {rows} rows, which do not split into {heads} heads of rotary pairs"
                )));
            }
        }
        Ok((shape, data))
    }

    /// A Q4_0, Q4_1 or Q8_0 matrix as stored (its blocks, not dequantised), rows in Hugging
    /// Face's order; `Ok(None)` for other types and shapes.
    pub fn tensor_blocks(&self, hf_name: &str) -> Result<Option<Matrix>, GgufError> {
        let Some(info) = self.tensor_info(hf_name) else {
            return Ok(None);
        };
        let format = match info.dtype {
            GgmlType::Q4_0 => BlockFormat::Q4_0,
            GgmlType::Q4_1 => BlockFormat::Q4_1,
            GgmlType::Q8_0 => BlockFormat::Q8_0,
            _ => return Ok(None),
        };
        let shape = info.torch_shape();
        let (Some(byte_len), &[rows, cols]) = (info.byte_len, &shape[..]) else {
            return Ok(None);
        };
        let start = info.offset as usize;
        let bytes = &self.map[start..start + byte_len as usize];
        let bad = |what: String| GgufError::BadTensor {
            path: self.path.clone(),
            tensor: info.name.clone(),
            what,
        };
        let matrix = Matrix::from_blocks(format, rows, cols, bytes).map_err(|e| bad(e.0))?;
        match self.rotary_permutation(&info.name)? {
            Permuted::No => Ok(Some(matrix)),
            Permuted::Rows { heads } => {
                let order = reverse_permutation_order(rows, heads).ok_or_else(|| {
                    bad(format!(
                        "has {rows} rows, which do not split into {heads} heads of rotary pairs"
                    ))
                })?;
                Ok(Some(matrix.reorder_rows(&order).map_err(|e| bad(e.0))?))
            }
        }
    }

    fn rotary_permutation(&self, gguf_name: &str) -> Result<Permuted, GgufError> {
        let Some(arch) = self.architecture() else {
            return Ok(Permuted::No);
        };
        if permutation(arch, gguf_name, 1, 1) == Permuted::No {
            return Ok(Permuted::No);
        }
        let config = self.llama_config()?;
        Ok(permutation(
            arch,
            gguf_name,
            config.num_attention_heads,
            config.num_key_value_heads,
        ))
    }

    /// The embedded tokenizer as a `tokenizers::Tokenizer`.
    pub fn tokenizer(&self) -> Result<Tokenizer, GgufError> {
        build_tokenizer(&self.header.metadata, &self.path)
    }

    /// `tokenizer.chat_template` (a Jinja template), when the file has one.
    pub fn chat_template(&self) -> Option<String> {
        self.header
            .metadata
            .get("tokenizer.chat_template")
            .and_then(GgufValue::as_str)
            .map(str::to_string)
    }

    pub fn bos_token_id(&self) -> Option<u32> {
        self.token_id_key("tokenizer.ggml.bos_token_id")
    }

    pub fn eos_token_id(&self) -> Option<u32> {
        self.token_id_key("tokenizer.ggml.eos_token_id")
    }

    pub fn padding_token_id(&self) -> Option<u32> {
        self.token_id_key("tokenizer.ggml.padding_token_id")
    }

    /// The text of token `id` in the embedded token list (`<|im_end|>` for SmolLM2's eos).
    pub fn token_text(&self, id: u32) -> Option<&str> {
        self.header
            .metadata
            .get("tokenizer.ggml.tokens")?
            .as_array()?
            .get(id as usize)?
            .as_str()
    }

    fn token_id_key(&self, key: &str) -> Option<u32> {
        self.header
            .metadata
            .get(key)
            .and_then(GgufValue::as_u64)
            .and_then(|id| u32::try_from(id).ok())
    }
}
