//! Score aggregation against hand-computed values: Likert 1-5 rescaled to 0-100, mean and
//! sample standard deviation, failed judgements counted apart (never as 0), the overall
//! column, per-user-type cells, seed replicates, and errors naming the bad record.

mod report_support;

use mascot::report::{
    Cell, Judgement, Level, OVERALL, Pick, ScoreIndex, ScoreRow, Selection, Spread, SummaryCell,
    format_cell, read_scores, read_summary, summarize, write_scores, write_summary,
};
use report_support::*;

const A: &str = "a";
const B: &str = "b";

fn two_criteria() -> mascot::report::Rubrics {
    mascot::report::Rubrics::new(vec![rubric(Level::Agent, &[A, B])]).unwrap()
}

/// Three items: (5, 4), (3, failed), (1, 2).
fn three_items(seed: u64) -> Vec<ScoreRow> {
    vec![
        agent_row(
            "V",
            seed,
            "mascot",
            "positive",
            "c1",
            ("Anchor", 0),
            &[(A, s(5.0)), (B, s(4.0))],
        ),
        agent_row(
            "V",
            seed,
            "mascot",
            "positive",
            "c1",
            ("Beacon", 1),
            &[(A, s(3.0)), (B, failed("no number"))],
        ),
        agent_row(
            "V",
            seed,
            "mascot",
            "positive",
            "c2",
            ("Anchor", 0),
            &[(A, s(1.0)), (B, s(2.0))],
        ),
    ]
}

fn close(got: Option<f64>, want: f64) {
    let g = got.unwrap_or(f64::NAN);
    assert!((g - want).abs() < 1e-9, "got {got:?}, want {want}");
}

#[test]
fn cells_match_hand_computed_values() {
    let index = ScoreIndex::from_rows(two_criteria(), &three_items(1)).unwrap();
    let sel = Selection::new("V", "mascot", Level::Agent);
    // a: 5, 3, 1 -> 100, 50, 0: mean 50, sample std sqrt((50^2 + 0 + 50^2) / 2) = 50.
    let a = index.cell(&sel, A);
    close(a.mean, 50.0);
    close(a.std, 50.0);
    assert_eq!((a.n, a.failed, a.spread), (3, 0, Spread::Items));
    // b: 4, failed, 2 -> 75, 25: mean 50 (the failure is not a 0: that would give 33.3),
    // std sqrt((25^2 + 25^2) / 1) = 35.355...
    let b = index.cell(&sel, B);
    close(b.mean, 50.0);
    close(b.std, 1250f64.sqrt());
    assert_eq!((b.n, b.failed), (2, 1));
    // overall per item: (100 + 75) / 2 = 87.5, failed, (0 + 25) / 2 = 12.5: mean 50,
    // std sqrt(2 * 37.5^2) = 53.033...
    let o = index.cell(&sel, OVERALL);
    close(o.mean, 50.0);
    close(o.std, (2.0 * 37.5f64 * 37.5).sqrt());
    assert_eq!((o.n, o.failed), (2, 1));
}

#[test]
fn per_speaker_and_subset_cells() {
    let index = ScoreIndex::from_rows(two_criteria(), &three_items(1)).unwrap();
    let anchor = Selection {
        speaker: Pick::Only("Anchor"),
        ..Selection::new("V", "mascot", Level::Agent)
    };
    let a = index.cell(&anchor, A);
    close(a.mean, 50.0); // 100 and 0
    assert_eq!(a.n, 2);
    let beacon = Selection {
        speaker: Pick::Only("Beacon"),
        ..Selection::new("V", "mascot", Level::Agent)
    };
    let b = index.cell(&beacon, B);
    assert_eq!((b.mean, b.n, b.failed), (None, 0, 1));
    assert_eq!(
        format_cell(&b).value,
        "failed",
        "an all-failed cell is shown as failed"
    );
    let one = index.cell(&beacon, A);
    close(one.mean, 50.0);
    assert_eq!(one.std, None, "n = 1 has no standard deviation");
    assert_eq!(format_cell(&one).value, "50.0 (n=1)");
    let other = Selection {
        subset: Pick::Only("negative"),
        ..Selection::new("V", "mascot", Level::Agent)
    };
    assert!(index.cell(&other, A).is_empty());
    assert_eq!(format_cell(&index.cell(&other, A)).value, "–");
}

