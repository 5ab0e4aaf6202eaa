//! Incremental runs through the library: nothing runs twice, a parameter or external input
//! change reruns exactly the stages that depend on it, and every miss says why.

mod exec_support;

use exec_support::*;
use mascot::exec::{Outcome, RunOptions, RunReport, Store, run_plan};
use mascot::plan::Plan;
use mascot::spec::StageKind;
use serde_json::json;

fn run(ws: &Workspace, plan: &Plan, opts: &RunOptions) -> RunReport {
    let store = Store::open(&ws.store()).unwrap();
    run_plan(plan, ws.path(), &store, opts).unwrap()
}

fn ids_of(r: &RunReport, o: Outcome) -> Vec<String> {
    let mut v = r.ids(o);
    v.sort();
    v
}

#[test]
fn second_run_executes_nothing() {
    let ws = Workspace::new();
    let plan = standard_plan("Fixture run", &["INFP", "ESTJ"]);
    let first = run(&ws, &plan, &RunOptions::default());
    assert_eq!(first.ids(Outcome::Executed).len(), 5, "{:?}", first.stages);
    let second = run(
        &ws,
        &plan,
        &RunOptions {
            jobs: 3,
            ..Default::default()
        },
    );
    assert!(second.ids(Outcome::Executed).is_empty());
    assert_eq!(second.ids(Outcome::Cached).len(), 5);
    assert!(second.success());
    // The report artifact says what the run produced.
    let key = second
        .stages
        .iter()
        .find(|s| s.id == "main/report")
        .unwrap()
        .key
        .clone()
        .unwrap();
    let md =
        std::fs::read_to_string(ws.store().join("objects").join(&key).join("report.md")).unwrap();
    assert!(md.starts_with("# Fixture run"));
    assert!(md.contains("main/load/positive") && md.contains("main/users"));
    assert!(md.contains("records: 2"), "{md}");
    // Run records exist for both runs.
    let mut runs: Vec<_> = std::fs::read_dir(ws.store().join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    runs.sort();
    assert_eq!(runs.len(), 2);
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(runs[0].join("record.json")).unwrap()).unwrap();
    assert!(record["finished"].is_string());
    let stages = record["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 5);
    assert!(stages.iter().all(|s| s["outcome"] == "executed"
        && s["reasons"][0] == "no artifact (first run of this stage)"
        && s["key"].is_string()
        && s["seconds"].as_f64().unwrap() >= 0.0));
    assert!(runs[0].join("plan.json").exists());
    let log = std::fs::read_to_string(runs[0].join("log.txt")).unwrap();
    assert!(log.contains("[main/report] done in"), "{log}");
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(runs[1].join("record.json")).unwrap()).unwrap();
    assert!(
        record["stages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["outcome"] == "cached")
    );
}

#[test]
fn changing_one_parameter_reruns_exactly_its_dependants() {
    let ws = Workspace::new();
    run(
        &ws,
        &standard_plan("Fixture run", &["INFP"]),
        &RunOptions::default(),
    );
    let edited = standard_plan("Fixture run", &["INFP", "ENTJ"]);
    let dry = run(
        &ws,
        &edited,
        &RunOptions {
            dry_run: true,
            ..Default::default()
        },
    );
    assert_eq!(
        ids_of(&dry, Outcome::WouldRun),
        sorted(&["main/users", "main/report"])
    );
    let users = dry.stages.iter().find(|s| s.id == "main/users").unwrap();
    assert_eq!(users.reasons, vec!["parameter types[1] added (\"ENTJ\")"]);
    let rep = dry.stages.iter().find(|s| s.id == "main/report").unwrap();
    assert_eq!(rep.reasons, vec!["input main/users changed"]);

    let r = run(&ws, &edited, &RunOptions::default());
    assert_eq!(
        ids_of(&r, Outcome::Executed),
        sorted(&["main/users", "main/report"])
    );
    assert_eq!(r.ids(Outcome::Cached).len(), 3);

    // A parameter edit that reaches one dataset stage.
    let mut stages = standard_plan("Fixture run", &["INFP", "ENTJ"])
        .stages()
        .to_vec();
    stages[1] = ed("main/load/negative", "negative", Some(1));
    stages[4] = {
        let inputs: Vec<&mascot::plan::Stage> = stages[..4].iter().collect();
        report("main/report", "Fixture run", &inputs)
    };
    let plan = exec_support::plan(stages);
    let dry = run(
        &ws,
        &plan,
        &RunOptions {
            dry_run: true,
            ..Default::default()
        },
    );
    let neg = dry
        .stages
        .iter()
        .find(|s| s.id == "main/load/negative")
        .unwrap();
    assert_eq!(neg.reasons, vec!["parameter limit changed from null to 1"]);
    let r = run(&ws, &plan, &RunOptions::default());
    assert_eq!(
        ids_of(&r, Outcome::Executed),
        sorted(&["main/load/negative", "main/report"])
    );
}

#[test]
fn changing_one_byte_of_a_dataset_reruns_exactly_its_readers() {
    let ws = Workspace::new();
    let plan = standard_plan("Fixture run", &["INFP"]);
    run(&ws, &plan, &RunOptions::default());
    let csv = ws.path().join("data/empathetic_dialogues/test.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    std::fs::write(
        &csv,
        text.replacen("I still can't believe it!", "I still can't believe it?", 1),
    )
    .unwrap();
    let dry = run(
        &ws,
        &plan,
        &RunOptions {
            dry_run: true,
            ..Default::default()
        },
    );
    let pos = dry
        .stages
        .iter()
        .find(|s| s.id == "main/load/positive")
        .unwrap();
    assert_eq!(
        pos.reasons,
        vec!["external file data/empathetic_dialogues/test.csv (dataset) changed"]
    );
    let r = run(&ws, &plan, &RunOptions::default());
    assert_eq!(
        ids_of(&r, Outcome::Executed),
        sorted(&["main/load/positive", "main/load/negative", "main/report"])
    );
    // A QMSum file inside the dataset directory.
    let m = ws.path().join("data/qmsum/data/Product/test/FX2001b.json");
    let text = std::fs::read_to_string(&m).unwrap();
    std::fs::write(&m, text.replacen("rubber case", "rubber-case", 1)).unwrap();
    let r = run(&ws, &plan, &RunOptions::default());
    assert_eq!(
        ids_of(&r, Outcome::Executed),
        sorted(&["main/load/qmsum", "main/report"])
    );
}

#[test]
fn a_failing_stage_skips_its_dependants_and_keep_going_finishes_the_rest() {
    let ws = Workspace::new();
    let pos = ed("main/load/positive", "positive", None);
    let sft = stage(
        "main/sft",
        StageKind::TrainSft,
        json!({"epochs": 1}),
        &[&pos],
        &[],
    );
    let after = report("main/report/sft", "After SFT", &[&sft]);
    let us = users("main/users", &["INTP"]);
    let plan = plan(vec![pos, sft, after, us]);

    let r = run(
        &ws,
        &plan,
        &RunOptions {
            jobs: 1,
            ..Default::default()
        },
    );
    assert_eq!(r.ids(Outcome::Failed), vec!["main/sft"]);
    let err = r
        .stages
        .iter()
        .find(|s| s.id == "main/sft")
        .unwrap()
        .error
        .clone()
        .unwrap();
    assert!(
        // A train_sft stage whose parameters lack the model: it fails when it runs.
        err.contains("invalid train_sft parameters"),
        "{err}"
    );
    assert!(
        r.ids(Outcome::Skipped)
            .contains(&"main/report/sft".to_string())
    );
    assert!(!r.success());

    let ws2 = Workspace::new();
    let r = run(
        &ws2,
        &plan,
        &RunOptions {
            keep_going: true,
            ..Default::default()
        },
    );
    assert_eq!(
        ids_of(&r, Outcome::Executed),
        sorted(&["main/load/positive", "main/users"])
    );
    assert_eq!(r.ids(Outcome::Skipped), vec!["main/report/sft"]);
    assert_eq!(r.ids(Outcome::Failed), vec!["main/sft"]);
}

#[test]
fn a_missing_external_input_fails_its_stage_with_the_path() {
    let ws = Workspace::new();
    let bad = stage(
        "main/load/positive",
        StageKind::LoadDataset,
        json!({"dataset": "empathetic_dialogues", "path": "data/empathetic_dialogues", "split": "test", "subset": "positive", "limit": null}),
        &[],
        &[("dataset", "data/empathetic_dialogues/nope.csv")],
    );
    let us = users("main/users", &["ISFJ"]);
    let plan = plan(vec![bad, us]);
    let r = run(
        &ws,
        &plan,
        &RunOptions {
            keep_going: true,
            ..Default::default()
        },
    );
    assert_eq!(r.ids(Outcome::Failed), vec!["main/load/positive"]);
    let err = r.stages[0].error.clone().unwrap();
    assert!(err.contains("nope.csv"), "{err}");
    assert_eq!(r.ids(Outcome::Executed), vec!["main/users"]);
}

#[test]
fn variant_selection_and_unknown_variants() {
    let ws = Workspace::new();
    let plan = plan_with(
        standard_plan("Fixture run", &["INFP"]).stages().to_vec(),
        vec![mascot::plan::Variant {
            name: "users-only".into(),
            description: None,
            stages: vec!["main/users".into()],
        }],
    );
    let r = run(
        &ws,
        &plan,
        &RunOptions {
            variants: vec!["users-only".into()],
            ..Default::default()
        },
    );
    assert_eq!(r.ids(Outcome::Executed), vec!["main/users"]);
    let store = Store::open(&ws.store()).unwrap();
    let err = run_plan(
        &plan,
        ws.path(),
        &store,
        &RunOptions {
            variants: vec!["users-onyl".into()],
            ..Default::default()
        },
    )
    .unwrap_err();
    let help = miette::Diagnostic::help(&err).unwrap().to_string();
    assert!(help.contains("did you mean `users-only`"), "{help}");
}
