//! The `report` stage as a thin adapter: evaluate artifacts filed under every variant the plan
//! says contains them (a baseline shared by two variants shows in both), training curves from
//! `metrics.jsonl` (a training stage without one has no curve), example transcripts from
//! `conversations.jsonl`, the heuristic-judge note, and a clear error on a bad metrics line.
//! Through the binary: `mascot run` ends by printing the path of `report.html`.

mod exec_support;
mod report_support;

use std::path::{Path, PathBuf};

use mascot::plan::{ContentKey, Stage};
use mascot::report::{Judgement, Level, ScoreRow, Summary, write_scores, write_summary};
use mascot::spec::StageKind;
use mascot::stages::{InputArtifact, NoProgress, StageContext};
use report_support::{AGENT, GROUP, heuristic, paper_rubrics, s};

fn scores(system: &str, likert: f64, fail_one: bool) -> Vec<ScoreRow> {
    let mut rows = Vec::new();
    for (i, context) in ["c0", "c1"].iter().enumerate() {
        let agent = AGENT
            .iter()
            .map(|c| {
                let j = if fail_one && i == 0 && *c == "consistency" {
                    Judgement::Failed("judge answered `maybe`".into())
                } else {
                    s(likert)
                };
                (c.to_string(), j)
            })
            .collect();
        rows.push(ScoreRow {
            system: system.into(),
            variant: None,
            seed: 7,
            subset: "positive".into(),
            context_id: context.to_string(),
            user_type: Some("INFP".into()),
            level: Level::Agent,
            speaker: Some("Anchor".into()),
            turn: Some(0),
            scores: agent,
        });
        rows.push(ScoreRow {
            system: system.into(),
            variant: None,
            seed: 7,
            subset: "positive".into(),
            context_id: context.to_string(),
            user_type: Some("INFP".into()),
            level: Level::Group,
            speaker: None,
            turn: None,
            scores: GROUP.iter().map(|c| (c.to_string(), s(likert))).collect(),
        });
    }
    rows
}

fn evaluation(dir: &Path, system: &str, likert: f64, fail_one: bool) {
    std::fs::create_dir_all(dir).unwrap();
    write_scores(&dir.join("scores.jsonl"), &scores(system, likert, fail_one)).unwrap();
    let summary = Summary {
        judge: heuristic(),
        rubrics: paper_rubrics().as_slice().to_vec(),
        cells: vec![],
    };
    write_summary(&dir.join("summary.json"), &summary).unwrap();
}

fn conversations(dir: &Path, system: &str, speaker: &str, text: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let row = serde_json::json!({
        "system": system, "order": "director", "dataset": "empathetic_dialogues",
        "context_id": "c0", "subset": "positive", "user_type": "INFP", "rollout": 0,
        "opening": {"background": "I got the job.", "user_message": "Guess what, I got the job!"},
        "turns": [{
            "index": 0, "speaker": speaker, "response": text,
            "tokens": {"prompt": 10, "output": 5},
            "user_reply": {"text": "Thanks, I am thrilled.", "tokens": {"prompt": 3, "output": 4}}
        }],
        "counters": {
            "turns": 1, "model_calls": 2, "director_calls": 0, "parse_failures": 0,
            "empty_directives": 0, "missing_speakers": 0, "unknown_speakers": 0, "fallbacks": 0,
            "empty_responses": 0, "format_fallbacks": 0, "user_replies": 1,
            "distinct_speakers": 1, "repeated_speakers": 0, "tokens": {"prompt": 13, "output": 9}
        }
    });
    std::fs::write(dir.join("conversations.jsonl"), format!("{row}\n")).unwrap();
}

fn input(id: &str, kind: StageKind, dir: PathBuf) -> InputArtifact {
    InputArtifact {
        id: id.into(),
        kind,
        key: format!("{:0>64}", id.len()),
        dir,
        summary: serde_json::json!({"rows": 4}),
        files: 2,
        bytes: 100,
    }
}

struct Fixture {
    root: tempfile::TempDir,
    inputs: Vec<InputArtifact>,
    params: serde_json::Value,
}

