//! `evaluate` with a scripted judge against hand-computed values: Likert 1-5 rescaled to
//! 0-100, mean / sample std / n per cell, a failed judgement shown as failed (counted apart,
//! never a 0), the per-MBTI-type cells, and each agent item's context being the
//! conversation before its turn.

use std::collections::BTreeMap;
use std::sync::Mutex;

use mascot::dialogue::{
    ConversationRow, DatasetKind, EpisodeCounters, Opening, TokenCount, TurnRow, UserReply,
};
use mascot::judge::{FailureKind, JudgeItem, Judged, Outcome, Role, Rubric, Subject};
use mascot::plan::{ContentKey, Stage};
use mascot::report::{Judgement, ScoreRow, Summary, SummaryCell};
use mascot::spec::StageKind;
use mascot::spec::persona::Persona;
use mascot::spec::stages::evaluate::EvaluateParams;
use mascot::stages::evaluate::evaluate_with;
use mascot::stages::{InputArtifact, NoProgress, StageContext};
use serde_json::json;

fn turn(index: usize, response: &str, reply: Option<&str>) -> TurnRow {
    TurnRow {
        index,
        speaker: "Assistant".into(),
        directive: None,
        response: response.into(),
        raw_response: None,
        think: None,
        truncated: false,
        tokens: TokenCount::default(),
        steps: vec![],
        user_reply: reply.map(|t| UserReply {
            text: t.into(),
            tokens: TokenCount::default(),
            think: None,
            truncated: false,
        }),
    }
}

fn conversation() -> ConversationRow {
    ConversationRow {
        system: "zero_shot".into(),
        order: "single".into(),
        dataset: DatasetKind::EmpatheticDialogues,
        context_id: "c1".into(),
        subset: "positive".into(),
        user_type: Some("INFP".into()),
        rollout: 0,
        opening: Opening {
            background: "I won a race.".into(),
            user_message: "Guess what!".into(),
            cut: None,
            emotion: Some("proud".into()),
        },
        turns: vec![
            turn(0, "first", Some("reply one")),
            turn(1, "second", Some("reply two")),
            turn(2, "third", None),
        ],
        counters: EpisodeCounters::default(),
    }
}

fn params(max_failures: f64) -> EvaluateParams {
    serde_json::from_value(json!({
        "judge": {"backend": "heuristic"},
        "rubrics": [
            {"level": "agent", "criteria": [{"name": "a", "description": "A"}, {"name": "b", "description": "B"}],
             "scale": [1.0, 5.0], "rescale": [0.0, 100.0]},
            {"level": "group", "criteria": [{"name": "g", "description": "G"}],
             "scale": [1.0, 5.0], "rescale": [0.0, 100.0]}
        ],
        "max_failures": max_failures,
    }))
    .unwrap()
}

fn scored(pairs: &[(&str, i64)]) -> Outcome {
    Outcome::Scored {
        scores: pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
    }
}

/// Runs the stage on one conversation; returns the score rows, the summary and the items
/// the judge saw.
fn run(max_failures: f64) -> miette::Result<(Vec<ScoreRow>, Summary, Vec<JudgeItem>)> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let row = serde_json::to_string(&conversation()).unwrap();
    std::fs::write(input.join("conversations.jsonl"), format!("{row}\n")).unwrap();
    let assistant = Persona {
        name: "Assistant".into(),
        description: "A supportive assistant.".into(),
        traits: vec!["supportive".into()],
        style: None,
        examples: vec![],
    };
    std::fs::write(
        input.join("personas.json"),
        serde_json::to_vec(&vec![assistant]).unwrap(),
    )
    .unwrap();
    let p = params(max_failures);
    let stage = Stage {
        id: "main/evaluate/zero_shot".into(),
        kind: StageKind::Evaluate,
        params: serde_json::to_value(&p).unwrap(),
        inputs: vec!["main/conversations".into()],
        external: vec![],
        key: ContentKey("x".into()),
        variants: vec![],
    };
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let (work, calls) = (dir.path().join("work"), dir.path().join("calls"));
    let ctx = StageContext {
        stage: &stage,
        base_dir: dir.path(),
        out_dir: &out,
        work_dir: &work,
        calls_dir: &calls,
        inputs: vec![InputArtifact {
            id: "main/conversations".into(),
            kind: StageKind::GenerateConversations,
            key: "k".into(),
            dir: input,
            summary: json!({"seed": 42}),
            files: 2,
            bytes: 0,
        }],
        progress: &NoProgress,
    };
    let seen = Mutex::new(Vec::new());
    let judge = |rubric: &Rubric, items: &[JudgeItem]| -> miette::Result<Vec<Judged>> {
        seen.lock().unwrap().extend(items.iter().cloned());
        Ok(items
            .iter()
            .map(|item| {
                let outcome = match (rubric.level.as_str(), item.id.as_str()) {
                    ("agent", "c1/INFP/r0/t0") => scored(&[("a", 5), ("b", 3)]),
                    ("agent", "c1/INFP/r0/t1") => {
                        Outcome::failed(FailureKind::Parse, "no JSON object in the answer")
                    }
                    ("agent", "c1/INFP/r0/t2") => scored(&[("a", 2), ("b", 4)]),
                    ("group", "c1/INFP/r0/group") => scored(&[("g", 2)]),
                    other => panic!("unexpected item {other:?}"),
                };
                Judged {
                    id: item.id.clone(),
                    outcome,
                }
            })
            .collect())
    };
    evaluate_with(&ctx, &p, &judge)?;
    let text = std::fs::read_to_string(out.join("scores.jsonl")).unwrap();
    let summary = std::fs::read(out.join("summary.json")).unwrap();
    Ok((
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
        serde_json::from_slice(&summary).unwrap(),
        seen.into_inner().unwrap(),
    ))
}

