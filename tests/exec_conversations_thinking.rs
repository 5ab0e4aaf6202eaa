//! A thinking model in `generate_conversations`, through the built binary: the tiny random
//! Qwen3 of `tests/fixtures/models/tiny-qwen3` with the real Qwen3 chat template (from
//! `tests/fixtures/models/qwen3-chat`), declared `thinking: on`.
//!
//! With thinking on and a 4-token budget no reply gets past `</think>` (a random model never
//! writes it), so every speaker turn, directive and user reply is a truncated turn: counted
//! exactly per role in the rows and the stage summary, its trace kept, shown as truncated in
//! the report's transcripts. The `off` variant (every role `thinking: off`, which puts Qwen3's
//! empty think block in the prompt) gives visible, non-empty replies and no truncation.
//! `mascot generate --thinking` shows the two prompts.

mod exec_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use exec_support::*;
use serde_json::Value;

const EXPERIMENT: &str = r#"
import "personas/ed.mascot"

experiment "thinking on a tiny Qwen3" {
    seed: 5
    base: "on"
}

model qwen3 {
    source: hf_dir("models/tiny-qwen3-think")
    thinking: on
}

dataset ed {
    source: empathetic_dialogues(
        path: "data/empathetic_dialogues",
        split: "test",
        subsets: [positive],
    )
    limit: 1
}

users one {
    types: [INFP]
}

pipeline {
    speaker: qwen3
    personas: [anchor, catalyst, beacon]

    load_dataset {
        data: ed
    }
    simulated_users {
        users: one
    }
    generate_conversations {
        systems: [mascot, zero_shot]
        users: one
        turns: 3
        max_tokens: 4
    }
    report {
        title: "thinking"
    }
}

variant "off" {
    set generate_conversations.speaker_thinking = off
    set generate_conversations.director_thinking = off
    set generate_conversations.user_thinking = off
    set generate_conversations.max_tokens = 12
}
"#;

/// A folder with the tiny Qwen3 (random weights, tiny BPE) and the real Qwen3 chat template;
/// its context raised to 4096 positions (RoPE has no table) so the prompts fit.
fn thinking_model(to: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models");
    copy_dir(&root.join("tiny-qwen3"), to);
    std::fs::remove_file(to.join("chat_template.jinja")).unwrap();
    let qwen3: Value = serde_json::from_slice(
        &std::fs::read(root.join("qwen3-chat/tokenizer_config.json")).unwrap(),
    )
    .unwrap();
    let mut config: Value =
        serde_json::from_slice(&std::fs::read(to.join("tokenizer_config.json")).unwrap()).unwrap();
    config["chat_template"] = qwen3["chat_template"].clone();
    std::fs::write(to.join("tokenizer_config.json"), config.to_string()).unwrap();
    let mut model: Value =
        serde_json::from_slice(&std::fs::read(to.join("config.json")).unwrap()).unwrap();
    model["max_position_embeddings"] = 4096.into();
    std::fs::write(to.join("config.json"), model.to_string()).unwrap();
}

fn workspace() -> (Workspace, PathBuf) {
    let ws = Workspace::new();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("personas"),
        &ws.path().join("personas"),
    );
    thinking_model(&ws.path().join("models/tiny-qwen3-think"));
    let file = ws.path().join("thinking.mascot");
    std::fs::write(&file, EXPERIMENT).unwrap();
    (ws, file)
}

