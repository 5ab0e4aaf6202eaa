//! A fresh clone: the shipped experiments read the data shipped in `data/`, so a dry run works
//! with nothing beside the checkout. Models it cannot find are listed, not fatal.

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
    let (code, out, err) = mascot(&["run", file.to_str().unwrap(), "--dry-run", "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    let v = last_json(&out);
    assert_eq!(ids(&v, "would_run").len(), 61, "{out}");
    assert!(
        ids(&v, "failed").is_empty() && ids(&v, "skipped").is_empty(),
        "{out}"
    );
    // The datasets are there; the two models are not, and the dry run says so.
    assert!(
        err.contains("2 external files the run needs are missing: weights ../../shared/models/Qwen3-8B, weights ../../shared/models/Qwen3-0.6B"),
        "{err}"
    );
    assert!(!err.contains("empathetic_dialogues (dataset)"), "{err}");
    assert!(
        err.contains("MASCOT/load_dataset/ed_train.all") && !err.contains("needs dataset"),
        "{err}"
    );
}
