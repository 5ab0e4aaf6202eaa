//! The HTML and Markdown pages: a serialisable view of [`ReportContent`] rendered with the
//! minijinja templates in `src/report/templates/`. The HTML page is self-contained: inline
//! CSS, plots inline as base64 PNG, no external URL.

use base64::Engine;
use serde::Serialize;

use super::content::ReportContent;
use super::error::ReportError;
use super::examples::Example;
use super::input::{GroupKind, ReportInput};
use super::labels::{sort_systems, system_label, system_label_among, variant_label};
use super::plot::Rendered;
use super::table::{Table, format_cell};

const HTML_TEMPLATE: &str = include_str!("templates/report.html.j2");
const MD_TEMPLATE: &str = include_str!("templates/report.md.j2");
const CSS: &str = include_str!("templates/report.css");

/// Folder of the plot files, relative to the report.
pub const PLOTS_DIR: &str = "plots";
/// Folder of the per-table CSV files, relative to the report.
pub const TABLES_DIR: &str = "tables";

#[derive(Serialize)]
struct Page<'a> {
    title: &'a str,
    css: &'a str,
    judge: String,
    heuristic: bool,
    focus_system: String,
    systems: Vec<SystemView>,
    variants: Vec<String>,
    results: Vec<ResultsView>,
    ablations: Vec<GroupView>,
    sweeps: Vec<GroupView>,
    sweep_plot: Option<PlotView>,
    comparison: Option<TableView>,
    user_types: Vec<FigureView>,
    training: Vec<TrainingView>,
    examples: &'a [Example],
    stages: Vec<StageView<'a>>,
    scored: bool,
    learning: Vec<LearningView>,
    health: &'a [String],
}

#[derive(Serialize)]
struct LearningView {
    variant: String,
    stage: String,
    measure: String,
    n: usize,
    before: String,
    after: String,
    interval: String,
    verdict: String,
    goal: String,
}

/// A number for the page: 4 decimals, or scientific notation when that would show 0.
pub fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        "-".into()
    } else if v != 0.0 && v.abs() < 5e-4 {
        format!("{v:.2e}")
    } else {
        format!("{v:.4}")
    }
}

#[derive(Serialize)]
struct StageView<'a> {
    id: &'a str,
    kind: &'a str,
    key: &'a str,
    files: usize,
    bytes: u64,
    counts: &'a [(String, String)],
    time: &'a str,
    peak_memory: &'a str,
}

#[derive(Serialize)]
struct SystemView {
    id: String,
    label: String,
}

#[derive(Serialize)]
struct ResultsView {
    variant: String,
    tables: Vec<TableView>,
}

#[derive(Serialize)]
struct GroupView {
    title: String,
    table: TableView,
    plot: Option<PlotView>,
}

#[derive(Serialize)]
struct FigureView {
    table: TableView,
    plot: Option<PlotView>,
}

#[derive(Serialize)]
struct TrainingView {
    id: String,
    label: String,
    steps: usize,
    last: Vec<(String, u64, String)>,
    plot: Option<PlotView>,
}

#[derive(Serialize)]
struct PlotView {
    name: String,
    width: u32,
    height: u32,
    png_base64: String,
    png_file: String,
    svg_file: String,
}

#[derive(Serialize)]
struct TableView {
    id: String,
    title: String,
    row_header: String,
    columns: Vec<String>,
    blocks: Vec<BlockView>,
    notes: Vec<String>,
    markdown: String,
    csv_file: String,
}

#[derive(Serialize)]
struct BlockView {
    label: Option<String>,
    rows: Vec<RowView>,
}

#[derive(Serialize)]
struct RowView {
    label: String,
    cells: Vec<CellView>,
}

#[derive(Serialize)]
struct CellView {
    value: String,
    failed: String,
    best: bool,
}

