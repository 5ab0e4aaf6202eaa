//! Parses a GGUF header (v2/v3): magic, version, metadata key/values, tensor infos and the
//! aligned start of the tensor data. Every count read from the file is checked against the
//! bytes that remain before anything is allocated for it, so a lying count is an error, not
//! a huge allocation.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use super::dtype::GgmlType;
use super::error::GgufError;
use super::value::GgufValue;

/// ggml's `GGML_MAX_DIMS`.
const MAX_DIMS: u32 = 4;
/// Default `general.alignment`.
const DEFAULT_ALIGNMENT: u64 = 32;
/// Arrays nest at most this deep (llama.cpp writes one level).
const MAX_ARRAY_DEPTH: usize = 8;

/// Where one tensor lives in the file, with its GGUF name and dims (`ne[0]` first).
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    pub dims: Vec<u64>,
    pub dtype: GgmlType,
    /// Absolute byte offset of the tensor's data in the file.
    pub offset: u64,
    /// Byte size, when the type's block layout is known.
    pub byte_len: Option<u64>,
}

impl TensorInfo {
    pub fn element_count(&self) -> u64 {
        self.dims.iter().product()
    }

    /// The shape in PyTorch order (slowest dim first): GGUF stores `ne[0]`, the fastest, first.
    pub fn torch_shape(&self) -> Vec<usize> {
        self.dims.iter().rev().map(|&d| d as usize).collect()
    }
}

/// Everything before the tensor data.
#[derive(Debug, Clone)]
pub struct GgufHeader {
    pub version: u32,
    pub metadata: BTreeMap<String, GgufValue>,
    pub tensors: Vec<TensorInfo>,
    pub alignment: u64,
    pub data_offset: u64,
}

/// Parses the header of `bytes`, the whole file; `path` is only used in errors.
pub fn parse_header(bytes: &[u8], path: &Path) -> Result<GgufHeader, GgufError> {
    let mut cur = Cursor {
        bytes,
        pos: 0,
        path,
    };
    let magic = cur.take(4, "the magic number")?;
    if magic != b"GGUF" {
        return Err(GgufError::BadMagic {
            path: path.to_path_buf(),
            found: magic.to_vec(),
        });
    }
    let version = cur.u32("the version")?;
    if !(2..=3).contains(&version) {
        return Err(GgufError::UnsupportedVersion {
            path: path.to_path_buf(),
            version,
        });
    }
    let tensor_count = cur.u64("the tensor count")?;
    let kv_count = cur.u64("the metadata count")?;
    // A key/value needs at least 8 (key length) + 4 (type) + 1 bytes; a tensor info
    // at least 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset).
    cur.check_count(kv_count, 13, "metadata entries")?;

    let mut metadata = BTreeMap::new();
    for _ in 0..kv_count {
        let key_at = cur.pos;
        let key = cur.string("a metadata key")?;
        let value_type = cur.u32(&format!("the type of metadata key `{key}`"))?;
        let value = cur.value(value_type, &key, 0)?;
        if metadata.insert(key.clone(), value).is_some() {
            return Err(cur.corrupt_at(format!("metadata key `{key}` appears twice"), key_at));
        }
    }

    cur.check_count(tensor_count, 24, "tensor infos")?;
    let mut tensors = Vec::new();
    let mut seen = HashSet::new();
    for _ in 0..tensor_count {
        let name = cur.string("a tensor name")?;
        let n_dims = cur.u32(&format!("the rank of tensor `{name}`"))?;
        if n_dims > MAX_DIMS {
            return Err(bad_tensor(
                path,
                &name,
                format!("has {n_dims} dims (at most 4)"),
            ));
        }
        let mut dims = Vec::with_capacity(n_dims as usize);
        for _ in 0..n_dims {
            dims.push(cur.u64(&format!("the dims of tensor `{name}`"))?);
        }
        let dtype = GgmlType(cur.u32(&format!("the type of tensor `{name}`"))?);
        let offset = cur.u64(&format!("the offset of tensor `{name}`"))?;
        if !seen.insert(name.clone()) {
            return Err(bad_tensor(path, &name, "appears twice".into()));
        }
        tensors.push(RawTensor {
            name,
            dims,
            dtype,
            offset,
        });
    }

    let alignment = match metadata.get("general.alignment") {
        None => DEFAULT_ALIGNMENT,
        Some(v) => match v.as_u64() {
            Some(a) if a > 0 && a.is_power_of_two() && a <= 1 << 20 => a,
            _ => {
                return Err(GgufError::Metadata {
                    path: path.to_path_buf(),
                    key: "general.alignment".into(),
                    what: format!("is {v}, not a power of two up to 1 MiB"),
                });
            }
        },
    };
    let data_offset = (cur.pos as u64).div_ceil(alignment) * alignment;
    let file_len = bytes.len() as u64;
    if data_offset > file_len {
        return Err(cur.corrupt_at(
            "the tensor data would start past the end of the file".into(),
            cur.pos,
        ));
    }

    let tensors = tensors
        .into_iter()
        .map(|t| t.locate(path, data_offset, alignment, file_len))
        .collect::<Result<Vec<_>, _>>()?;

    Ok(GgufHeader {
        version,
        metadata,
        tensors,
        alignment,
        data_offset,
    })
}

