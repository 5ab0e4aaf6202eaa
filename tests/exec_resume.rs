//! Crash safety through the built binary: kill -9 at several points of a run, then rerun:
//! it completes recomputing only unfinished stages and `cache verify` is clean. Also two
//! runs at once on one store, and a corrupted artifact caught by `cache verify`.

mod exec_support;

use std::process::{Command, Stdio};
use std::time::Duration;

use exec_support::*;

const ALL: [&str; 5] = [
    "main/load/negative",
    "main/load/positive",
    "main/load/qmsum",
    "main/report",
    "main/users",
];

fn objects(ws: &Workspace) -> usize {
    std::fs::read_dir(ws.store().join("objects"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn kill_9_at_several_points_then_rerun_completes() {
    let mut partial = 0;
    for kill_ms in [150u64, 500, 900, 1300, 1700] {
        let ws = Workspace::new();
        let plan = ws.write_plan(&standard_plan("Crash", &["INFP"]));
        let mut child = Command::new(env!("CARGO_BIN_EXE_mascot"))
            .args(["run", plan.to_str().unwrap(), "--jobs", "1", "--json"])
            .env("MASCOT_TEST_STAGE_DELAY_MS", "300")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(kill_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let done = objects(&ws);
        eprintln!("killed at {kill_ms} ms: {done} of 5 artifacts complete");
        if (1..5).contains(&done) {
            partial += 1;
        }
        let store = ws.store();
        if store.join("objects").exists() {
            let (code, out, _) = mascot(
                &["cache", "verify", "--store", store.to_str().unwrap()],
                &[],
            );
            assert_eq!(code, 0, "verify after kill at {kill_ms} ms: {out}");
        }
        let (code, out, err) = mascot(&["run", plan.to_str().unwrap(), "--json"], &[]);
        assert_eq!(code, 0, "{err}");
        let v = last_json(&out);
        assert_eq!(ids(&v, "cached").len(), done, "kill at {kill_ms} ms: {v}");
        assert_eq!(
            ids(&v, "executed").len(),
            5 - done,
            "kill at {kill_ms} ms: {v}"
        );
        let mut all = ids(&v, "executed");
        all.extend(ids(&v, "cached"));
        all.sort();
        assert_eq!(all, sorted(&ALL));
        let (code, out, _) = mascot(
            &["cache", "verify", "--store", store.to_str().unwrap()],
            &[],
        );
        assert_eq!(code, 0, "{out}");
        assert!(
            std::fs::read_dir(store.join("tmp"))
                .unwrap()
                .next()
                .is_none()
        );
    }
    assert!(
        partial >= 1,
        "only {partial} kills landed mid-run; the test did not test much"
    );
}

#[test]
fn two_runs_on_one_store_share_the_work() {
    let ws = Workspace::new();
    let plan = ws.write_plan(&standard_plan("Concurrent", &["INFP", "ISTJ"]));
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_mascot"))
            .args(["run", plan.to_str().unwrap(), "--jobs", "2", "--json"])
            .env("MASCOT_TEST_STAGE_DELAY_MS", "150")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn();
    let b = spawn();
    let a = a.wait_with_output().unwrap();
    let b = b.wait_with_output().unwrap();
    assert!(a.status.success() && b.status.success());
    let va = last_json(&String::from_utf8_lossy(&a.stdout));
    let vb = last_json(&String::from_utf8_lossy(&b.stdout));
    let (ea, eb) = (ids(&va, "executed"), ids(&vb, "executed"));
    eprintln!("first run executed {ea:?}, second executed {eb:?}");
    assert!(
        ea.iter().all(|id| !eb.contains(id)),
        "both executed a stage: {ea:?} {eb:?}"
    );
    let mut union = ea.clone();
    union.extend(eb.clone());
    union.sort();
    assert_eq!(union, sorted(&ALL));
    let (code, out, _) = mascot(
        &["cache", "verify", "--store", ws.store().to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(objects(&ws), 5);
}

#[test]
fn a_corrupted_artifact_is_reported_by_verify_and_rebuilt() {
    let ws = Workspace::new();
    let plan = ws.write_plan(&standard_plan("Corrupt", &["INFP"]));
    let (code, out, err) = mascot(&["run", plan.to_str().unwrap(), "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids(&last_json(&out), "executed").len(), 5);

    // Flip one byte of the positive subset's records, keeping the size.
    let store = ws.store();
    let key = std::fs::read_dir(store.join("objects"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            std::fs::read_to_string(p.join("manifest.json"))
                .unwrap()
                .contains("\"stage_id\": \"main/load/positive\"")
        })
        .unwrap();
    let records = key.join("records.jsonl");
    let mut bytes = std::fs::read(&records).unwrap();
    let i = bytes.iter().position(|b| *b == b'!').unwrap();
    bytes[i] = b'?';
    std::fs::write(&records, bytes).unwrap();

    let (code, out, _) = mascot(
        &["cache", "verify", "--store", store.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 1);
    let name = key.file_name().unwrap().to_str().unwrap();
    assert!(
        out.contains(&format!("corrupt: {name} (main/load/positive)")),
        "{out}"
    );
    assert!(out.contains("records.jsonl"), "{out}");

    let (code, out, _) = mascot(&["run", plan.to_str().unwrap(), "--dry-run"], &[]);
    assert_eq!(code, 0);
    assert!(
        out.lines().any(|l| l.starts_with("run")
            && l.contains("main/load/positive")
            && l.contains("artifact failed verification")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("cached") && l.contains("main/report")),
        "{out}"
    );

    let (code, out, err) = mascot(&["run", plan.to_str().unwrap(), "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        ids(&last_json(&out), "executed"),
        vec!["main/load/positive"]
    );
    let (code, out, _) = mascot(
        &["cache", "verify", "--store", store.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn gc_drops_only_unreferenced_artifacts() {
    let ws = Workspace::new();
    let plan_path = ws.write_plan(&standard_plan("Old", &["INFP"]));
    let (code, _, err) = mascot(&["run", plan_path.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{err}");
    // Same file, new contents: users and report change.
    ws.write_plan(&standard_plan("Old", &["ENFJ"]));
    let (code, _, err) = mascot(&["run", plan_path.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(objects(&ws), 7);

    let (code, out, _) = mascot(
        &["cache", "gc", plan_path.to_str().unwrap(), "--dry-run"],
        &[],
    );
    assert_eq!(code, 0);
    assert!(out.contains("would remove 2 artifacts"), "{out}");
    assert_eq!(objects(&ws), 7);
    let (code, out, _) = mascot(&["cache", "gc", plan_path.to_str().unwrap()], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("removed 2 artifacts"), "{out}");
    assert_eq!(objects(&ws), 5);
    let (code, out, _) = mascot(&["run", plan_path.to_str().unwrap(), "--json"], &[]);
    assert_eq!(code, 0);
    assert!(ids(&last_json(&out), "executed").is_empty());
    let (code, out, _) = mascot(
        &["cache", "ls", "--store", ws.store().to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 0);
    assert!(out.contains("5 artifacts"), "{out}");
    assert!(out.contains("main/users"), "{out}");
}

#[test]
fn failing_stage_exit_code_and_json() {
    let ws = Workspace::new();
    let pos = ed("main/load/positive", "positive", None);
    let sft = stage(
        "main/sft",
        mascot::spec::StageKind::TrainSft,
        serde_json::json!({}),
        &[&pos],
        &[],
    );
    let us = users("main/users", &["INFJ"]);
    let plan = ws.write_plan(&plan(vec![pos, sft, us]));
    let (code, out, err) = mascot(
        &["run", plan.to_str().unwrap(), "--json", "--keep-going"],
        &[],
    );
    assert_eq!(code, 1);
    let v = last_json(&out);
    assert_eq!(ids(&v, "failed"), vec!["main/sft"]);
    assert_eq!(
        ids(&v, "executed"),
        sorted(&["main/load/positive", "main/users"])
    );
    assert!(err.contains("stage `main/sft` failed"), "{err}");
    assert!(err.contains("invalid train_sft parameters"), "{err}");
}
