//! Shared helpers of the executor tests: plans built in code (sealed through `Plan::new`, with
//! the planner's own content keys) over a temporary copy of the shipped fixture data.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mascot::plan::{ContentKey, Plan, Stage, Variant, content_key};
use mascot::spec::{ExternalInput, StageKind};
use serde_json::{Value, json};

/// A temporary experiment directory holding a copy of `tests/fixtures/data`.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data"),
            &dir.path().join("data"),
        );
        Workspace { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join(".mascot")
    }

    /// Writes the plan as JSON next to the data; returns its path.
    pub fn write_plan(&self, plan: &Plan) -> PathBuf {
        let p = self.dir.path().join("plan.json");
        std::fs::write(&p, serde_json::to_vec_pretty(plan).unwrap()).unwrap();
        p
    }
}

/// Artifact stores (`.mascot/`) are left out: a store that a user's own run left next to
/// `experiments/tiny.mascot` made every stage of the test's first run `cached`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_name() == ".mascot" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

pub fn stage(
    id: &str,
    kind: StageKind,
    params: Value,
    inputs: &[&Stage],
    external: &[(&str, &str)],
) -> Stage {
    let external: Vec<ExternalInput> = external
        .iter()
        .map(|(role, path)| ExternalInput {
            role: role.to_string(),
            path: PathBuf::from(path),
        })
        .collect();
    let keys: Vec<&ContentKey> = inputs.iter().map(|s| &s.key).collect();
    Stage {
        id: id.into(),
        kind,
        key: content_key(kind, &params, &external, &keys),
        params,
        inputs: inputs.iter().map(|s| s.id.clone()).collect(),
        external,
        variants: vec!["main".into()],
    }
}

pub fn ed(id: &str, subset: &str, limit: Option<usize>) -> Stage {
    stage(
        id,
        StageKind::LoadDataset,
        json!({"dataset": "empathetic_dialogues", "path": "data/empathetic_dialogues", "split": "test", "subset": subset, "limit": limit}),
        &[],
        &[("dataset", "data/empathetic_dialogues/test.csv")],
    )
}

pub fn qmsum(id: &str, domain: &str) -> Stage {
    stage(
        id,
        StageKind::LoadDataset,
        json!({"dataset": "qmsum", "path": "data/qmsum", "split": "test", "domain": domain, "limit": null}),
        &[],
        &[("dataset", "data/qmsum")],
    )
}

pub fn users(id: &str, types: &[&str]) -> Stage {
    stage(
        id,
        StageKind::SimulatedUsers,
        json!({"types": types}),
        &[],
        &[],
    )
}

pub fn report(id: &str, title: &str, inputs: &[&Stage]) -> Stage {
    stage(
        id,
        StageKind::Report,
        json!({"title": title, "variants": ["main"]}),
        inputs,
        &[],
    )
}

/// A one-variant plan (`main`) of these stages.
pub fn plan(stages: Vec<Stage>) -> Plan {
    plan_with(stages, vec![])
}

/// A plan of these stages: the variant `main` with all of them, then `more`.
pub fn plan_with(stages: Vec<Stage>, more: Vec<Variant>) -> Plan {
    let ids = stages.iter().map(|s| s.id.clone()).collect();
    let mut variants = vec![Variant {
        name: "main".into(),
        description: None,
        stages: ids,
    }];
    variants.extend(more);
    Plan::new("test".into(), PathBuf::from("plan.json"), variants, stages).unwrap()
}

/// load ED positive + load ED negative + QMSum product + users + report over all four.
pub fn standard_plan(report_title: &str, users_types: &[&str]) -> Plan {
    let pos = ed("main/load/positive", "positive", None);
    let neg = ed("main/load/negative", "negative", None);
    let qm = qmsum("main/load/qmsum", "product");
    let us = users("main/users", users_types);
    let rep = report("main/report", report_title, &[&pos, &neg, &qm, &us]);
    plan(vec![pos, neg, qm, us, rep])
}

/// Runs the built binary; returns (exit code, stdout, stderr).
pub fn mascot(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mascot"));
    cmd.args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The last line of stdout as the `--json` object.
pub fn last_json(stdout: &str) -> Value {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or("{}");
    serde_json::from_str(line).unwrap()
}

pub fn ids(v: &Value, field: &str) -> Vec<String> {
    let mut out: Vec<String> = v[field]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

pub fn sorted(v: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    out.sort();
    out
}