#[test]
fn seeds_are_replicates_mean_and_std_of_seed_means() {
    let mut rows = three_items(1);
    // Seed 2: a = 4, 4 -> 75, 75: seed mean 75.
    rows.push(agent_row(
        "V",
        2,
        "mascot",
        "positive",
        "c1",
        ("Anchor", 0),
        &[(A, s(4.0)), (B, s(4.0))],
    ));
    rows.push(agent_row(
        "V",
        2,
        "mascot",
        "positive",
        "c2",
        ("Anchor", 0),
        &[(A, s(4.0)), (B, failed("timeout"))],
    ));
    let index = ScoreIndex::from_rows(two_criteria(), &rows).unwrap();
    let sel = Selection::new("V", "mascot", Level::Agent);
    // Seed means 50 and 75: mean 62.5, sample std sqrt(2 * 12.5^2 / 1) = 17.677...
    let a = index.cell(&sel, A);
    close(a.mean, 62.5);
    close(a.std, (2.0 * 12.5f64 * 12.5).sqrt());
    assert_eq!((a.n, a.items, a.spread), (2, 5, Spread::Seeds));
    // b: seed 1 mean 50 (one failure), seed 2 mean 75 (one failure).
    let b = index.cell(&sel, B);
    close(b.mean, 62.5);
    assert_eq!(b.failed, 2);
    // One seed picked: that seed's items.
    let only2 = Selection {
        seed: Pick::Only(2),
        ..sel
    };
    let a2 = index.cell(&only2, A);
    close(a2.mean, 75.0);
    close(a2.std, 0.0);
    assert_eq!(a2.spread, Spread::Items);
}