/// Two variants: MASCOT (its own mascot evaluation, a trained speaker with a log, a director
/// without one) and MASCOT-P (its own mascot evaluation); both share the zero-shot baseline.
fn fixture() -> Fixture {
    let root = tempfile::tempdir().unwrap();
    let d = |name: &str| root.path().join(name);
    evaluation(&d("eval_mascot"), "mascot", 5.0, true);
    evaluation(&d("eval_p"), "mascot", 4.0, false);
    evaluation(&d("eval_zero"), "zero_shot", 2.0, false);
    conversations(
        &d("conv_mascot"),
        "mascot",
        "Beacon",
        "Congratulations, that is wonderful!",
    );
    conversations(&d("conv_zero"), "zero_shot", "Assistant", "That is nice.");
    std::fs::create_dir_all(d("align")).unwrap();
    std::fs::write(
        d("align").join("metrics.jsonl"),
        "{\"step\":1,\"loss\":0.5,\"reward\":0.1,\"kl\":0.0}\n{\"step\":2,\"loss\":0.4,\"reward\":0.3,\"kl\":0.02}\n",
    )
    .unwrap();
    std::fs::create_dir_all(d("director")).unwrap();
    let inputs = vec![
        input(
            "MASCOT/align_personas",
            StageKind::AlignPersonas,
            d("align"),
        ),
        input(
            "MASCOT/optimize_director",
            StageKind::OptimizeDirector,
            d("director"),
        ),
        input(
            "MASCOT/generate_conversations/mascot/positive",
            StageKind::GenerateConversations,
            d("conv_mascot"),
        ),
        input(
            "MASCOT/generate_conversations/zero_shot/positive",
            StageKind::GenerateConversations,
            d("conv_zero"),
        ),
        input(
            "MASCOT/evaluate/mascot/positive",
            StageKind::Evaluate,
            d("eval_mascot"),
        ),
        input(
            "MASCOT-P/evaluate/mascot/positive",
            StageKind::Evaluate,
            d("eval_p"),
        ),
        input(
            "MASCOT/evaluate/zero_shot/positive",
            StageKind::Evaluate,
            d("eval_zero"),
        ),
    ];
    let params = serde_json::json!({
        "title": "Two variants",
        "variants": ["MASCOT", "MASCOT-P"],
        "inputs": {
            "MASCOT/align_personas": ["MASCOT"],
            "MASCOT/optimize_director": ["MASCOT"],
            "MASCOT/generate_conversations/mascot/positive": ["MASCOT"],
            "MASCOT/generate_conversations/zero_shot/positive": ["MASCOT", "MASCOT-P"],
            "MASCOT/evaluate/mascot/positive": ["MASCOT"],
            "MASCOT-P/evaluate/mascot/positive": ["MASCOT-P"],
            "MASCOT/evaluate/zero_shot/positive": ["MASCOT", "MASCOT-P"],
        }
    });
    Fixture {
        root,
        inputs,
        params,
    }
}

fn run(f: &Fixture) -> (miette::Result<serde_json::Value>, PathBuf) {
    let stage = Stage {
        id: "MASCOT/report".into(),
        kind: StageKind::Report,
        params: f.params.clone(),
        inputs: f.inputs.iter().map(|i| i.id.clone()).collect(),
        external: vec![],
        key: ContentKey("x".into()),
        variants: vec!["MASCOT".into(), "MASCOT-P".into()],
    };
    let out = f.root.path().join("out");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let (work, calls) = (f.root.path().join("work"), f.root.path().join("calls"));
    let ctx = StageContext {
        stage: &stage,
        base_dir: f.root.path(),
        out_dir: &out,
        work_dir: &work,
        calls_dir: &calls,
        inputs: f.inputs.clone(),
        progress: &NoProgress,
    };
    let result = mascot::stages::report::run(&ctx).map(|o| o.summary);
    (result, out)
}

