//! "Did training work?" and "Run health": what a reader checks before any score table.
//!
//! - [`LearningRow`]: one measurement of a training stage on held-out data, with its 95%
//!   interval and a plain verdict (the reward model's held-out accuracy against chance,
//!   with a Wilson interval; a `compare_policies` paired difference, with its bootstrap
//!   interval).
//! - [`health_lines`]: director parse failures and fallbacks per variant, baseline format
//!   fallbacks, training runs whose rewards never varied within a group or whose gradient
//!   was always zero, variants whose transcripts are identical, the share of replies that
//!   leak a prompt label, and the number of items per evaluation cell. The same lines are
//!   printed as warnings at the end of `mascot run`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::input::{TrainingRun, Transcript};

/// One measurement of whether a training stage did what it optimises.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearningRow {
    pub variant: String,
    /// The training stage measured (`train_reward_model`, `align_personas`...).
    pub stage: String,
    /// What was measured, in words.
    pub measure: String,
    pub n: usize,
    /// The starting policy's mean (`None` for an absolute measure such as an accuracy).
    pub before: Option<f64>,
    /// The trained policy's mean, or the measure itself.
    pub after: f64,
    /// 95% interval of the difference (or of the measure when there is no `before`).
    pub low: f64,
    pub high: f64,
    /// `improved`, `no change` or `worse`, by the interval.
    pub verdict: String,
    /// The experiment's goal and whether it held, in words (`>= 0.75: met`).
    pub goal: Option<String>,
}

/// Wilson score 95% interval of a proportion `p` over `n` trials.
pub fn wilson(p: f64, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = 1.959_963_984_540_054_f64;
    let n = n as f64;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The reward model's held-out accuracy (against chance, 0.5) from its stage summary, and
/// its margin; `None` when it held no pair out.
pub fn reward_model_rows(variant: &str, summary: &serde_json::Value) -> Vec<LearningRow> {
    let (Some(acc), Some(n)) = (
        summary["heldout_accuracy"].as_f64(),
        summary["heldout_pairs"].as_u64(),
    ) else {
        return Vec::new();
    };
    let n = n as usize - summary["heldout_pairs_too_long"].as_u64().unwrap_or(0) as usize;
    let (low, high) = wilson(acc, n);
    let verdict = if low > 0.5 {
        "improved"
    } else if high < 0.5 {
        "worse"
    } else {
        "no change"
    };
    let mut rows = vec![LearningRow {
        variant: variant.to_string(),
        stage: "train_reward_model".into(),
        measure: "held-out pair accuracy (chance 0.5)".into(),
        n,
        before: Some(0.5),
        after: acc,
        low,
        high,
        verdict: verdict.into(),
        goal: Some(format!(
            ">= 0.75: {}{}",
            if acc >= 0.75 { "met" } else { "not met" },
            if n < 100 {
                " (fewer than 100 pairs)"
            } else {
                ""
            }
        )),
    }];
    if let Some(margin) = summary["heldout_margin"].as_f64() {
        rows.push(LearningRow {
            variant: variant.to_string(),
            stage: "train_reward_model".into(),
            measure: "held-out margin r(chosen) - r(rejected)".into(),
            n,
            before: None,
            after: margin,
            low: f64::NAN,
            high: f64::NAN,
            verdict: if margin > 0.0 {
                "positive"
            } else {
                "not positive"
            }
            .into(),
            goal: None,
        });
    }
    rows
}

/// The rows of a `compare_policies` summary (`comparison_summary.json`).
pub fn comparison_rows(variant: &str, summary: &serde_json::Value) -> Vec<LearningRow> {
    let stage = summary["after"].as_str().unwrap_or("?").to_string();
    let before = summary["before"].as_str().unwrap_or("before");
    let director = summary["compared"].as_str() == Some("director");
    let Some(metrics) = summary["metrics"].as_array() else {
        return Vec::new();
    };
    metrics
        .iter()
        .filter_map(|m| {
            let metric = m["metric"].as_str()?;
            let after = m["after"].as_f64()?;
            let measure = match metric {
                "rm" => "reward model score of greedy replies",
                "judge" => "judge's agent score (1-5) of greedy replies",
                "parse_rate" => "share of directives that parse",
                "group_reward" => "group reward (coherence + eta * diverse)",
                other => other,
            };
            let goal = match metric {
                "parse_rate" if director => Some(format!(
                    ">= 0.8 after training: {}",
                    if after >= 0.8 { "met" } else { "not met" }
                )),
                "rm" | "judge" => Some(format!(
                    "interval above 0: {}",
                    if m["low"].as_f64()? > 0.0 {
                        "met"
                    } else {
                        "not met"
                    }
                )),
                _ => None,
            };
            Some(LearningRow {
                variant: variant.to_string(),
                stage: stage.clone(),
                measure: format!("{measure}, {before} -> trained"),
                n: m["n"].as_u64()? as usize,
                before: m["before"].as_f64(),
                after,
                low: m["low"].as_f64()?,
                high: m["high"].as_f64()?,
                verdict: m["verdict"].as_str()?.to_string(),
                goal,
            })
        })
        .collect()
}

/// Labels of the prompts' scaffolding: a reply that starts with or contains one echoes the
/// prompt instead of answering.
pub const PROMPT_LABELS: &[&str] = &[
    "Situation (as the user described it)",
    "What happened:",
    "Situation:",
    "Conversation so far",
    "The director asks you",
    "Meeting transcript",
    "Write your next message",
    "Reply with the message only",
    "Turn 1 of",
    "Choose the next speaker",
];

/// Whether a reply starts with or contains a prompt label (case-insensitive).
pub fn leaks_label(text: &str) -> bool {
    let lower = text.to_lowercase();
    PROMPT_LABELS
        .iter()
        .any(|l| lower.contains(&l.to_lowercase()))
}

/// Per variant: (replies that leak a prompt label, replies), over the speakers' and the
/// users' turns of the transcripts.
pub fn leaked_labels(transcripts: &[Transcript]) -> BTreeMap<String, (usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for t in transcripts {
        let e = out.entry(t.variant.clone()).or_default();
        for turn in &t.turns {
            e.1 += 1;
            if leaks_label(&turn.text) {
                e.0 += 1;
            }
        }
    }
    out
}

/// Per variant and system: counts of director and format trouble in the conversations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EpisodeHealth {
    pub turns: usize,
    pub director_calls: usize,
    pub parse_failures: usize,
    pub fallbacks: usize,
    pub format_fallbacks: usize,
}

