//! A JSON plan is checked before it runs: `mascot run plan.json` refuses a plan edited by
//! hand (a parameter changed under its key, an input cycle) with a clear error.

mod exec_support;

use exec_support::mascot;

fn smoke_plan() -> serde_json::Value {
    let (code, out, err) = mascot(
        &["plan", "experiments/tiny.mascot", "--format", "json"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn run_edited(plan: &serde_json::Value) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.json");
    std::fs::write(&file, serde_json::to_vec_pretty(plan).unwrap()).unwrap();
    let store = dir.path().join(".mascot");
    let (code, _, err) = mascot(
        &[
            "run",
            file.to_str().unwrap(),
            "--dry-run",
            "--store",
            store.to_str().unwrap(),
        ],
        &[],
    );
    (code, squash(&err))
}

/// Without whitespace and miette's margin, which wraps long lines anywhere.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '│')
        .collect()
}

#[test]
fn a_compiled_plan_round_trips() {
    let plan: mascot::plan::Plan = serde_json::from_value(smoke_plan()).unwrap();
    assert_eq!(plan.stages().len(), 8);
}

#[test]
fn an_edited_parameter_no_longer_matches_its_key() {
    let mut plan = smoke_plan();
    let stages = plan["stages"].as_array_mut().unwrap();
    let sample = stages
        .iter_mut()
        .find(|s| s["kind"] == "sample_candidates")
        .unwrap();
    sample["params"]["k"] = serde_json::json!(5);
    let id = sample["id"].as_str().unwrap().to_string();
    let (code, err) = run_edited(&plan);
    assert_eq!(code, 1);
    assert!(err.contains("invalidplan"), "{err}");
    assert!(
        err.contains(&squash(&format!("stage `{id}` has the key")))
            && err.contains("butitscontentsgive"),
        "{err}"
    );
    assert!(
        err.contains(&squash("mascot plan FILE --format json")),
        "{err}"
    );
}

#[test]
fn an_input_cycle_is_named() {
    let mut plan = smoke_plan();
    let stages = plan["stages"].as_array_mut().unwrap();
    // The first stage (a dataset) now reads the report, which reads it back.
    let first = stages[0]["id"].as_str().unwrap().to_string();
    let last = stages.last().unwrap()["id"].as_str().unwrap().to_string();
    stages[0]["inputs"] = serde_json::json!([last.clone()]);
    let (code, err) = run_edited(&plan);
    assert_eq!(code, 1);
    assert!(
        err.contains(&squash(&format!(
            "the stages form a cycle: {first} -> {last} ->"
        ))),
        "{err}"
    );
    assert!(err.contains(&squash(&format!("-> {first} help:"))), "{err}");
}
