//! `mascot chat` through the binary: `--user TEXT` plays one scripted turn with the tiny
//! model and saves the transcript; a group whose trained stages are not in the store is an
//! error naming the stage to run first.

mod exec_support;

use std::path::Path;

use exec_support::mascot;

fn fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .display()
        .to_string()
}

#[test]
fn one_scripted_turn_streams_a_reply_and_saves_the_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let transcript = dir.path().join("chat.jsonl");
    let (code, out, err) = mascot(
        &[
            "chat",
            &fixture("tests/fixtures/chat/untrained.mascot"),
            "--user",
            "I finally got the job I wanted!",
            "--store",
            store.to_str().unwrap(),
            "--transcript",
            transcript.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no director"), "{err}");
    let speaker = ["Anchor", "Catalyst", "Beacon"]
        .into_iter()
        .find(|p| out.starts_with(&format!("{p}: ")));
    assert!(speaker.is_some(), "a persona answers: {out:?}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&transcript)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["role"], "user");
    assert_eq!(lines[0]["text"], "I finally got the job I wanted!");
    assert_eq!(lines[1]["role"], "agent");
    assert_eq!(lines[1]["speaker"].as_str(), speaker);
    // What streamed is the raw reply.
    let raw = lines[1]["raw"].as_str().unwrap();
    assert!(out.contains(raw), "{out:?} vs {raw:?}");
}

#[test]
fn an_untrained_group_names_the_stage_to_run_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let (code, _, err) = mascot(
        &[
            "chat",
            &fixture("tests/fixtures/ok/full_tiny.mascot"),
            "--user",
            "hello",
            "--store",
            store.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert!(err.contains("which has not run"), "{err}");
    assert!(
        [
            "full/align_personas",
            "full/optimize_director",
            "full/train_sft"
        ]
        .iter()
        .any(|s| err.contains(s)),
        "{err}"
    );
    assert!(err.contains("mascot run"), "{err}");
}

#[test]
fn an_unknown_variant_lists_the_variants() {
    let (code, _, err) = mascot(
        &[
            "chat",
            &fixture("tests/fixtures/chat/untrained.mascot"),
            "--variant",
            "nope",
            "--user",
            "hi",
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("no variant") && err.contains("`nope`") && err.contains("untrained"),
        "{err}"
    );
}
