//! A results table as the paper lays them out (rows x columns of [`Cell`]s in blocks, e.g.
//! one block per subset), its best-per-column marks, and its Markdown and CSV forms.

use std::fmt::Write;

use serde::Serialize;

use super::error::ReportError;
use super::stats::{Cell, Spread};

/// Two means closer than this are a tie for "best".
const TIE: f64 = 1e-9;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// File-name-safe identifier (`results-mascot-agent`).
    pub id: String,
    pub title: String,
    /// Header of the row-label column (`System`, `Variant`...).
    pub row_header: String,
    pub columns: Vec<Column>,
    pub blocks: Vec<Block>,
    /// Lines shown under the table (what `±` measures, failures...).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// Machine name (`consistency`, `agent:overall`).
    pub key: String,
    /// Header (`Consistency`).
    pub label: String,
}

/// A group of rows with a heading (a subset), or the only group (no heading).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Block {
    pub label: Option<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub key: String,
    pub label: String,
    /// One per column.
    pub cells: Vec<Cell>,
}

impl Table {
    /// Whether a cell has the highest mean of its column within its block (ties are all
    /// best). A column with fewer than two values in the block has no best.
    pub fn is_best(&self, block: usize, row: usize, col: usize) -> bool {
        let Some(b) = self.blocks.get(block) else {
            return false;
        };
        let values: Vec<f64> = b
            .rows
            .iter()
            .filter_map(|r| r.cells.get(col).and_then(|c| c.mean))
            .collect();
        if values.len() < 2 {
            return false;
        }
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        b.rows
            .get(row)
            .and_then(|r| r.cells.get(col))
            .and_then(|c| c.mean)
            .is_some_and(|m| m >= max - TIE)
    }

    /// Adds the notes every table needs from its cells: what `±` measures, that failures
    /// are left out of the means.
    pub fn add_standard_notes(&mut self) {
        let cells: Vec<&Cell> = self
            .blocks
            .iter()
            .flat_map(|b| b.rows.iter().flat_map(|r| r.cells.iter()))
            .collect();
        if cells.iter().any(|c| c.spread == Spread::Seeds) {
            self.notes.push(
                "Cells over several seeds show the mean ± sample standard deviation of the per-seed means (n = seeds)."
                    .into(),
            );
        }
        if cells
            .iter()
            .any(|c| c.spread == Spread::Items && c.mean.is_some())
        {
            self.notes.push(
                "Cells of one seed show the mean ± sample standard deviation (n - 1) over judged items; `n=1` marks a single value, which has no standard deviation."
                    .into(),
            );
        }
        let failed: usize = cells.iter().map(|c| c.failed).sum();
        if failed > 0 {
            self.notes.push(format!(
                "{failed} judgement(s) failed; `[k failed]` counts them per cell. Failed judgements are left out of the means, never scored as 0."
            ));
        }
        self.notes
            .push("Bold: the best mean of its column within its block.".into());
    }

