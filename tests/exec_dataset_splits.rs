//! The datasets as the paper's experiments read them, through the built binary on a temporary
//! copy of `tests/fixtures/data`: QMSum records per query (`queries: all | first | N`) with
//! the query and its relevant transcript span as the phase-1 context, and the Empathetic
//! Dialogues train split, which `data/` does not ship: noted by `check`, listed by a dry run
//! with where the file comes from, and read once it is there.

mod exec_support;

use std::path::Path;

use exec_support::*;
use mascot::plan::compile_file;
use serde_json::Value;

/// `summary, records` of every `load_dataset` artifact of the store.
fn loads(store: &Path) -> Vec<(Value, Vec<Value>)> {
    std::fs::read_dir(store.join("objects"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|dir| {
            let m: Value =
                serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
            (m["kind"] == "load_dataset").then(|| {
                let records = std::fs::read_to_string(dir.join("records.jsonl"))
                    .unwrap()
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
                (m["summary"].clone(), records)
            })
        })
        .collect()
}

fn meeting(ws: &Workspace, id: &str) -> Value {
    let path = ws
        .path()
        .join(format!("data/qmsum/data/ALL/test/{id}.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// `Speaker: text` of transcript turn `i`.
fn line(m: &Value, i: usize) -> String {
    let t = &m["meeting_transcripts"][i];
    format!(
        "{}: {}",
        t["speaker"].as_str().unwrap().trim(),
        t["content"].as_str().unwrap().trim()
    )
}

#[test]
fn qmsum_records_are_queries_with_their_span() {
    let ws = Workspace::new();
    let file = ws.path().join("q.mascot");
    std::fs::write(
        &file,
        r#"
experiment "QMSum queries" { seed: 1 }
dataset q_all { source: qmsum(path: "data/qmsum", split: "test", domains: [all]) }
dataset q_first { source: qmsum(path: "data/qmsum", split: "test", domains: [all], queries: first) }
dataset q_one { source: qmsum(path: "data/qmsum", split: "test", domains: [all], queries: 1) }
pipeline {
    load_dataset { data: [q_all, q_first, q_one] }
}
"#,
    )
    .unwrap();
    let store = ws.store();
    let (code, out, err) = mascot(
        &[
            "run",
            file.to_str().unwrap(),
            "--json",
            "--store",
            store.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids(&last_json(&out), "executed").len(), 3, "{out}");
    let mut by_option: std::collections::BTreeMap<String, (Value, Vec<Value>)> = loads(&store)
        .into_iter()
        .map(|(s, r)| (s["queries"].as_str().unwrap().to_string(), (s, r)))
        .collect();

    // Every query of every meeting (the 4 fixture meetings have a general and a specific
    // query each), general first.
    let (summary, records) = by_option.remove("all").unwrap();
    assert_eq!(
        (summary["meetings"].clone(), summary["records"].clone()),
        (4.into(), 8.into())
    );
    let rec_ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(&rec_ids[..2], ["FX2001a/q1", "FX2001a/q2"]);
    let m = meeting(&ws, "FX2001a");
    let general = m["general_query_list"][0]["query"].as_str().unwrap().trim();
    let specific = m["specific_query_list"][0]["query"]
        .as_str()
        .unwrap()
        .trim();
    // A general query has no span: the meeting's opening turns (all 4 of this meeting).
    let opening: Vec<String> = (0..4).map(|i| line(&m, i)).collect();
    assert_eq!(
        records[0]["context"],
        format!(
            "Query: {general}\n\nMeeting transcript (opening turns):\n{}",
            opening.join("\n")
        )
    );
    assert_eq!(records[0]["query_kind"], "general");
    // A specific query: its relevant span, turns 1..=2.
    assert_eq!(
        records[1]["context"],
        format!(
            "Query: {specific}\n\nRelevant part of the meeting transcript:\n{}\n{}",
            line(&m, 1),
            line(&m, 2)
        )
    );
    assert_eq!(records[1]["query_kind"], "specific");
    assert_eq!(records[1]["meeting"], "FX2001a");
    // The episode reads the record's own query (and the meeting's transcript).
    assert_eq!(
        records[1]["specific_queries"][0]["query"],
        m["specific_query_list"][0]["query"]
    );
    assert_eq!(records[1]["general_queries"], serde_json::json!([]));
    assert_eq!(records[1]["transcript"], m["meeting_transcripts"]);

    // `first`: one record per meeting, named by the meeting, its general query.
    let (_, records) = by_option.remove("first").unwrap();
    let rec_ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(rec_ids, ["FX2001a", "FX2001b", "Fxa001", "fx_committee_1"]);
    assert!(
        records[0]["context"]
            .as_str()
            .unwrap()
            .starts_with(&format!("Query: {general}\n"))
    );

    // `1`: the first query of each meeting, named `<meeting>/q1`.
    let (_, records) = by_option.remove("1").unwrap();
    let rec_ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        rec_ids,
        ["FX2001a/q1", "FX2001b/q1", "Fxa001/q1", "fx_committee_1/q1"]
    );
}

#[test]
fn ed_train_split_is_noted_when_absent_and_read_when_present() {
    let ws = Workspace::new();
    let file = ws.path().join("ed.mascot");
    std::fs::write(
        &file,
        r#"
experiment "ED train" { seed: 1 }
dataset ed_train { source: empathetic_dialogues(path: "data/empathetic_dialogues", split: "train") }
pipeline {
    load_dataset { data: ed_train }
}
"#,
    )
    .unwrap();

    // Check: a note (advice), not a warning or an error, that says what is missing, where it
    // goes and where it comes from.
    let compiled = compile_file(&file);
    assert!(compiled.plan.is_ok());
    let notes = &compiled.warnings.0;
    assert_eq!(notes.len(), 1, "{}", compiled.render());
    assert_eq!(notes[0].code, "W005");
    assert!(!notes[0].is_warning() && !notes[0].is_error());
    assert!(
        notes[0]
            .message
            .contains("data/empathetic_dialogues/train.csv"),
        "{}",
        notes[0].message
    );
    let help = notes[0].help.as_deref().unwrap();
    assert!(help.contains("empatheticdialogues.tar.gz"), "{help}");
    assert!(help.contains("data/empathetic_dialogues"), "{help}");

    // A dry run lists the file as missing, with the same pointer.
    let store = ws.store();
    let dry = [
        "run",
        file.to_str().unwrap(),
        "--dry-run",
        "--store",
        store.to_str().unwrap(),
    ];
    let (code, out, err) = mascot(&dry, &[]);
    assert_eq!(code, 0, "{err}");
    let all = format!("{out}{err}");
    assert!(
        all.contains("needs dataset split `data/empathetic_dialogues/train.csv`, which is missing"),
        "{all}"
    );
    assert!(all.contains("empatheticdialogues.tar.gz"), "{all}");
    assert!(
        all.contains("1 external file the run needs is missing: dataset split data/empathetic_dialogues/train.csv"),
        "{all}"
    );

    // With the file there: no note, and the stage reads it.
    let dir = ws.path().join("data/empathetic_dialogues");
    std::fs::copy(dir.join("test.csv"), dir.join("train.csv")).unwrap();
    let compiled = compile_file(&file);
    assert!(compiled.warnings.0.is_empty(), "{}", compiled.render());
    let run = [
        "run",
        file.to_str().unwrap(),
        "--json",
        "--store",
        store.to_str().unwrap(),
    ];
    let (code, out, err) = mascot(&run, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids(&last_json(&out), "executed").len(), 1, "{out}");
    let (summary, records) = loads(&store).pop().unwrap();
    assert_eq!(summary["split"], "train");
    assert!(summary["file"].as_str().unwrap().ends_with("train.csv"));
    let test = mascot::data::read_ed_csv(&dir.join("test.csv")).unwrap();
    assert_eq!(records.len(), test.conversations.len());
}
