//! The one-file rule, proven end to end. The `toy` stage kind exists only in test builds: its
//! vocabulary is `src/spec/stages/toy.rs`, its implementation `src/stages/toy.rs`, and it is
//! one line in the kind list (`src/spec/stages/mod.rs`) and one in the executor's registry
//! (`src/stages/registry.rs`). Nothing else knows it, yet the checker checks its fields, the
//! planner wires it to the dataset it reads, and the executor runs it.

use std::path::Path;

use crate::exec::{Outcome, RunOptions, Store, run_plan};
use crate::plan::compile_bytes;
use crate::spec::StageKind;

const EXPERIMENT: &str = r#"
experiment "toy" { seed: 1 }
dataset ed {
    source: empathetic_dialogues(path: "data", split: "test", subsets: [positive, negative])
    limit: 2
}
pipeline {
    load_dataset { data: ed }
    toy { factor: 3 }
}
"#;

fn copy_fixture(to: &Path) {
    let from =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data/empathetic_dialogues");
    std::fs::create_dir_all(to).unwrap();
    std::fs::copy(from.join("test.csv"), to.join("test.csv")).unwrap();
}

#[test]
fn a_kind_is_one_spec_file_one_implementation_and_a_line_in_each_registry() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(&dir.path().join("data"));
    let file = dir.path().join("toy.mascot");

    // Checked: an unknown field of the toy stage gets the table-driven "did you mean".
    let typo = compile_bytes(
        &file,
        "toy.mascot",
        EXPERIMENT.replace("factor", "factr").as_bytes(),
    );
    let rendered = typo.render();
    assert!(
        rendered.contains("unknown field `factr` in stage `toy`"),
        "{rendered}"
    );
    assert!(rendered.contains("did you mean `factor`?"), "{rendered}");

    // Its prerequisites are its own: without `load_dataset` it is an E017.
    let alone = EXPERIMENT.replace("load_dataset { data: ed }", "");
    let rendered = compile_bytes(&file, "toy.mascot", alone.as_bytes()).render();
    assert!(
        rendered.contains("stage `toy` needs stage `load_dataset`, which the pipeline lacks"),
        "{rendered}"
    );

    // Planned: one node reading both subsets.
    let compiled = compile_bytes(&file, "toy.mascot", EXPERIMENT.as_bytes());
    let plan = compiled
        .plan
        .unwrap_or_else(|d| panic!("{}", d.render(&compiled.sources)));
    let toy = plan
        .stages()
        .iter()
        .find(|s| s.kind == StageKind::Toy)
        .unwrap();
    assert_eq!(toy.id, "main/toy");
    assert_eq!(
        toy.inputs,
        vec!["main/load_dataset/positive", "main/load_dataset/negative"]
    );
    assert_eq!(toy.params, serde_json::json!({ "factor": 3 }));

    // Run.
    let store = Store::open(&dir.path().join(".mascot")).unwrap();
    let report = run_plan(&plan, dir.path(), &store, &RunOptions::default()).unwrap();
    assert_eq!(
        report.ids(Outcome::Executed).len(),
        3,
        "{:?}",
        report.stages
    );
    let key = report.stages[2].key.clone().unwrap();
    let counts: serde_json::Value = serde_json::from_slice(
        &std::fs::read(store.artifact_dir(&key).join("counts.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        counts,
        serde_json::json!({
            "main/load_dataset/negative": 6,
            "main/load_dataset/positive": 6,
        })
    );
}
