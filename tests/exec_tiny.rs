//! The executor end to end on `experiments/tiny.mascot` (the smoke experiment) through the built binary, on a
//! temporary copy of the experiment, its persona files and the fixture data: a second run
//! executes nothing, one parameter edit reruns exactly its dependants, kill -9 then rerun
//! completes, and a corrupted artifact is caught by `cache verify` and rebuilt.

mod exec_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use exec_support::*;

const STAGES: [&str; 8] = [
    "tiny/load_dataset/negative",
    "tiny/load_dataset/neutral",
    "tiny/load_dataset/positive",
    "tiny/report",
    "tiny/sample_candidates/negative",
    "tiny/sample_candidates/neutral",
    "tiny/sample_candidates/positive",
    "tiny/simulated_users",
];

struct Checkout {
    dir: tempfile::TempDir,
}

impl Checkout {
    fn new() -> Checkout {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_dir(&root.join("experiments"), &dir.path().join("experiments"));
        copy_dir(&root.join("personas"), &dir.path().join("personas"));
        copy_dir(
            &root.join("tests/fixtures/data"),
            &dir.path().join("tests/fixtures/data"),
        );
        Checkout { dir }
    }

    fn file(&self) -> PathBuf {
        self.dir.path().join("experiments/tiny.mascot")
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("experiments/.mascot")
    }

    fn run(&self, extra: &[&str]) -> serde_json::Value {
        let file = self.file();
        let mut args = vec!["run", file.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        let (code, out, err) = mascot(&args, &[]);
        assert_eq!(code, 0, "{err}");
        last_json(&out)
    }

    fn verify(&self) -> (i32, String) {
        let store = self.store();
        let (code, out, _) = mascot(
            &["cache", "verify", "--store", store.to_str().unwrap()],
            &[],
        );
        (code, out)
    }

    fn edit(&self, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.file()).unwrap();
        assert!(
            text.contains(from),
            "tiny.mascot no longer contains `{from}`"
        );
        std::fs::write(self.file(), text.replacen(from, to, 1)).unwrap();
    }
}

