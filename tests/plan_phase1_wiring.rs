//! The planner's wiring of the phase 1 nodes: `rm(NAME)` in the reward of `align_personas`
//! makes the `train_reward_model` node (whose artifact is the exported reward model) one of
//! its inputs, and `train_sft` feeds the speaker's `sample_candidates` and `align_personas`.

use std::process::Command;

fn plan(file: &str) -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let out = Command::new(env!("CARGO_BIN_EXE_mascot"))
        .args(["plan", path.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn inputs_of<'a>(plan: &'a serde_json::Value, kind: &str) -> Vec<Vec<&'a str>> {
    plan["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == kind)
        .map(|s| {
            s["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_str().unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn rm_rewards_read_the_reward_model_and_sampling_reads_the_sft_adapter() {
    let p = plan("tests/fixtures/ok/full_tiny.mascot");
    let align = inputs_of(&p, "align_personas");
    assert!(!align.is_empty());
    for inputs in &align {
        assert!(
            inputs.iter().any(|i| i.ends_with("/train_reward_model")),
            "{inputs:?}"
        );
        assert!(
            inputs.iter().any(|i| i.ends_with("/train_sft")),
            "{inputs:?}"
        );
    }
    let sample = inputs_of(&p, "sample_candidates");
    assert!(!sample.is_empty());
    for inputs in &sample {
        assert!(
            inputs.iter().any(|i| i.ends_with("/train_sft")),
            "{inputs:?}"
        );
    }
    let rm = inputs_of(&p, "train_reward_model");
    for inputs in &rm {
        assert!(
            inputs.iter().all(|i| i.contains("/build_preferences")),
            "{inputs:?}"
        );
    }
}
