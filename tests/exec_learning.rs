//! The learning measurements through the built binary on the tiny model with the offline
//! judge: the reward model's held-out pairs come from contexts it never trained on (no
//! held-out pair, and no held-out context, is in its training file); `compare_policies`
//! compares pi_SFT with the aligned speakers and the untrained with the trained director on
//! the test contexts, with one paired row per item and an interval around each mean
//! difference; the report starts with "Run health" and "Did training work?" and writes the
//! health lines that `mascot run` prints as warnings.

mod phase1_support;

use std::collections::BTreeSet;

use phase1_support::*;

const FILE: &str = "learning.mascot";

const EXPERIMENT: &str = r#"import "../personas/ed.mascot"
import "../personas/rubrics.mascot"
import "../personas/judges.mascot"

experiment "learning on a tiny model" {
    seed: 5
    base: "L"
}

model tiny {
    source: tiny(arch: llama, layers: 1, hidden: 32, intermediate: 64, heads: 2, kv_heads: 1,
                 vocab: 320, max_seq_len: 2048, seed: 3)
    lora: { r: 4, alpha: 8, dropout: 0.0, targets: [q_proj, v_proj] }
}

dataset train {
    source: empathetic_dialogues(path: "../data/empathetic_dialogues", split: "test")
}

dataset held {
    source: empathetic_dialogues(path: "../data/empathetic_dialogues", split: "valid")
}

reward persona_reward = rm(tiny) + 0.5 * format(think_min: 1, answer_max: 4)
reward group_reward = coherence(offline) + 1.0 * diverse()

pipeline {
    speaker: tiny
    personas: [anchor, beacon]
    load_dataset { data: [train, held] }
    train_sft { data: train epochs: 1 batch: 2 max_length: 2048 }
    sample_candidates { data: train k: 6 max_tokens: 8 }
    judge_candidates { judge: offline rubric: agent_criteria }
    build_preferences { delta: 0.0 holdout: 0.4 }
    train_reward_model { base: tiny epochs: 1 batch: 2 max_length: 2048 }
    align_personas { data: train reward: persona_reward group: 2 batch: 2 max_tokens: 6 max_steps: 1 lr: 0.01 }
    optimize_director { data: train reward: group_reward turns: 2 group: 2 batch: 2 max_tokens: 6 max_steps: 1 lr: 0.01 }
    compare_policies { data: held judge: offline rubric: agent_criteria reward: group_reward turns: 2 max_tokens: 6 resamples: 200 }
    report { title: "learning" }
}
"#;

fn lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn heldout_pairs_are_never_trained_on_and_policies_are_compared_with_intervals() {
    let co = Checkout::new(FILE, EXPERIMENT);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mascot"))
        .args(["run", co.file(FILE).to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");

    // The reward model's held-out pairs: none is in its training file, nor is any of their
    // contexts, and the reward model measured exactly them.
    let (mut train, mut held) = (Vec::new(), Vec::new());
    {
        let (prefs, _) = co.artifact("L/build_preferences/train.all");
        train.extend(lines(&prefs.join("preferences.jsonl")));
        held.extend(lines(&prefs.join("preferences_heldout.jsonl")));
    }
    assert!(!held.is_empty() && !train.is_empty(), "{train:?} {held:?}");
    let pair = |r: &serde_json::Value| {
        (
            r["prompt"].to_string(),
            r["chosen"].to_string(),
            r["rejected"].to_string(),
        )
    };
    let trained: BTreeSet<_> = train.iter().map(pair).collect();
    let trained_contexts: BTreeSet<_> = train.iter().map(|r| r["context_id"].to_string()).collect();
    for h in &held {
        assert!(!trained.contains(&pair(h)), "held-out pair trained on: {h}");
        assert!(
            !trained_contexts.contains(&h["context_id"].to_string()),
            "{h}"
        );
    }
    let (_, rm) = co.artifact("L/train_reward_model");
    assert_eq!(rm["summary"]["heldout_pairs"], held.len(), "{rm}");
    assert_eq!(rm["summary"]["train_pairs"], train.len(), "{rm}");

    // pi_SFT against the aligned speakers: 3 held-out contexts x 2 personas.
    let (speakers, m) = co.artifact("L/compare_policies/speakers");
    assert_eq!(m["summary"]["before"], "sft", "{m}");
    let rows = lines(&speakers.join("pairs.jsonl"));
    assert_eq!(rows.len(), 6);
    for r in &rows {
        assert!(
            r["before"]["rm"].is_number() && r["after"]["judge"].is_number(),
            "{r}"
        );
    }
    let metrics = m["summary"]["metrics"].as_array().unwrap();
    let names: Vec<&str> = metrics
        .iter()
        .map(|x| x["metric"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["rm", "judge"]);
    for x in metrics {
        let (lo, d, hi) = (
            x["low"].as_f64().unwrap(),
            x["diff"].as_f64().unwrap(),
            x["high"].as_f64().unwrap(),
        );
        assert!(lo <= d && d <= hi, "{x}");
        let after = x["after"].as_f64().unwrap() - x["before"].as_f64().unwrap();
        assert!((after - d).abs() < 1e-9, "{x}");
    }
    // The mean paired difference of the reward model is that of the rows.
    let mean: f64 = rows
        .iter()
        .map(|r| r["after"]["rm"].as_f64().unwrap() - r["before"]["rm"].as_f64().unwrap())
        .sum::<f64>()
        / rows.len() as f64;
    assert!((mean - metrics[0]["diff"].as_f64().unwrap()).abs() < 1e-6);

    // The untrained against the trained director: one episode per held-out context.
    let (director, m) = co.artifact("L/compare_policies/director");
    assert_eq!(lines(&director.join("pairs.jsonl")).len(), 3);
    let names: Vec<&str> = m["summary"]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["metric"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["parse_rate", "group_reward"]);

    // The report leads with the run health and the learning table.
    let (report, _) = co.artifact("L/report");
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    let health = md.find("**Run health**").expect(&md);
    let learning = md.find("## Did training work?").expect(&md);
    assert!(health < learning, "{md}");
    assert!(
        md.contains("`train_reward_model` | held-out pair accuracy"),
        "{md}"
    );
    assert!(md.contains("`align_personas` | reward model score"), "{md}");
    assert!(
        md.contains("`optimize_director` | share of directives that parse"),
        "{md}"
    );
    let lines: Vec<String> =
        serde_json::from_slice(&std::fs::read(report.join("health.json")).unwrap()).unwrap();
    for l in &lines {
        assert!(stderr.contains(&format!("warning: {l}")), "{l}\n{stderr}");
    }
}
