//! `generate_conversations` on the QMSum test fixture (`tests/fixtures/data/qmsum`) through
//! the built binary, with `tests/fixtures/exec/conversations_qmsum.mascot`: the tiny model
//! (byte-level tokenizer: a transcript line costs its bytes + 1), the four QMSum personas,
//! the untrained director, one MBTI user played by the pipeline's `user:` model, each
//! transcript cut to `transcript_tokens: 150`. Checks the cut (against costs computed here
//! from the fixture files), that it is recorded, that the query opens the episode, and who
//! speaks.

mod exec_support;

use std::path::{Path, PathBuf};

use exec_support::*;
use serde_json::Value;

const BUDGET: u64 = 150;
const PERSONAS: [&str; 4] = [
    "Minutes Scribe",
    "Decision Logger",
    "Action Item Captain",
    "Critic",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture meeting: its transcript lines (`Speaker: text`) and its opening query.
fn meeting(id: &str) -> (Vec<String>, String) {
    let path = root().join(format!("tests/fixtures/data/qmsum/data/ALL/test/{id}.json"));
    let m: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let lines = m["meeting_transcripts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{}: {}",
                t["speaker"].as_str().unwrap().trim(),
                t["content"].as_str().unwrap().trim()
            )
        })
        .collect();
    let query = m["general_query_list"][0]["query"].as_str().unwrap();
    (lines, query.trim().to_string())
}

fn conversations(store: &Path) -> (Value, Vec<Value>, Vec<String>) {
    let mut found = Vec::new();
    for dir in std::fs::read_dir(store.join("objects")).unwrap() {
        let dir = dir.unwrap().path();
        let m: Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        if m["kind"] == "generate_conversations" {
            let rows = std::fs::read_to_string(dir.join("conversations.jsonl"))
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            let personas: Value =
                serde_json::from_slice(&std::fs::read(dir.join("personas.json")).unwrap()).unwrap();
            let names = personas
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect();
            found.push((m, rows, names));
        }
    }
    assert_eq!(found.len(), 1, "one generate_conversations stage");
    found.pop().unwrap()
}

#[test]
fn qmsum_episodes_cut_the_transcript_and_open_with_the_query() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join(".mascot");
    let file = root().join("tests/fixtures/exec/conversations_qmsum.mascot");
    let args = [
        "run",
        file.to_str().unwrap(),
        "--json",
        "--store",
        store.to_str().unwrap(),
    ];
    let (code, out, err) = mascot(&args, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids(&last_json(&out), "executed").len(), 3, "{out}");

    let (manifest, rows, speakers) = conversations(&store);
    assert_eq!(speakers, PERSONAS);
    let summary = &manifest["summary"];
    assert_eq!(summary["user_model"], "built-in tiny model (seed 11)");
    assert_eq!(summary["users"], serde_json::json!(["ISTJ"]));

    // (meeting, domain, turns kept): first lines while bytes + 1 per line fit 150, e.g.
    // FX2001b: 69 + 69 = 138 fit, + 52 does not; FX2001a: 85 fits, + 90 does not.
    let expected = [
        ("FX2001a", "Product", 1),
        ("FX2001b", "Product", 2),
        ("Fxa001", "Academic", 2),
        ("fx_committee_1", "Committee", 2),
    ];
    assert_eq!(
        rows.len(),
        expected.len(),
        "one episode per meeting and user"
    );
    let mut spoke = std::collections::BTreeSet::new();
    for (row, (id, domain, kept)) in rows.iter().zip(expected) {
        assert_eq!(row["context_id"], id);
        assert_eq!(
            (&row["dataset"], &row["subset"]),
            (&"qmsum".into(), &domain.into())
        );
        assert_eq!(row["user_type"], "ISTJ");
        let (lines, query) = meeting(id);
        let cost = |l: &String| l.len() as u64 + 1;
        let tokens_kept: u64 = lines[..kept].iter().map(cost).sum();
        let tokens_total: u64 = lines.iter().map(cost).sum();
        // Cut to fit: what is kept fits, the next line would not.
        assert!(tokens_kept <= BUDGET && tokens_kept + cost(&lines[kept]) > BUDGET);
        let opening = &row["opening"];
        assert_eq!(
            opening["cut"],
            serde_json::json!({
                "turns_kept": kept, "turns_total": lines.len(),
                "tokens_kept": tokens_kept, "tokens_total": tokens_total, "budget": BUDGET,
            }),
            "{id}"
        );
        assert_eq!(opening["background"], lines[..kept].join("\n"), "{id}");
        // The query is the user's opening turn, right after the (cut) transcript.
        assert_eq!(opening["user_message"], query.as_str());
        let turns = row["turns"].as_array().unwrap();
        assert_eq!(turns.len(), 4);
        let director_view = turns[0]["directive"]["prompt"][1]["content"]
            .as_str()
            .unwrap();
        let head = format!(
            "Meeting transcript (the first {kept} of {} turns):\n{}\n\nUser: {query}",
            lines.len(),
            lines[..kept].join("\n")
        );
        assert!(director_view.contains(&head), "{director_view}");
        assert!(!director_view.contains(lines[kept].as_str()));
        // The personas speak; the user model answers after every turn but the last.
        for (i, t) in turns.iter().enumerate() {
            let s = t["speaker"].as_str().unwrap();
            assert!(PERSONAS.contains(&s), "{s}");
            spoke.insert(s.to_string());
            assert_eq!(t["user_reply"].is_object(), i < 3, "{id} turn {i}");
        }
        assert_eq!(row["counters"]["director_calls"], 4);
        assert_eq!(row["counters"]["user_replies"], 3);
    }
    assert_eq!(spoke.len(), 4, "every QMSum persona speaks: {spoke:?}");
}
