//! `mascot exec-stage` (what a SLURM job runs), without a cluster: running every stage of
//! a compiled plan one by one gives the artifacts and keys of `mascot run`;
//! a stage whose input is not built, an unknown stage and a key that changed since
//! submission are clear errors that run nothing.

mod exec_support;

use std::path::{Path, PathBuf};

use exec_support::*;

/// The experiment (the SLURM tests' own: tiny model, fixture data), relative to the
/// repository root; copied with `personas/` and `tests/fixtures/data/` to the same places.
const EXPERIMENT: &str = "tests/fixtures/slurm/experiment.mascot";

struct Checkout {
    dir: tempfile::TempDir,
}

impl Checkout {
    fn new() -> Checkout {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let exp = dir.path().join(EXPERIMENT);
        std::fs::create_dir_all(exp.parent().unwrap()).unwrap();
        std::fs::copy(root.join(EXPERIMENT), &exp).unwrap();
        copy_dir(&root.join("personas"), &dir.path().join("personas"));
        copy_dir(
            &root.join("tests/fixtures/data"),
            &dir.path().join("tests/fixtures/data"),
        );
        Checkout { dir }
    }

    fn file(&self) -> String {
        self.dir.path().join(EXPERIMENT).display().to_string()
    }

    fn base(&self) -> String {
        let exp = self.dir.path().join(EXPERIMENT);
        exp.parent().unwrap().display().to_string()
    }

    /// The compiled plan as JSON, written outside the experiment's directory (as a run
    /// record's `plan.json` is).
    fn plan(&self) -> (PathBuf, serde_json::Value) {
        let (code, out, err) = mascot(&["plan", &self.file(), "--format", "json"], &[]);
        assert_eq!(code, 0, "{err}");
        let p = self.dir.path().join("elsewhere/plan.json");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &out).unwrap();
        (p, serde_json::from_str(&out).unwrap())
    }
}

fn objects(store: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(store.join("objects"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn every_stage_one_by_one_gives_the_keys_of_a_run() {
    let c = Checkout::new();
    let local = c.dir.path().join("local");
    let (code, _, err) = mascot(&["run", &c.file(), "--store", local.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{err}");

    let (plan, json) = c.plan();
    let store = c.dir.path().join("one-by-one");
    let ids: Vec<String> = json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 8);
    for id in &ids {
        let result = c.dir.path().join("result.json");
        let (code, _, err) = mascot(
            &[
                "exec-stage",
                plan.to_str().unwrap(),
                id,
                "--store",
                store.to_str().unwrap(),
                "--base-dir",
                &c.base(),
                "--result",
                result.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(code, 0, "{id}: {err}");
        let rec: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
        assert_eq!(rec["outcome"], "executed", "{id}: {rec}");
        assert_eq!(rec["id"], id.as_str());
    }
    assert_eq!(objects(&store), objects(&local));
    // A job's resumable state and call cache are in the store it was given (shared on a
    // cluster); the state is gone once the artifact is committed.
    assert!(store.join("calls").is_dir());
    assert_eq!(std::fs::read_dir(store.join("work")).unwrap().count(), 0);
    let (code, out, err) = mascot(
        &["cache", "verify", "--store", store.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");

    // Again: the artifact is there, nothing runs.
    let result = c.dir.path().join("again.json");
    let (code, _, err) = mascot(
        &[
            "exec-stage",
            plan.to_str().unwrap(),
            &ids[0],
            "--store",
            store.to_str().unwrap(),
            "--base-dir",
            &c.base(),
            "--result",
            result.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let rec: serde_json::Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    assert_eq!(rec["outcome"], "cached", "{rec}");
}

#[test]
fn missing_input_unknown_stage_and_changed_key_are_errors() {
    let c = Checkout::new();
    let (plan, json) = c.plan();
    let store = c.dir.path().join("s");
    let p = plan.to_str().unwrap();
    let s = store.to_str().unwrap();
    let base = c.base();
    let report = json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|st| st["kind"] == "report")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let (code, _, err) = mascot(
        &["exec-stage", p, &report, "--store", s, "--base-dir", &base],
        &[],
    );
    assert_eq!(code, 1);
    assert!(err.contains("mascot::exec::input_not_built"), "{err}");
    // miette wraps the message: compare it with the wrapping undone.
    let flat = err
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains("is not in the store"), "{err}");

    let (code, _, err) = mascot(
        &[
            "exec-stage",
            p,
            "slurm_test/nope",
            "--store",
            s,
            "--base-dir",
            &base,
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert!(err.contains("mascot::exec::unknown_stage"), "{err}");

    let users = json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|st| st["kind"] == "simulated_users")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let users = users.as_str();
    let (code, _, err) = mascot(
        &[
            "exec-stage",
            p,
            users,
            "--store",
            s,
            "--base-dir",
            &base,
            "--expect-key",
            "0123",
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert!(err.contains("mascot::exec::key_changed"), "{err}");
    assert!(objects(&store).is_empty(), "a refused stage ran");
}
