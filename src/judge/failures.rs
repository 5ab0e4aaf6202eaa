//! Counting failed items and the `max_failures` rule a stage applies: judging succeeds
//! while failures stay within the limit (default 5% of the items), and otherwise fails with
//! the count and the first reasons.

use std::collections::BTreeMap;

use serde::Serialize;

use super::error::JudgeError;
use super::item::{FailureKind, Judged, Outcome};

/// How many failed items a stage tolerates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxFailures {
    /// A share of the items, rounded down (default 0.05).
    Fraction(f64),
    /// A number of items.
    Count(usize),
}

impl Default for MaxFailures {
    fn default() -> Self {
        MaxFailures::Fraction(0.05)
    }
}

impl MaxFailures {
    /// The most failures allowed among `total` items.
    pub fn allowed(self, total: usize) -> usize {
        match self {
            MaxFailures::Fraction(f) => (f.clamp(0.0, 1.0) * total as f64 + 1e-9).floor() as usize,
            MaxFailures::Count(n) => n,
        }
    }
}

/// Reasons kept by [`FailureReport`].
pub const FIRST_REASONS: usize = 10;

/// Failed items of one judging run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FailureReport {
    pub total: usize,
    pub failed: usize,
    /// Failures per kind (`parse`, `transient`, `rejected`).
    pub by_kind: BTreeMap<&'static str, usize>,
    /// The first [`FIRST_REASONS`] failures as (item id, kind, reason).
    pub first: Vec<(String, &'static str, String)>,
}

impl FailureReport {
    pub fn of(judged: &[Judged]) -> Self {
        let mut report = FailureReport {
            total: judged.len(),
            ..Self::default()
        };
        for j in judged {
            if let Outcome::Failed { kind, reason } = &j.outcome {
                report.failed += 1;
                *report.by_kind.entry(kind.as_str()).or_default() += 1;
                if report.first.len() < FIRST_REASONS {
                    report
                        .first
                        .push((j.id.clone(), kind.as_str(), reason.clone()));
                }
            }
        }
        report
    }

    /// Failures of one kind.
    pub fn count(&self, kind: FailureKind) -> usize {
        self.by_kind.get(kind.as_str()).copied().unwrap_or(0)
    }

    /// `Ok` while failures stay within `max`, else the count and the first reasons.
    pub fn check(&self, max: MaxFailures) -> Result<(), JudgeError> {
        let allowed = max.allowed(self.total);
        if self.failed <= allowed {
            return Ok(());
        }
        let reasons = self
            .first
            .iter()
            .map(|(id, kind, reason)| format!("  {id} ({kind}): {reason}"))
            .collect::<Vec<_>>()
            .join("\n");
        Err(JudgeError::TooManyFailures {
            failed: self.failed,
            total: self.total,
            allowed,
            reasons,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::item::Scores;

    fn judged(n_ok: usize, n_failed: usize) -> Vec<Judged> {
        let ok = (0..n_ok).map(|i| Judged {
            id: format!("ok{i}"),
            outcome: Outcome::Scored {
                scores: Scores::new(),
            },
        });
        let failed = (0..n_failed).map(|i| Judged {
            id: format!("bad{i}"),
            outcome: Outcome::failed(FailureKind::Parse, format!("reason {i}")),
        });
        ok.chain(failed).collect()
    }

    #[test]
    fn default_allows_five_percent_rounded_down() {
        assert_eq!(MaxFailures::default().allowed(100), 5);
        assert_eq!(MaxFailures::default().allowed(19), 0);
        assert_eq!(MaxFailures::default().allowed(20), 1);
        assert!(
            FailureReport::of(&judged(95, 5))
                .check(MaxFailures::default())
                .is_ok()
        );
        assert!(
            FailureReport::of(&judged(94, 6))
                .check(MaxFailures::default())
                .is_err()
        );
    }

    #[test]
    fn error_lists_the_first_reasons() {
        let report = FailureReport::of(&judged(0, 12));
        assert_eq!(report.failed, 12);
        assert_eq!(report.count(FailureKind::Parse), 12);
        assert_eq!(report.first.len(), FIRST_REASONS);
        let msg = report.check(MaxFailures::Count(3)).unwrap_err().to_string();
        assert!(
            msg.starts_with("12 of 12 items failed to be judged (at most 3 allowed)"),
            "{msg}"
        );
        assert!(msg.contains("bad0 (parse): reason 0"));
        assert!(!msg.contains("reason 10"));
    }
}
