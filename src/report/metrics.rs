//! Training logs: `metrics.jsonl` files of the training stages, one JSON object per logged
//! step with TRL's metric names (`loss`, `reward`, `reward_std`, `kl`, `accuracy`,
//! `margin`...). Only numeric fields are kept; `step` is required.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::ReportError;

/// File name of a training stage's log.
pub const METRICS_FILE: &str = "metrics.jsonl";

/// The metrics of one logged step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricPoint {
    pub step: u64,
    pub values: BTreeMap<String, f64>,
}

/// A training log, in file order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MetricsLog {
    pub points: Vec<MetricPoint>,
}

impl MetricsLog {
    /// Parses the text of a `metrics.jsonl`; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Self, ReportError> {
        let mut points = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let err = |column: usize, message: String| ReportError::MetricsRow {
                location: format!("{source}:{}:{column}", i + 1),
                message,
            };
            let value: serde_json::Value =
                serde_json::from_str(line).map_err(|e| err(e.column(), e.to_string()))?;
            let serde_json::Value::Object(map) = value else {
                return Err(err(1, "expected a JSON object".into()));
            };
            let step = map
                .get("step")
                .and_then(serde_json::Value::as_u64)
                .ok_or_else(|| err(1, "no integer `step` >= 0".into()))?;
            let values = map
                .iter()
                .filter(|(k, _)| k.as_str() != "step")
                .filter_map(|(k, v)| v.as_f64().map(|x| (k.clone(), x)))
                .collect();
            points.push(MetricPoint { step, values });
        }
        Ok(MetricsLog { points })
    }

    /// Reads a `metrics.jsonl` file.
    pub fn read(path: &Path) -> Result<Self, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|e| ReportError::io("read", path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// The (step, value) pairs of one metric, in file order.
    pub fn series(&self, metric: &str) -> Vec<(u64, f64)> {
        self.points
            .iter()
            .filter_map(|p| p.values.get(metric).map(|v| (p.step, *v)))
            .collect()
    }

    /// Metric names that appear at least once, sorted.
    pub fn metric_names(&self) -> Vec<String> {
        let set: std::collections::BTreeSet<&String> =
            self.points.iter().flat_map(|p| p.values.keys()).collect();
        set.into_iter().cloned().collect()
    }

    /// The last logged value of a metric.
    pub fn last(&self, metric: &str) -> Option<(u64, f64)> {
        self.series(metric).last().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_fields_are_kept_and_step_is_required() {
        let log = MetricsLog::parse(
            "{\"step\": 1, \"loss\": 0.5, \"kl\": 0.0, \"note\": \"x\"}\n\n{\"step\": 2, \"loss\": 0.25}\n",
            "m.jsonl",
        )
        .unwrap_or_default();
        assert_eq!(log.series("loss"), [(1, 0.5), (2, 0.25)]);
        assert_eq!(log.metric_names(), ["kl", "loss"]);
        assert_eq!(log.last("kl"), Some((1, 0.0)));
        let err = MetricsLog::parse("{\"step\": 1}\n{\"loss\": 1}\n", "m.jsonl")
            .err()
            .map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("m.jsonl:2:1: no integer `step` >= 0"));
        let err = MetricsLog::parse("{\"step\": 1,", "m.jsonl").err();
        assert!(err.is_some_and(|e| e.to_string().starts_with("m.jsonl:1:")));
    }
}