fn cell<'s>(s: &'s Summary, level: &str, criterion: &str, user: Option<&str>) -> &'s SummaryCell {
    s.cells
        .iter()
        .find(|c| {
            c.level.as_str() == level
                && c.criterion == criterion
                && c.user_type.as_deref() == user
                && c.speaker.is_none()
        })
        .unwrap_or_else(|| panic!("no cell {level}/{criterion}/{user:?}"))
}

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("a value");
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

#[test]
fn scores_are_rescaled_and_aggregated_and_a_failure_is_not_a_zero() {
    // One failed item of four: within a 25% limit.
    let (rows, summary, items) = run(0.25).unwrap();
    assert_eq!(rows.len(), 4);
    // Raw Likert scores in scores.jsonl; the failed item carries its reason per criterion.
    assert_eq!(rows[0].scores["a"], Judgement::Score(5.0));
    assert_eq!(rows[0].seed, 42);
    assert_eq!(
        (rows[0].turn, rows[0].speaker.as_deref()),
        (Some(0), Some("Assistant"))
    );
    assert_eq!(
        rows[1].scores["a"],
        Judgement::Failed("parse: no JSON object in the answer".into())
    );
    assert_eq!(
        rows[3].scores,
        BTreeMap::from([("g".to_string(), Judgement::Score(2.0))])
    );

    // a: 5 -> 100, 2 -> 25: mean 62.5, sample std 37.5 * sqrt(2); one failure.
    let a = cell(&summary, "agent", "a", None);
    close(a.mean, 62.5);
    close(a.std, 37.5 * 2f64.sqrt());
    assert_eq!((a.n, a.failed), (2, 1));
    // b: 3 -> 50, 4 -> 75.
    let b = cell(&summary, "agent", "b", None);
    close(b.mean, 62.5);
    close(b.std, 12.5 * 2f64.sqrt());
    // overall per item: (100 + 50) / 2 = 75 and (25 + 75) / 2 = 50; the failed item is a
    // failure of the column, not a 0 (which would give a mean of 41.67 over 3).
    let o = cell(&summary, "agent", "overall", None);
    close(o.mean, 62.5);
    close(o.std, 12.5 * 2f64.sqrt());
    assert_eq!((o.n, o.failed), (2, 1));
    // group: 2 -> 25, a single item has no std.
    let g = cell(&summary, "group", "g", None);
    close(g.mean, 25.0);
    assert_eq!((g.std, g.n, g.failed), (None, 1, 0));
    // The MBTI user's cell holds the same items.
    let infp = cell(&summary, "agent", "overall", Some("INFP"));
    close(infp.mean, 62.5);
    assert_eq!((infp.n, infp.failed), (2, 1));
    assert_eq!(summary.judge.backend, "heuristic");

    // The context of turn t is the opening and everything said before it.
    let t2 = items.iter().find(|i| i.id == "c1/INFP/r0/t2").unwrap();
    let texts: Vec<&str> = t2.context.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "I won a race.",
            "Guess what!",
            "first",
            "reply one",
            "second",
            "reply two"
        ]
    );
    assert_eq!(t2.context[2].role, Role::Agent);
    assert_eq!(t2.emotion.as_deref(), Some("proud"));
    let Subject::Response { response, persona } = &t2.subject else {
        panic!("an agent item judges a response")
    };
    assert_eq!(
        (response.as_str(), persona.name.as_str()),
        ("third", "Assistant")
    );
    let group = items.iter().find(|i| i.id.ends_with("/group")).unwrap();
    let Subject::Conversation { turns, .. } = &group.subject else {
        panic!("a group item judges the conversation")
    };
    assert_eq!(turns.len(), 5);
}

#[test]
fn failures_over_the_limit_fail_the_stage_with_the_reason() {
    let err = run(0.2).expect_err("1 failure of 4 items is over 20%");
    let text = format!("{err:?}");
    assert!(text.contains("no JSON object in the answer"), "{text}");
}
