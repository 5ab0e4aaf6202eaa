//! `mascot generate` and `mascot logits` on the tiny Qwen3 reference model, checked against
//! the transformers reference; errors exit with 1 and name the path.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models/tiny-qwen3")
}

fn reference() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixture().join("reference.json")).unwrap())
        .unwrap()
}

fn mascot(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mascot"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn generate_json_matches_transformers_greedy_ids() {
    let reference = reference();
    let prompt = &reference["prompts"][0];
    let model = fixture();
    let (code, stdout, stderr) = mascot(&[
        "generate",
        "--model",
        model.to_str().unwrap(),
        "--prompt",
        prompt["text"].as_str().unwrap(),
        "--temperature",
        "0",
        "--max-tokens",
        "12",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let out: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(out["input_ids"], prompt["input_ids"]);
    assert_eq!(out["output_ids"], prompt["greedy_ids"]);
    assert!(out["text"].is_string());
}

#[test]
fn generate_chat_uses_the_template() {
    let reference = reference();
    let chat = &reference["chat"];
    let model = fixture();
    let (code, stdout, stderr) = mascot(&[
        "generate",
        "--model",
        model.to_str().unwrap(),
        "--chat",
        "--system",
        chat["messages"][0]["content"].as_str().unwrap(),
        "--prompt",
        chat["messages"][1]["content"].as_str().unwrap(),
        "--max-tokens",
        "3",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let out: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(out["input_ids"], chat["input_ids"]);
}

#[test]
fn logits_json_matches_transformers() {
    let reference = reference();
    let prompt = &reference["prompts"][1];
    let model = fixture();
    let (code, stdout, stderr) = mascot(&[
        "logits",
        "--model",
        model.to_str().unwrap(),
        "--prompt",
        prompt["text"].as_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let out: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(out["input_ids"], prompt["input_ids"]);
    let rows = prompt["logits"].as_array().unwrap();
    let expected = rows.last().unwrap().as_array().unwrap();
    let got = out["logits"].as_array().unwrap();
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(expected) {
        assert!((g.as_f64().unwrap() - e.as_f64().unwrap()).abs() < 1e-3);
    }
}

#[test]
fn missing_model_exits_1_and_names_the_path() {
    let (code, _, stderr) = mascot(&["generate", "--model", "/no/such/model", "--prompt", "hi"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("/no/such/model"), "{stderr}");
}

#[test]
fn device_flag_runs_on_cpu_and_names_a_missing_backend() {
    let model = fixture();
    let model = model.to_str().unwrap();
    let args = [
        "logits", "--model", model, "--prompt", "hi", "--json", "--device",
    ];
    let (cpu, cpu_out, cpu_err) = mascot(&[&args[..], &["cpu"]].concat());
    assert_eq!(cpu, 0, "{cpu_err}");
    let (default, default_out, _) = mascot(&args[..args.len() - 1]);
    assert_eq!(default, 0);
    assert_eq!(cpu_out, default_out);
    let (code, _, stderr) = mascot(&[&args[..], &["tpu:0"]].concat());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("tpu:0"), "{stderr}");
    if !cfg!(feature = "wgpu") {
        let (code, _, stderr) = mascot(&[&args[..], &["wgpu:0"]].concat());
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("--features wgpu"), "{stderr}");
    }
}