struct RawTensor {
    name: String,
    dims: Vec<u64>,
    dtype: GgmlType,
    offset: u64,
}

impl RawTensor {
    /// Checks the tensor's extent against the file and makes its offset absolute.
    fn locate(
        self,
        path: &Path,
        data_offset: u64,
        alignment: u64,
        file_len: u64,
    ) -> Result<TensorInfo, GgufError> {
        let name = &self.name;
        let elements = self
            .dims
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| {
                bad_tensor(
                    path,
                    name,
                    format!("has dims {:?} that overflow", self.dims),
                )
            })?;
        if !self.offset.is_multiple_of(alignment) {
            return Err(bad_tensor(
                path,
                name,
                format!("has offset {} not aligned to {alignment}", self.offset),
            ));
        }
        let start = data_offset
            .checked_add(self.offset)
            .filter(|&s| s <= file_len)
            .ok_or_else(|| {
                bad_tensor(
                    path,
                    name,
                    format!(
                        "starts at byte {} + {}, past the end of the file ({file_len} bytes)",
                        data_offset, self.offset
                    ),
                )
            })?;
        let byte_len = match self.dtype.block_layout() {
            None => None,
            Some((block, block_bytes)) => {
                let ne0 = self.dims.first().copied().unwrap_or(1);
                if ne0 % block != 0 {
                    return Err(bad_tensor(
                        path,
                        name,
                        format!(
                            "has a first dim of {ne0}, not a multiple of the {} block size {block}",
                            self.dtype
                        ),
                    ));
                }
                let len = (elements / block)
                    .checked_mul(block_bytes)
                    .filter(|&len| start.checked_add(len).is_some_and(|end| end <= file_len))
                    .ok_or_else(|| {
                        bad_tensor(
                            path,
                            name,
                            format!(
                                "({} with dims {:?}) runs past the end of the file ({file_len} bytes)",
                                self.dtype, self.dims
                            ),
                        )
                    })?;
                Some(len)
            }
        };
        Ok(TensorInfo {
            name: self.name,
            dims: self.dims,
            dtype: self.dtype,
            offset: start,
            byte_len,
        })
    }
}

