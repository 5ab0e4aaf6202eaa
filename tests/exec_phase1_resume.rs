//! `train_sft` and `train_reward_model` through the built binary on the tiny model:
//! `kill -9` in the middle of each training stage, then a rerun resumes from the stage's
//! last checkpoint, and the final SFT adapter and reward model are byte-identical to an
//! uninterrupted run's. `sample_candidates` samples with the SFT adapter (pi_SFT).

mod phase1_support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use phase1_support::*;

const FILE: &str = "resume.mascot";
const SFT: &str = "p1r/train_sft";
const SAMPLE: &str = "p1r/sample_candidates/negative";
const RM: &str = "p1r/train_reward_model";

fn experiment(base_url: &str) -> String {
    format!(
        r#"import "../personas/ed.mascot"
import "../personas/rubrics.mascot"

experiment "phase 1 resume" {{
    seed: 9
    base: "p1r"
}}

model tiny {{
    source: tiny(arch: llama, layers: 1, hidden: 32, intermediate: 64, heads: 2, kv_heads: 1,
                 vocab: 320, max_seq_len: 1024, seed: 4)
    lora: {{ r: 4, alpha: 8, dropout: 0.0, targets: [q_proj, v_proj] }}
}}

judge remote {{
    backend: openai(base_url: "{base_url}", model: "test-judge", temperature: 0.0,
                    api_key_env: "MASCOT_TEST_PHASE1_KEY")
}}

dataset ed {{
    source: empathetic_dialogues(path: "../data/empathetic_dialogues", split: "test",
                                 subsets: [negative])
    limit: 3
}}

pipeline {{
    speaker: tiny
    personas: [anchor, beacon]
    load_dataset {{ data: ed }}
    train_sft {{ epochs: 2 batch: 1 lr: 1e-3 }}
    sample_candidates {{ k: 4 max_tokens: 6 }}
    judge_candidates {{ judge: remote rubric: agent_criteria }}
    build_preferences {{ delta: 0.5 holdout: 0.0 }}
    train_reward_model {{ base: tiny epochs: 2 batch: 2 }}
}}
"#
    )
}

fn command(co: &Checkout, key: &str, delay_ms: Option<u64>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mascot"));
    cmd.args(["run", co.file(FILE).to_str().unwrap(), "--json"])
        .env("MASCOT_TEST_PHASE1_KEY", key)
        .env("MASCOT_TEST_CHECKPOINT_EVERY", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(ms) = delay_ms {
        cmd.env("MASCOT_TEST_STEP_DELAY_MS", ms.to_string());
    }
    cmd
}

fn run_to_end(co: &Checkout, key: &str) {
    let out = command(co, key, None).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The work directories holding a finished checkpoint of step >= 2.
fn checkpointed(store: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(store.join("work")) else {
        return vec![];
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|dir| {
            std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .any(|c| {
                    c.file_name()
                        .to_str()
                        .and_then(|n| n.strip_prefix("checkpoint-"))
                        .and_then(|s| s.parse::<usize>().ok())
                        .is_some_and(|step| step >= 2)
                })
        })
        .collect()
}

/// Starts a slowed run and kills it (SIGKILL) once a work directory other than `skip` has a
/// checkpoint; returns that directory.
fn kill_mid_training(co: &Checkout, key: &str, skip: Option<&Path>) -> PathBuf {
    let mut child: Child = command(co, key, Some(150)).spawn().unwrap();
    let start = Instant::now();
    loop {
        let found = checkpointed(&co.store())
            .into_iter()
            .find(|d| Some(d.as_path()) != skip);
        if let Some(dir) = found {
            child.kill().unwrap();
            let _ = child.wait();
            return dir;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            use std::io::Read;
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("the run ended ({status}) before a checkpoint was seen: {err}");
        }
        assert!(start.elapsed() < Duration::from_secs(600), "no checkpoint");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn kill_9_mid_training_then_rerun_gives_the_uninterrupted_weights() {
    let key = format!("sk-resume-{}", std::process::id());
    let server = JudgeServer::plain(&key);

    let straight = Checkout::new(FILE, &experiment(&server.base_url));
    run_to_end(&straight, &key);

    let killed = Checkout::new(FILE, &experiment(&server.base_url));
    let sft_work = kill_mid_training(&killed, &key, None);
    // The SFT stage was killed: its artifact does not exist yet.
    let rm_work = kill_mid_training(&killed, &key, Some(&sft_work));
    assert!(
        !sft_work.exists(),
        "the SFT work directory goes once its artifact is committed"
    );
    run_to_end(&killed, &key);
    assert!(!rm_work.exists());

    let (a_sft, _) = straight.artifact(SFT);
    let (b_sft, b_sft_manifest) = killed.artifact(SFT);
    assert!(
        b_sft_manifest["summary"]["resumed_from_step"]
            .as_u64()
            .unwrap()
            >= 2,
        "{b_sft_manifest}"
    );
    assert_eq!(
        std::fs::read(a_sft.join("adapter_model.safetensors")).unwrap(),
        std::fs::read(b_sft.join("adapter_model.safetensors")).unwrap(),
        "SFT adapter after kill -9 and resume"
    );
    let (a_rm, _) = straight.artifact(RM);
    let (b_rm, b_rm_manifest) = killed.artifact(RM);
    assert!(
        b_rm_manifest["summary"]["resumed_from_step"]
            .as_u64()
            .unwrap()
            >= 2,
        "{b_rm_manifest}"
    );
    assert_eq!(
        std::fs::read(a_rm.join("model.safetensors")).unwrap(),
        std::fs::read(b_rm.join("model.safetensors")).unwrap(),
        "reward model after kill -9 and resume"
    );
    // Both runs sampled with the SFT adapter: the same candidates.
    let (a_s, a_sm) = straight.artifact(SAMPLE);
    let (b_s, _) = killed.artifact(SAMPLE);
    assert_eq!(
        std::fs::read(a_s.join("candidates.jsonl")).unwrap(),
        std::fs::read(b_s.join("candidates.jsonl")).unwrap()
    );
    assert!(
        a_sm["inputs"].to_string().contains("train_sft"),
        "sampling reads the SFT artifact: {a_sm}"
    );
}
