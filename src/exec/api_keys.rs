//! The API keys a run needs: every `api_key_env` of an OpenAI-compatible judge or teacher in
//! the stages' parameters, and which of those environment variables are unset, so that a
//! dry run names them (a real run would fail only when the first stage calling the endpoint
//! starts, possibly hours in).

use std::collections::BTreeMap;

use crate::plan::Stage;

/// An environment variable named by an `api_key_env` and the stages whose judge or teacher
/// reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyNeed {
    pub var: String,
    /// The endpoints' `model` fields (`gpt-4o`), each once.
    pub models: Vec<String>,
    pub stages: Vec<String>,
}

/// Every `api_key_env` of the stages (found anywhere in their parameters: a judge, a
/// teacher, a reward's coherence judge), in name order.
pub fn api_key_needs<'a>(stages: impl IntoIterator<Item = &'a Stage>) -> Vec<ApiKeyNeed> {
    let mut by_var: BTreeMap<String, ApiKeyNeed> = BTreeMap::new();
    for stage in stages {
        let mut found = Vec::new();
        endpoints(&stage.params, &mut found);
        for (var, model) in found {
            let need = by_var.entry(var.clone()).or_insert_with(|| ApiKeyNeed {
                var,
                models: Vec::new(),
                stages: Vec::new(),
            });
            if !need.models.contains(&model) {
                need.models.push(model);
            }
            let id = stage.id.to_string();
            if !need.stages.contains(&id) {
                need.stages.push(id);
            }
        }
    }
    by_var.into_values().collect()
}

/// The needs whose variable is unset or empty in `env`.
pub fn unset_api_keys(
    needs: Vec<ApiKeyNeed>,
    env: impl Fn(&str) -> Option<String>,
) -> Vec<ApiKeyNeed> {
    needs
        .into_iter()
        .filter(|n| env(&n.var).is_none_or(|v| v.trim().is_empty()))
        .collect()
}

/// One line per unset variable, for the dry run.
pub fn describe_unset(unset: &[ApiKeyNeed]) -> String {
    let mut out = String::new();
    for n in unset {
        let stages = if n.stages.len() > 3 {
            format!(
                "{} and {} more",
                n.stages[..3].join(", "),
                n.stages.len() - 3
            )
        } else {
            n.stages.join(", ")
        };
        out.push_str(&format!(
            "api key: environment variable `{}` (the `api_key_env` of the {} endpoint) is not set: {stages} will fail until it is exported\n",
            n.var,
            n.models.join(", ")
        ));
    }
    out
}

/// `(api_key_env, model)` of every object in `v` that is an `openai` judge spec.
fn endpoints(v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(map) => {
            if map.get("backend").and_then(|b| b.as_str()) == Some("openai")
                && let Some(var) = map.get("api_key_env").and_then(|k| k.as_str())
                && !var.trim().is_empty()
            {
                let model = map
                    .get("model")
                    .and_then(|m| m.as_str())
                    .unwrap_or("openai")
                    .to_string();
                out.push((var.to_string(), model));
            }
            for value in map.values() {
                endpoints(value, out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                endpoints(item, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_specs_are_found_anywhere_in_the_params() {
        let params = serde_json::json!({
            "judge": {"backend": "openai", "model": "gpt-4o", "api_key_env": "OPENAI_API_KEY"},
            "reward": {"terms": [{"signal": {"judge": {"backend": "openai", "model": "m2", "api_key_env": "OTHER"}}}]},
            "teacher": {"backend": "heuristic"},
        });
        let mut found = Vec::new();
        endpoints(&params, &mut found);
        found.sort();
        assert_eq!(
            found,
            vec![
                ("OPENAI_API_KEY".to_string(), "gpt-4o".to_string()),
                ("OTHER".to_string(), "m2".to_string()),
            ]
        );
        let needs = vec![
            ApiKeyNeed {
                var: "SET".into(),
                models: vec!["m".into()],
                stages: vec!["a".into()],
            },
            ApiKeyNeed {
                var: "EMPTY".into(),
                models: vec!["m".into()],
                stages: vec!["b".into()],
            },
            ApiKeyNeed {
                var: "UNSET".into(),
                models: vec!["m".into()],
                stages: vec!["c".into()],
            },
        ];
        let env = |v: &str| match v {
            "SET" => Some("sk".to_string()),
            "EMPTY" => Some(" ".to_string()),
            _ => None,
        };
        let unset: Vec<String> = unset_api_keys(needs, env)
            .into_iter()
            .map(|n| n.var)
            .collect();
        assert_eq!(unset, ["EMPTY", "UNSET"]);
    }
}
