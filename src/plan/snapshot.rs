//! The compact YAML of a plan, made to be committed and diffed (`mascot plan --format yaml`,
//! `mascot snapshot`): the experiment file's name (never the path it was given as), each
//! variant's stages, each stage's kind, short plan key, inputs, external files and
//! parameters, and every long text (persona descriptions, rubric criteria, prompts) listed
//! once under `texts` and referenced by its content hash, so editing one persona changes one
//! text and the keys that depend on it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::plan::sealed::Plan;

/// Strings longer than this are listed once under `texts`.
pub const TEXT_CHARS: usize = 60;

/// Fields whose text is listed once under `texts` whatever its length (persona contents).
pub const TEXT_FIELDS: &[&str] = &["description", "style", "context", "response"];

#[derive(Serialize)]
struct Snapshot<'a> {
    experiment: &'a str,
    source: String,
    variants: BTreeMap<&'a str, VariantEntry<'a>>,
    stages: Vec<StageEntry<'a>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    texts: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct VariantEntry<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    stages: usize,
}

#[derive(Serialize)]
struct StageEntry<'a> {
    id: &'a str,
    kind: &'a str,
    key: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inputs: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external: Vec<String>,
    params: Value,
}

/// The compact YAML (see the module documentation).
pub fn yaml(plan: &Plan) -> String {
    let mut texts = BTreeMap::new();
    let snapshot = Snapshot {
        experiment: plan.experiment(),
        source: plan.source().to_string_lossy().replace('\\', "/"),
        variants: plan
            .variants()
            .iter()
            .map(|v| {
                (
                    v.name.as_str(),
                    VariantEntry {
                        description: v.description.as_deref(),
                        stages: v.stages.len(),
                    },
                )
            })
            .collect(),
        stages: plan
            .stages()
            .iter()
            .map(|s| StageEntry {
                id: &s.id,
                kind: s.kind.as_str(),
                key: s.key.short(),
                inputs: s.inputs.iter().map(String::as_str).collect(),
                external: s
                    .external
                    .iter()
                    .map(|e| format!("{}={}", e.role, e.path.to_string_lossy().replace('\\', "/")))
                    .collect(),
                params: hoist(&s.params, false, &mut texts),
            })
            .collect(),
        texts,
    };
    serde_yaml::to_string(&snapshot).unwrap_or_default()
}

/// `value` with every long string (and every string of a text field, `text_field`) replaced
/// by `text:<hash>`, the texts collected.
fn hoist(value: &Value, text_field: bool, texts: &mut BTreeMap<String, String>) -> Value {
    match value {
        Value::String(s) if text_field || s.chars().count() > TEXT_CHARS => {
            let hash = blake3::hash(s.as_bytes()).to_hex();
            let id = hash[..12].to_string();
            texts.insert(id.clone(), s.clone());
            Value::String(format!("text:{id}"))
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| hoist(v, text_field, texts)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let text = TEXT_FIELDS.contains(&k.as_str());
                    (k.clone(), hoist(v, text, texts))
                })
                .collect(),
        ),
        other => other.clone(),
    }
}
