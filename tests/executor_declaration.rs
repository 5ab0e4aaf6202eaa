//! The `executor` declaration through the binary: `mascot run --dry-run` on a file that
//! declares `executor slurm { ... }` submits (on paper) with those settings and says where
//! each came from; a flag replaces one field; `--executor local` runs here; a SLURM flag on a
//! local run is refused; a JSON plan keeps the declaration; `mascot fmt` formats it. None of
//! this needs a cluster: a SLURM dry run only prints the `sbatch` lines.

mod exec_support;

use std::path::Path;

const DECLARED: &str = "tests/fixtures/ok/executor_slurm.mascot";
const UNDECLARED: &str = "tests/fixtures/ok/minimal.mascot";

/// `mascot ARGS` without extra environment.
fn mascot(args: &[&str]) -> (i32, String, String) {
    exec_support::mascot(args, &[])
}

/// `mascot run FILE --dry-run --store <tmp> EXTRA...`: (exit code, stdout, stderr).
fn dry_run(file: &str, extra: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store").display().to_string();
    let mut args = vec!["run", file, "--dry-run", "--store", store.as_str()];
    args.extend_from_slice(extra);
    mascot(&args)
}

/// The `sbatch` lines of a dry run's script.
fn job_lines(out: &str) -> Vec<&str> {
    out.lines().filter(|l| l.starts_with("JOB_")).collect()
}

/// The line describing one setting (`  time  02:00:00  (from ...)`).
fn setting<'a>(out: &'a str, field: &str) -> &'a str {
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(field))
        .unwrap_or_else(|| panic!("no `{field}` line in:\n{out}"))
}

#[test]
fn a_declared_slurm_executor_is_used_without_a_flag() {
    let (code, out, err) = dry_run(DECLARED, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "executor: slurm (from `executor slurm` in {DECLARED})\n"
        )),
        "{out}"
    );
    assert!(setting(&out, "partition").contains("debug"), "{out}");
    assert!(
        setting(&out, "time").contains(&format!("(from {DECLARED})")),
        "{out}"
    );
    let jobs = job_lines(&out);
    assert_eq!(jobs.len(), 2, "one job per stage: {out}");
    for l in jobs {
        for arg in [
            "--partition=debug",
            "--account=lab",
            "--time=02:00:00",
            "--qos=normal",
        ] {
            assert!(l.contains(arg), "{arg} missing from {l}");
        }
    }
}

#[test]
fn a_flag_replaces_one_declared_field() {
    let (code, out, err) = dry_run(
        DECLARED,
        &["--slurm-time", "10:00", "--slurm-arg=--qos=high"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        setting(&out, "time").contains("(from --slurm-time)"),
        "{out}"
    );
    assert!(
        setting(&out, "extra_args").contains("(from --slurm-arg)"),
        "{out}"
    );
    assert!(
        setting(&out, "partition").contains(&format!("(from {DECLARED})")),
        "{out}"
    );
    let jobs = job_lines(&out);
    assert_eq!(jobs.len(), 2, "{out}");
    for l in jobs {
        assert!(
            l.contains("--time=10:00'") && !l.contains("02:00:00"),
            "{l}"
        );
        assert!(
            l.contains("--qos=high") && !l.contains("--qos=normal"),
            "{l}"
        );
        assert!(l.contains("--partition=debug"), "{l}");
    }
}

#[test]
fn executor_local_runs_here_whatever_the_file_declares() {
    let (code, out, err) = dry_run(DECLARED, &["--executor", "local"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "executor: local (from --executor local, over `executor slurm` in {DECLARED})\n"
        )),
        "{out}"
    );
    assert!(job_lines(&out).is_empty(), "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("run ")).count(),
        2,
        "{out}"
    );

    // A SLURM flag on a run forced local is a mistake, not silently dropped.
    let (code, _, err) = dry_run(DECLARED, &["--executor", "local", "--partition", "gpu"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("mascot::run::slurm_flags"), "{err}");
    assert!(err.contains("--executor local"), "{err}");
}

#[test]
fn without_a_declaration_the_run_is_local_and_slurm_flags_are_refused() {
    let (code, out, err) = dry_run(UNDECLARED, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(
            "executor: local (the default: no --executor flag and no `executor` declaration"
        ),
        "{out}"
    );
    assert!(job_lines(&out).is_empty(), "{out}");
    let (code, _, err) = dry_run(UNDECLARED, &["--slurm-time", "10:00"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("mascot::run::slurm_flags"), "{err}");

    // `--executor slurm` on an undeclared file: the flags alone, the cluster's defaults.
    let (code, out, err) = dry_run(UNDECLARED, &["--executor", "slurm"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("executor: slurm (from --executor slurm)"),
        "{out}"
    );
    assert!(
        setting(&out, "partition").contains("default: the cluster's default partition"),
        "{out}"
    );
    assert!(
        job_lines(&out).iter().all(|l| !l.contains("--partition")),
        "{out}"
    );
}

#[test]
fn a_json_plan_keeps_the_declared_executor() {
    let (code, json, err) = mascot(&["plan", DECLARED, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["executor"]["slurm"]["partition"], "debug", "{json}");
    assert_eq!(v["executor"]["slurm"]["gpus_per_stage"], 1, "{json}");
    // Beside the file, so the plan's relative paths resolve as the file's do.
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, &json).unwrap();
    let plan = plan.display().to_string();
    let (code, out, err) = dry_run(&plan, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "executor: slurm (from `executor slurm` in {plan})"
        )),
        "{out}"
    );
    assert!(
        job_lines(&out)
            .iter()
            .all(|l| l.contains("--partition=debug")),
        "{out}"
    );

    // A plan without an executor has no `executor` field, as before the declaration existed.
    let (code, json, _) = mascot(&["plan", UNDECLARED, "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v.get("executor").is_none(), "{json}");
}

#[test]
fn the_text_plan_shows_the_executor() {
    let (code, out, err) = mascot(&["plan", DECLARED]);
    assert_eq!(code, 0, "{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("executor slurm {"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("partition: \"debug\""), "{line}");
    assert!(line.contains("in no key"), "{line}");
}

#[test]
fn fmt_formats_the_declaration() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.mascot");
    std::fs::write(
        &file,
        "experiment \"x\" {}\nexecutor   slurm {partition:\"debug\",gpus_per_stage:1,\n extra_args:[\"--qos=normal\"]   // qos\n}\nexecutor local{ }\n",
    )
    .unwrap();
    let (code, out, err) = mascot(&["fmt", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "experiment \"x\" {}\n\nexecutor slurm {\n    partition: \"debug\"\n    gpus_per_stage: 1\n    extra_args: [\"--qos=normal\"] // qos\n}\n\nexecutor local {}\n"
    );
    // Formatted output formats to itself.
    std::fs::write(&file, &out).unwrap();
    let (code, again, _) = mascot(&["fmt", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(again, out);
    assert!(Path::new(&file).exists());
}