fn table_view(t: &Table) -> TableView {
    TableView {
        id: t.id.clone(),
        title: t.title.clone(),
        row_header: t.row_header.clone(),
        columns: t.columns.iter().map(|c| c.label.clone()).collect(),
        blocks: t
            .blocks
            .iter()
            .enumerate()
            .map(|(bi, b)| BlockView {
                label: b.label.clone(),
                rows: b
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(ri, r)| RowView {
                        label: r.label.clone(),
                        cells: r
                            .cells
                            .iter()
                            .enumerate()
                            .map(|(ci, c)| {
                                let shown = format_cell(c);
                                CellView {
                                    failed: shown.failed_suffix().trim().to_string(),
                                    value: shown.value,
                                    best: t.is_best(bi, ri, ci),
                                }
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
        notes: t.notes.clone(),
        markdown: t.to_markdown(),
        csv_file: format!("{TABLES_DIR}/{}.csv", t.id),
    }
}

fn plot_view(p: &Rendered) -> PlotView {
    PlotView {
        name: p.name.clone(),
        width: p.size.0,
        height: p.size.1,
        png_base64: base64::engine::general_purpose::STANDARD.encode(&p.png),
        png_file: format!("{PLOTS_DIR}/{}.png", p.name),
        svg_file: format!("{PLOTS_DIR}/{}.svg", p.name),
    }
}

fn page<'a>(input: &'a ReportInput, content: &'a ReportContent) -> Page<'a> {
    let mut systems: Vec<String> = content
        .variants
        .iter()
        .flat_map(|v| input.scores.systems(v))
        .chain(input.transcripts.iter().map(|t| t.system.clone()))
        .collect();
    systems.sort();
    systems.dedup();
    sort_systems(&mut systems);
    let groups = |kind: GroupKind| -> Vec<GroupView> {
        content
            .groups
            .iter()
            .filter(|g| g.group.kind == kind)
            .map(|g| GroupView {
                title: g.group.title.clone(),
                table: table_view(&g.table),
                plot: g.plot.as_ref().map(plot_view),
            })
            .collect()
    };
    Page {
        title: &input.title,
        css: CSS,
        judge: input.judge.label(),
        heuristic: input.judge.is_heuristic(),
        focus_system: system_label(&input.options.focus_system),
        systems: systems
            .iter()
            .map(|id| SystemView {
                label: system_label_among(id, &systems),
                id: id.clone(),
            })
            .collect(),
        variants: content.variants.iter().map(|v| variant_label(v)).collect(),
        results: content
            .results
            .iter()
            .map(|r| ResultsView {
                variant: variant_label(&r.variant),
                tables: r.tables.iter().map(table_view).collect(),
            })
            .collect(),
        ablations: groups(GroupKind::Ablation),
        sweeps: groups(GroupKind::Sweep),
        sweep_plot: content.sweep_plot.as_ref().map(plot_view),
        comparison: content.comparison.as_ref().map(table_view),
        user_types: content
            .user_types
            .iter()
            .map(|u| FigureView {
                table: table_view(&u.table),
                plot: u.plot.as_ref().map(plot_view),
            })
            .collect(),
        training: content
            .training
            .iter()
            .map(|t| TrainingView {
                id: t.run.id.clone(),
                label: t.run.label.clone(),
                steps: t.run.log.points.len(),
                last: t
                    .run
                    .log
                    .metric_names()
                    .into_iter()
                    .filter_map(|m| {
                        let (step, v) = t.run.log.last(&m)?;
                        Some((m, step, fmt_value(v)))
                    })
                    .collect(),
                plot: t.plot.as_ref().map(plot_view),
            })
            .collect(),
        examples: &content.examples,
        stages: input
            .stages
            .iter()
            .map(|s| StageView {
                id: &s.id,
                kind: &s.kind,
                key: s.short_key(),
                files: s.files,
                bytes: s.bytes,
                counts: &s.counts,
                time: s.time.as_deref().unwrap_or("-"),
                peak_memory: s.peak_memory.as_deref().unwrap_or("-"),
            })
            .collect(),
        scored: !input.scores.rubrics().as_slice().is_empty(),
        learning: input
            .learning
            .iter()
            .map(|r| LearningView {
                variant: variant_label(&r.variant),
                stage: r.stage.clone(),
                measure: r.measure.clone(),
                n: r.n,
                before: r.before.map_or_else(|| "-".into(), fmt_value),
                after: fmt_value(r.after),
                interval: if r.low.is_finite() {
                    format!("[{}, {}]", fmt_value(r.low), fmt_value(r.high))
                } else {
                    "-".into()
                },
                verdict: r.verdict.clone(),
                goal: r.goal.clone().unwrap_or_else(|| "-".into()),
            })
            .collect(),
        health: &input.health,
    }
}

fn render_template(
    name: &str,
    source: &str,
    input: &ReportInput,
    content: &ReportContent,
) -> Result<String, ReportError> {
    let fail = |e: minijinja::Error| ReportError::Template {
        template: name.to_string(),
        message: format!("{e:#}"),
    };
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_template(name, source).map_err(fail)?;
    let tmpl = env.get_template(name).map_err(fail)?;
    tmpl.render(page(input, content)).map_err(fail)
}

/// `report.html` (HTML auto-escaping: the name ends in `.html`).
pub fn render_html(input: &ReportInput, content: &ReportContent) -> Result<String, ReportError> {
    render_template("report.html", HTML_TEMPLATE, input, content)
}

/// `report.md`, with runs of blank lines (left by template blocks) collapsed to one.
pub fn render_markdown(
    input: &ReportInput,
    content: &ReportContent,
) -> Result<String, ReportError> {
    let raw = render_template("report.md", MD_TEMPLATE, input, content)?;
    let mut out = String::with_capacity(raw.len());
    let mut blank_run = 0;
    for line in raw.lines() {
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}
