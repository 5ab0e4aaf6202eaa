//! `judge_candidates` (heuristic) -> `build_preferences` -> `train_reward_model`, stage by
//! stage on hand-written candidates whose preference is learnable (two replies per context
//! use the Anchor's warm, context-grounded lexicon with a question; two are curt): the
//! heuristic judge prefers the warm ones, the pairs follow, and the reward model trained by
//! the stage scores held-out contexts' pairs with accuracy above chance.

use std::path::{Path, PathBuf};

use mascot::plan::{ContentKey, Stage};
use mascot::spec::StageKind;
use mascot::stages::{InputArtifact, NoProgress, StageContext, StageOutput};
use serde_json::{Value, json};

const CONTEXTS: [&str; 16] = [
    "I lost my job today and I feel so lost.",
    "My dog is sick and I am worried about him.",
    "I failed the exam I studied for all month.",
    "My best friend moved away to another city.",
    "I feel lonely tonight in my new apartment.",
    "Work was awful, my boss yelled at me.",
    "I had a fight with my sister about money.",
    "Nobody called me on my birthday this year.",
    "My grandmother is in the hospital again.",
    "I missed my flight home for the holidays.",
    "My car broke down on the way to work.",
    "I got rejected from the job I wanted most.",
    "My roommate ate all my food again.",
    "I broke my phone and lost all my photos.",
    "My team lost the final game by one point.",
    "I can't sleep because I keep worrying.",
];

fn warm(context: &str, v: usize) -> String {
    let topic: Vec<&str> = context
        .trim_end_matches('.')
        .split_whitespace()
        .skip(1)
        .take(4)
        .collect();
    let topic = topic.join(" ");
    [
        format!(
            "I hear you, that sounds so hard and painful. It makes sense that you feel sad when {topic}. How are you feeling right now?"
        ),
        format!(
            "That sounds really heavy, and I am here with you. Feeling upset after {topic} is understandable. What has been the hardest part?"
        ),
    ][v % 2]
        .clone()
}

const CURT: [&str; 2] = ["Okay.", "Noted."];

fn stage(id: &str, kind: StageKind, params: Value) -> Stage {
    Stage {
        id: id.into(),
        kind,
        params,
        inputs: vec![],
        external: vec![],
        key: ContentKey("x".into()),
        variants: vec![],
    }
}

fn input(id: &str, kind: StageKind, dir: &Path) -> InputArtifact {
    InputArtifact {
        id: id.into(),
        kind,
        key: "k".into(),
        dir: dir.to_path_buf(),
        summary: json!({}),
        files: 0,
        bytes: 0,
    }
}

fn run(
    root: &Path,
    stage: &Stage,
    inputs: Vec<InputArtifact>,
    run: fn(&StageContext) -> miette::Result<StageOutput>,
) -> (PathBuf, Value) {
    let out = root.join(stage.id.replace('/', "_"));
    std::fs::create_dir_all(&out).unwrap();
    let (work, calls) = (root.join("work"), root.join("calls"));
    std::fs::create_dir_all(&work).unwrap();
    let ctx = StageContext {
        stage,
        base_dir: root,
        out_dir: &out,
        work_dir: &work,
        calls_dir: &calls,
        inputs,
        progress: &NoProgress,
    };
    let summary = run(&ctx)
        .unwrap_or_else(|e| panic!("{}: {e:?}", stage.id))
        .summary;
    (out, summary)
}

fn anchor() -> Value {
    json!({
        "name": "Anchor",
        "description": "A calm, warm listener who validates feelings and stays with the user.",
        "traits": ["warm", "calm", "validating", "gentle"],
        "style": "soft, patient sentences that reflect feelings back",
        "examples": [],
    })
}