#[test]
fn report_over_two_variants_with_curves_transcripts_and_the_proxy_note() {
    let f = fixture();
    let (summary, out) = run(&f);
    let summary = summary.unwrap();
    assert_eq!(
        summary["variants"],
        serde_json::json!(["MASCOT", "MASCOT-P"])
    );
    assert_eq!(
        summary["systems"],
        serde_json::json!(["mascot", "zero_shot"])
    );
    assert_eq!(summary["score_rows"], 12);
    assert_eq!(
        summary["training_runs"], 1,
        "the director has no metrics.jsonl"
    );
    assert_eq!(
        summary["transcripts"], 3,
        "zero-shot's conversation under both variants"
    );
    assert_eq!(summary["heuristic_judge"], true);
    for file in ["report.html", "report.md", "tables.csv"] {
        assert!(out.join(file).is_file(), "{file}");
    }
    let pngs = std::fs::read_dir(out.join("plots"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "png"))
        })
        .count();
    assert!(pngs >= 2, "ablation bars and the training curves: {pngs}");

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("http"), "no external URL");
    assert!(html.contains("Scores are proxies"));
    for name in [
        "MASCOT-P",
        "Zero-Shot",
        "MASCOT",
        "align_personas",
        "Beacon",
    ] {
        assert!(html.contains(name), "{name}");
    }
    assert!(html.contains("Congratulations, that is wonderful!"));

    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    // MASCOT: 5 -> 100 on every criterion; the failed consistency judgement is counted apart.
    assert!(md.contains("[1 failed]"), "{md}");
    // The zero-shot baseline (Likert 2 -> 25.0) is in both variants' results.
    let p_results = md.split("## Results: MASCOT-P").nth(1).unwrap_or_default();
    let p_results = p_results.split("\n## ").next().unwrap_or_default();
    assert!(p_results.contains("Zero-Shot"), "{p_results}");
    assert!(p_results.contains("25.0"), "{p_results}");
    assert!(
        p_results.contains("75.0"),
        "MASCOT-P's own mascot (4 -> 75): {p_results}"
    );
    assert!(md.contains("## Ablation"), "{md}");
    assert!(md.contains("## Stages") && md.contains("MASCOT/optimize_director"));

    // Deterministic: the same inputs give the same bytes.
    let (_, again) = run(&f);
    assert_eq!(
        std::fs::read(again.join("report.md")).unwrap(),
        md.into_bytes()
    );
}

#[test]
fn a_malformed_metrics_line_is_an_error_naming_the_file_and_line() {
    let f = fixture();
    let metrics = f.root.path().join("align/metrics.jsonl");
    std::fs::write(&metrics, "{\"step\":1,\"loss\":0.5}\n{\"loss\":0.4}\n").unwrap();
    let (result, _) = run(&f);
    let err = format!("{:?}", result.err().map(|e| e.to_string()));
    assert!(err.contains("metrics.jsonl:2:1"), "{err}");
}

#[test]
fn a_run_without_evaluation_still_gets_a_report() {
    let mut f = fixture();
    f.inputs.retain(|i| i.kind != StageKind::Evaluate);
    let (summary, out) = run(&f);
    let summary = summary.unwrap();
    assert_eq!(summary["score_rows"], 0);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("No scores"), "{html}");
    assert!(!html.contains("Scores are proxies"));
    assert!(!html.contains("http"));
}

#[test]
fn mascot_run_prints_the_path_of_report_html() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    exec_support::copy_dir(&root.join("experiments"), &dir.path().join("experiments"));
    exec_support::copy_dir(&root.join("personas"), &dir.path().join("personas"));
    exec_support::copy_dir(
        &root.join("tests/fixtures/data"),
        &dir.path().join("tests/fixtures/data"),
    );
    let file = dir.path().join("experiments/tiny.mascot");
    let (code, out, err) = exec_support::mascot(&["run", file.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{err}");
    let line = out
        .lines()
        .filter(|l| l.starts_with("report "))
        .find_map(|l| l.split_whitespace().last())
        .unwrap_or_else(|| panic!("no `report` line in {out}"));
    let html = std::fs::read_to_string(line).unwrap();
    assert!(html.contains("<h1>Smoke test</h1>"), "{html}");
    // HTML-escaped: `/` is `&#x2f;`.
    assert!(html.contains("simulated_users"), "the stage list");
    assert!(html.contains("No scores"));
    assert!(!html.contains("http"));
}
