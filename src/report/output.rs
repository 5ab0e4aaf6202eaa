//! [`write_report`]: computes a report and writes its files into a folder, each atomically:
//! `report.html` (self-contained), `report.md`, `tables.csv` (every table, long format),
//! `tables/<id>.csv` (each table in its own layout), `plots/<name>.png` and `.svg`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::content::ReportContent;
use super::error::ReportError;
use super::input::ReportInput;
use super::page::{PLOTS_DIR, TABLES_DIR, render_html, render_markdown};
use super::table::{finish_csv, long_csv_writer};
use super::write::write_atomic;

pub const HTML_FILE: &str = "report.html";
pub const MARKDOWN_FILE: &str = "report.md";
pub const TABLES_CSV_FILE: &str = "tables.csv";

/// A report in memory: its pages, CSVs and plots, with the content they show.
#[derive(Debug, Clone)]
pub struct BuiltReport {
    pub content: ReportContent,
    pub html: String,
    pub markdown: String,
    /// Every table in the long format.
    pub tables_csv: String,
}

/// Computes every table and plot and renders both pages. Table ids and plot names are made
/// unique (`-2`, `-3`... appended) so that their files do not collide.
pub fn build_report(input: &ReportInput) -> Result<BuiltReport, ReportError> {
    let mut content = ReportContent::build(input)?;
    dedupe_names(&mut content);
    let html = render_html(input, &content)?;
    let markdown = render_markdown(input, &content)?;
    let mut csv = long_csv_writer()?;
    for t in content.tables() {
        t.append_long_csv(&mut csv)?;
    }
    Ok(BuiltReport {
        html,
        markdown,
        tables_csv: finish_csv(csv)?,
        content,
    })
}

/// What [`write_report`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// Every file written, relative to the output folder, sorted.
    pub files: Vec<PathBuf>,
    pub tables: usize,
    pub plots: usize,
}

/// Builds the report and writes its files under `dir`.
pub fn write_report(dir: &Path, input: &ReportInput) -> Result<ReportFiles, ReportError> {
    let built = build_report(input)?;
    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![
        (HTML_FILE.into(), built.html.into_bytes()),
        (MARKDOWN_FILE.into(), built.markdown.into_bytes()),
        (TABLES_CSV_FILE.into(), built.tables_csv.into_bytes()),
    ];
    let tables = built.content.tables();
    for t in &tables {
        files.push((
            Path::new(TABLES_DIR).join(format!("{}.csv", t.id)),
            t.to_csv()?.into_bytes(),
        ));
    }
    let plots = built.content.plots();
    for p in &plots {
        let stem = Path::new(PLOTS_DIR).join(&p.name);
        files.push((stem.with_extension("png"), p.png.clone()));
        files.push((stem.with_extension("svg"), p.svg.clone().into_bytes()));
    }
    for (rel, bytes) in &files {
        write_atomic(&dir.join(rel), bytes)?;
    }
    let mut written: Vec<PathBuf> = files.into_iter().map(|(p, _)| p).collect();
    written.sort();
    Ok(ReportFiles {
        files: written,
        tables: tables.len(),
        plots: plots.len(),
    })
}

fn unique(seen: &mut BTreeSet<String>, name: &mut String) {
    if seen.insert(name.clone()) {
        return;
    }
    let mut i = 2;
    while !seen.insert(format!("{name}-{i}")) {
        i += 1;
    }
    *name = format!("{name}-{i}");
}

fn dedupe_names(content: &mut ReportContent) {
    let mut ids = BTreeSet::new();
    let tables = content
        .results
        .iter_mut()
        .flat_map(|r| r.tables.iter_mut())
        .chain(content.groups.iter_mut().map(|g| &mut g.table))
        .chain(content.comparison.iter_mut())
        .chain(content.user_types.iter_mut().map(|u| &mut u.table));
    for t in tables {
        unique(&mut ids, &mut t.id);
    }
    let mut names = BTreeSet::new();
    let plots = content
        .groups
        .iter_mut()
        .filter_map(|g| g.plot.as_mut())
        .chain(content.sweep_plot.iter_mut())
        .chain(
            content
                .user_types
                .iter_mut()
                .filter_map(|u| u.plot.as_mut()),
        )
        .chain(content.training.iter_mut().filter_map(|t| t.plot.as_mut()));
    for p in plots {
        unique(&mut names, &mut p.name);
    }
}
