//! Teacher-played training data through the built binary, against an OpenAI-compatible
//! teacher on 127.0.0.1: `train_sft { demonstrations: trajectories }` writes multi-turn
//! demonstrations from whole conversations the teacher played (directives, persona turns,
//! simulated users) and trains on them; `sample_candidates { teacher: ... }` takes its K
//! candidates from the teacher, which `judge_candidates` and `build_preferences` turn into
//! preference pairs; a second run asks the teacher nothing.

mod phase1_support;
#[path = "judge/server.rs"]
mod server;

use mascot::model::{ChatMessage, LoadedModel, TinyConfig};
use mascot::train::chat::ChatCodec;
use mascot::train::sft::{SftExample, assistant_mask, tokenize_examples};
use phase1_support::Checkout;
use server::TestServer;

const FILE: &str = "teacher.mascot";

fn experiment(base_url: &str) -> String {
    format!(
        r#"import "../personas/ed.mascot"
import "../personas/rubrics.mascot"

experiment "teacher-played data" {{
    seed: 3
    base: "t"
}}

model tiny {{
    source: tiny(arch: llama, layers: 1, hidden: 32, intermediate: 64, heads: 2, kv_heads: 1,
                 vocab: 320, max_seq_len: 4096, seed: 3)
}}

judge teacher {{
    backend: openai(base_url: "{base_url}", model: "test-teacher", temperature: 0.7,
                    api_key_env: "MASCOT_TEST_TEACHER_KEY", timeout: 5.0, max_retries: 1)
}}

judge remote {{
    backend: openai(base_url: "{base_url}", model: "test-judge", temperature: 0.0,
                    api_key_env: "MASCOT_TEST_TEACHER_KEY", timeout: 5.0, max_retries: 1)
}}

users two {{
    types: [INFP, ENTJ]
}}

dataset ed {{
    source: empathetic_dialogues(path: "../data/empathetic_dialogues", split: "test",
                                 subsets: [negative])
    limit: 2
}}

pipeline {{
    speaker: tiny
    personas: [anchor, beacon]
    load_dataset {{ data: ed }}
    simulated_users {{ users: two }}
    train_sft {{
        teacher: teacher
        demonstrations: trajectories
        turns: 4
        users: two
        max_tokens: 32
        epochs: 1
        batch: 2
        max_length: 4096
    }}
    sample_candidates {{ teacher: teacher k: 3 limit: 2 temperature: 0.9 max_tokens: 16 }}
    judge_candidates {{ judge: remote rubric: agent_criteria }}
    build_preferences {{ delta: 0.0 holdout: 0.0 }}
}}
"#
    )
}

fn run(co: &Checkout) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mascot"))
        .args(["run", co.file(FILE).to_str().unwrap(), "--json"])
        .env("MASCOT_TEST_TEACHER_KEY", "sk-test-teacher")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| l.starts_with('{')).unwrap();
    serde_json::from_str(line).unwrap()
}

