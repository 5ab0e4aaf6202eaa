//! `summary.json` from a [`ScoreIndex`]: every variant x seed x system x subset x level,
//! each criterion and `overall`, over all items and per MBTI user type, speaker, and user
//! type x speaker.

use super::artifact::{JudgeInfo, Summary, SummaryCell};
use super::index::{Pick, ScoreIndex, Selection};
use super::rubric::OVERALL;

/// Aggregates every cell of the index (one seed per cell: replicates are combined by the
/// report, not here).
pub fn summarize(index: &ScoreIndex, judge: &JudgeInfo) -> Summary {
    let mut cells = Vec::new();
    for variant in index.variants() {
        for system in index.systems(&variant) {
            for key in index.summary_keys(&variant, &system) {
                let Some(rubric) = index.rubrics().get(key.level) else {
                    continue;
                };
                let sel = Selection {
                    seed: Pick::Only(key.seed),
                    subset: Pick::Only(&key.subset),
                    user_type: key.user_type.as_deref().map_or(Pick::All, Pick::Only),
                    speaker: key.speaker.as_deref().map_or(Pick::All, Pick::Only),
                    ..Selection::new(&variant, &system, key.level)
                };
                let metrics = rubric
                    .criteria
                    .iter()
                    .map(|c| c.name.as_str())
                    .chain([OVERALL]);
                for metric in metrics {
                    let cell = index.cell(&sel, metric);
                    cells.push(SummaryCell {
                        variant: (!variant.is_empty()).then(|| variant.clone()),
                        seed: key.seed,
                        system: system.clone(),
                        subset: key.subset.clone(),
                        level: key.level,
                        user_type: key.user_type.clone(),
                        speaker: key.speaker.clone(),
                        criterion: metric.to_string(),
                        mean: cell.mean,
                        std: cell.std,
                        n: cell.n,
                        failed: cell.failed,
                    });
                }
            }
        }
    }
    Summary {
        judge: judge.clone(),
        rubrics: index.rubrics().as_slice().to_vec(),
        cells,
    }
}
