//! Everything a report shows, computed once from a [`ReportInput`]: the results tables of
//! every variant, the ablation and sweep tables with their figures, the comparison of all
//! variants, the MBTI tables and heatmaps, training curves and example transcripts. The
//! HTML and Markdown pages are two views of this.

use super::error::ReportError;
use super::examples::{Example, pick_examples};
use super::figures::{ablation_chart, curve_chart, heatmap_of, sweep_chart};
use super::input::{GroupKind, ReportInput, TrainingRun, VariantGroup};
use super::labels::{slug, variant_label};
use super::plot::{Rendered, render};
use super::rubric::Level;
use super::table::Table;
use super::tables::{
    VariantRow, all_metric_columns, results_table, user_type_speaker_table, user_type_table,
    variant_table,
};

/// The tables of one variant (Tables 1-2 layout, one per level).
#[derive(Debug, Clone)]
pub struct VariantResults {
    pub variant: String,
    pub tables: Vec<Table>,
}

/// An ablation or sweep: its variants x metrics table and, for an ablation, its bars.
#[derive(Debug, Clone)]
pub struct GroupResults {
    pub group: VariantGroup,
    pub table: Table,
    pub plot: Option<Rendered>,
}

/// Largest heatmap drawn (rows x columns); a bigger user-type table is shown as a table only.
pub const HEATMAP_LIMIT: (usize, usize) = (64, 32);

/// A user-type table and its heatmap (none beyond [`HEATMAP_LIMIT`]).
#[derive(Debug, Clone)]
pub struct UserTypeResults {
    pub table: Table,
    pub plot: Option<Rendered>,
}

/// A training log and its curves (none when it logs none of the plotted metrics).
#[derive(Debug, Clone)]
pub struct TrainingResults {
    pub run: TrainingRun,
    pub plot: Option<Rendered>,
}

#[derive(Debug, Clone)]
pub struct ReportContent {
    /// Variants in display order, the base first.
    pub variants: Vec<String>,
    pub results: Vec<VariantResults>,
    pub groups: Vec<GroupResults>,
    /// Every sweep as a panel of one line chart.
    pub sweep_plot: Option<Rendered>,
    /// Every variant x every metric, for the focus system (when there are 2+ variants).
    pub comparison: Option<Table>,
    pub user_types: Vec<UserTypeResults>,
    pub training: Vec<TrainingResults>,
    pub examples: Vec<Example>,
}

impl ReportContent {
    /// Computes every table and renders every plot.
    pub fn build(input: &ReportInput) -> Result<Self, ReportError> {
        let index = &input.scores;
        let system = input.options.focus_system.as_str();
        let variants = input.variant_order();
        let base = variants.first().cloned().unwrap_or_default();
        let metrics = all_metric_columns(index);

        let results = variants
            .iter()
            .map(|v| VariantResults {
                variant: v.clone(),
                tables: [Level::Agent, Level::Group]
                    .into_iter()
                    .filter_map(|l| results_table(index, v, l))
                    .collect(),
            })
            .filter(|r| !r.tables.is_empty())
            .collect();

        let mut groups = Vec::new();
        for group in &input.groups {
            let rows: Vec<VariantRow> = group
                .points
                .iter()
                .map(|p| VariantRow {
                    variant: p.variant.clone(),
                    label: p.label.clone(),
                })
                .collect();
            let (kind, header) = match group.kind {
                GroupKind::Ablation => ("ablation", "Variant"),
                GroupKind::Sweep => ("sweep", group.title.as_str()),
            };
            let table = variant_table(
                index,
                &format!("{kind}-{}", slug(&group.title)),
                &group.title,
                header,
                &rows,
                system,
                &metrics,
            );
            let plot = match group.kind {
                GroupKind::Ablation => ablation_chart(index, group, system)
                    .map(|c| render(&c))
                    .transpose()?,
                GroupKind::Sweep => None,
            };
            groups.push(GroupResults {
                group: group.clone(),
                table,
                plot,
            });
        }
        let sweeps: Vec<&VariantGroup> = input
            .groups
            .iter()
            .filter(|g| g.kind == GroupKind::Sweep)
            .collect();
        let sweep_plot = sweep_chart(index, &sweeps, system)
            .map(|c| render(&c))
            .transpose()?;

        let comparison = (variants.len() > 1).then(|| {
            let rows: Vec<VariantRow> = variants
                .iter()
                .map(|v| VariantRow {
                    variant: v.clone(),
                    label: variant_label(v),
                })
                .collect();
            variant_table(
                index,
                "comparison",
                "Every variant",
                "Variant",
                &rows,
                system,
                &metrics,
            )
        });

        let mut user_types = Vec::new();
        let type_tables = [Level::Agent, Level::Group]
            .into_iter()
            .filter_map(|l| user_type_table(index, &base, system, l))
            .chain(user_type_speaker_table(index, &base, system));
        for table in type_tables {
            let rows = table.blocks.first().map_or(0, |b| b.rows.len());
            let plot = if rows <= HEATMAP_LIMIT.0 && table.columns.len() <= HEATMAP_LIMIT.1 {
                Some(render(&heatmap_of(&table))?)
            } else {
                None
            };
            user_types.push(UserTypeResults { table, plot });
        }

        let training = input
            .training
            .iter()
            .map(|run| {
                Ok(TrainingResults {
                    run: run.clone(),
                    plot: curve_chart(run).map(|c| render(&c)).transpose()?,
                })
            })
            .collect::<Result<_, ReportError>>()?;

        let examples = pick_examples(
            &input.transcripts,
            &base,
            input.options.example_contexts,
            input.options.max_turn_chars,
        );

        Ok(ReportContent {
            variants,
            results,
            groups,
            sweep_plot,
            comparison,
            user_types,
            training,
            examples,
        })
    }

    /// Every table, in page order.
    pub fn tables(&self) -> Vec<&Table> {
        self.results
            .iter()
            .flat_map(|r| r.tables.iter())
            .chain(self.groups.iter().map(|g| &g.table))
            .chain(self.comparison.iter())
            .chain(self.user_types.iter().map(|u| &u.table))
            .collect()
    }

    /// Every plot, in page order.
    pub fn plots(&self) -> Vec<&Rendered> {
        self.groups
            .iter()
            .filter_map(|g| g.plot.as_ref())
            .chain(self.sweep_plot.iter())
            .chain(self.user_types.iter().filter_map(|u| u.plot.as_ref()))
            .chain(self.training.iter().filter_map(|t| t.plot.as_ref()))
            .collect()
    }
}
