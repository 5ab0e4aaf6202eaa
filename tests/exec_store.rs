//! The artifact store: atomic commit, verification, quarantine, sweep of killed builds.

use mascot::exec::fingerprint::Fingerprint;
use mascot::exec::{ArtifactState, Store};

fn fp(key: &str) -> Fingerprint {
    Fingerprint {
        stage_id: "main/x".into(),
        kind: mascot::spec::StageKind::Report,
        kind_version: 1,
        plan_key: "p".into(),
        params: serde_json::json!({}),
        external: vec![],
        inputs: vec![],
        engine_version: mascot::exec::ENGINE_VERSION.into(),
        key: key.into(),
    }
}

#[test]
fn an_artifact_appears_whole_on_commit_and_damage_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let key = "a".repeat(64);
    let pending = store.begin(&key).unwrap();
    std::fs::create_dir_all(pending.dir.join("sub")).unwrap();
    std::fs::write(pending.dir.join("out.jsonl"), "{\"x\":1}\n").unwrap();
    std::fs::write(pending.dir.join("sub/more.txt"), "more").unwrap();
    assert!(matches!(store.check(&key, true), ArtifactState::Missing));
    let manifest = store
        .commit(pending, &fp(&key), "t0".into(), serde_json::json!({"n": 1}))
        .unwrap();
    let files: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(files, vec!["out.jsonl", "sub/more.txt"]);
    assert_eq!(manifest.files[0].size, 8);
    assert!(matches!(store.check(&key, true), ArtifactState::Valid(_)));
    assert_eq!(store.keys().unwrap(), vec![key.clone()]);
    assert!(
        std::fs::read_dir(dir.path().join("tmp"))
            .unwrap()
            .next()
            .is_none()
    );

    // Same size, different byte: caught by the hash.
    std::fs::write(store.artifact_dir(&key).join("out.jsonl"), "{\"x\":2}\n").unwrap();
    match store.check(&key, true) {
        ArtifactState::Invalid(why) => assert!(why.contains("out.jsonl"), "{why}"),
        other => panic!("{other:?}"),
    }
    // A missing file.
    std::fs::remove_file(store.artifact_dir(&key).join("sub/more.txt")).unwrap();
    assert!(matches!(
        store.check(&key, false),
        ArtifactState::Invalid(_)
    ));

    // Rebuilding replaces the damaged artifact.
    let pending = store.begin(&key).unwrap();
    std::fs::write(pending.dir.join("out.jsonl"), "{\"x\":1}\n").unwrap();
    store
        .commit(pending, &fp(&key), "t1".into(), serde_json::json!({}))
        .unwrap();
    assert!(matches!(store.check(&key, true), ArtifactState::Valid(_)));
}

#[test]
fn quarantine_forces_a_rebuild_until_the_next_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let key = "b".repeat(64);
    let pending = store.begin(&key).unwrap();
    std::fs::write(pending.dir.join("f"), "1").unwrap();
    store
        .commit(pending, &fp(&key), "t".into(), serde_json::json!({}))
        .unwrap();
    store
        .quarantine(&key, "file `f` does not match its blake3 hash")
        .unwrap();
    match store.check(&key, false) {
        ArtifactState::Invalid(why) => assert!(why.contains("blake3")),
        other => panic!("{other:?}"),
    }
    let pending = store.begin(&key).unwrap();
    std::fs::write(pending.dir.join("f"), "1").unwrap();
    store
        .commit(pending, &fp(&key), "t".into(), serde_json::json!({}))
        .unwrap();
    assert!(matches!(store.check(&key, false), ArtifactState::Valid(_)));
}

#[test]
fn sweep_removes_abandoned_builds_but_not_locked_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let abandoned = store.begin(&"c".repeat(64)).unwrap();
    std::fs::write(abandoned.dir.join("half"), "x").unwrap();
    let busy_key = "d".repeat(64);
    let _lock = store.lock(&busy_key).unwrap();
    let busy = store.begin(&busy_key).unwrap();
    assert_eq!(store.sweep().unwrap(), 1);
    assert!(!abandoned.dir.exists());
    assert!(busy.dir.exists());
    assert!(store.keys().unwrap().is_empty());
}
