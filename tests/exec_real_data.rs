//! `load_dataset` stages on the real data shipped in `data/` (a failure in CI when absent):
//! the ED test valence subsets and the QMSum test queries, counted from the artifacts the
//! executor stores.

mod data_support;
mod exec_support;

use std::path::Path;

use exec_support::*;
use mascot::exec::{Manifest, Outcome, RunOptions, Store, run_plan};
use mascot::spec::StageKind;
use serde_json::json;

#[test]
fn real_test_splits_through_the_executor() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if data_support::shipped("empathetic_dialogues/test.csv").is_none()
        || data_support::shipped("qmsum").is_none()
    {
        return;
    }
    let ed_stage = |subset: &str| {
        stage(
            &format!("real/ed/{subset}"),
            StageKind::LoadDataset,
            json!({"dataset": "empathetic_dialogues", "path": "data/empathetic_dialogues", "split": "test", "subset": subset, "limit": null}),
            &[],
            &[("dataset", "data/empathetic_dialogues/test.csv")],
        )
    };
    let qm = stage(
        "real/qmsum",
        StageKind::LoadDataset,
        json!({"dataset": "qmsum", "path": "data/qmsum", "split": "test", "domain": "all", "limit": null}),
        &[],
        &[("dataset", "data/qmsum")],
    );
    let plan = plan(vec![
        ed_stage("positive"),
        ed_stage("negative"),
        ed_stage("neutral"),
        ed_stage("all"),
        qm,
    ]);
    let store_dir = tempfile::tempdir().unwrap();
    let store = Store::open(store_dir.path()).unwrap();
    let report = run_plan(
        &plan,
        root,
        &store,
        &RunOptions {
            jobs: 2,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        report.ids(Outcome::Executed).len(),
        5,
        "{:?}",
        report.stages
    );
    let summary = |id: &str| {
        let key = report
            .stages
            .iter()
            .find(|s| s.id == id)
            .unwrap()
            .key
            .clone()
            .unwrap();
        Manifest::read(&store.artifact_dir(&key)).unwrap().summary
    };
    assert_eq!(summary("real/ed/positive")["records"], 872);
    assert_eq!(summary("real/ed/negative")["records"], 1230);
    assert_eq!(summary("real/ed/neutral")["records"], 445);
    let all = summary("real/ed/all");
    assert_eq!(all["records"], 2547);
    assert_eq!(all["rows"], 10973);
    assert_eq!(all["bad_rows"], 0);
    let qm = summary("real/qmsum");
    // One record per query (`queries: all`, the default) of the 35 test meetings.
    assert_eq!(qm["meetings"], 35);
    assert_eq!(qm["records"], 281);
    assert_eq!(
        qm["records_by_domain"],
        json!({"Academic": 58, "Committee": 72, "Product": 151})
    );
    assert_eq!(
        (
            qm["general_queries"].clone(),
            qm["specific_queries"].clone()
        ),
        (json!(37), json!(244))
    );
    assert_eq!(qm["transcript_turns"], 20718);
}