/// `stage id -> (artifact dir, manifest)`.
fn manifests(store: &Path) -> BTreeMap<String, (PathBuf, Value)> {
    std::fs::read_dir(store.join("objects"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|dir| {
            let m: Value =
                serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
            (m["stage_id"].as_str().unwrap().to_string(), (dir, m))
        })
        .collect()
}

fn rows(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("conversations.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn thinking_on_with_a_tiny_budget_truncates_every_turn_and_off_gives_visible_replies() {
    let (ws, file) = workspace();
    let store = ws.store();
    let (code, out, err) = mascot(
        &[
            "run",
            file.to_str().unwrap(),
            "--json",
            "--store",
            store.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}\n{out}");
    // `mascot check` warned about the budgets of the thinking roles.
    assert!(err.contains("W006"), "{err}");

    let mut seen = 0;
    for (id, (dir, m)) in manifests(&store) {
        if m["kind"] != "generate_conversations" {
            continue;
        }
        seen += 1;
        let rows = rows(&dir);
        let summary = &m["summary"];
        let turns: usize = rows
            .iter()
            .map(|r| r["turns"].as_array().unwrap().len())
            .sum();
        let directives = summary["director_calls"].as_u64().unwrap() as usize;
        let user_replies: usize = rows
            .iter()
            .flat_map(|r| r["turns"].as_array().unwrap())
            .filter(|t| t["user_reply"].is_object())
            .count();
        assert_eq!(turns, 3, "{id}: one context, one user, three turns");
        assert_eq!(user_replies, 2, "{id}: every turn but the last is answered");
        if id.starts_with("on/") {
            // Every reply of every role is cut inside its think block, and counted so.
            assert_eq!(
                summary["truncated"],
                serde_json::json!({"speaker": turns, "director": directives, "user": user_replies}),
                "{id}: {summary}"
            );
            if id.contains("mascot") {
                assert_eq!(directives, 3, "{id}");
            } else {
                assert_eq!(directives, 0, "{id}");
            }
            for r in &rows {
                assert_eq!(r["counters"]["truncated_responses"], 3, "{id}");
                for t in r["turns"].as_array().unwrap() {
                    assert_eq!(t["truncated"], true, "{id}: {t}");
                    assert_eq!(t["response"], "", "{id}: a truncated turn shows no text");
                    assert!(t["think"].is_string(), "{id}: the trace is kept: {t}");
                    if let Some(d) = t.get("directive") {
                        assert_eq!(d["truncated"], true, "{id}: {d}");
                        assert_eq!(d["failure"]["kind"], "empty", "{id}: {d}");
                    }
                    if let Some(u) = t.get("user_reply") {
                        assert_eq!(u["truncated"], true, "{id}: {u}");
                    }
                }
            }
        } else {
            assert!(id.starts_with("off/"), "{id}");
            assert_eq!(
                summary["truncated"],
                serde_json::json!({"speaker": 0, "director": 0, "user": 0}),
                "{id}: {summary}"
            );
            for r in &rows {
                assert!(r["counters"].get("truncated_responses").is_none(), "{id}");
                for t in r["turns"].as_array().unwrap() {
                    assert!(t.get("truncated").is_none(), "{id}: {t}");
                    let response = t["response"].as_str().unwrap();
                    assert!(!response.trim().is_empty(), "{id}: empty visible reply {t}");
                }
            }
        }
    }
    assert_eq!(seen, 4, "two systems x two variants");

    // The report of the `on` variant shows the truncated turns as such.
    let (_, (dir, _)) = manifests(&store)
        .into_iter()
        .find(|(id, (_, m))| m["kind"] == "report" && id.starts_with("on/"))
        .expect("the on variant's report");
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains("(truncated: cut inside its think block)"),
        "{md}"
    );
}

#[test]
fn generate_shows_the_prompt_qwen3_renders_for_each_thinking_setting() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    thinking_model(&model);
    let run = |thinking: &str| -> Value {
        let (code, out, err) = mascot(
            &[
                "generate",
                "--model",
                model.to_str().unwrap(),
                "--prompt",
                "Hello there",
                "--chat",
                "--thinking",
                thinking,
                "--max-tokens",
                "2",
                "--json",
            ],
            &[],
        );
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(out.trim()).unwrap()
    };
    let off = run("off");
    let on = run("on");
    let auto = run("auto");
    let text = |v: &Value| v["prompt_text"].as_str().unwrap().to_string();
    assert!(
        text(&off).ends_with("<|im_start|>assistant\n<think>\n\n</think>\n\n"),
        "{}",
        text(&off)
    );
    assert!(
        text(&on).ends_with("<|im_start|>assistant\n"),
        "{}",
        text(&on)
    );
    assert_eq!(text(&auto), text(&on), "Qwen3's default is to think");
    // The ids are those of the text, and what the model was given.
    for v in [&off, &on] {
        assert_eq!(v["prompt_ids"], v["input_ids"]);
        assert!(!v["prompt_ids"].as_array().unwrap().is_empty());
    }
    assert!(
        off["prompt_ids"].as_array().unwrap().len() > on["prompt_ids"].as_array().unwrap().len()
    );

    // Without --json, --show-prompt prints the prompt and its ids before the output.
    let (code, out, err) = mascot(
        &[
            "generate",
            "--model",
            model.to_str().unwrap(),
            "--prompt",
            "Hello there",
            "--chat",
            "--thinking",
            "off",
            "--max-tokens",
            "2",
            "--show-prompt",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("--- prompt ("), "{out}");
    assert!(out.contains("<think>\n\n</think>"), "{out}");
    assert!(out.contains("--- prompt ids ---\n"), "{out}");
    assert!(out.contains("--- output ---\n"), "{out}");

    // --thinking without --chat is refused (there is no template to pass it to).
    let (code, _, err) = mascot(
        &[
            "logits",
            "--model",
            model.to_str().unwrap(),
            "--prompt",
            "Hi",
            "--thinking",
            "on",
        ],
        &[],
    );
    assert_ne!(code, 0);
    assert!(err.contains("--chat"), "{err}");
}
