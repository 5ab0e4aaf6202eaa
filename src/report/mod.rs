//! Score aggregation and the paper's report: the evaluation artifact contract
//! (`scores.jsonl`, `summary.json`), means and sample standard deviations per cell with
//! failures counted apart, seed replicates, Tables 1-2 and variants x metrics tables in
//! Markdown and CSV, plots (PNG and SVG) and a self-contained `report.html`.
//!
//! Testable without the executor: the `evaluate` and `report` stages fill the input types
//! here from their artifacts.

pub mod artifact;
pub mod bootstrap;
pub mod collect;
pub mod content;
pub mod error;
pub mod examples;
pub mod figures;
pub mod files;
pub mod groups;
pub mod index;
pub mod input;
pub mod labels;
pub mod learning;
pub mod metrics;
pub mod output;
pub mod page;
pub mod plot;
pub mod rubric;
pub mod run_stages;
pub mod stats;
pub mod summarize;
pub mod table;
pub mod tables;
pub mod write;

pub use artifact::{
    JudgeInfo, Judgement, SCORES_FILE, SUMMARY_FILE, ScoreRow, Summary, SummaryCell,
};
pub use collect::Evaluations;
pub use error::ReportError;
pub use files::{read_scores, read_summary, write_scores, write_summary};
pub use groups::infer_groups;
pub use index::{Pick, RowLabel, ScoreIndex, Selection};
pub use input::{
    GroupKind, GroupPoint, ReportInput, ReportOptions, TrainingRun, Transcript, TranscriptTurn,
    VariantGroup,
};
pub use metrics::{METRICS_FILE, MetricPoint, MetricsLog};
pub use output::{
    BuiltReport, HTML_FILE, MARKDOWN_FILE, ReportFiles, TABLES_CSV_FILE, build_report, write_report,
};
pub use rubric::{Level, OVERALL, Rubric, Rubrics, rescale};
pub use run_stages::RunStage;
pub use stats::{Cell, Moments, Spread};
pub use summarize::summarize;
pub use table::{Table, format_cell};
