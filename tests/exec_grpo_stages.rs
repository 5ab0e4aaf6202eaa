//! `align_personas` and `optimize_director` through the built binary on
//! `tests/fixtures/grpo/stages.mascot` (the tiny model; a temporary copy with its persona
//! files and data): both stages train and write their artifacts, a second run executes
//! nothing, changing lambda (the format weight) reruns `align_personas` and what follows,
//! and a run killed (SIGKILL) after its first GRPO checkpoint resumes to the same adapters
//! as an uninterrupted run.

mod exec_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use exec_support::*;

const LOAD: &str = "grpo/load_dataset";
const ALIGN: &str = "grpo/align_personas";
const DIRECT: &str = "grpo/optimize_director";

struct Checkout {
    dir: tempfile::TempDir,
}

impl Checkout {
    fn new() -> Checkout {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_dir(&root.join("personas"), &dir.path().join("personas"));
        copy_dir(
            &root.join("tests/fixtures/data/empathetic_dialogues"),
            &dir.path().join("tests/fixtures/data/empathetic_dialogues"),
        );
        copy_dir(
            &root.join("tests/fixtures/grpo"),
            &dir.path().join("tests/fixtures/grpo"),
        );
        Checkout { dir }
    }

    fn file(&self) -> PathBuf {
        self.dir.path().join("tests/fixtures/grpo/stages.mascot")
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn args<'a>(&'a self, file: &'a str, store: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["run", file, "--json", "--store", store];
        args.extend_from_slice(extra);
        args
    }

    fn run(&self, extra: &[&str]) -> serde_json::Value {
        let (file, store) = (self.file(), self.store());
        let args = self.args(file.to_str().unwrap(), store.to_str().unwrap(), extra);
        let (code, out, err) = mascot(&args, &[]);
        assert_eq!(code, 0, "{err}");
        last_json(&out)
    }

