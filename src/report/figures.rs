//! The report's figures built from scores and logs: ablation bars (Figure 4), size-sweep
//! lines (Figure 7), heatmaps of a user-type table (Figure 6) and training curves.

use super::index::{ScoreIndex, Selection};
use super::input::{TrainingRun, VariantGroup};
use super::labels::{criterion_label, level_label, slug};
use super::plot::curves::{CURVE_METRICS, MAX_PANELS};
use super::plot::{
    BarChart, BarPanel, BarValue, CurveChart, CurvePanel, Heatmap, LineChart, LinePanel,
};
use super::rubric::{OVERALL, value_bounds};
use super::stats::Cell;
use super::table::Table;

fn bar_value(cell: &Cell) -> BarValue {
    cell.mean.map(|m| (m, cell.std))
}

/// Bars per criterion (and overall) of each level, one bar per variant of the group, for
/// one system, every subset pooled. `None` when no variant of the group has scores.
pub fn ablation_chart(index: &ScoreIndex, group: &VariantGroup, system: &str) -> Option<BarChart> {
    let mut panels = Vec::new();
    for level in index.rubrics().levels() {
        let Some(rubric) = index.rubrics().get(level) else {
            continue;
        };
        let metrics: Vec<&str> = rubric
            .criteria
            .iter()
            .map(|c| c.name.as_str())
            .chain([OVERALL])
            .collect();
        let values: Vec<Vec<BarValue>> = group
            .points
            .iter()
            .map(|p| {
                let sel = Selection::new(&p.variant, system, level);
                metrics
                    .iter()
                    .map(|m| bar_value(&index.cell(&sel, m)))
                    .collect()
            })
            .collect();
        if values.iter().flatten().all(Option::is_none) {
            continue;
        }
        panels.push(BarPanel {
            title: level_label(level).to_string(),
            groups: metrics.iter().map(|m| criterion_label(m)).collect(),
            values,
        });
    }
    (!panels.is_empty()).then(|| BarChart {
        name: format!("ablation-{}", slug(&group.title)),
        title: group.title.clone(),
        series: group.points.iter().map(|p| p.label.clone()).collect(),
        panels,
        y_range: value_bounds(index.rubrics()),
        y_label: y_label(index),
    })
}

/// One panel per sweep, the x axis its variants, one line per level's overall, for one
/// system, every subset pooled. `None` without sweeps or scores.
pub fn sweep_chart(
    index: &ScoreIndex,
    sweeps: &[&VariantGroup],
    system: &str,
) -> Option<LineChart> {
    let levels = index.rubrics().levels();
    let panels: Vec<LinePanel> = sweeps
        .iter()
        .map(|g| LinePanel {
            title: g.title.clone(),
            x_label: g.title.clone(),
            x: g.points.iter().map(|p| p.label.clone()).collect(),
            values: levels
                .iter()
                .map(|l| {
                    g.points
                        .iter()
                        .map(|p| {
                            bar_value(&index.cell(&Selection::new(&p.variant, system, *l), OVERALL))
                        })
                        .collect()
                })
                .collect(),
        })
        .filter(|p| p.values.iter().flatten().any(Option::is_some))
        .collect();
    (!panels.is_empty()).then(|| LineChart {
        name: "size-sweeps".into(),
        title: "Sensitivity to model size".into(),
        series: levels
            .iter()
            .map(|l| format!("{} overall", level_label(*l)))
            .collect(),
        panels,
        y_label: y_label(index),
        y_bounds: value_bounds(index.rubrics()),
    })
}

/// `score (0-100)`, with the rubrics' rescale range.
fn y_label(index: &ScoreIndex) -> String {
    let (lo, hi) = value_bounds(index.rubrics());
    format!("score ({lo}-{hi})")
}

/// A heatmap of a table's means (first block): rows x columns as in the table.
pub fn heatmap_of(table: &Table) -> Heatmap {
    let rows = table
        .blocks
        .first()
        .map(|b| b.rows.as_slice())
        .unwrap_or_default();
    Heatmap {
        name: table.id.clone(),
        title: table.title.clone(),
        rows: rows.iter().map(|r| r.label.clone()).collect(),
        columns: table.columns.iter().map(|c| c.label.clone()).collect(),
        values: rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.mean).collect())
            .collect(),
    }
}

/// Curves of the metrics in [`CURVE_METRICS`] that the log has (at most [`MAX_PANELS`]);
/// `None` when it has none of them.
pub fn curve_chart(run: &TrainingRun) -> Option<CurveChart> {
    let panels: Vec<CurvePanel> = CURVE_METRICS
        .iter()
        .map(|m| CurvePanel {
            metric: m.to_string(),
            points: run.log.series(m),
        })
        .filter(|p| !p.points.is_empty())
        .take(MAX_PANELS)
        .collect();
    (!panels.is_empty()).then(|| CurveChart {
        name: format!("training-{}", slug(&run.id)),
        title: run.label.clone(),
        panels,
    })
}