#[test]
fn summary_has_every_cell_with_overall_and_user_types() {
    let mut rows = three_items(1);
    rows[0].user_type = Some("INFP".into());
    rows[1].user_type = Some("INFP".into());
    rows[2].user_type = Some("ENTJ".into());
    let index = ScoreIndex::from_rows(two_criteria(), &rows).unwrap();
    let summary = summarize(&index, &heuristic());
    let find = |user: Option<&str>, speaker: Option<&str>, criterion: &str| -> &SummaryCell {
        summary
            .cells
            .iter()
            .find(|c| {
                c.user_type.as_deref() == user
                    && c.speaker.as_deref() == speaker
                    && c.criterion == criterion
            })
            .unwrap()
    };
    let all_b = find(None, None, B);
    assert_eq!((all_b.n, all_b.failed), (2, 1));
    close(all_b.mean, 50.0);
    let infp_overall = find(Some("INFP"), None, OVERALL);
    close(infp_overall.mean, 87.5);
    assert_eq!(
        (infp_overall.n, infp_overall.failed, infp_overall.std),
        (1, 1, None)
    );
    let entj_anchor_a = find(Some("ENTJ"), Some("Anchor"), A);
    close(entj_anchor_a.mean, 0.0);
    // Keys: whole level, 2 user types, 2 speakers, 3 (type, speaker) pairs = 8, x 3 metrics.
    assert_eq!(summary.cells.len(), 8 * 3);
    assert!(
        summary
            .cells
            .iter()
            .all(|c| c.variant.as_deref() == Some("V") && c.seed == 1)
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.json");
    write_summary(&path, &summary).unwrap();
    assert_eq!(read_summary(&path).unwrap(), summary);
}

#[test]
fn scores_jsonl_round_trips_with_failures_as_objects() {
    let rows = three_items(1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scores.jsonl");
    write_scores(&path, &rows).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(r#""b":{"failed":"no number"}"#), "{text}");
    assert!(text.contains(r#""a":5.0"#), "{text}");
    let mut index = ScoreIndex::new(two_criteria());
    assert_eq!(read_scores(&path, &mut index, &[]).unwrap(), 3);
    let direct = ScoreIndex::from_rows(two_criteria(), &rows).unwrap();
    let sel = Selection::new("V", "mascot", Level::Agent);
    for m in [A, B, OVERALL] {
        assert_eq!(index.cell(&sel, m), direct.cell(&sel, m));
    }
}

fn read_error(lines: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scores.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let mut index = ScoreIndex::new(two_criteria());
    let err = read_scores(&path, &mut index, &[]).unwrap_err();
    format!("{err}").replace(&path.display().to_string(), "scores.jsonl")
}

const GOOD: &str = r#"{"system":"mascot","variant":"V","seed":1,"subset":"positive","context_id":"c1","level":"agent","speaker":"Anchor","turn":0,"scores":{"a":5,"b":{"failed":"x"}}}"#;

#[test]
fn bad_rows_name_file_line_and_problem() {
    let out_of_scale = GOOD.replace(r#""a":5"#, r#""a":6"#);
    assert_eq!(
        read_error(&[GOOD, &out_of_scale]),
        "scores.jsonl:2: score 6 for `a` is outside the Likert scale 1..5"
    );
    let unknown = GOOD.replace(r#""a":5"#, r#""a":5,"z":3"#);
    assert_eq!(
        read_error(&[&unknown]),
        "scores.jsonl:1: criterion `z` is not in the agent rubric (a, b)"
    );
    let missing = GOOD.replace(r#""a":5,"#, "");
    assert!(read_error(&[&missing]).starts_with("scores.jsonl:1: no judgement for criterion `a`"));
    let no_speaker = GOOD.replace(r#""speaker":"Anchor","#, "");
    assert_eq!(
        read_error(&[&no_speaker]),
        "scores.jsonl:1: an agent row needs a `speaker`"
    );
    let group = GOOD.replace(r#""level":"agent""#, r#""level":"group""#);
    assert_eq!(
        read_error(&[&group]),
        "scores.jsonl:1: a group level row, but the evaluation has no group rubric"
    );
    let nonsense = GOOD.replace(r#""a":5"#, r#""a":"five""#);
    assert!(
        read_error(&["", &nonsense]).starts_with("scores.jsonl:2:"),
        "{}",
        read_error(&["", &nonsense])
    );
    assert!(
        read_error(&[&nonsense]).contains("expected a Likert score or {\"failed\": \"reason\"}")
    );
    let truncated = &GOOD[..40];
    assert!(read_error(&[truncated]).starts_with("scores.jsonl:1:"));
}

#[test]
fn in_memory_rows_are_named_in_errors() {
    let mut bad = three_items(1);
    bad[2].scores.insert(A.into(), Judgement::Score(0.5));
    let err = ScoreIndex::from_rows(two_criteria(), &bad)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "score row (variant V, seed 1, system mascot, subset positive, context c2, turn 0, agent level): score 0.5 for `a` is outside the Likert scale 1..5"
    );
}

#[test]
fn synthetic_evaluation_aggregates_consistently() {
    // Pooled cells are merges: the pooled mean over both subsets (one seed) is the
    // item-weighted mean of the per-subset means.
    let rows = synthetic_rows();
    let index = ScoreIndex::from_rows(paper_rubrics(), &rows).unwrap();
    let base = Selection {
        seed: Pick::Only(1),
        ..Selection::new("MASCOT", "zero_shot", Level::Agent)
    };
    let parts: Vec<Cell> = SUBSETS
        .iter()
        .map(|s| {
            index.cell(
                &Selection {
                    subset: Pick::Only(s),
                    ..base
                },
                "consistency",
            )
        })
        .collect();
    let pooled = index.cell(&base, "consistency");
    let weighted: f64 = parts
        .iter()
        .map(|c| c.mean.unwrap() * c.n as f64)
        .sum::<f64>()
        / parts.iter().map(|c| c.n as f64).sum::<f64>();
    close(pooled.mean, weighted);
    assert_eq!(pooled.failed, parts.iter().map(|c| c.failed).sum::<usize>());
    let direct: Vec<f64> = rows
        .iter()
        .filter(|r| {
            r.variant.as_deref() == Some("MASCOT") && r.seed == 1 && r.system == "zero_shot"
        })
        .filter_map(|r| match r.scores.get("consistency") {
            Some(Judgement::Score(x)) => Some((x - 1.0) / 4.0 * 100.0),
            _ => None,
        })
        .collect();
    close(
        pooled.mean,
        direct.iter().sum::<f64>() / direct.len() as f64,
    );
}

/// Writes an evaluation folder as the evaluate stage does: scores.jsonl and summary.json.
fn evaluation_dir(
    root: &std::path::Path,
    name: &str,
    rows: &[ScoreRow],
    judge: &mascot::report::JudgeInfo,
) -> std::path::PathBuf {
    let dir = root.join(name);
    let index = ScoreIndex::from_rows(two_criteria(), rows).unwrap();
    write_scores(&dir.join(mascot::report::SCORES_FILE), rows).unwrap();
    write_summary(
        &dir.join(mascot::report::SUMMARY_FILE),
        &summarize(&index, judge),
    )
    .unwrap();
    dir
}

#[test]
fn evaluations_of_several_stages_merge_into_one_index() {
    let root = tempfile::tempdir().unwrap();
    let mut other_system = three_items(1);
    for r in &mut other_system {
        r.system = "zero_shot".into();
    }
    let a = evaluation_dir(root.path(), "a", &three_items(1), &heuristic());
    let b = evaluation_dir(root.path(), "b", &other_system, &heuristic());
    let mut evals = mascot::report::Evaluations::new();
    assert_eq!(evals.add_dir(&a, &[]).unwrap(), 3);
    assert_eq!(evals.add_dir(&b, &[]).unwrap(), 3);
    assert_eq!(evals.rows(), 6);
    let (index, judge) = evals.finish().unwrap();
    assert_eq!(judge, heuristic());
    assert_eq!(index.systems("V"), ["mascot", "zero_shot"]);
    close(
        index
            .cell(&Selection::new("V", "zero_shot", Level::Agent), A)
            .mean,
        50.0,
    );

    let c = evaluation_dir(root.path(), "c", &three_items(2), &openai());
    let mut evals = mascot::report::Evaluations::new();
    evals.add_dir(&a, &[]).unwrap();
    let err = evals.add_dir(&c, &[]).unwrap_err().to_string();
    assert!(err.contains("was judged by openai (gpt-4o) but"), "{err}");
    assert!(mascot::report::Evaluations::new().finish().is_none());
}

#[test]
fn a_shared_evaluation_is_filed_under_every_variant_that_needs_it() {
    // The evaluate stage writes rows without a variant; its summary has none either.
    let mut rows = three_items(1);
    for r in &mut rows {
        r.variant = None;
    }
    let root = tempfile::tempdir().unwrap();
    let dir = evaluation_dir(root.path(), "shared", &rows, &heuristic());
    let text = std::fs::read_to_string(dir.join(mascot::report::SCORES_FILE)).unwrap();
    assert!(!text.contains("\"variant\""), "{text}");
    let summary = read_summary(&dir.join(mascot::report::SUMMARY_FILE)).unwrap();
    assert!(summary.cells.iter().all(|c| c.variant.is_none()));

    let mut evals = mascot::report::Evaluations::new();
    let labels = [
        mascot::report::RowLabel::variant("MASCOT"),
        mascot::report::RowLabel::variant("director-qwen3_8b"),
    ];
    evals.add_dir(&dir, &labels).unwrap();
    // A replicate told apart by the plan: seed 2, whatever the rows say.
    let replicate = mascot::report::RowLabel {
        variant: "MASCOT".into(),
        seed: Some(2),
    };
    evals.add_dir(&dir, &[replicate]).unwrap();
    let (index, _) = evals.finish().unwrap();
    assert_eq!(index.variants(), ["MASCOT", "director-qwen3_8b"]);
    assert_eq!(index.seeds("MASCOT", None), [1, 2]);
    assert_eq!(index.seeds("director-qwen3_8b", None), [1]);
    let a = index.cell(&Selection::new("MASCOT", "mascot", Level::Agent), A);
    // Two identical seeds: mean 50, std 0 across the seed means.
    close(a.mean, 50.0);
    close(a.std, 0.0);
    assert_eq!((a.n, a.spread), (2, Spread::Seeds));
}