fn bad_tensor(path: &Path, tensor: &str, what: String) -> GgufError {
    GgufError::BadTensor {
        path: path.to_path_buf(),
        tensor: tensor.to_string(),
        what,
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: &'a Path,
}

impl<'a> Cursor<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn corrupt_at(&self, what: String, offset: usize) -> GgufError {
        GgufError::Corrupt {
            path: PathBuf::from(self.path),
            what,
            offset: offset as u64,
        }
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], GgufError> {
        if n > self.remaining() {
            return Err(self.corrupt_at(
                format!(
                    "the file ends while reading {what} ({n} bytes needed, {} left)",
                    self.remaining()
                ),
                self.pos,
            ));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], GgufError> {
        let slice = self.take(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    fn u32(&mut self, what: &str) -> Result<u32, GgufError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &str) -> Result<u64, GgufError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// Fails unless `count` items of at least `min_size` bytes each fit in what remains.
    fn check_count(&self, count: u64, min_size: u64, what: &str) -> Result<(), GgufError> {
        let fits = count
            .checked_mul(min_size)
            .is_some_and(|need| need <= self.remaining() as u64);
        if fits {
            Ok(())
        } else {
            Err(self.corrupt_at(
                format!(
                    "the file claims {count} {what}, more than its remaining {} bytes can hold",
                    self.remaining()
                ),
                self.pos,
            ))
        }
    }

    fn string(&mut self, what: &str) -> Result<String, GgufError> {
        let len = self.u64(what)?;
        self.check_count(len, 1, &format!("bytes in {what}"))?;
        let raw = self.take(len as usize, what)?;
        Ok(String::from_utf8_lossy(raw).into_owned())
    }

    fn value(&mut self, value_type: u32, key: &str, depth: usize) -> Result<GgufValue, GgufError> {
        let what = format!("the value of metadata key `{key}`");
        Ok(match value_type {
            0 => GgufValue::U8(self.array::<1>(&what)?[0]),
            1 => GgufValue::I8(self.array::<1>(&what)?[0] as i8),
            2 => GgufValue::U16(u16::from_le_bytes(self.array(&what)?)),
            3 => GgufValue::I16(i16::from_le_bytes(self.array(&what)?)),
            4 => GgufValue::U32(self.u32(&what)?),
            5 => GgufValue::I32(i32::from_le_bytes(self.array(&what)?)),
            6 => GgufValue::F32(f32::from_le_bytes(self.array(&what)?)),
            7 => match self.array::<1>(&what)?[0] {
                0 => GgufValue::Bool(false),
                1 => GgufValue::Bool(true),
                other => {
                    return Err(self.corrupt_at(
                        format!("metadata key `{key}` holds the bool byte {other}"),
                        self.pos - 1,
                    ));
                }
            },
            8 => GgufValue::String(self.string(&what)?),
            9 => {
                if depth >= MAX_ARRAY_DEPTH {
                    return Err(self.corrupt_at(
                        format!("metadata key `{key}` nests arrays deeper than {MAX_ARRAY_DEPTH}"),
                        self.pos,
                    ));
                }
                let item_type = self.u32(&what)?;
                let count = self.u64(&what)?;
                let min_size = match item_type {
                    0 | 1 | 7 => 1,
                    2 | 3 => 2,
                    4..=6 => 4,
                    8 | 10..=12 => 8,
                    9 => 12,
                    other => {
                        return Err(self.corrupt_at(
                            format!("metadata key `{key}` is an array of unknown type {other}"),
                            self.pos,
                        ));
                    }
                };
                self.check_count(count, min_size, &format!("items in metadata key `{key}`"))?;
                let mut items = Vec::with_capacity(count as usize);
                for _ in 0..count {
                    items.push(self.value(item_type, key, depth + 1)?);
                }
                GgufValue::Array(items)
            }
            10 => GgufValue::U64(self.u64(&what)?),
            11 => GgufValue::I64(i64::from_le_bytes(self.array(&what)?)),
            12 => GgufValue::F64(f64::from_le_bytes(self.array(&what)?)),
            other => {
                return Err(self.corrupt_at(
                    format!("metadata key `{key}` has unknown value type {other}"),
                    self.pos - 4,
                ));
            }
        })
    }
}
