//! Tables in the paper's layout: rows = systems in Table 1's order, columns = criteria +
//! overall, a block per subset, the best value per column in bold, failures shown; the
//! variants x metrics tables; their Markdown and CSV forms.

mod report_support;

use mascot::report::table::format_cell;
use mascot::report::tables::{VariantRow, all_metric_columns, results_table, variant_table};
use mascot::report::{Level, ScoreIndex};
use report_support::*;

fn small_index() -> ScoreIndex {
    let rubrics = mascot::report::Rubrics::new(vec![rubric(
        Level::Agent,
        &["consistency", "social_contribution"],
    )])
    .unwrap();
    let rows = vec![
        // zero_shot on positive: consistency 2, 4 -> 25, 75; contribution 3, 3 -> 50, 50.
        agent_row(
            "V",
            1,
            "zero_shot",
            "positive",
            "p1",
            ("Anchor", 0),
            &[("consistency", s(2.0)), ("social_contribution", s(3.0))],
        ),
        agent_row(
            "V",
            1,
            "zero_shot",
            "positive",
            "p2",
            ("Anchor", 0),
            &[("consistency", s(4.0)), ("social_contribution", s(3.0))],
        ),
        // mascot on positive: consistency 5, 4 -> 100, 75; contribution failed, 2 -> 25.
        agent_row(
            "V",
            1,
            "mascot",
            "positive",
            "p1",
            ("Anchor", 0),
            &[
                ("consistency", s(5.0)),
                ("social_contribution", failed("no score")),
            ],
        ),
        agent_row(
            "V",
            1,
            "mascot",
            "positive",
            "p2",
            ("Anchor", 0),
            &[("consistency", s(4.0)), ("social_contribution", s(2.0))],
        ),
        // negative: only mascot, every judgement failed.
        agent_row(
            "V",
            1,
            "mascot",
            "negative",
            "n1",
            ("Anchor", 0),
            &[
                ("consistency", failed("x")),
                ("social_contribution", failed("y")),
            ],
        ),
    ];
    ScoreIndex::from_rows(rubrics, &rows).unwrap()
}

#[test]
fn results_table_layout_best_and_failures() {
    let index = small_index();
    let t = results_table(&index, "V", Level::Agent).unwrap();
    let cols: Vec<&str> = t.columns.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(cols, ["Consistency", "Contribution", "Overall"]);
    let blocks: Vec<Option<&str>> = t.blocks.iter().map(|b| b.label.as_deref()).collect();
    assert_eq!(blocks, [Some("Positive"), Some("Negative")]);
    let rows: Vec<&str> = t.blocks[0].rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        rows,
        ["Zero-Shot", "MASCOT"],
        "paper order: baselines first, MASCOT last"
    );
    // Consistency: zero_shot 50 +- 35.36, mascot 87.5 +- 17.68: mascot best.
    assert!(t.is_best(0, 1, 0) && !t.is_best(0, 0, 0));
    // Contribution: zero_shot 50 +- 0, mascot 25 (n=1) with one failure: zero_shot best.
    assert!(t.is_best(0, 0, 1) && !t.is_best(0, 1, 1));
    assert_eq!(
        format_cell(&t.blocks[0].rows[1].cells[1]).value,
        "25.0 (n=1)"
    );
    // Overall: 50 each, a tie: both bold.
    assert!(t.is_best(0, 0, 2) && t.is_best(0, 1, 2));
    // Negative block: one system, all failed: no best, shown as failed.
    assert!(!t.is_best(1, 0, 0));
    let md = t.to_markdown();
    let expected = "\
| System | Consistency | Contribution | Overall |
|---|---:|---:|---:|
| ***Positive*** | | | |
| Zero-Shot | 50.0 ± 35.4 | **50.0 ± 0.0** | **50.0 ± 17.7** |
| MASCOT | **87.5 ± 17.7** | 25.0 (n=1) [1 failed] | **50.0 (n=1)** [1 failed] |
| ***Negative*** | | | |
| MASCOT | failed [1] | failed [1] | failed [1] |
";
    assert_eq!(md, expected);
    assert!(t.notes.iter().any(|n| n.contains("never scored as 0")));
}

#[test]
fn csv_forms() {
    let index = small_index();
    let t = results_table(&index, "V", Level::Agent).unwrap();
    let wide = t.to_csv().unwrap();
    let mut lines = wide.lines();
    assert_eq!(
        lines.next(),
        Some(
            "block,System,consistency mean,consistency std,consistency n,consistency failed,social_contribution mean,social_contribution std,social_contribution n,social_contribution failed,overall mean,overall std,overall n,overall failed"
        )
    );
    assert_eq!(
        lines.next(),
        Some("Positive,Zero-Shot,50.000,35.355,2,0,50.000,0.000,2,0,50.000,17.678,2,0")
    );
    assert_eq!(lines.nth(1), Some("Negative,MASCOT,,,0,1,,,0,1,,,0,1"));
    let mut w = mascot::report::table::long_csv_writer().unwrap();
    t.append_long_csv(&mut w).unwrap();
    let long = mascot::report::table::finish_csv(w).unwrap();
    assert!(long.starts_with("table,block,row,column,mean,std,n,failed,spread,best\n"));
    assert!(
        long.contains("results-v-agent,Positive,mascot,consistency,87.500,17.678,2,0,items,1\n")
    );
    assert_eq!(long.lines().count(), 1 + 3 * 3);
}

#[test]
fn variant_table_pools_subsets_and_replicates_seeds() {
    let index = ScoreIndex::from_rows(paper_rubrics(), &synthetic_rows()).unwrap();
    let metrics = all_metric_columns(&index);
    assert_eq!(metrics.len(), 5 + 1 + 4 + 1);
    let rows: Vec<VariantRow> = ["MASCOT", "MASCOT-P", "missing"]
        .iter()
        .map(|v| VariantRow {
            variant: v.to_string(),
            label: v.to_string(),
        })
        .collect();
    let t = variant_table(
        &index, "ablation", "Ablation", "Variant", &rows, "mascot", &metrics,
    );
    let labels: Vec<&str> = t.columns.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels[5], "Agent overall");
    assert_eq!(labels[6], "Engagement (group)");
    assert_eq!(labels[10], "Group overall");
    let mascot = &t.blocks[0].rows[0];
    // MASCOT has two seeds: its cells are seed replicates (n = 2 seeds).
    assert!(
        mascot
            .cells
            .iter()
            .all(|c| c.n == 2 && c.spread == mascot::report::Spread::Seeds)
    );
    let p = &t.blocks[0].rows[1];
    // MASCOT-P: one seed, 2 subsets x 3 contexts x 3 turns = 18 agent items minus failures.
    assert_eq!(p.cells[0].n + p.cells[0].failed, 18);
    assert!(t.blocks[0].rows[2].cells.iter().all(|c| c.is_empty()));
    assert!(t.notes.iter().any(|n| n.contains("No scores for missing")));
    assert!(t.notes.iter().any(|n| n.contains("per-seed means")));
}