fn lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_teacher_plays_trajectories_and_samples_candidates_and_reruns_ask_nothing() {
    let server = TestServer::teacher();
    let co = Checkout::new(FILE, &experiment(&server.base_url));
    let first = run(&co);
    assert!(!first["executed"].as_array().unwrap().is_empty(), "{first}");
    let asked = server.requests();
    assert!(asked > 0);

    // The conversations: 2 contexts x 2 users, 4 turns of directive + persona turn, a user
    // reply after every turn but the last.
    let (sft, manifest) = co.artifact("t/train_sft");
    let rows = lines(&sft.join("trajectories.jsonl"));
    assert_eq!(rows.len(), 2 * 2, "{manifest}");
    for row in &rows {
        let turns = row["turns"].as_array().unwrap();
        assert_eq!(turns.len(), 4);
        for (i, t) in turns.iter().enumerate() {
            assert!(t["directive"].is_object(), "{t}");
            assert_eq!(t["user_reply"].is_object(), i < 3, "{t}");
        }
        assert!(row["user_type"].is_string());
    }
    // The demonstrations: one per persona that spoke, multi-turn when it spoke twice.
    let demos = lines(&sft.join("demonstrations.jsonl"));
    assert!(!demos.is_empty());
    let mut multi = 0;
    for d in &demos {
        let completion = d["completion"].as_array().unwrap();
        let assistants = completion
            .iter()
            .filter(|m| m["role"] == "assistant")
            .count();
        assert_eq!(assistants, d["turns"].as_u64().unwrap() as usize, "{d}");
        assert_eq!(completion.len(), 2 * assistants - 1, "{d}");
        let prompt = d["prompt"].as_array().unwrap();
        assert_eq!(prompt[0]["role"], "system");
        assert!(
            prompt[1]["content"]
                .as_str()
                .unwrap()
                .contains("The director asks you:")
        );
        for m in completion.iter().filter(|m| m["role"] == "assistant") {
            assert!(m["content"].as_str().unwrap().starts_with("Teacher reply"));
        }
        if assistants > 1 {
            multi += 1;
            let between = completion[1]["content"].as_str().unwrap();
            assert!(between.contains("User: Teacher reply"), "{between}");
        }
    }
    assert!(
        multi > 0,
        "4 turns among 2 personas: some persona speaks twice"
    );
    // Trained on them: every assistant turn is a scored sequence.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sft.join("sft_summary.json")).unwrap()).unwrap();
    let turns: u64 = demos.iter().map(|d| d["turns"].as_u64().unwrap()).sum();
    assert_eq!(
        summary["examples"].as_u64().unwrap(),
        demos.len() as u64,
        "{summary}"
    );
    assert_eq!(
        summary["examples_used"].as_u64().unwrap(),
        turns,
        "{summary}"
    );

    // Candidates from the teacher: K = 3 distinct calls per (context, persona).
    let (cands, _) = co.artifact("t/sample_candidates/negative");
    let candidates = lines(&cands.join("candidates.jsonl"));
    assert_eq!(candidates.len(), 2 * 2 * 3);
    let texts: std::collections::BTreeSet<&str> = candidates
        .iter()
        .map(|c| c["response"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts.len(),
        candidates.len(),
        "every sample is its own call"
    );
    let sampled: Vec<serde_json::Value> = server
        .bodies()
        .into_iter()
        .filter(|m| {
            m.as_array()
                .is_some_and(|m| m.len() == 2 && m[1]["content"] == candidates[0]["context"])
        })
        .collect();
    assert!(!sampled.is_empty());
    // ... turned into preference pairs.
    let (prefs, _) = co.artifact("t/build_preferences/negative");
    let pairs = lines(&prefs.join("preferences.jsonl"));
    assert!(!pairs.is_empty());
    for p in &pairs {
        for side in ["chosen", "rejected"] {
            let text = serde_json::to_string(&p[side]).unwrap();
            assert!(text.contains("Teacher reply"), "{p}");
        }
    }

    // A second run is answered from the store and the call cache: no request.
    let second = run(&co);
    assert!(
        second["executed"].as_array().unwrap().is_empty(),
        "{second}"
    );
    assert_eq!(server.requests(), asked);
    // Even a stage that reruns (its artifact removed) asks nothing: the calls are cached.
    std::fs::remove_dir_all(co.store().join("objects")).unwrap();
    let third = run(&co);
    assert!(!third["executed"].as_array().unwrap().is_empty(), "{third}");
    assert_eq!(
        server.requests(),
        asked,
        "reruns answered from the call cache"
    );
}

fn tiny() -> LoadedModel {
    LoadedModel::tiny(
        &TinyConfig {
            arch: "llama".into(),
            layers: 1,
            hidden: 8,
            intermediate: 16,
            heads: 2,
            kv_heads: 1,
            vocab: 320,
            max_seq_len: 512,
            seed: 1,
        },
        burn::tensor::Device::flex(),
    )
    .unwrap()
}

#[test]
fn the_loss_mask_covers_exactly_the_assistant_turns() {
    // The built-in tokenizer is one token per byte plus `<|im_start|>` / `<|im_end|>`, and
    // the template ChatML: `<|im_start|>{role}\n{content}<|im_end|>\n` per message.
    let model = tiny();
    let row = SftExample {
        prompt: vec![
            ChatMessage::new("system", "S"),
            ChatMessage::new("user", "hi"),
        ],
        completion: vec![
            ChatMessage::new("assistant", "Yes."),
            ChatMessage::new("user", "Beacon: ok"),
            ChatMessage::new("assistant", "No"),
        ],
    };
    let (ids, mask) = assistant_mask(ChatCodec::of(&model), &row).unwrap();
    // Hand count: each message is 1 (<|im_start|>) + role + 1 (\n) + content + 1 (<|im_end|>)
    // + 1 (\n) tokens.
    let msg = |role: &str, content: &str| 1 + role.len() + 1 + content.len() + 2;
    let header = |role: &str| 1 + role.len() + 1;
    let system = msg("system", "S");
    let user1 = msg("user", "hi");
    let a1 = msg("assistant", "Yes.");
    let user2 = msg("user", "Beacon: ok");
    let a2 = msg("assistant", "No");
    assert_eq!(ids.len(), system + user1 + a1 + user2 + a2);
    // Masked: each reply's content, its <|im_end|> and the newline after it.
    let first = system + user1 + header("assistant");
    let second = system + user1 + a1 + user2 + header("assistant");
    let expected: Vec<bool> = (0..ids.len())
        .map(|i| (first..first + 4 + 2).contains(&i) || (second..second + 2 + 2).contains(&i))
        .collect();
    assert_eq!(mask, expected);
    assert_eq!(mask.iter().filter(|m| **m).count(), 6 + 4);
    assert_eq!(
        &ids[first..first + 4],
        "Yes."
            .as_bytes()
            .iter()
            .map(|&b| b as u32)
            .collect::<Vec<_>>()
            .as_slice()
    );
    // The trainer scores exactly these tokens: one example per assistant turn, each after
    // everything before it.
    let tokenized = tokenize_examples(ChatCodec::of(&model), &[row], 512).unwrap();
    let spans: Vec<(usize, usize)> = tokenized
        .examples
        .iter()
        .map(|e| (e.prompt.len(), e.prompt.len() + e.completion.len()))
        .collect();
    assert_eq!(spans, vec![(first, first + 6), (second, second + 4)]);
    for e in &tokenized.examples {
        let whole: Vec<u32> = e.prompt.iter().chain(&e.completion).copied().collect();
        assert_eq!(whole, ids[..whole.len()]);
    }
}