#[test]
fn heuristic_preferences_train_a_reward_model_above_chance_on_held_out_contexts() {
    let root = tempfile::tempdir().unwrap();
    let sampled = root.path().join("sampled");
    std::fs::create_dir_all(&sampled).unwrap();
    let mut lines = String::new();
    for (i, c) in CONTEXTS.iter().enumerate() {
        let replies = [
            warm(c, i),
            CURT[i % 2].to_string(),
            warm(c, i + 1),
            CURT[(i + 1) % 2].to_string(),
        ];
        for (k, r) in replies.iter().enumerate() {
            lines.push_str(
                &json!({"context_id": format!("c{i}"), "persona": "Anchor", "k": k, "context": c,
                        "response": r, "prompt_tokens": 0, "output_tokens": 0})
                .to_string(),
            );
            lines.push('\n');
        }
    }
    std::fs::write(sampled.join("candidates.jsonl"), lines).unwrap();
    std::fs::write(
        sampled.join("personas.json"),
        json!([{"persona": "Anchor", "system_prompt": "You are The Anchor."}]).to_string(),
    )
    .unwrap();

    let rubric = json!({
        "level": "agent", "scale": [1.0, 5.0], "rescale": [0.0, 100.0],
        "criteria": [
            {"name": "emotional_expressiveness", "description": "d"},
            {"name": "empathetic_support_quality", "description": "d"},
            {"name": "consistency", "description": "d"},
            {"name": "response_relevance", "description": "d"},
            {"name": "social_contribution", "description": "d"},
        ],
    });
    let judge = stage(
        "t/judge",
        StageKind::JudgeCandidates,
        json!({"judge": {"backend": "heuristic"}, "rubric": rubric, "personas": [anchor()],
               "max_failures": 0.05}),
    );
    let (judged, summary) = run(
        root.path(),
        &judge,
        vec![input("t/sample", StageKind::SampleCandidates, &sampled)],
        mascot::stages::judge_candidates::run,
    );
    assert_eq!(summary["scored"], 64, "{summary}");
    assert_eq!(
        summary["proxy"], true,
        "the heuristic judge's scores are proxies"
    );

    let prefs = stage(
        "t/prefs",
        StageKind::BuildPreferences,
        json!({"delta": 0.5, "pairs": "all", "holdout": 0.25, "seed": 3}),
    );
    let (pairs_dir, summary) = run(
        root.path(),
        &prefs,
        vec![input("t/judge", StageKind::JudgeCandidates, &judged)],
        mascot::stages::build_preferences::run,
    );
    assert_eq!(summary["contexts"], 16, "{summary}");
    assert_eq!(summary["heldout_contexts"], 4, "{summary}");
    let rows: Vec<Value> = std::fs::read_to_string(pairs_dir.join("preferences.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.len() >= 24, "{summary}");
    for r in &rows {
        // The heuristic judge prefers the warm replies, never a curt one.
        let chosen = r["chosen"][0]["content"].as_str().unwrap();
        assert!(!CURT.contains(&chosen), "{r}");
        assert_eq!(r["prompt"][0]["role"], "system");
        assert_eq!(r["prompt"][0]["content"], "You are The Anchor.");
        assert_eq!(r["prompt"][1]["role"], "user");
        assert_eq!(r["chosen"][0]["role"], "assistant");
        assert!(r["score_chosen"].as_f64().unwrap() - r["score_rejected"].as_f64().unwrap() >= 0.5);
    }

    let rm = stage(
        "t/rm",
        StageKind::TrainRewardModel,
        json!({
            "base": {"source": "tiny", "arch": "qwen3", "layers": 2, "hidden": 32,
                     "intermediate": 64, "heads": 4, "kv_heads": 2, "vocab": 260,
                     "max_seq_len": 256, "seed": 9},
            "epochs": 4, "batch": 8, "lr": 1e-2, "max_length": 256, "holdout": true,
            "lora": null, "seed": 11,
        }),
    );
    let (model_dir, summary) = run(
        root.path(),
        &rm,
        vec![input("t/prefs", StageKind::BuildPreferences, &pairs_dir)],
        mascot::stages::train_reward_model::run,
    );
    let held = summary["heldout_accuracy"].as_f64().unwrap();
    assert!(held > 0.5, "held-out accuracy {held}: {summary}");
    assert!(summary["heldout_pairs"].as_u64().unwrap() >= 8, "{summary}");
    assert!(model_dir.join("model.safetensors").is_file());
    assert!(model_dir.join("metrics.jsonl").is_file());
}
