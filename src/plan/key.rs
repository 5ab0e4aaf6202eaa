//! Content keys: blake3 over a canonical encoding of (kind, canonical params, external
//! inputs, input keys in order). See `KEYS.md` for what is and is not hashed.

use crate::spec::{ExternalInput, StageKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Hex blake3 digest identifying a stage's result (see `src/plan/KEYS.md`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContentKey(pub String);

impl ContentKey {
    /// The first 12 hex digits, for display.
    pub fn short(&self) -> &str {
        &self.0[..self.0.len().min(12)]
    }
}

impl std::fmt::Display for ContentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Version tag hashed first; bump it when the encoding changes.
const DOMAIN: &[u8] = b"mascot/stage-key/v1\n";

/// Parameters that change how a stage runs, never what it computes: left out of the key at
/// every level of the parameters, so making a run safer (checkpointing every step) reruns
/// nothing. A parameter belongs here only if a test shows equal outputs for any value.
pub const OPERATIONAL_PARAMS: &[&str] = &["checkpoint_every"];

/// The key of a stage.
pub fn content_key(
    kind: StageKind,
    params: &Value,
    external: &[ExternalInput],
    inputs: &[&ContentKey],
) -> ContentKey {
    let mut h = blake3::Hasher::new();
    h.update(DOMAIN);
    field(&mut h, b"kind", kind.as_str().as_bytes());
    let mut json = Vec::with_capacity(1024);
    write(&without_operational(params), &mut json);
    field(&mut h, b"params", &json);
    for e in external {
        let path = crate::util::slash(&e.path);
        field(
            &mut h,
            b"external",
            format!("{}={}", e.role, path).as_bytes(),
        );
    }
    for k in inputs {
        field(&mut h, b"input", k.0.as_bytes());
    }
    ContentKey(h.finalize().to_hex().to_string())
}

/// `params` without the [`OPERATIONAL_PARAMS`] fields, at every level.
fn without_operational(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !OPERATIONAL_PARAMS.contains(&k.as_str()))
                .map(|(k, x)| (k.clone(), without_operational(x)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_operational).collect()),
        other => other.clone(),
    }
}

/// Length-prefixed so no two encodings collide.
fn field(h: &mut blake3::Hasher, tag: &[u8], bytes: &[u8]) {
    h.update(tag);
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// JSON with object keys sorted at every level and no whitespace.
pub fn canonical_json(v: &Value) -> String {
    let mut out = Vec::new();
    write(v, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Appends the canonical JSON of `v` (serde_json's escaping and number forms, written
/// straight into the buffer).
fn write(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, x)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_to(out, k);
                out.push(b':');
                write(x, out);
            }
            out.push(b'}');
        }
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(x, out);
            }
            out.push(b']');
        }
        Value::Number(n) => json_to(out, &f32_shortest(n.clone())),
        other => json_to(out, other),
    }
}

/// serde_json's compact form of a string, number, bool or null (writing into a `Vec` cannot
/// fail).
fn json_to<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let _ = serde_json::to_writer(&mut *out, value);
}

/// The same value with object keys sorted (for `Stage::params`).
pub fn canonicalize(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, canonicalize(v)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.into_iter().map(canonicalize).collect()),
        Value::Number(n) => Value::Number(f32_shortest(n)),
        other => other,
    }
}

/// `f32` fields (temperature, LoRA dropout) widen to `f64` as `0.10000000149011612`; write
/// them as the shortest decimal that reads back as the same `f32` (`0.1`).
fn f32_shortest(n: serde_json::Number) -> serde_json::Number {
    let Some(x) = n.as_f64().filter(|_| n.is_f64()) else {
        return n;
    };
    let narrow = x as f32;
    if narrow as f64 != x || !narrow.is_finite() {
        return n;
    }
    narrow
        .to_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .unwrap_or(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn widened_f32_values_are_written_short() {
        let v = serde_json::to_value(0.1f32).unwrap();
        assert_eq!(canonicalize(v).to_string(), "0.1");
        let exact = serde_json::to_value(1e-5f64).unwrap();
        assert_eq!(canonicalize(exact.clone()), exact);
    }

    #[test]
    fn key_ignores_object_key_order_but_not_values() {
        let a = json!({"k": 2, "t": {"b": 1, "a": 2}});
        let b = json!({"t": {"a": 2, "b": 1}, "k": 2});
        let c = json!({"t": {"a": 2, "b": 1}, "k": 3});
        let ka = content_key(StageKind::Report, &a, &[], &[]);
        assert_eq!(ka, content_key(StageKind::Report, &b, &[], &[]));
        assert_ne!(ka, content_key(StageKind::Report, &c, &[], &[]));
        assert_ne!(ka, content_key(StageKind::Evaluate, &a, &[], &[]));
        assert_ne!(ka, content_key(StageKind::Report, &a, &[], &[&ka]));
    }
}
