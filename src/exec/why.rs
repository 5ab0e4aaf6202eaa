//! Why a stage runs: compares its fingerprint now with the one its id had last time (and
//! with what the store holds) and says what changed, in words.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::exec::fingerprint::Fingerprint;
use crate::exec::store::ArtifactState;

/// Longest value shown in a "changed from a to b" line.
const SHOWN: usize = 60;

/// The reasons a stage with fingerprint `now` is not reused, given what the store holds for
/// its key and the last fingerprint of its id. Empty when the artifact is valid.
pub fn miss_reasons(
    now: &Fingerprint,
    state: &ArtifactState,
    last: Option<&Fingerprint>,
) -> Vec<String> {
    match state {
        ArtifactState::Valid(_) => return Vec::new(),
        ArtifactState::Invalid(why) => return vec![format!("artifact failed verification: {why}")],
        ArtifactState::Missing => {}
    }
    let Some(last) = last else {
        return vec!["no artifact (first run of this stage)".into()];
    };
    if last.key == now.key {
        return vec!["no artifact (the last run did not finish it, or it was removed)".into()];
    }
    let mut reasons = Vec::new();
    if last.engine_version != now.engine_version {
        reasons.push(format!(
            "engine version changed from {} to {}",
            last.engine_version, now.engine_version
        ));
    }
    if last.kind != now.kind {
        reasons.push(format!(
            "stage kind changed from {} to {}",
            last.kind.as_str(),
            now.kind.as_str()
        ));
    } else if last.kind_version != now.kind_version {
        reasons.push(format!(
            "the {} implementation changed from version {} to {}",
            now.kind.as_str(),
            last.kind_version,
            now.kind_version
        ));
    }
    reasons.extend(param_changes(&last.params, &now.params));
    let old_ext: BTreeMap<(&str, &str), &str> = last
        .external
        .iter()
        .map(|e| ((e.role.as_str(), e.path.as_str()), e.blake3.as_str()))
        .collect();
    for e in &now.external {
        match old_ext.get(&(e.role.as_str(), e.path.as_str())) {
            Some(h) if *h == e.blake3 => {}
            Some(_) => reasons.push(format!("external file {} ({}) changed", e.path, e.role)),
            None => reasons.push(format!("external file {} ({}) added", e.path, e.role)),
        }
    }
    let old_inputs: BTreeMap<&str, &str> = last
        .inputs
        .iter()
        .map(|i| (i.id.as_str(), i.key.as_str()))
        .collect();
    for i in &now.inputs {
        match old_inputs.get(i.id.as_str()) {
            Some(k) if *k == i.key => {}
            Some(_) => reasons.push(format!("input {} changed", i.id)),
            None => reasons.push(format!("input {} added", i.id)),
        }
    }
    if reasons.is_empty() {
        if last.plan_key != now.plan_key {
            reasons.push("the planner's key changed (the stage definition changed)".into());
        } else {
            reasons.push("no artifact for the new key".into());
        }
    }
    reasons
}

/// "parameter X changed from a to b" lines, one per differing leaf.
pub fn param_changes(old: &Value, new: &Value) -> Vec<String> {
    let mut a = BTreeMap::new();
    let mut b = BTreeMap::new();
    flatten("", old, &mut a);
    flatten("", new, &mut b);
    let mut out = Vec::new();
    for (path, va) in &a {
        match b.get(path) {
            Some(vb) if vb == va => {}
            Some(vb) => out.push(format!(
                "parameter {path} changed from {} to {}",
                show(va),
                show(vb)
            )),
            None => out.push(format!("parameter {path} removed (was {})", show(va))),
        }
    }
    for (path, vb) in &b {
        if !a.contains_key(path) {
            out.push(format!("parameter {path} added ({})", show(vb)));
        }
    }
    out
}

fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, v, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        _ => {
            out.insert(
                if prefix.is_empty() {
                    "(all)".into()
                } else {
                    prefix.to_string()
                },
                v.clone(),
            );
        }
    }
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > SHOWN {
        let cut: String = s.chars().take(SHOWN).collect();
        format!("{cut}...")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::fingerprint::{HashedExternal, InputKey};
    use serde_json::json;

    fn fp(key: &str, params: Value, ext: &str, input: &str, engine: &str) -> Fingerprint {
        Fingerprint {
            stage_id: "main/sample".into(),
            kind: crate::spec::StageKind::SampleCandidates,
            kind_version: 1,
            plan_key: "p".into(),
            params,
            external: vec![HashedExternal {
                role: "dataset".into(),
                path: "data/test.csv".into(),
                blake3: ext.into(),
            }],
            inputs: vec![InputKey {
                id: "main/load".into(),
                key: input.into(),
            }],
            engine_version: engine.into(),
            key: key.into(),
        }
    }

    #[test]
    fn names_each_change() {
        let last = fp(
            "k1",
            json!({"k": 4, "model": {"seed": 1}}),
            "h1",
            "i1",
            "0.1",
        );
        let now = fp(
            "k2",
            json!({"k": 2, "model": {"seed": 1}, "limit": 3}),
            "h2",
            "i2",
            "0.2",
        );
        let r = miss_reasons(&now, &ArtifactState::Missing, Some(&last));
        assert_eq!(
            r,
            vec![
                "engine version changed from 0.1 to 0.2",
                "parameter k changed from 4 to 2",
                "parameter limit added (3)",
                "external file data/test.csv (dataset) changed",
                "input main/load changed",
            ]
        );
        let first = miss_reasons(&now, &ArtifactState::Missing, None);
        assert_eq!(first, vec!["no artifact (first run of this stage)"]);
        let bad = miss_reasons(
            &now,
            &ArtifactState::Invalid("file `x` differs".into()),
            Some(&last),
        );
        assert_eq!(bad, vec!["artifact failed verification: file `x` differs"]);
    }
}
