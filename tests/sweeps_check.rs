//! What `mascot check` catches before running (issue 14): dataset folders and splits that do
//! not exist, a `max_tokens` beyond the speaker's context, values far outside their usual
//! range; the corrected help lines; plan snapshots for users (`mascot snapshot`, a `source:`
//! that does not depend on the working directory, texts listed once); `fmt` keeping a
//! trailing comment on its line. Through the binary.

mod exec_support;
mod sweeps_support;

use exec_support::mascot;
use sweeps_support::{STUDY, Study};

fn check(text: &str) -> (i32, String) {
    let s = Study::new(text);
    let (code, _, err) = mascot(&["check", &s.f()], &[]);
    (code, err)
}

#[test]
fn a_misspelt_dataset_folder_or_split_is_reported_at_its_argument() {
    let (code, err) = check(&STUDY.replace(
        "path: \"data/empathetic_dialogues\"",
        "path: \"data/empathetic_dialogue\"",
    ));
    assert_eq!(code, 0, "a warning: the data may come later\n{err}");
    assert!(err.contains("mascot::W005"), "{err}");
    assert!(
        err.contains("dataset folder `data/empathetic_dialogue` does not exist"),
        "{err}"
    );
    assert!(err.contains("no such folder"), "{err}");

    let (_, err) = check(&STUDY.replace("split: \"test\"", "split: \"validation\""));
    assert!(err.contains("has no split `validation`"), "{err}");
    assert!(err.contains("no such split"), "{err}");
    assert!(
        err.contains(r#"the splits in `data/empathetic_dialogues` are "test", "valid""#),
        "{err}"
    );
    // The label is on the split argument's line, not the path's.
    assert!(err.contains("split: \"validation\""), "{err}");

    let (code, err) = check(STUDY);
    assert_eq!(code, 0);
    assert!(!err.contains("W005"), "{err}");
}

#[test]
fn max_tokens_beyond_the_context_and_unusual_values_are_caught() {
    let (code, err) = check(&STUDY.replace("max_tokens: 3", "max_tokens: 4096"));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("mascot::E032"), "{err}");
    assert!(
        err.contains("`sample_candidates.max_tokens: 4096` does not fit the context of the speaker `tiny` (1024 tokens)"),
        "{err}"
    );
    let (code, err) = check(&STUDY.replace(
        "variant \"greedy\" { set sample_candidates.temperature = 0.0 }",
        "variant \"greedy\" { set sample_candidates.max_tokens = 2048 }",
    ));
    assert_eq!(code, 1);
    assert!(err.contains("max_tokens = 2048"), "{err}");

    let (code, err) = check(&STUDY.replace("temperature: 1.0", "temperature: 80"));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("mascot::W004"), "{err}");
    assert!(
        err.contains("`temperature: 80` is far outside the usual range 0..=2"),
        "{err}"
    );
}

#[test]
fn help_lines_name_the_real_mistake() {
    // A variant removing a needed stage: the label is on the `remove` line.
    let (code, err) = check(&STUDY.replace(
        "variant \"titled\" { set report.title = \"No quiz\" }",
        "variant \"titled\" {\n    remove load_dataset\n}",
    ));
    assert_eq!(code, 1);
    assert!(err.contains("remove load_dataset"), "{err}");
    assert!(err.contains("needs the stage removed here"), "{err}");
    assert!(
        err.contains("also `remove sample_candidates` in this variant, or keep `load_dataset`"),
        "{err}"
    );

    // `reward r: ...` is told to use `=`.
    let (code, err) = check(&format!("{STUDY}\nreward r: rm(tiny)\n"));
    assert_eq!(code, 1);
    assert!(err.contains("a reward is declared with `=`"), "{err}");

    // Articles: "an agent-level reward".
    let (_, err) = check(
        &(STUDY.replace(
            "report { title: \"Study\" }",
            "align_personas { reward: g }\n    report { title: \"Study\" }",
        ) + "\nreward g = diverse()\n"),
    );
    assert!(err.contains("needs an agent-level reward"), "{err}");
    assert!(!err.contains("a agent"), "{err}");
}

#[test]
fn snapshots_check_and_update_with_a_readable_diff() {
    let s = Study::new(STUDY);
    let f = s.f();
    let snaps = s.dir.path().join("snaps");
    let d = snaps.to_str().unwrap();
    let (code, out, _) = mascot(&["snapshot", &f, "--check", "--dir", d], &[]);
    assert_eq!(code, 1);
    assert!(out.contains("MISSING"), "{out}");
    let (code, out, err) = mascot(&["snapshot", &f, "--update", "--dir", d], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("updated"), "{out}");
    let stored = std::fs::read_to_string(snaps.join("study.plan.yaml")).unwrap();
    assert!(stored.contains("source: study.mascot"), "{stored}");
    let (code, out, _) = mascot(&["snapshot", &f, "--check", "--dir", d], &[]);
    assert_eq!(code, 0, "{out}");

    // The same plan from another working directory, by a relative path.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mascot"))
        .args(["plan", "study.mascot", "--format", "yaml"])
        .current_dir(s.dir.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), stored);

    // A persona edit: its text is listed once, so the diff shows the text once.
    std::fs::write(
        &f,
        STUDY.replace(
            "Explains one idea at a time.",
            "Explains one idea at a time, slowly and with care.",
        ),
    )
    .unwrap();
    let (code, out, _) = mascot(&["snapshot", &f, "--check", "--dir", d], &[]);
    assert_eq!(code, 1);
    assert!(out.contains("CHANGED"), "{out}");
    let added: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with('+') && l.contains("slowly and with care"))
        .collect();
    // The text once; each node that uses it only changes its key.
    assert_eq!(added.len(), 1, "{out}");
    assert!(out.contains("description: text:"), "{out}");
    assert!(out.contains("--update"), "{out}");
}

#[test]
fn fmt_keeps_a_trailing_comment_on_its_line() {
    let s = Study::new(&STUDY.replace(
        "vocab: 320, max_seq_len: 1024, seed: 7)\n}",
        "vocab: 320, max_seq_len: 1024, seed: 7)\n} // the model",
    ));
    let (code, out, err) = mascot(&["fmt", &s.f()], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\n} // the model\n"), "{out}");

    let s = Study::new(&STUDY.replace(
        "experiment \"Study group\" { seed: 7  base: \"study\" }",
        "experiment \"Study group\" { seed: 7  base: \"study\" } // the header",
    ));
    let (code, out, err) = mascot(&["fmt", &s.f()], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("experiment \"Study group\" {\n"), "{out}");
    assert!(out.contains("\n} // the header\n"), "{out}");
}
