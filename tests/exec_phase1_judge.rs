//! `judge_candidates` against an OpenAI-compatible server started by the test (127.0.0.1),
//! through the built binary: the server answers 429 with Retry-After, 500, hangs past the
//! client's timeout, wraps JSON in prose and answers garbage. The stage completes, every
//! candidate is scored or failed with its reason, the key's value is nowhere in the store or
//! the run records, a second run executes nothing and asks nothing, and changing `delta`
//! reruns only `build_preferences` and `train_reward_model`, with no judge request.

mod phase1_support;

use phase1_support::*;

const FILE: &str = "judged.mascot";

fn experiment(base_url: &str) -> String {
    format!(
        r#"import "../personas/ed.mascot"
import "../personas/rubrics.mascot"

experiment "phase 1 with a remote judge" {{
    seed: 5
    base: "p1"
}}

model tiny {{
    source: tiny(arch: llama, layers: 1, hidden: 32, intermediate: 64, heads: 2, kv_heads: 1,
                 vocab: 320, max_seq_len: 1024, seed: 3)
}}

judge remote {{
    backend: openai(base_url: "{base_url}", model: "test-judge", temperature: 0.0,
                    api_key_env: "MASCOT_TEST_PHASE1_KEY", timeout: 1.0, max_retries: 3,
                    concurrency: 4)
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
    sample_candidates {{ k: 4 max_tokens: 6 limit: 2 }}
    judge_candidates {{ judge: remote rubric: agent_criteria max_failures: 0.5 }}
    build_preferences {{ delta: 0.5 holdout: 0.5 }}
    train_reward_model {{ base: tiny epochs: 1 batch: 2 }}
}}
"#
    )
}

const JUDGE: &str = "p1/judge_candidates/negative";
const PREFS: &str = "p1/build_preferences/negative";
const RM: &str = "p1/train_reward_model";

fn run(co: &Checkout, key: &str) -> serde_json::Value {
    let file = co.file(FILE);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mascot"))
        .args(["run", file.to_str().unwrap(), "--json"])
        .env("MASCOT_TEST_PHASE1_KEY", key)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| l.starts_with('{')).unwrap();
    serde_json::from_str(line).unwrap()
}

fn executed(v: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = v["executed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn a_flaky_judge_server_scores_or_fails_every_item_and_reruns_ask_nothing() {
    let key = format!("sk-phase1-{}", std::process::id());
    let server = JudgeServer::start(&key);
    let co = Checkout::new(FILE, &experiment(&server.base_url));

    let first = run(&co, &key);
    assert!(executed(&first).contains(&RM.to_string()), "{first}");
    let (dir, manifest) = co.artifact(JUDGE);
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(dir.join("scores.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2 * 2 * 4, "2 contexts x 2 personas x K=4");
    let behaviours = server.items_by_behaviour();
    let distinct: usize = behaviours.values().sum();
    assert_eq!(distinct, rows.len(), "one distinct request per candidate");
    for b in ["ratelimit", "error500", "hang", "prose", "garbage"] {
        assert!(
            behaviours.get(b).copied().unwrap_or(0) >= 1,
            "{behaviours:?}"
        );
    }
    let failed: Vec<&serde_json::Value> = rows.iter().filter(|r| r["status"] == "failed").collect();
    // Garbage is the only answer that never becomes scores: 429, 500 and the hang are
    // retried, prose-wrapped JSON is parsed.
    assert_eq!(failed.len(), behaviours["garbage"], "{rows:?}");
    for r in &failed {
        assert_eq!(r["failure"], "parse", "{r}");
        assert!(!r["reason"].as_str().unwrap().is_empty(), "{r}");
    }
    for r in rows.iter().filter(|r| r["status"] == "scored") {
        let scores = r["scores"].as_object().unwrap();
        assert_eq!(scores.len(), CRITERIA.len(), "{r}");
        assert!(
            scores
                .values()
                .all(|v| (1..=5).contains(&v.as_i64().unwrap()))
        );
    }
    let summary = &manifest["summary"];
    assert_eq!(summary["failed"], failed.len());
    assert_eq!(summary["scored"], rows.len() - failed.len());
    assert_eq!(summary["proxy"], false);
    // The key was sent to the server...
    assert!(
        server
            .authorizations()
            .iter()
            .all(|a| a.as_deref() == Some(format!("Bearer {key}").as_str()))
    );
    // ... and is nowhere in the store, the run records or the experiment directory.
    for (path, bytes) in files_under(co.dir.path()) {
        assert!(!contains(&bytes, &key), "{} holds the key", path.display());
    }
    let (_, prefs) = co.artifact(PREFS);
    assert!(prefs["summary"]["pairs"].as_u64().unwrap() > 0, "{prefs}");
    let (rm_dir, rm) = co.artifact(RM);
    assert!(rm_dir.join("model.safetensors").is_file());
    assert!(rm_dir.join("config.json").is_file());
    assert!(rm["summary"]["steps"].as_u64().unwrap() >= 1, "{rm}");

    // A second run executes nothing and asks nothing.
    let asked = server.requests();
    let second = run(&co, &key);
    assert!(executed(&second).is_empty(), "{second}");
    assert_eq!(server.requests(), asked);

    // A new delta: the pairs and the reward model only, with no judge request.
    co.edit(FILE, "delta: 0.5", "delta: 0.25");
    let third = run(&co, &key);
    assert_eq!(
        executed(&third),
        vec![PREFS.to_string(), RM.to_string()],
        "{third}"
    );
    assert_eq!(server.requests(), asked);
    let (_, prefs2) = co.artifact(PREFS);
    assert!(
        prefs2["summary"]["pairs"].as_u64() >= prefs["summary"]["pairs"].as_u64(),
        "a smaller delta keeps at least as many pairs: {prefs} {prefs2}"
    );
}