/// Whether every step of a training run had `frac_reward_zero_std` 1 (no group had any
/// reward spread: no advantage, no update) or a zero gradient norm.
pub fn stalled(run: &TrainingRun) -> Option<&'static str> {
    let values =
        |name: &str| -> Vec<f64> { run.log.series(name).into_iter().map(|p| p.1).collect() };
    let zero_std = values("frac_reward_zero_std");
    if !zero_std.is_empty() && zero_std.iter().all(|v| *v >= 1.0) {
        return Some("frac_reward_zero_std 1 at every step (no reward spread, no update)");
    }
    let grad = values("grad_norm");
    if !grad.is_empty() && grad.iter().all(|v| *v == 0.0) {
        return Some("zero gradient at every step");
    }
    None
}

/// What goes into the health box.
pub struct HealthInput<'a> {
    /// (variant, system) -> counters.
    pub episodes: &'a BTreeMap<(String, String), EpisodeHealth>,
    pub training: &'a [TrainingRun],
    pub transcripts: &'a [Transcript],
    /// (variant, smallest n of an evaluation cell, largest n).
    pub cells: &'a [(String, usize, usize)],
}

/// The health lines, each a sentence.
pub fn health_lines(h: &HealthInput<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for ((variant, system), e) in h.episodes {
        if e.director_calls > 0 {
            out.push(format!(
                "{variant} ({system}): director parse failures {} and fallbacks {} in {} \
                 directives{}",
                e.parse_failures,
                e.fallbacks,
                e.director_calls,
                if e.fallbacks * 2 > e.director_calls {
                    ": most speakers were picked by the fallback rule, not the director"
                } else {
                    ""
                }
            ));
        }
        if e.format_fallbacks > 0 {
            out.push(format!(
                "{variant} ({system}): format fallbacks in {} of {} turns",
                e.format_fallbacks, e.turns
            ));
        }
    }
    for run in h.training {
        if let Some(why) = stalled(run) {
            out.push(format!("{}: {why}", run.label));
        }
    }
    for (a, b) in identical_variants(h.transcripts) {
        out.push(format!(
            "variants {a} and {b} have identical transcripts (the difference between them \
             changed nothing the conversations show)"
        ));
    }
    for (variant, (leaked, total)) in leaked_labels(h.transcripts) {
        if total > 0 {
            out.push(format!(
                "{variant}: {leaked} of {total} replies ({:.1}%) start with or contain a prompt \
                 label (e.g. \"Situation (as the user described it)\")",
                100.0 * leaked as f64 / total as f64
            ));
        }
    }
    for (variant, lo, hi) in h.cells {
        out.push(format!(
            "{variant}: n per evaluation cell {}",
            if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}-{hi}")
            }
        ));
    }
    out
}