    /// The table in Markdown: a heading row per block, best values in bold.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let _ = write!(md, "| {} |", escape_md(&self.row_header));
        for c in &self.columns {
            let _ = write!(md, " {} |", escape_md(&c.label));
        }
        md.push_str("\n|---|");
        md.push_str(&"---:|".repeat(self.columns.len()));
        md.push('\n');
        for (bi, block) in self.blocks.iter().enumerate() {
            if let Some(label) = &block.label {
                let _ = write!(md, "| ***{}*** |", escape_md(label));
                md.push_str(&" |".repeat(self.columns.len()));
                md.push('\n');
            }
            for (ri, row) in block.rows.iter().enumerate() {
                let _ = write!(md, "| {} |", escape_md(&row.label));
                for (ci, cell) in row.cells.iter().enumerate() {
                    let shown = format_cell(cell);
                    let suffix = shown.failed_suffix();
                    let value = if self.is_best(bi, ri, ci) {
                        format!("**{}**", shown.value)
                    } else {
                        shown.value
                    };
                    let _ = write!(md, " {value}{suffix} |");
                }
                md.push('\n');
            }
        }
        md
    }

    /// The table in its own layout as CSV: `block, <row header>`, then per column its mean,
    /// std, n and failed counts (empty when absent).
    pub fn to_csv(&self) -> Result<String, ReportError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["block".to_string(), self.row_header.clone()];
        for c in &self.columns {
            for what in ["mean", "std", "n", "failed"] {
                header.push(format!("{} {what}", c.key));
            }
        }
        w.write_record(&header).map_err(csv_err)?;
        for block in &self.blocks {
            for row in &block.rows {
                let mut rec = vec![block.label.clone().unwrap_or_default(), row.label.clone()];
                for cell in &row.cells {
                    rec.extend(cell_numbers(cell));
                }
                w.write_record(&rec).map_err(csv_err)?;
            }
        }
        finish_csv(w)
    }

    /// Appends the table to a long-format CSV (`table, block, row, column, mean, std, n,
    /// failed, spread, best`), the layout of `tables.csv` that holds every table.
    pub fn append_long_csv(&self, w: &mut csv::Writer<Vec<u8>>) -> Result<(), ReportError> {
        for (bi, block) in self.blocks.iter().enumerate() {
            for (ri, row) in block.rows.iter().enumerate() {
                for (ci, (cell, col)) in row.cells.iter().zip(&self.columns).enumerate() {
                    let [mean, std, n, failed] = cell_numbers(cell);
                    let spread = match cell.spread {
                        Spread::Items => "items",
                        Spread::Seeds => "seeds",
                    };
                    w.write_record([
                        self.id.as_str(),
                        block.label.as_deref().unwrap_or(""),
                        row.key.as_str(),
                        col.key.as_str(),
                        &mean,
                        &std,
                        &n,
                        &failed,
                        spread,
                        if self.is_best(bi, ri, ci) { "1" } else { "0" },
                    ])
                    .map_err(csv_err)?;
                }
            }
        }
        Ok(())
    }
}

/// The header of the long-format CSV written by [`Table::append_long_csv`].
pub const LONG_CSV_HEADER: [&str; 10] = [
    "table", "block", "row", "column", "mean", "std", "n", "failed", "spread", "best",
];

/// A new long-format CSV writer with its header written.
pub fn long_csv_writer() -> Result<csv::Writer<Vec<u8>>, ReportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(LONG_CSV_HEADER).map_err(csv_err)?;
    Ok(w)
}

/// The bytes of a finished CSV writer, as UTF-8 text.
pub fn finish_csv(w: csv::Writer<Vec<u8>>) -> Result<String, ReportError> {
    let bytes = w.into_inner().map_err(|e| csv_err(e.into_error().into()))?;
    String::from_utf8(bytes).map_err(|e| ReportError::Input {
        message: format!("a table label is not valid UTF-8: {e}"),
        help: "use UTF-8 names for systems, variants and criteria".into(),
    })
}

fn csv_err(e: csv::Error) -> ReportError {
    ReportError::Input {
        message: format!("cannot write CSV: {e}"),
        help: "this is a bug in the report's table code".into(),
    }
}

/// Mean, std, n, failed as CSV fields (3 decimals; empty when absent).
fn cell_numbers(cell: &Cell) -> [String; 4] {
    let num = |v: Option<f64>| v.map(|x| format!("{x:.3}")).unwrap_or_default();
    [
        num(cell.mean),
        num(cell.std),
        cell.n.to_string(),
        cell.failed.to_string(),
    ]
}

/// A cell as text: `value` (`76.9 ± 6.1`, `75.0 (n=1)`, `failed`, `–`) and its failure count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownCell {
    pub value: String,
    pub failed: usize,
}

impl ShownCell {
    /// ` [2 failed]`, or nothing.
    pub fn failed_suffix(&self) -> String {
        if self.failed > 0 && self.value != "failed" {
            format!(" [{} failed]", self.failed)
        } else if self.failed > 0 {
            format!(" [{}]", self.failed)
        } else {
            String::new()
        }
    }
}

/// How a cell reads: one decimal as in the paper; a cell whose judgements all failed reads
/// `failed`, never 0; a cell without data reads `–`.
pub fn format_cell(cell: &Cell) -> ShownCell {
    let value = match (cell.mean, cell.std) {
        (Some(m), Some(s)) => format!("{m:.1} ± {s:.1}"),
        (Some(m), None) => format!("{m:.1} (n={})", cell.n),
        (None, _) if cell.failed > 0 => "failed".to_string(),
        (None, _) => "–".to_string(),
    };
    ShownCell {
        value,
        failed: cell.failed,
    }
}

/// Escapes the characters that would break a Markdown table cell.
pub fn escape_md(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('*', "\\*")
        .replace('\n', " ")
}
