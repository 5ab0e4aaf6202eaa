//! `generate_conversations` and `evaluate` through the built binary on
//! `tests/fixtures/exec/conversations_tiny.mascot` (the tiny model, whose text is noise):
//! MASCOT with its untrained director, `zero_shot` and `multi_agent_esc`, two MBTI users,
//! three turns, the heuristic judge. Checks the rows and scores, that a second run executes
//! nothing, and that the MASCOT-C variant shares every stage but MASCOT's own.

mod exec_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use exec_support::*;
use serde_json::Value;

fn experiment() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exec/conversations_tiny.mascot")
}

/// `stage id -> manifest` of every artifact in the store.
fn manifests(store: &Path) -> BTreeMap<String, (PathBuf, Value)> {
    std::fs::read_dir(store.join("objects"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|dir| {
            let m: Value =
                serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
            (m["stage_id"].as_str().unwrap().to_string(), (dir, m))
        })
        .collect()
}

fn jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn plan_shares_every_stage_but_mascots_own_between_variants() {
    let file = experiment();
    let (code, out, err) = mascot(&["plan", file.to_str().unwrap(), "--format", "json"], &[]);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    let stages = plan["stages"].as_array().unwrap();
    let variants_of = |needle: &str| -> Vec<Vec<String>> {
        stages
            .iter()
            .filter(|s| s["id"].as_str().unwrap().contains(needle))
            .map(|s| {
                let mut v: Vec<String> = s["variants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect();
                v.sort();
                v
            })
            .collect()
    };
    let both = vec!["MASCOT".to_string(), "MASCOT-C".to_string()];
    for shared in [
        "load_dataset",
        "simulated_users",
        "zero_shot",
        "multi_agent_esc",
    ] {
        let v = variants_of(shared);
        assert!(!v.is_empty(), "no `{shared}` stage in {out}");
        assert!(v.iter().all(|x| *x == both), "`{shared}`: {v:?}");
    }
    // MASCOT's conversations and their evaluation: one node per variant.
    let own: Vec<&Value> = stages
        .iter()
        .filter(|s| s["id"].as_str().unwrap().contains("mascot/"))
        .collect();
    assert_eq!(own.len(), 4, "{own:?}");
    for s in own {
        assert_eq!(s["variants"].as_array().unwrap().len(), 1, "{s}");
    }
}

#[test]
fn conversations_and_scores_then_a_second_run_executes_nothing() {
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
    let first = last_json(&out);
    let executed = ids(&first, "executed");
    assert_eq!(executed.len(), 2 + 4 * 2, "{first}");

    let all = manifests(&store);
    let mut systems = Vec::new();
    for (id, (dir, m)) in &all {
        if m["kind"] == "generate_conversations" {
            let rows = jsonl(&dir.join("conversations.jsonl"));
            // One context x two users.
            assert_eq!(rows.len(), 2, "{id}");
            let users: Vec<&str> = rows
                .iter()
                .map(|r| r["user_type"].as_str().unwrap())
                .collect();
            assert_eq!(users, ["INFP", "ENTJ"], "{id}");
            let system = rows[0]["system"].as_str().unwrap().to_string();
            for r in &rows {
                let turns = r["turns"].as_array().unwrap();
                assert_eq!(turns.len(), 3, "{id}");
                // Every turn but the last is answered by the simulated user.
                assert!(turns[0]["user_reply"].is_object() && turns[1]["user_reply"].is_object());
                assert!(turns[2].get("user_reply").is_none_or(Value::is_null));
                let speakers: Vec<&str> = turns
                    .iter()
                    .map(|t| t["speaker"].as_str().unwrap())
                    .collect();
                match (system.as_str(), m["summary"]["order"].as_str().unwrap()) {
                    ("mascot", "director") => {
                        // The untrained director writes a directive every turn.
                        assert!(turns.iter().all(|t| t["directive"].is_object()), "{id}");
                        assert_eq!(r["counters"]["director_calls"], 3);
                        assert!(
                            speakers
                                .iter()
                                .all(|s| ["Anchor", "Catalyst", "Beacon"].contains(s))
                        );
                    }
                    ("mascot", "random") => {
                        assert!(
                            turns
                                .iter()
                                .all(|t| t.get("directive").is_none_or(Value::is_null))
                        );
                        assert_eq!(r["counters"]["director_calls"], 0);
                    }
                    ("zero_shot", _) => assert_eq!(speakers, ["Assistant"; 3]),
                    ("multi_agent_esc", _) => {
                        assert_eq!(speakers, ["Assistant"; 3]);
                        assert!(!turns[0]["steps"].as_array().unwrap().is_empty());
                    }
                    other => panic!("unexpected system/order {other:?}"),
                }
            }
            let personas: Value =
                serde_json::from_slice(&std::fs::read(dir.join("personas.json")).unwrap()).unwrap();
            let names: Vec<&str> = personas
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            if system == "mascot" {
                assert_eq!(names, ["Anchor", "Catalyst", "Beacon"]);
            } else {
                assert_eq!(names, ["Assistant"]);
            }
            systems.push(system);
        }
        if m["kind"] == "evaluate" {
            let scores = jsonl(&dir.join("scores.jsonl"));
            // 2 conversations x 3 agent turns, then 2 group rows.
            assert_eq!(scores.len(), 2 * 3 + 2, "{id}");
            let agent = scores.iter().filter(|s| s["level"] == "agent").count();
            assert_eq!(agent, 6);
            for s in &scores {
                let expected = if s["level"] == "agent" { 5 } else { 4 };
                let got = s["scores"].as_object().unwrap();
                assert_eq!(got.len(), expected, "{s}");
                for v in got.values() {
                    let v = v.as_f64().unwrap();
                    assert!((1.0..=5.0).contains(&v), "{s}");
                }
            }
            let summary: Value =
                serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
            assert_eq!(summary["judge"]["backend"], "heuristic");
            let cells = summary["cells"].as_array().unwrap();
            let overall = cells
                .iter()
                .find(|c| {
                    c["level"] == "agent"
                        && c["criterion"] == "overall"
                        && c.get("user_type").is_none()
                        && c.get("speaker").is_none()
                })
                .unwrap();
            assert_eq!(overall["n"], 6);
            assert_eq!(overall["failed"], 0);
            let mean = overall["mean"].as_f64().unwrap();
            assert!((0.0..=100.0).contains(&mean));
            // Per MBTI type: one cell per user type and criterion.
            for t in ["INFP", "ENTJ"] {
                assert!(cells.iter().any(|c| c["user_type"] == t && c["n"] == 3));
            }
            assert_eq!(m["summary"]["proxy"], true);
        }
    }
    systems.sort();
    assert_eq!(
        systems,
        ["mascot", "mascot", "multi_agent_esc", "zero_shot"],
        "{all:?}"
    );

    let (code, out, err) = mascot(&args, &[]);
    assert_eq!(code, 0, "{err}");
    let second = last_json(&out);
    assert!(ids(&second, "executed").is_empty(), "{second}");
    assert_eq!(ids(&second, "cached"), executed);
}