#[test]
fn rerun_is_free_and_one_edit_reruns_exactly_its_dependants() {
    let co = Checkout::new();
    let first = co.run(&["--jobs", "3"]);
    assert_eq!(ids(&first, "executed"), sorted(&STAGES));
    // The three sampling stages share the `cpu` device token: they never overlap, even
    // with three jobs.
    let mut spans: Vec<(String, String)> = std::fs::read_dir(co.store().join("objects"))
        .unwrap()
        .map(|e| e.unwrap().path().join("manifest.json"))
        .map(|p| serde_json::from_slice::<serde_json::Value>(&std::fs::read(p).unwrap()).unwrap())
        .filter(|m| m["kind"] == "sample_candidates")
        .map(|m| {
            (
                m["started"].as_str().unwrap().to_string(),
                m["finished"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    spans.sort();
    assert_eq!(spans.len(), 3);
    for w in spans.windows(2) {
        assert!(w[0].1 <= w[1].0, "sampling stages overlapped: {spans:?}");
    }
    let second = co.run(&[]);
    assert!(ids(&second, "executed").is_empty(), "{second}");
    assert_eq!(ids(&second, "cached"), sorted(&STAGES));

    // One user type fewer: the users stage and the report only.
    co.edit(
        "types: [INFP, ENTJ, ISTJ, ESFP]",
        "types: [INFP, ENTJ, ISTJ]",
    );
    let (code, out, _) = mascot(&["run", co.file().to_str().unwrap(), "--dry-run"], &[]);
    assert_eq!(code, 0);
    assert!(
        out.lines().any(|l| l.starts_with("run")
            && l.contains("tiny/simulated_users")
            && l.contains("parameter types[3] removed")),
        "{out}"
    );
    let third = co.run(&[]);
    assert_eq!(
        ids(&third, "executed"),
        sorted(&["tiny/simulated_users", "tiny/report"])
    );

    // A sampling parameter: the three sampling stages and the report.
    co.edit("max_tokens: 24", "max_tokens: 8");
    let fourth = co.run(&[]);
    assert_eq!(
        ids(&fourth, "executed"),
        sorted(&[
            "tiny/sample_candidates/positive",
            "tiny/sample_candidates/negative",
            "tiny/sample_candidates/neutral",
            "tiny/report",
        ])
    );
    let (code, out) = co.verify();
    assert_eq!(code, 0, "{out}");

    // The sampled candidates are there: 2 contexts x 3 personas x K=3 per subset.
    let store = co.store();
    let mut candidates = 0;
    for e in std::fs::read_dir(store.join("objects")).unwrap() {
        let p = e.unwrap().path().join("candidates.jsonl");
        if p.exists() {
            let text = std::fs::read_to_string(&p).unwrap();
            if text
                .lines()
                .next()
                .is_some_and(|l| l.contains("\"output_tokens\":8"))
            {
                assert_eq!(text.lines().count(), 18);
                candidates += 1;
            }
        }
    }
    assert_eq!(candidates, 3);
}

#[test]
fn kill_9_then_rerun_and_corruption_on_the_smoke_experiment() {
    let co = Checkout::new();
    let file = co.file();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mascot"))
        .args(["run", file.to_str().unwrap(), "--jobs", "2"])
        .env("MASCOT_TEST_STAGE_DELAY_MS", "400")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    let _ = child.kill();
    let _ = child.wait();
    let done = std::fs::read_dir(co.store().join("objects"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(done < STAGES.len(), "the run finished before it was killed");
    let (code, out) = co.verify();
    assert_eq!(code, 0, "{out}");
    let v = co.run(&[]);
    assert_eq!(ids(&v, "cached").len(), done, "{v}");
    assert_eq!(ids(&v, "executed").len(), STAGES.len() - done, "{v}");
    let (code, out) = co.verify();
    assert_eq!(code, 0, "{out}");

    // Damage the users artifact: verify names it, the next run rebuilds only it.
    let users = std::fs::read_dir(co.store().join("objects"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("users.json").exists())
        .unwrap();
    let mut bytes = std::fs::read(users.join("users.json")).unwrap();
    let i = bytes.iter().position(|b| *b == b'I').unwrap();
    bytes[i] = b'E';
    std::fs::write(users.join("users.json"), bytes).unwrap();
    let (code, out) = co.verify();
    assert_eq!(code, 1);
    assert!(out.contains("(tiny/simulated_users)"), "{out}");
    let v = co.run(&[]);
    assert_eq!(ids(&v, "executed"), vec!["tiny/simulated_users"]);
    let (code, out) = co.verify();
    assert_eq!(code, 0, "{out}");
}

/// Every file and folder under `dir`, with its size and modification time.
fn tree_state(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path.clone());
            }
            out.push((path, meta.len(), meta.modified().unwrap()));
        }
    }
    out.sort();
    out
}

/// Regression: `--dry-run` created an empty `.mascot/` store beside a fresh experiment and
/// rewrote the store's hash cache.
#[test]
fn a_dry_run_leaves_the_folder_unchanged() {
    let co = Checkout::new();
    let file = co.file();
    let before = tree_state(co.dir.path());
    let (code, out, err) = mascot(&["run", file.to_str().unwrap(), "--dry-run", "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids(&last_json(&out), "would_run"), sorted(&STAGES));
    assert!(!co.store().exists(), "a dry run created the store");
    assert_eq!(tree_state(co.dir.path()), before);

    // With a store: an edit makes stages stale, and the dry run that says so writes nothing.
    co.run(&[]);
    co.edit("max_tokens: 24", "max_tokens: 8");
    let before = tree_state(co.dir.path());
    let (code, out, err) = mascot(&["run", file.to_str().unwrap(), "--dry-run", "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids(&last_json(&out), "would_run").len(), 4, "{out}");
    assert_eq!(tree_state(co.dir.path()), before);
}

/// Regression: when the run record could not be written (a full disk), the run ended on that
/// error without the summary a script reads.
#[test]
fn the_summary_is_printed_when_the_run_record_cannot_be_written() {
    let co = Checkout::new();
    let file = co.file();
    // A `runs/` in which nothing can be created, even by root: a link into /proc.
    std::fs::create_dir_all(co.store()).unwrap();
    let runs = co.store().join("runs");
    std::os::unix::fs::symlink("/proc", &runs).unwrap();
    let (code, out, err) = mascot(&["run", file.to_str().unwrap(), "--json"], &[]);
    assert_eq!(code, 1, "the run must fail: {err}");
    let v = last_json(&out);
    assert_eq!(ids(&v, "executed"), sorted(&STAGES), "{v}");
    assert!(v["record_error"].as_str().is_some(), "{v}");
    let summary = err.find("tiny/report").expect("the stage lines");
    let error = err
        .find("error: the run record could not be written")
        .unwrap_or_else(|| panic!("{err}"));
    assert!(error > summary, "the error comes after the summary: {err}");

    // The artifacts were kept: with a writable `runs/`, the rerun executes nothing.
    std::fs::remove_file(&runs).unwrap();
    let v = co.run(&[]);
    assert!(ids(&v, "executed").is_empty(), "{v}");
    assert_eq!(ids(&v, "cached"), sorted(&STAGES));
}

/// A model stage expected to hold more memory than it may use is refused before it starts
/// (rather than killed by the kernel mid-run), naming the stage, its estimate and the limit;
/// `--max-memory` lets it run.
#[test]
fn a_stage_over_the_memory_limit_is_refused_before_it_starts() {
    let co = Checkout::new();
    let file = co.file();
    let (code, out, err) = mascot(
        &[
            "run",
            file.to_str().unwrap(),
            "--json",
            "--keep-going",
            "--max-memory",
            "1K",
        ],
        &[],
    );
    assert_eq!(code, 1, "the run must fail: {err}");
    let v = last_json(&out);
    let model_stages: Vec<String> = STAGES
        .iter()
        .filter(|s| s.contains("sample_candidates"))
        .map(|s| s.to_string())
        .collect();
    assert_eq!(ids(&v, "failed"), model_stages, "{v}");
    assert!(
        ids(&v, "executed")
            .iter()
            .all(|id| !id.contains("sample_candidates")),
        "{v}"
    );
    let line = err
        .lines()
        .find(|l| l.contains("[tiny/sample_candidates/positive] FAILED"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.contains("refused before starting"), "{line}");
    assert!(line.contains("expected to hold about 2 MiB"), "{line}");
    assert!(line.contains("more than the 0 MiB"), "{line}");
    assert!(line.contains("--max-memory 1G"), "{line}");
    // A dry run says so before anything runs.
    let (code, out, err) = mascot(
        &[
            "run",
            file.to_str().unwrap(),
            "--dry-run",
            "--max-memory",
            "1K",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let text = format!("{out}{err}");
    assert!(
        text.contains("it would fail: refused before starting: `tiny/sample_candidates/positive`"),
        "{text}"
    );

    // Given room, the same stages run, and the report that waited on them.
    let v = co.run(&["--max-memory", "8G"]);
    let mut expected = model_stages.clone();
    expected.insert(0, "tiny/report".to_string());
    assert_eq!(ids(&v, "executed"), expected, "{v}");
}

/// Regression: a dataset was keyed as its whole folder, so adding the ED `train.csv` (which
/// reproducing the paper needs) or editing another split reran every stage of an
/// experiment. A `load_dataset` stage is keyed by the file its split reads.
#[test]
fn adding_or_editing_another_split_reruns_nothing() {
    let co = Checkout::new();
    let first = co.run(&[]);
    assert_eq!(ids(&first, "executed"), sorted(&STAGES));
    let data = co
        .dir
        .path()
        .join("tests/fixtures/data/empathetic_dialogues");
    std::fs::copy(data.join("test.csv"), data.join("train.csv")).unwrap();
    let mut valid = std::fs::read_to_string(data.join("valid.csv")).unwrap();
    let row = valid.lines().nth(1).unwrap().to_owned();
    valid.push_str(&row);
    valid.push('\n');
    std::fs::write(data.join("valid.csv"), valid).unwrap();
    let second = co.run(&[]);
    assert!(ids(&second, "executed").is_empty(), "{second}");

    // The split it reads: its three subsets and what depends on them run again.
    let mut test = std::fs::read_to_string(data.join("test.csv")).unwrap();
    let row = test.lines().nth(1).unwrap().to_owned();
    test.push_str(&row);
    test.push('\n');
    std::fs::write(data.join("test.csv"), test).unwrap();
    let (code, out, _) = mascot(&["run", co.file().to_str().unwrap(), "--dry-run"], &[]);
    assert_eq!(code, 0);
    assert!(
        out.lines().any(|l| l.starts_with("run")
            && l.contains("tiny/load_dataset/positive")
            && l.contains("external file ../tests/fixtures/data/empathetic_dialogues/test.csv (dataset) changed")),
        "{out}"
    );
    let third = co.run(&[]);
    let executed = ids(&third, "executed");
    assert!(
        executed.contains(&"tiny/load_dataset/positive".to_string()),
        "{third}"
    );
}
