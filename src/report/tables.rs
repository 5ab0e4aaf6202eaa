//! The report's tables, built from a [`ScoreIndex`]: the paper's Tables 1-2 (systems x
//! criteria, a block per subset), variants x metrics tables (ablation, size sweeps, the
//! comparison of every variant), and the MBTI user-type tables behind the heatmaps.

use super::index::{Pick, ScoreIndex, Selection};
use super::labels::{
    criterion_label, level_label, slug, sort_subsets, sort_systems, sort_user_types, subset_label,
    system_label, system_label_among, variant_label,
};
use super::rubric::{Level, OVERALL};
use super::table::{Block, Column, Row, Table};

/// One metric column of a variants x metrics table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricColumn {
    pub level: Level,
    /// A criterion of the level's rubric, or [`OVERALL`].
    pub metric: String,
}

impl MetricColumn {
    fn column(&self) -> Column {
        let label = match (self.level, self.metric.as_str()) {
            (Level::Agent, OVERALL) => "Agent overall".to_string(),
            (Level::Group, OVERALL) => "Group overall".to_string(),
            (Level::Agent, m) => criterion_label(m),
            (Level::Group, m) => format!("{} (group)", criterion_label(m)),
        };
        Column {
            key: format!("{}:{}", self.level.as_str(), self.metric),
            label,
        }
    }
}

/// Every criterion and the overall of each level that has a rubric, agent level first.
pub fn all_metric_columns(index: &ScoreIndex) -> Vec<MetricColumn> {
    let mut out = Vec::new();
    for level in index.rubrics().levels() {
        if let Some(r) = index.rubrics().get(level) {
            for name in r.criteria.iter().map(|c| c.name.as_str()).chain([OVERALL]) {
                out.push(MetricColumn {
                    level,
                    metric: name.to_string(),
                });
            }
        }
    }
    out
}

/// The overall of each level that has a rubric (the lines of Figure 7).
pub fn overall_columns(index: &ScoreIndex) -> Vec<MetricColumn> {
    index
        .rubrics()
        .levels()
        .into_iter()
        .map(|level| MetricColumn {
            level,
            metric: OVERALL.to_string(),
        })
        .collect()
}