/// Pairs of variants (of the same seed) whose transcripts of the same system are all equal.
fn identical_variants(transcripts: &[Transcript]) -> Vec<(String, String)> {
    type Key = (String, String, String, Option<String>);
    type Turns<'a> = Vec<(&'a str, &'a str)>;
    let mut by_variant: BTreeMap<&str, BTreeMap<Key, Turns<'_>>> = BTreeMap::new();
    for t in transcripts {
        let key = (
            t.system.clone(),
            t.seed.to_string(),
            t.context_id.clone(),
            t.user_type.clone(),
        );
        by_variant.entry(t.variant.as_str()).or_default().insert(
            key,
            t.turns
                .iter()
                .map(|x| (x.speaker.as_str(), x.text.as_str()))
                .collect(),
        );
    }
    let names: Vec<&str> = by_variant.keys().copied().collect();
    let mut out = Vec::new();
    for (i, a) in names.iter().enumerate() {
        for b in names.iter().skip(i + 1) {
            let (ta, tb) = (&by_variant[a], &by_variant[b]);
            let shared: Vec<_> = ta.keys().filter(|k| tb.contains_key(*k)).collect();
            if !shared.is_empty() && shared.iter().all(|k| ta[*k] == tb[*k]) {
                out.push((a.to_string(), b.to_string()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::input::TranscriptTurn;

    fn transcript(variant: &str, texts: &[&str]) -> Transcript {
        Transcript {
            variant: variant.into(),
            seed: 7,
            system: "mascot".into(),
            subset: "positive".into(),
            context_id: "c1".into(),
            context: "ctx".into(),
            user_type: None,
            turns: texts
                .iter()
                .map(|t| TranscriptTurn {
                    speaker: "Anchor".into(),
                    text: t.to_string(),
                    truncated: false,
                })
                .collect(),
        }
    }

    #[test]
    fn leaked_label_share_is_counted_from_transcripts() {
        let ts = [
            transcript(
                "MASCOT",
                &[
                    "Situation (as the user described it): I lost my job.",
                    "That sounds hard. What do you need most?",
                    "I hear you. Conversation so far: User: ...",
                    "situation: i was sad",
                ],
            ),
            transcript("MASCOT-P", &["I'm glad you told us.", "How are you now?"]),
        ];
        let got = leaked_labels(&ts);
        assert_eq!(got["MASCOT"], (3, 4));
        assert_eq!(got["MASCOT-P"], (0, 2));
        let lines = health_lines(&HealthInput {
            episodes: &BTreeMap::new(),
            training: &[],
            transcripts: &ts,
            cells: &[],
        });
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("MASCOT: 3 of 4 replies (75.0%)")),
            "{lines:?}"
        );
    }

    #[test]
    fn identical_transcripts_of_two_variants_are_flagged() {
        let ts = [
            transcript("A", &["same"]),
            transcript("B", &["same"]),
            transcript("C", &["other"]),
        ];
        assert_eq!(identical_variants(&ts), vec![("A".into(), "B".into())]);
    }

    #[test]
    fn wilson_interval_by_hand() {
        // p = 0.8, n = 100: centre (0.8 + 1.9208/100) / 1.038415 = 0.78893, half
        // 1.96 * sqrt(0.0016 + 0.0000960) / 1.038415 = 0.07773.
        let (lo, hi) = wilson(0.8, 100);
        assert!((lo - 0.7112).abs() < 1e-3, "{lo}");
        assert!((hi - 0.8667).abs() < 1e-3, "{hi}");
    }

    #[test]
    fn reward_model_accuracy_row_reads_the_stage_summary() {
        let rows = reward_model_rows(
            "MASCOT",
            &serde_json::json!({"heldout_accuracy": 0.8, "heldout_pairs": 100,
                "heldout_pairs_too_long": 0, "heldout_margin": 0.4}),
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].verdict, "improved");
        assert_eq!(rows[0].goal.as_deref(), Some(">= 0.75: met"));
        assert!(reward_model_rows("M", &serde_json::json!({"heldout_accuracy": null})).is_empty());
    }
}
