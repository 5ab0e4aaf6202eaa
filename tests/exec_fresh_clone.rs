//! A fresh clone: the shipped experiments read the data shipped in `data/`, so a dry run works
//! with nothing beside the checkout. What it cannot find (hub models, the ED train split, an
//! API key) is listed, not fatal, and nothing is downloaded.

mod exec_support;

use std::path::Path;

use exec_support::{copy_dir, ids, last_json, mascot};

#[test]
fn ed_dry_run_needs_only_the_models_from_outside_the_clone() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let clone = tempfile::tempdir().unwrap();
    for dir in ["experiments", "personas", "data/empathetic_dialogues"] {
        copy_dir(&root.join(dir), &clone.path().join(dir));
    }
    let file = clone.path().join("experiments/ed.mascot");
    let (code, out, err) = mascot(
        &["run", file.to_str().unwrap(), "--dry-run", "--json"],
        &[("OPENAI_API_KEY", "")],
    );
    assert_eq!(code, 0, "{err}");
    let v = last_json(&out);
    // Table 1's systems, the prompting baselines with and without personas, their
    // evaluations, the training stages and the report.
    assert_eq!(ids(&v, "would_run").len(), 91, "{out}");
    assert!(
        ids(&v, "failed").is_empty() && ids(&v, "skipped").is_empty(),
        "{out}"
    );
    // What a researcher provides: the two hub models and the ED train split (the shipped
    // data covers the rest), named with where the split comes from; and the API key.
    assert!(
        err.contains("3 external files the run needs are missing: dataset split ../data/empathetic_dialogues/train.csv, hub_model hf:Qwen/Qwen3-8B@main, hub_model hf:Qwen/Qwen3-0.6B@main"),
        "{err}"
    );
    assert!(err.contains("empatheticdialogues.tar.gz"), "{err}");
    assert!(
        err.contains("environment variable `OPENAI_API_KEY`") && err.contains("is not set"),
        "{err}"
    );
    // No path outside the clone is needed.
    assert!(!err.contains("shared/"), "{err}");
}
