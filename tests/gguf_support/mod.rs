//! Test support for the GGUF tests: a small GGUF writer to build synthetic files, f16 block
//! builders, and the location of the real SmolLM2 file (skipped locally when absent, required
//! in CI).
#![allow(dead_code)]

use std::path::PathBuf;

use half::f16;
use mascot::model::gguf::GgufValue;

/// Builds a GGUF file in memory.
pub struct GgufBuilder {
    pub version: u32,
    pub alignment: u64,
    pub metadata: Vec<(String, GgufValue)>,
    pub tensors: Vec<(String, Vec<u64>, u32, Vec<u8>)>,
}

impl GgufBuilder {
    pub fn new() -> Self {
        GgufBuilder {
            version: 3,
            alignment: 32,
            metadata: Vec::new(),
            tensors: Vec::new(),
        }
    }

    pub fn kv(mut self, key: &str, value: GgufValue) -> Self {
        self.metadata.push((key.to_string(), value));
        self
    }

    /// Adds a tensor with GGUF dims (`ne[0]` first), ggml type id and raw bytes.
    pub fn tensor(mut self, name: &str, dims: &[u64], dtype: u32, bytes: Vec<u8>) -> Self {
        self.tensors
            .push((name.to_string(), dims.to_vec(), dtype, bytes));
        self
    }

    pub fn f32_tensor(self, name: &str, dims: &[u64], values: &[f32]) -> Self {
        let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.tensor(name, dims, 0, bytes)
    }

    pub fn build(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend(b"GGUF");
        out.extend(self.version.to_le_bytes());
        out.extend((self.tensors.len() as u64).to_le_bytes());
        out.extend((self.metadata.len() as u64).to_le_bytes());
        for (key, value) in &self.metadata {
            write_string(&mut out, key);
            out.extend(type_code(value).to_le_bytes());
            write_value(&mut out, value);
        }
        let mut offset = 0u64;
        let mut offsets = Vec::new();
        for (name, dims, dtype, bytes) in &self.tensors {
            write_string(&mut out, name);
            out.extend((dims.len() as u32).to_le_bytes());
            for d in dims {
                out.extend(d.to_le_bytes());
            }
            out.extend(dtype.to_le_bytes());
            out.extend(offset.to_le_bytes());
            offsets.push(offset);
            offset = (offset + bytes.len() as u64).div_ceil(self.alignment) * self.alignment;
        }
        let data_start = (out.len() as u64).div_ceil(self.alignment) * self.alignment;
        out.resize(data_start as usize, 0);
        for ((_, _, _, bytes), offset) in self.tensors.iter().zip(offsets) {
            out.resize((data_start + offset) as usize, 0);
            out.extend(bytes);
        }
        out
    }

    /// Writes the file into a fresh temp dir; keep the dir alive while using the path.
    pub fn write(&self) -> (tempfile::TempDir, PathBuf) {
        write_bytes(&self.build())
    }
}

pub fn write_bytes(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.gguf");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn write_string(out: &mut Vec<u8>, s: &str) {
    out.extend((s.len() as u64).to_le_bytes());
    out.extend(s.as_bytes());
}

fn type_code(value: &GgufValue) -> u32 {
    match value {
        GgufValue::U8(_) => 0,
        GgufValue::I8(_) => 1,
        GgufValue::U16(_) => 2,
        GgufValue::I16(_) => 3,
        GgufValue::U32(_) => 4,
        GgufValue::I32(_) => 5,
        GgufValue::F32(_) => 6,
        GgufValue::Bool(_) => 7,
        GgufValue::String(_) => 8,
        GgufValue::Array(_) => 9,
        GgufValue::U64(_) => 10,
        GgufValue::I64(_) => 11,
        GgufValue::F64(_) => 12,
    }
}

fn write_value(out: &mut Vec<u8>, value: &GgufValue) {
    match value {
        GgufValue::U8(v) => out.push(*v),
        GgufValue::I8(v) => out.push(*v as u8),
        GgufValue::U16(v) => out.extend(v.to_le_bytes()),
        GgufValue::I16(v) => out.extend(v.to_le_bytes()),
        GgufValue::U32(v) => out.extend(v.to_le_bytes()),
        GgufValue::I32(v) => out.extend(v.to_le_bytes()),
        GgufValue::F32(v) => out.extend(v.to_le_bytes()),
        GgufValue::Bool(v) => out.push(*v as u8),
        GgufValue::String(s) => write_string(out, s),
        GgufValue::Array(items) => {
            let item_type = items.first().map(type_code).unwrap_or(4);
            out.extend(item_type.to_le_bytes());
            out.extend((items.len() as u64).to_le_bytes());
            for item in items {
                write_value(out, item);
            }
        }
        GgufValue::U64(v) => out.extend(v.to_le_bytes()),
        GgufValue::I64(v) => out.extend(v.to_le_bytes()),
        GgufValue::F64(v) => out.extend(v.to_le_bytes()),
    }
}

pub fn s(v: &str) -> GgufValue {
    GgufValue::String(v.to_string())
}

pub fn strings(items: &[&str]) -> GgufValue {
    GgufValue::Array(items.iter().map(|v| s(v)).collect())
}

pub fn f16_bytes(v: f32) -> [u8; 2] {
    f16::from_f32(v).to_le_bytes()
}

/// One Q8_0 block: scale, then 32 signed bytes.
pub fn q8_0_block(scale: f32, qs: [i8; 32]) -> Vec<u8> {
    let mut b = f16_bytes(scale).to_vec();
    b.extend(qs.iter().map(|&q| q as u8));
    b
}

/// One Q4_0 block from 32 nibble values 0..16.
pub fn q4_0_block(scale: f32, q: [u8; 32]) -> Vec<u8> {
    let mut b = f16_bytes(scale).to_vec();
    b.extend((0..16).map(|j| q[j] | (q[j + 16] << 4)));
    b
}

/// One Q4_1 block from 32 nibble values 0..16.
pub fn q4_1_block(scale: f32, min: f32, q: [u8; 32]) -> Vec<u8> {
    let mut b = f16_bytes(scale).to_vec();
    b.extend(f16_bytes(min));
    b.extend((0..16).map(|j| q[j] | (q[j + 16] << 4)));
    b
}

pub const SMOLLM2_RELATIVE: &str =
    "tests/fixtures/models/downloaded/SmolLM2-135M-Instruct.Q4_1.gguf";

/// The SmolLM2 GGUF when it was fetched (`scripts/fetch_smollm2.sh`). Absent: `None` with a
/// printed notice locally, a test failure in CI (`CI=true`).
pub fn smollm2_path() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SMOLLM2_RELATIVE);
    if path.is_file() {
        return Some(path);
    }
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !in_ci,
        "{} is missing; CI must run scripts/fetch_smollm2.sh first",
        path.display()
    );
    eprintln!(
        "SKIPPED: {} is absent; run scripts/fetch_smollm2.sh to enable this test",
        path.display()
    );
    None
}

/// The reference recorded by scripts/gguf_reference.py from transformers.
pub fn smollm2_reference() -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models/smollm2_reference.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}
