//! Persona-driven prompting baselines through the built binary on
//! `tests/fixtures/exec/persona_baselines_tiny.mascot` (the tiny model, whose text is noise):
//! the plan has one node per (system, subset) for each form, the persona forms speak as the
//! personas in turn while `zero_shot` speaks as the single assistant, and the report labels
//! them as the paper's Table 3 does.

mod exec_support;

use std::path::{Path, PathBuf};

use exec_support::*;
use serde_json::Value;

fn experiment() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exec/persona_baselines_tiny.mascot")
}

/// `(manifest, artifact dir)` of every artifact of `kind` in the store.
fn artifacts(store: &Path, kind: &str) -> Vec<(Value, PathBuf)> {
    std::fs::read_dir(store.join("objects"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|dir| {
            let m: Value =
                serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
            (m["kind"] == kind).then_some((m, dir))
        })
        .collect()
}

#[test]
fn persona_baselines_are_planned_beside_the_single_assistant_ones() {
    let file = experiment();
    let (code, out, err) = mascot(&["plan", file.to_str().unwrap(), "--format", "json"], &[]);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    let conversations: Vec<(String, Value)> = plan["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "generate_conversations")
        .map(|s| (s["id"].as_str().unwrap().to_string(), s["params"].clone()))
        .collect();
    let ids: Vec<&str> = conversations.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "main/generate_conversations/zero_shot/positive",
            "main/generate_conversations/few_shot_cot_personas/positive",
            "main/generate_conversations/self_consistency_personas/positive",
        ]
    );
    // The single-assistant form has no `persona_speakers` (its key is the one it had before
    // the option existed); the persona forms speak in round-robin order.
    let (_, zero_shot) = &conversations[0];
    assert!(zero_shot.get("persona_speakers").is_none(), "{zero_shot}");
    assert_eq!(zero_shot["order"], "fixed");
    for (_, p) in &conversations[1..] {
        assert_eq!(p["persona_speakers"], true);
        assert_eq!(p["order"], "round_robin");
    }
    assert_eq!(conversations[2].1["samples"], 2);
}

#[test]
fn persona_baselines_speak_as_the_personas_and_are_labelled_as_in_table_3() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join(".mascot");
    let file = experiment();
    let args = [
        "run",
        file.to_str().unwrap(),
        "--json",
        "--store",
        store.to_str().unwrap(),
    ];
    let (code, out, err) = mascot(&args, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids(&last_json(&out), "executed").len(), 8, "{out}");

    let mut seen = Vec::new();
    for (manifest, dir) in artifacts(&store, "generate_conversations") {
        let system = manifest["summary"]["system"].as_str().unwrap().to_string();
        let rows: Vec<Value> = std::fs::read_to_string(dir.join("conversations.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), 1, "{system}");
        assert_eq!(rows[0]["system"], system.as_str());
        let speakers: Vec<&str> = rows[0]["turns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["speaker"].as_str().unwrap())
            .collect();
        let profiles: Value =
            serde_json::from_slice(&std::fs::read(dir.join("personas.json")).unwrap()).unwrap();
        let names: Vec<&str> = profiles
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        if system == "zero_shot" {
            assert_eq!(speakers, ["Assistant"; 3]);
            assert_eq!(names, ["Assistant"]);
        } else {
            // Each persona in turn, as in Table 3's "Few-Shot + CoT".
            assert_eq!(speakers, ["Anchor", "Catalyst", "Beacon"], "{system}");
            assert_eq!(names, ["Anchor", "Catalyst", "Beacon"], "{system}");
            assert_eq!(rows[0]["order"], "round_robin", "{system}");
        }
        if system == "self_consistency_personas" {
            let steps = rows[0]["turns"][0]["steps"].as_array().unwrap();
            assert_eq!(steps.len(), 3, "two samples and the choice");
        }
        seen.push(system);
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "few_shot_cot_personas",
            "self_consistency_personas",
            "zero_shot"
        ]
    );

    let (_, report) = artifacts(&store, "report").pop().unwrap();
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(md.contains("| Zero-Shot (w/o Personas) |"), "{md}");
    assert!(md.contains("| Few-Shot + CoT |"), "{md}");
    assert!(md.contains("| Self-Consistency |"), "{md}");
}
