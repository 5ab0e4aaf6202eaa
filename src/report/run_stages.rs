//! The stages a report was made from, listed at its end: each input stage's id, kind, store
//! key, file count and size, and the scalar counts of its summary. It is also the whole
//! report of a run that has no evaluation yet.

use serde::{Deserialize, Serialize};

/// One input stage of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStage {
    /// `MASCOT/evaluate/mascot/positive`.
    pub id: String,
    /// `evaluate`.
    pub kind: String,
    /// The artifact's store key (shown cut to 16 characters).
    pub key: String,
    pub files: usize,
    pub bytes: u64,
    /// `(name, value)` of each field of the stage's summary, values as text.
    pub counts: Vec<(String, String)>,
    /// Wall time and peak memory of the run that built it (`12.3 s`, `812 MiB`), when its
    /// manifest recorded them.
    #[serde(default)]
    pub time: Option<String>,
    #[serde(default)]
    pub peak_memory: Option<String>,
}

/// Longest summary value shown, in characters (longer ones end with `...`).
const MAX_VALUE_CHARS: usize = 160;

impl RunStage {
    /// The counts of a stage summary (a JSON object): strings as they are, arrays of more
    /// than 16 items as `[n items]`, objects flattened into `name.field` entries (so that no
    /// cell shows raw JSON objects), everything else as JSON, each cut to 160 characters.
    pub fn counts_of(summary: &serde_json::Value) -> Vec<(String, String)> {
        let Some(map) = summary.as_object() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in map {
            flatten_into(k, v, 0, &mut out);
        }
        out
    }

    /// `time` and `peak_memory` from an artifact's `manifest.json` (its `resources`).
    pub fn resources_of(manifest: &serde_json::Value) -> (Option<String>, Option<String>) {
        let r = &manifest["resources"];
        let time = r["seconds"].as_f64().map(|s| format!("{s:.1} s"));
        let peak = r["peak_rss_bytes"].as_u64().map(|b| {
            let mib = b as f64 / (1024.0 * 1024.0);
            if mib >= 1024.0 {
                format!("{:.1} GiB", mib / 1024.0)
            } else {
                format!("{mib:.0} MiB")
            }
        });
        (time, peak)
    }

    /// The key as shown.
    pub fn short_key(&self) -> &str {
        self.key.get(..16).unwrap_or(&self.key)
    }
}

/// Objects nested this deep are shown as JSON rather than flattened further.
const MAX_FLATTEN_DEPTH: usize = 2;

fn flatten_into(name: &str, v: &serde_json::Value, depth: usize, out: &mut Vec<(String, String)>) {
    let shown = match v {
        serde_json::Value::Object(map) if depth < MAX_FLATTEN_DEPTH && !map.is_empty() => {
            for (k, child) in map {
                flatten_into(&format!("{name}.{k}"), child, depth + 1, out);
            }
            return;
        }
        serde_json::Value::Array(a) if a.len() > 16 => format!("[{} items]", a.len()),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    out.push((name.to_string(), clip(&shown)));
}

fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_VALUE_CHARS {
        return s.to_string();
    }
    let cut: String = s.chars().take(MAX_VALUE_CHARS).collect();
    format!("{cut}...")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_show_scalars_and_summarise_long_arrays() {
        let long: Vec<u32> = (0..20).collect();
        let counts = RunStage::counts_of(&serde_json::json!({
            "records": 12, "name": "ed", "few": [1, 2], "many": long, "text": "x".repeat(200)
        }));
        let get = |k: &str| counts.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("records"), Some("12"));
        assert_eq!(get("name"), Some("ed"));
        assert_eq!(get("few"), Some("[1,2]"));
        assert_eq!(get("many"), Some("[20 items]"));
        assert_eq!(get("text").map(|t| t.chars().count()), Some(163));
        assert!(RunStage::counts_of(&serde_json::json!(3)).is_empty());
        // Regression: nested summaries were shown as raw JSON that overflowed the table.
        let nested = RunStage::counts_of(&serde_json::json!({
            "truncated": {"speaker": 3, "director": 0}, "deep": {"a": {"b": {"c": 1}}}
        }));
        let get = |k: &str| nested.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("truncated.speaker"), Some("3"));
        assert_eq!(get("truncated.director"), Some("0"));
        assert_eq!(get("deep.a.b"), Some("{\"c\":1}"));
        assert_eq!(get("truncated"), None);
    }

    #[test]
    fn resources_read_from_a_manifest() {
        let m = serde_json::json!({"resources": {"seconds": 12.34, "peak_rss_bytes": 3u64 << 29}});
        assert_eq!(
            RunStage::resources_of(&m),
            (Some("12.3 s".into()), Some("1.5 GiB".into()))
        );
        assert_eq!(RunStage::resources_of(&serde_json::json!({})), (None, None));
    }
}
