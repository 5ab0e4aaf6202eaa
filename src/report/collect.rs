//! [`Evaluations`]: the scores of several `evaluate` artifacts (one per system, subset and
//! variant) merged into one [`ScoreIndex`] for a report, checking that they share their
//! rubrics and judge.

use std::path::{Path, PathBuf};

use super::artifact::{JudgeInfo, SCORES_FILE, SUMMARY_FILE};
use super::error::ReportError;
use super::files::{read_scores, read_summary};
use super::index::{RowLabel, ScoreIndex};
use super::rubric::Rubrics;

/// Evaluation artifacts read so far.
#[derive(Debug, Default)]
pub struct Evaluations {
    first: Option<(PathBuf, JudgeInfo, ScoreIndex)>,
    rows: usize,
}

impl Evaluations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `summary.json` (rubrics, judge) and `scores.jsonl` of one evaluation folder,
    /// filing its rows under each label (under their own variant when `labels` is empty).
    /// Returns the number of score rows read.
    pub fn add_dir(&mut self, dir: &Path, labels: &[RowLabel]) -> Result<usize, ReportError> {
        let summary = read_summary(&dir.join(SUMMARY_FILE))?;
        let (first_dir, judge, index) = match &mut self.first {
            Some(first) => first,
            None => self.first.insert((
                dir.to_path_buf(),
                summary.judge.clone(),
                ScoreIndex::new(Rubrics::new(summary.rubrics.clone())?),
            )),
        };
        if summary.judge != *judge {
            return Err(ReportError::Input {
                message: format!(
                    "`{}` was judged by {} but `{}` by {}",
                    dir.display(),
                    summary.judge.label(),
                    first_dir.display(),
                    judge.label()
                ),
                help: "a report compares scores of one judge: give every evaluate stage of the experiment the same judge".into(),
            });
        }
        if summary.rubrics != index.rubrics().as_slice() {
            return Err(ReportError::Input {
                message: format!(
                    "`{}` used other rubrics than `{}`",
                    dir.display(),
                    first_dir.display()
                ),
                help: "a report compares scores on the same rubrics: give every evaluate stage of the experiment the same rubrics".into(),
            });
        }
        let n = read_scores(&dir.join(SCORES_FILE), index, labels)?;
        self.rows += n;
        Ok(n)
    }

    /// Score rows read in all.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The merged scores and their judge; `None` when no folder was added.
    pub fn finish(self) -> Option<(ScoreIndex, JudgeInfo)> {
        self.first.map(|(_, judge, index)| (index, judge))
    }
}
