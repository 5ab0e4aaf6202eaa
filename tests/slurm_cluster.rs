//! The SLURM executor against a real one-node cluster (slurmctld + slurmd + munged, as
//! `scripts/slurm/up.sh` starts them): the experiment `EXPERIMENT` runs with every stage as a
//! SLURM job and gives the keys of a local run; a second run submits nothing; the same
//! experiment declaring `executor slurm { ... }` runs on SLURM without the flag, with the
//! declared settings; a failing stage shows its job id and log tail and its dependants are
//! skipped; a submitter killed mid-run (SIGKILL: jobs keep running; SIGTERM: jobs cancelled)
//! is rerun to completion with nothing lost; two submitters racing on one store leave one
//! artifact per key; a dry run prints the sbatch lines; a job over its time limit is
//! reported as timed out.
//!
//! A plain `main` (no libtest harness): the scenarios share one cluster, run one after
//! another, and the cluster is stopped at the end if this test started it. When `.ci/run`
//! (or a user) started it, it is left running. Without root or without the Debian packages
//! the test says so loudly and passes, except under `CI=true`, where it fails.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const MASCOT: &str = env!("CARGO_BIN_EXE_mascot");
/// The experiment every scenario runs, relative to the repository root: the smoke experiment
/// (the built-in tiny model, eight stages of a few seconds each). It is copied with
/// `personas/` and `tests/fixtures/data/` to the same relative places in a temporary
/// directory, so its relative paths keep working. Any experiment whose stages read the
/// EmpatheticDialogues fixture through `load_dataset` fits (the failing-stage scenario breaks
/// that file); the stage counts come from its plan. The quickstart itself does not: it runs
/// on SmolLM2-135M for about 12 minutes on 2 cores, and the scenarios run it eight times.
const EXPERIMENT: &str = "experiments/tiny.mascot";
/// The fixture file the failing-stage scenario breaks.
const BROKEN_DATA: &str = "tests/fixtures/data/empathetic_dialogues/test.csv";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scenarios: Vec<(&str, fn())> = vec![
        (
            "dry_run_prints_the_sbatch_lines_and_submits_nothing",
            dry_run,
        ),
        (
            "every_stage_a_job_with_the_keys_of_a_local_run",
            same_keys_as_local,
        ),
        (
            "a_declared_executor_runs_every_stage_as_a_job_without_the_flag",
            declared_executor,
        ),
        (
            "a_failing_stage_shows_its_job_and_log_and_skips_its_dependants",
            failing_stage,
        ),
        (
            "a_submitter_killed_with_sigkill_is_rerun_without_loss",
            killed_submitter,
        ),
        (
            "sigterm_cancels_the_jobs_and_a_rerun_completes",
            terminated_submitter,
        ),
        (
            "two_submitters_on_one_store_leave_one_artifact_per_key",
            racing_submitters,
        ),
        (
            "a_job_over_its_time_limit_is_reported_as_timed_out",
            timed_out,
        ),
    ];
    if args.iter().any(|a| a == "--list") {
        for (name, _) in &scenarios {
            println!("{name}: test");
        }
        return;
    }
    let filter: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let chosen: Vec<_> = scenarios
        .into_iter()
        .filter(|(n, _)| filter.is_empty() || filter.iter().any(|f| n.contains(f.as_str())))
        .collect();

    let started_here = match cluster_up() {
        Ok(s) => s,
        Err(why) => {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
            eprintln!("\n!!!! SLURM CLUSTER TESTS NOT RUN: {why} !!!!\n");
            if ci {
                eprintln!("CI=true: a missing cluster is a failure here (see .ci/run)");
                std::process::exit(1);
            }
            return;
        }
    };
    let mut failed = Vec::new();
    for (name, f) in &chosen {
        eprintln!("test {name} ...");
        let t0 = Instant::now();
        let ok = catch_unwind(AssertUnwindSafe(f)).is_ok();
        eprintln!(
            "test {name} ... {} ({:.1}s)",
            if ok { "ok" } else { "FAILED" },
            t0.elapsed().as_secs_f64()
        );
        if !ok {
            failed.push(*name);
        }
    }
    if started_here {
        let st = Command::new("bash")
            .arg(Path::new(ROOT).join("scripts/slurm/down.sh"))
            .status();
        if !st.is_ok_and(|s| s.success()) {
            failed.push("stopping the cluster (scripts/slurm/down.sh)");
        }
    }
    eprintln!(
        "\ntest result: {}. {} passed; {} failed",
        if failed.is_empty() { "ok" } else { "FAILED" },
        chosen.len() - failed.len().min(chosen.len()),
        failed.len()
    );
    if !failed.is_empty() {
        eprintln!("failed: {}", failed.join(", "));
        std::process::exit(1);
    }
}