fn criteria_columns(index: &ScoreIndex, level: Level) -> Vec<Column> {
    index
        .rubrics()
        .get(level)
        .map(|r| {
            r.criteria
                .iter()
                .map(|c| c.name.as_str())
                .chain([OVERALL])
                .map(|m| Column {
                    key: m.to_string(),
                    label: criterion_label(m),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Tables 1-2: for one variant and level, rows = systems (paper order, MASCOT last),
/// columns = criteria + overall, one block per subset. `None` when the variant has no
/// items at that level.
pub fn results_table(index: &ScoreIndex, variant: &str, level: Level) -> Option<Table> {
    let mut subsets = index.subsets(variant, None, Some(level));
    if subsets.is_empty() {
        return None;
    }
    sort_subsets(&mut subsets);
    let mut systems = index.systems(variant);
    sort_systems(&mut systems);
    let columns = criteria_columns(index, level);
    let mut blocks = Vec::new();
    for subset in &subsets {
        let mut rows = Vec::new();
        for system in &systems {
            let sel = Selection {
                subset: Pick::Only(subset),
                ..Selection::new(variant, system, level)
            };
            let cells: Vec<_> = columns.iter().map(|c| index.cell(&sel, &c.key)).collect();
            if cells.iter().all(|c| c.is_empty()) {
                continue;
            }
            rows.push(Row {
                key: system.clone(),
                label: system_label_among(system, &systems),
                cells,
            });
        }
        blocks.push(Block {
            label: Some(subset_label(subset)),
            rows,
        });
    }
    let mut table = Table {
        id: format!("results-{}-{}", slug(variant), level.as_str()),
        title: format!(
            "{}: {} metrics{}",
            variant_label(variant),
            level_label(level),
            seeds_note(index.seeds(variant, None).len())
        ),
        row_header: "System".into(),
        columns,
        blocks,
        notes: Vec::new(),
    };
    table.add_standard_notes();
    Some(table)
}

/// One row of a variants x metrics table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantRow {
    pub variant: String,
    /// Shown label (`MASCOT-P`, `qwen3_1_7b`).
    pub label: String,
}

/// Variants x metrics for one system, pooled over subsets, user types and speakers (seed
/// replicates as mean ± std of the seed means): the ablation table (Figure 4), a size-sweep
/// table (Figure 7) or the comparison of every variant.
pub fn variant_table(
    index: &ScoreIndex,
    id: &str,
    title: &str,
    row_header: &str,
    rows: &[VariantRow],
    system: &str,
    metrics: &[MetricColumn],
) -> Table {
    let rows: Vec<Row> = rows
        .iter()
        .map(|r| Row {
            key: r.variant.clone(),
            label: format!(
                "{}{}",
                r.label,
                seeds_note(index.seeds(&r.variant, Some(system)).len())
            ),
            cells: metrics
                .iter()
                .map(|m| index.cell(&Selection::new(&r.variant, system, m.level), &m.metric))
                .collect(),
        })
        .collect();
    let missing: Vec<String> = rows
        .iter()
        .filter(|r| r.cells.iter().all(|c| c.is_empty()))
        .map(|r| r.label.clone())
        .collect();
    let mut table = Table {
        id: id.to_string(),
        title: title.to_string(),
        row_header: row_header.to_string(),
        columns: metrics.iter().map(MetricColumn::column).collect(),
        blocks: vec![Block { label: None, rows }],
        notes: vec![format!(
            "System {}, every subset pooled.",
            system_label(system)
        )],
    };
    if !missing.is_empty() {
        table.notes.push(format!(
            "No scores for {} (its evaluation did not run or produced nothing).",
            missing.join(", ")
        ));
    }
    table.add_standard_notes();
    table
}

/// Rows = MBTI user types, columns = criteria + overall of a level, for one variant and
/// system (every subset pooled): the numbers of the MBTI x criteria heatmap. `None` when
/// the conversations had no simulated users.
pub fn user_type_table(
    index: &ScoreIndex,
    variant: &str,
    system: &str,
    level: Level,
) -> Option<Table> {
    let mut types = index.user_types(variant, Some(system), level);
    if types.is_empty() {
        return None;
    }
    sort_user_types(&mut types);
    let columns = criteria_columns(index, level);
    let rows = types
        .iter()
        .map(|t| {
            let sel = Selection {
                user_type: Pick::Only(t),
                ..Selection::new(variant, system, level)
            };
            Row {
                key: t.clone(),
                label: t.clone(),
                cells: columns.iter().map(|c| index.cell(&sel, &c.key)).collect(),
            }
        })
        .collect();
    let mut table = Table {
        id: format!("mbti-{}-{}-{}", slug(variant), slug(system), level.as_str()),
        title: format!(
            "{} metrics per user type: {}, variant {}",
            level_label(level),
            system_label(system),
            variant_label(variant)
        ),
        row_header: "User type".into(),
        columns,
        blocks: vec![Block { label: None, rows }],
        notes: vec!["Every subset pooled.".into()],
    };
    table.add_standard_notes();
    Some(table)
}

/// Rows = MBTI user types, columns = speakers, values = the agent-level overall (the
/// layout of the paper's Figure 6). `None` without simulated users or speakers.
pub fn user_type_speaker_table(index: &ScoreIndex, variant: &str, system: &str) -> Option<Table> {
    let mut types = index.user_types(variant, Some(system), Level::Agent);
    let speakers = index.speakers(variant, Some(system));
    if types.is_empty() || speakers.is_empty() {
        return None;
    }
    sort_user_types(&mut types);
    let rows = types
        .iter()
        .map(|t| Row {
            key: t.clone(),
            label: t.clone(),
            cells: speakers
                .iter()
                .map(|s| {
                    let sel = Selection {
                        user_type: Pick::Only(t),
                        speaker: Pick::Only(s),
                        ..Selection::new(variant, system, Level::Agent)
                    };
                    index.cell(&sel, OVERALL)
                })
                .collect(),
        })
        .collect();
    let mut table = Table {
        id: format!("mbti-speakers-{}-{}", slug(variant), slug(system)),
        title: format!(
            "Agent-specific overall per user type and speaker: {}, variant {}",
            system_label(system),
            variant_label(variant)
        ),
        row_header: "User type".into(),
        columns: speakers
            .iter()
            .map(|s| Column {
                key: s.clone(),
                label: s.clone(),
            })
            .collect(),
        blocks: vec![Block { label: None, rows }],
        notes: vec!["Every subset pooled.".into()],
    };
    table.add_standard_notes();
    Some(table)
}

/// ` (3 seeds)` for seed replicates, nothing for one seed.
fn seeds_note(seeds: usize) -> String {
    if seeds > 1 {
        format!(" ({seeds} seeds)")
    } else {
        String::new()
    }
}