    /// The artifact folder holding `file` (the one stage of this fixture that writes it).
    fn artifact_with(&self, file: &str) -> PathBuf {
        let mut found: Vec<PathBuf> = std::fs::read_dir(self.store().join("objects"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join(file).exists())
            .collect();
        assert_eq!(found.len(), 1, "artifacts with {file}: {found:?}");
        found.pop().unwrap()
    }
}

/// Stage ids, sorted, with the per-subset load stages folded to their prefix.
fn stage_ids(v: &serde_json::Value, field: &str) -> Vec<String> {
    let mut out: Vec<String> = ids(v, field)
        .into_iter()
        .map(|id| {
            if id.starts_with(LOAD) {
                LOAD.to_string()
            } else {
                id
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn both_stages_train_then_nothing_reruns_and_lambda_reruns_from_alignment() {
    let c = Checkout::new();
    let first = c.run(&[]);
    assert_eq!(
        stage_ids(&first, "executed"),
        sorted(&[LOAD, ALIGN, DIRECT]),
        "{first}"
    );

    let align = c.artifact_with("align_summary.json");
    for f in [
        "adapter/adapter_config.json",
        "adapter/adapter_model.safetensors",
    ] {
        assert!(align.join(f).is_file(), "align_personas lacks {f}");
    }
    let metrics = lines(&align.join("metrics.jsonl"));
    assert_eq!(metrics.len(), 2, "2 prompts, batch 1: 2 steps");
    for name in [
        "reward",
        "reward_std",
        "rewards/format/mean",
        "rewards/format/std",
        "frac_reward_zero_std",
        "kl",
        "entropy",
        "clip_ratio/region_mean",
        "completions/mean_length",
        "loss",
        "grad_norm",
        "learning_rate",
        "step_time",
    ] {
        assert!(metrics[1].get(name).is_some(), "metrics lack {name}");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(align.join("align_summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["prompts"], 2);
    assert_eq!(summary["start"], "base");

    let director = c.artifact_with("director_summary.json");
    assert!(director.join("adapter/adapter_model.safetensors").is_file());
    let metrics = lines(&director.join("metrics.jsonl"));
    assert_eq!(metrics.len(), 1, "1 context, batch 1: 1 step");
    for name in ["rewards/coherence/mean", "rewards/diverse/mean", "kl"] {
        assert!(
            metrics[0].get(name).is_some(),
            "director metrics lack {name}"
        );
    }
    // Episodes of 2 turns: the completion length counts the directives of both turns.
    let rollouts = lines(&director.join("last_rollouts.jsonl"));
    assert_eq!(rollouts.len(), 2, "G = 2 episodes");
    assert!(
        rollouts
            .iter()
            .all(|r| r["turns"].as_array().unwrap().len() == 2)
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(director.join("director_summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["speakers"], "align_personas");

    let second = c.run(&[]);
    assert!(ids(&second, "executed").is_empty(), "{second}");

    // lambda: the weight of the format term.
    let file = c.file();
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replace("1.0 * format(", "0.5 * format(");
    assert_ne!(text, edited);
    std::fs::write(&file, edited).unwrap();
    let dry = c.run(&["--dry-run"]);
    assert_eq!(
        stage_ids(&dry, "would_run"),
        sorted(&[ALIGN, DIRECT]),
        "{dry}"
    );
    assert_eq!(stage_ids(&dry, "cached"), vec![LOAD.to_string()], "{dry}");
}

/// Whether a GRPO checkpoint exists in the store's work folders.
fn has_checkpoint(store: &Path) -> bool {
    let Ok(keys) = std::fs::read_dir(store.join("work")) else {
        return false;
    };
    keys.flatten().any(|k| {
        std::fs::read_dir(k.path()).is_ok_and(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("checkpoint-"))
        })
    })
}

#[test]
fn killed_after_a_checkpoint_then_rerun_gives_the_uninterrupted_adapters() {
    let whole = Checkout::new();
    whole.run(&[]);

    let killed = Checkout::new();
    let (file, store) = (killed.file(), killed.store());
    let mut child = Command::new(env!("CARGO_BIN_EXE_mascot"))
        .args(killed.args(file.to_str().unwrap(), store.to_str().unwrap(), &[]))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !has_checkpoint(&store) && started.elapsed() < Duration::from_secs(300) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    assert!(
        has_checkpoint(&store),
        "the run ended before its first checkpoint could be interrupted"
    );

    let rerun = killed.run(&[]);
    let executed = stage_ids(&rerun, "executed");
    assert!(executed.contains(&DIRECT.to_string()), "{rerun}");
    for file in ["align_summary.json", "director_summary.json"] {
        let a = whole
            .artifact_with(file)
            .join("adapter/adapter_model.safetensors");
        let b = killed
            .artifact_with(file)
            .join("adapter/adapter_model.safetensors");
        assert_eq!(
            std::fs::read(&a).unwrap(),
            std::fs::read(&b).unwrap(),
            "the adapter next to {file} differs after kill -9 and resume"
        );
    }
}

/// Regression: Ctrl-C during GRPO exited 130 with no message and an empty work folder, so
/// the rerun trained again from step 1. Now the first SIGINT makes the trainer checkpoint the
/// step it finished, the run says how to resume and exits 130, and the rerun resumes there
/// and ends with the adapters of an uninterrupted run.
#[test]
fn sigint_during_grpo_checkpoints_and_the_rerun_resumes_from_that_step() {
    use std::io::{BufRead, BufReader};
    let whole = Checkout::new();
    whole.run(&[]);

    let stopped = Checkout::new();
    let (file, store) = (stopped.file(), stopped.store());
    let mut child = Command::new(env!("CARGO_BIN_EXE_mascot"))
        .args(stopped.args(file.to_str().unwrap(), store.to_str().unwrap(), &[]))
        .env("MASCOT_TEST_STEP_DELAY_MS", "1500")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    let mut signalled = false;
    for line in stderr.lines() {
        let line = line.unwrap();
        if !signalled && line.contains(ALIGN) && line.contains("step 1/") {
            let status = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
            signalled = true;
        }
        seen.push(line);
    }
    let code = child.wait().unwrap().code();
    let log = seen.join("\n");
    assert!(signalled, "step 1 of {ALIGN} was never logged:\n{log}");
    assert_eq!(code, Some(130), "{log}");
    assert!(
        log.contains("SIGINT: saving a checkpoint at step 1/"),
        "{log}"
    );
    assert!(
        log.contains("interrupted (SIGINT)")
            && log.contains("run the same command again to resume"),
        "{log}"
    );
    assert!(has_checkpoint(&store), "no checkpoint was written:\n{log}");

    let (code, out, err) = mascot(
        &stopped.args(file.to_str().unwrap(), store.to_str().unwrap(), &[]),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("resuming from the checkpoint of step 1/"),
        "the rerun did not resume from step 1:\n{err}"
    );
    assert!(stage_ids(&last_json(&out), "executed").contains(&ALIGN.to_string()));
    for file in ["align_summary.json", "director_summary.json"] {
        let a = whole
            .artifact_with(file)
            .join("adapter/adapter_model.safetensors");
        let b = stopped
            .artifact_with(file)
            .join("adapter/adapter_model.safetensors");
        assert_eq!(
            std::fs::read(&a).unwrap(),
            std::fs::read(&b).unwrap(),
            "the adapter next to {file} differs after Ctrl-C and resume"
        );
    }
}