fn node_ready() -> bool {
    Command::new("sinfo")
        .args(["-h", "-o", "%t"])
        .output()
        .is_ok_and(|o| {
            let s = String::from_utf8_lossy(&o.stdout);
            o.status.success()
                && s.lines()
                    .any(|l| ["idle", "mix", "alloc"].iter().any(|p| l.starts_with(p)))
        })
}

/// `Ok(true)` when this test started the cluster; `Err` when it cannot run here.
fn cluster_up() -> Result<bool, String> {
    if node_ready() {
        return Ok(false);
    }
    let out = Command::new("bash")
        .arg(Path::new(ROOT).join("scripts/slurm/up.sh"))
        .output()
        .map_err(|e| format!("cannot run scripts/slurm/up.sh: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    match out.status.code() {
        Some(0) => Ok(true),
        Some(2) => Err(stderr),
        _ => panic!("scripts/slurm/up.sh failed to start the cluster:\n{stderr}"),
    }
}

/// A copy of the experiment (with personas and fixture data) in a temporary directory.
struct Workspace {
    dir: tempfile::TempDir,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_name() == ".mascot" {
            continue;
        }
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(ROOT);
        let exp = dir.path().join(EXPERIMENT);
        std::fs::create_dir_all(exp.parent().unwrap()).unwrap();
        std::fs::copy(root.join(EXPERIMENT), &exp).unwrap();
        copy_dir(&root.join("personas"), &dir.path().join("personas"));
        copy_dir(
            &root.join("tests/fixtures/data"),
            &dir.path().join("tests/fixtures/data"),
        );
        Workspace { dir }
    }

    /// Adds a declaration to the copied experiment, before its first model.
    fn declare(&self, declaration: &str) {
        let path = self.dir.path().join(EXPERIMENT);
        let text = std::fs::read_to_string(&path).unwrap();
        let at = text
            .find("\nmodel ")
            .expect("the experiment declares a model")
            + 1;
        std::fs::write(
            &path,
            format!("{}{declaration}\n\n{}", &text[..at], &text[at..]),
        )
        .unwrap();
    }

    fn experiment(&self) -> String {
        self.dir.path().join(EXPERIMENT).display().to_string()
    }

    fn store(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A stage of the compiled plan: id, kind, inputs.
struct PlanStage {
    id: String,
    kind: String,
    inputs: Vec<String>,
}

/// The experiment's compiled plan (`mascot plan --format json`).
fn plan(ws: &Workspace) -> Vec<PlanStage> {
    let (code, out, err) = mascot(&["plan", &ws.experiment(), "--format", "json"], &[]);
    assert_eq!(code, 0, "mascot plan: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| PlanStage {
            id: s["id"].as_str().unwrap().to_string(),
            kind: s["kind"].as_str().unwrap().to_string(),
            inputs: ids(s, "inputs"),
        })
        .collect()
}

/// The stages downstream of `roots` (not including them).
fn downstream(stages: &[PlanStage], roots: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    let mut grew = true;
    while grew {
        grew = false;
        for s in stages {
            if !roots.contains(&s.id)
                && !out.contains(&s.id)
                && s.inputs
                    .iter()
                    .any(|i| roots.contains(i) || out.contains(i))
            {
                out.insert(s.id.clone());
                grew = true;
            }
        }
    }
    out
}

fn mascot(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(MASCOT)
        .args(args)
        .envs(env.iter().copied())
        .env("MASCOT_SLURM_POLL_MS", "300")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn spawn_mascot(args: &[&str], env: &[(&str, &str)]) -> Child {
    Command::new(MASCOT)
        .args(args)
        .envs(env.iter().copied())
        .env("MASCOT_SLURM_POLL_MS", "300")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn run_slurm(
    ws: &Workspace,
    store: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (i32, Value, String) {
    let store = store.display().to_string();
    let exp = ws.experiment();
    let mut args = vec![
        "run",
        exp.as_str(),
        "--store",
        store.as_str(),
        "--json",
        "--executor",
        "slurm",
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = mascot(&args, env);
    (code, last_json(&out), err)
}

fn last_json(out: &str) -> Value {
    out.lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or(Value::Null)
}

fn ids(v: &Value, field: &str) -> Vec<String> {
    v[field]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn objects(store: &Path) -> BTreeSet<String> {
    std::fs::read_dir(store.join("objects"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn verify(store: &Path) {
    let (code, out, err) = mascot(
        &["cache", "verify", "--store", &store.display().to_string()],
        &[],
    );
    assert_eq!(code, 0, "cache verify: {out}{err}");
}

/// Job ids named in a run's progress lines (`... (job 42)`).
fn job_ids(stderr: &str) -> Vec<u64> {
    let mut out = Vec::new();
    for part in stderr.split("(job ").skip(1) {
        if let Some(n) = part
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|d| d.parse().ok())
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}

/// `scontrol show job -o ID` as pairs.
fn show_job(id: u64) -> BTreeMap<String, String> {
    let out = Command::new("scontrol")
        .args(["show", "job", "-o", &id.to_string()])
        .output()
        .unwrap();
    mascot::exec::slurm::scontrol::pairs(&String::from_utf8_lossy(&out.stdout))
}

/// The jobs (id, name, state) whose `--comment` says they build into `store`.
fn jobs_of_store(store: &Path) -> Vec<(u64, String, String)> {
    let tag = mascot::exec::slurm::submit::store_tag(store);
    let out = Command::new("squeue")
        .args(["--me", "-h", "-t", "all", "-o", "%i|%j|%T|%k"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.splitn(4, '|').collect();
            (f.len() == 4 && f[3].contains(&tag))
                .then(|| (f[0].parse().unwrap_or(0), f[1].into(), f[2].into()))
        })
        .collect()
}

fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < timeout, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The run log of the (only) run recorded in `store`.
fn run_logs(store: &Path) -> String {
    let mut all = String::new();
    if let Ok(d) = std::fs::read_dir(store.join("runs")) {
        for e in d.flatten() {
            all.push_str(&std::fs::read_to_string(e.path().join("log.txt")).unwrap_or_default());
        }
    }
    all
}

fn dry_run() {
    let ws = Workspace::new();
    let store = ws.store("s");
    let before = jobs_of_store(&store).len();
    let (code, out, err) = mascot(
        &[
            "run",
            &ws.experiment(),
            "--store",
            &store.display().to_string(),
            "--executor",
            "slurm",
            "--dry-run",
            "--partition",
            "debug",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("JOB_")).collect();
    assert_eq!(lines.len(), plan(&ws).len(), "{out}");
    let stage_ids: Vec<String> = plan(&ws).into_iter().map(|s| s.id).collect();
    for (n, l) in lines.iter().enumerate() {
        assert!(
            l.starts_with(&format!("JOB_{}=$(sbatch --parsable ", n + 1)),
            "{l}"
        );
        // Shell words, as a user would paste them: the job is named after its stage.
        let words = shlex::split(
            l.trim_start_matches(|c| c != '(')
                .trim_start_matches('(')
                .trim_end_matches(')'),
        )
        .unwrap_or_default();
        assert!(
            words.contains(&format!("--job-name={}", stage_ids[n])),
            "{l}"
        );
        assert!(
            l.contains("--partition=debug") && l.contains(" exec-stage "),
            "{l}"
        );
    }
    assert!(out.contains("--dependency=afterok:$JOB_"), "{out}");
    assert_eq!(
        jobs_of_store(&store).len(),
        before,
        "a dry run submitted jobs"
    );
    assert!(objects(&store).is_empty());
}

fn same_keys_as_local() {
    let ws = Workspace::new();
    let stages = plan(&ws).len();
    let local = ws.store("local");
    let (code, out, err) = mascot(
        &[
            "run",
            &ws.experiment(),
            "--store",
            &local.display().to_string(),
            "--json",
        ],
        &[],
    );
    assert_eq!(code, 0, "local run: {err}");
    assert_eq!(ids(&last_json(&out), "executed").len(), stages);

    let cluster = ws.store("cluster");
    let (code, v, err) = run_slurm(&ws, &cluster, &[], &[]);
    assert_eq!(code, 0, "cluster run: {err}");
    let executed = ids(&v, "executed");
    assert_eq!(executed.len(), stages, "{v}");
    // Every stage ran as a SLURM job named after it, which completed.
    let jobs = job_ids(&err);
    assert_eq!(jobs.len(), stages, "{err}");
    let names: BTreeSet<String> = jobs
        .iter()
        .map(|j| {
            let p = show_job(*j);
            assert_eq!(p["JobState"], "COMPLETED", "job {j}: {p:?}");
            p["JobName"].clone()
        })
        .collect();
    assert_eq!(names, executed.iter().cloned().collect::<BTreeSet<_>>());
    verify(&cluster);
    assert_eq!(
        objects(&cluster),
        objects(&local),
        "cluster keys differ from local keys"
    );
    assert_eq!(objects(&cluster).len(), stages);
    // Resumable state lives in the shared store and is gone once the artifacts are in.
    assert!(cluster.join("work").is_dir() && cluster.join("calls").is_dir());
    assert_eq!(std::fs::read_dir(cluster.join("work")).unwrap().count(), 0);

    let (code, v, err) = run_slurm(&ws, &cluster, &[], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(ids(&v, "executed").is_empty(), "{v}");
    assert_eq!(ids(&v, "cached").len(), stages);
    assert!(
        job_ids(&err).is_empty(),
        "a second run submitted jobs: {err}"
    );
}

fn declared_executor() {
    let ws = Workspace::new();
    let stages = plan(&ws).len();
    ws.declare(
        "executor slurm {\n    partition: \"debug\"\n    time: \"10:00\"\n    extra_args: [\"--nice=5\"]\n}",
    );
    // The declaration changes no key: the plan is the same size, ids and all.
    assert_eq!(plan(&ws).len(), stages);
    let store = ws.store("s");
    let (code, out, err) = mascot(
        &[
            "run",
            &ws.experiment(),
            "--store",
            &store.display().to_string(),
            "--json",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("executor: slurm (from `executor slurm` in"),
        "{err}"
    );
    let v = last_json(&out);
    let executed = ids(&v, "executed");
    assert_eq!(executed.len(), stages, "{v}");
    // Every stage became a job, with the declared partition, time limit and extra argument.
    let jobs = job_ids(&err);
    assert_eq!(jobs.len(), stages, "{err}");
    let mut names = BTreeSet::new();
    for j in jobs {
        let p = show_job(j);
        assert_eq!(p["JobState"], "COMPLETED", "job {j}: {p:?}");
        assert_eq!(p["Partition"], "debug", "job {j}: {p:?}");
        assert_eq!(p["TimeLimit"], "00:10:00", "job {j}: {p:?}");
        assert_eq!(p["Nice"], "5", "job {j}: {p:?}");
        names.insert(p["JobName"].clone());
    }
    assert_eq!(names, executed.iter().cloned().collect::<BTreeSet<_>>());
    verify(&store);
    assert_eq!(objects(&store).len(), stages);
}

fn failing_stage() {
    let ws = Workspace::new();
    let stages = plan(&ws);
    // A header the reader rejects (a bad row would only be counted): the key is computable,
    // the stage fails in its job.
    let csv = ws.dir.path().join(BROKEN_DATA);
    let text = std::fs::read_to_string(&csv).unwrap();
    let body = text.split_once('\n').map(|(_, rest)| rest).unwrap_or("");
    std::fs::write(&csv, format!("not,the,ed,header\n{body}")).unwrap();
    let store = ws.store("s");
    let (code, v, err) = run_slurm(&ws, &store, &["--keep-going"], &[]);
    assert_eq!(code, 1, "{err}");
    // The stages reading the broken file fail; everything downstream of them is skipped;
    // the rest runs.
    let broken: BTreeSet<String> = stages
        .iter()
        .filter(|s| s.kind == "load_dataset")
        .map(|s| s.id.clone())
        .collect();
    assert!(!broken.is_empty(), "{EXPERIMENT} has no load_dataset stage");
    let below = downstream(&stages, &broken);
    let rest: BTreeSet<String> = stages
        .iter()
        .map(|s| s.id.clone())
        .filter(|id| !broken.contains(id) && !below.contains(id))
        .collect();
    let failed = ids(&v, "failed");
    assert_eq!(
        failed.iter().cloned().collect::<BTreeSet<_>>(),
        broken,
        "{v}"
    );
    let skipped = ids(&v, "skipped");
    assert_eq!(
        skipped.iter().cloned().collect::<BTreeSet<_>>(),
        below,
        "{v}"
    );
    assert_eq!(
        ids(&v, "executed").into_iter().collect::<BTreeSet<_>>(),
        rest,
        "{v}"
    );
    // The error names the job, its exit code, and the end of its log (the stage's error).
    let line = err
        .lines()
        .find(|l| l.starts_with("error: stage") && l.contains(&failed[0]))
        .unwrap_or_else(|| panic!("no error line: {err}"));
    assert!(
        line.contains("job ") && line.contains("failed (exit code 1)"),
        "{line}"
    );
    assert!(
        err.contains("log: ") && err.contains("last lines:"),
        "{err}"
    );
    assert!(err.contains("  | "), "{err}");
    for s in &skipped {
        assert!(err.contains(&format!("[{s}] skipped: input")), "{s}: {err}");
    }
}

fn start_and_wait_for_a_job(ws: &Workspace, store: &Path, delay_ms: &str) -> Child {
    let s = store.display().to_string();
    let child = spawn_mascot(
        &[
            "run",
            &ws.experiment(),
            "--store",
            &s,
            "--json",
            "--executor",
            "slurm",
        ],
        &[("MASCOT_TEST_STAGE_DELAY_MS", delay_ms)],
    );
    wait_until("a job runs", Duration::from_secs(120), || {
        run_logs(store).contains("] running")
    });
    child
}

fn killed_submitter() {
    let ws = Workspace::new();
    let store = ws.store("s");
    let mut child = start_and_wait_for_a_job(&ws, &store, "1500");
    child.kill().unwrap(); // SIGKILL: its jobs stay queued
    let _ = child.wait();
    let (code, v, err) = run_slurm(&ws, &store, &[], &[]);
    assert_eq!(code, 0, "rerun: {err}");
    let stages = plan(&ws).len();
    assert_eq!(
        ids(&v, "executed").len() + ids(&v, "cached").len(),
        stages,
        "{v}"
    );
    verify(&store);
    assert_eq!(objects(&store).len(), stages);
    // Jobs the killed run had queued were followed, not submitted again.
    let mut per_stage: BTreeMap<String, usize> = BTreeMap::new();
    for (_, name, _) in jobs_of_store(&store) {
        *per_stage.entry(name).or_default() += 1;
    }
    assert!(
        per_stage.values().all(|n| *n == 1),
        "a stage got two jobs: {per_stage:?}"
    );
}

fn terminated_submitter() {
    let ws = Workspace::new();
    let store = ws.store("s");
    let child = start_and_wait_for_a_job(&ws, &store, "3000");
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{err}");
    assert!(err.contains("the submitter received SIGTERM"), "{err}");
    // Nothing of that run is left in the queue.
    wait_until("its jobs left the queue", Duration::from_secs(30), || {
        jobs_of_store(&store)
            .iter()
            .all(|(_, _, state)| !["PENDING", "RUNNING", "CONFIGURING"].contains(&state.as_str()))
    });
    assert!(
        jobs_of_store(&store)
            .iter()
            .any(|(_, _, s)| s == "CANCELLED")
    );
    let (code, v, err) = run_slurm(&ws, &store, &[], &[]);
    assert_eq!(code, 0, "rerun: {err}");
    assert_eq!(
        ids(&v, "executed").len() + ids(&v, "cached").len(),
        plan(&ws).len(),
        "{v}"
    );
    verify(&store);
    assert_eq!(objects(&store).len(), plan(&ws).len());
}

fn racing_submitters() {
    let ws = Workspace::new();
    let stages = plan(&ws).len();
    let store = ws.store("s");
    let s = store.display().to_string();
    let args = [
        "run",
        ws.experiment().leak(),
        "--store",
        s.as_str(),
        "--json",
        "--executor",
        "slurm",
    ];
    let a = spawn_mascot(&args, &[("MASCOT_TEST_STAGE_DELAY_MS", "500")]);
    let b = spawn_mascot(&args, &[("MASCOT_TEST_STAGE_DELAY_MS", "500")]);
    let mut built: BTreeMap<String, usize> = BTreeMap::new();
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        let v = last_json(&String::from_utf8_lossy(&out.stdout));
        assert_eq!(
            ids(&v, "executed").len() + ids(&v, "cached").len(),
            stages,
            "{v}"
        );
        for id in ids(&v, "executed") {
            *built.entry(id).or_default() += 1;
        }
    }
    // Each stage was built by exactly one of the two runs; the other reused it.
    assert_eq!(built.len(), stages, "{built:?}");
    assert!(built.values().all(|n| *n == 1), "built twice: {built:?}");
    verify(&store);
    assert_eq!(objects(&store).len(), stages, "one artifact per key");
    let leftovers: Vec<_> = std::fs::read_dir(store.join("locks"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(leftovers.is_empty(), "lock files left: {leftovers:?}");
}

fn timed_out() {
    let ws = Workspace::new();
    let store = ws.store("s");
    // One minute is SLURM's smallest limit; every stage sleeps longer than that.
    let (code, v, err) = run_slurm(
        &ws,
        &store,
        &["--slurm-arg=--time=1"],
        &[("MASCOT_TEST_STAGE_DELAY_MS", "150000")],
    );
    assert_eq!(code, 1, "{err}");
    let failed = ids(&v, "failed");
    assert!(!failed.is_empty(), "{v}");
    assert!(
        err.contains("timed out (it reached its time limit)"),
        "{err}"
    );
    assert!(err.contains("rerun to resume it"), "{err}");
}
