//! Empathetic Dialogues reader on the test fixture, on malformed rows, and on the real
//! test/valid splits shipped in `data/` (a failure in CI when absent).

mod data_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mascot::data::{Valence, read_ed_csv};

fn real(file: &str) -> Option<PathBuf> {
    data_support::shipped(&format!("empathetic_dialogues/{file}"))
}

fn by_valence(split: &mascot::data::EdSplit) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for c in &split.conversations {
        *m.entry(c.valence.as_str()).or_default() += 1;
    }
    m
}

#[test]
fn fixture_covers_every_valence_and_unescapes_commas() {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data/empathetic_dialogues");
    let test = read_ed_csv(&root.join("test.csv")).unwrap();
    assert!(test.bad_rows.is_empty(), "{:?}", test.bad_rows);
    assert_eq!(test.conversations.len(), 6);
    assert_eq!(test.rows, 17);
    let v = by_valence(&test);
    assert_eq!((v["positive"], v["negative"], v["neutral"]), (2, 2, 2));
    let proud = &test.conversations[0];
    assert_eq!(proud.emotion, "proud");
    assert_eq!(proud.valence, Valence::Positive);
    assert_eq!(proud.turns.len(), 4);
    assert_eq!(
        proud.turns[0].utterance,
        "My daughter just ran her first marathon, I still can't believe it!"
    );
    // A leading quote is text, not CSV quoting.
    assert!(test.conversations[2].turns[0].utterance.starts_with('"'));
    let valid = read_ed_csv(&root.join("valid.csv")).unwrap();
    assert_eq!(valid.conversations.len(), 3);
}

#[test]
fn bad_rows_are_counted_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("test.csv");
    let good = "a,1,sad,x,0,hello,,";
    std::fs::write(
        &p,
        format!(
            "{}\n{good}\nb,one,sad,x,0,hi,,\nc,1,sad,x,0,with,an,extra,comma,,\n{good}\n",
            mascot::data::ed::ED_HEADER
        ),
    )
    .unwrap();
    let split = read_ed_csv(&p).unwrap();
    assert_eq!(split.rows, 4);
    assert_eq!(split.conversations.len(), 1);
    assert_eq!(split.conversations[0].turns.len(), 2);
    let bad: Vec<String> = split.bad_rows.iter().map(|b| b.to_string()).collect();
    assert_eq!(bad.len(), 2);
    assert!(
        bad[0].ends_with(":3: utterance_idx `one` is not a non-negative integer"),
        "{}",
        bad[0]
    );
    assert!(
        bad[1].contains("test.csv:4: expected 8 comma-separated fields, found 11"),
        "{}",
        bad[1]
    );
}

#[test]
fn real_test_split_has_2547_conversations() {
    let Some(p) = real("test.csv") else { return };
    let split = read_ed_csv(&p).unwrap();
    assert_eq!(split.rows, 10_973);
    assert!(
        split.bad_rows.is_empty(),
        "{:?}",
        &split.bad_rows[..split.bad_rows.len().min(5)]
    );
    assert_eq!(split.conversations.len(), 2_547);
    let v = by_valence(&split);
    assert_eq!(v["positive"], 872);
    assert_eq!(v["negative"], 1_230);
    assert_eq!(v["neutral"], 445);
    let emotions: std::collections::BTreeSet<&str> = split
        .conversations
        .iter()
        .map(|c| c.emotion.as_str())
        .collect();
    assert_eq!(emotions.len(), 32);
    let turns: usize = split.conversations.iter().map(|c| c.turns.len()).sum();
    assert_eq!(turns, 10_973);
}

#[test]
fn real_valid_split_has_2770_conversations() {
    let Some(p) = real("valid.csv") else { return };
    let split = read_ed_csv(&p).unwrap();
    assert!(split.bad_rows.is_empty());
    assert_eq!(split.conversations.len(), 2_770);
    let v = by_valence(&split);
    assert_eq!(
        (v["positive"], v["negative"], v["neutral"]),
        (904, 1_381, 485)
    );
}
