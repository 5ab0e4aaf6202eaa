//! The evaluation artifact contract: the files an `evaluate` stage writes and the report
//! reads. `scores.jsonl` has one [`ScoreRow`] per judged item (an agent turn or a whole
//! conversation), with the judge's raw Likert score or the reason the judgement failed for
//! every criterion of the rubric of its level. `summary.json` is a [`Summary`]: mean,
//! sample standard deviation, count and failures per cell, on the rescaled range.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rubric::{Level, Rubric, Rubrics, rescale};

/// File name of the per-item scores.
pub const SCORES_FILE: &str = "scores.jsonl";
/// File name of the aggregated scores.
pub const SUMMARY_FILE: &str = "summary.json";

/// One judged item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreRow {
    /// `mascot` or a baseline (`zero_shot`, `few_shot_cot`, ...).
    pub system: String,
    /// The experiment variant (`MASCOT`, `MASCOT-P`, a sweep point...). An `evaluate`
    /// artifact leaves it out: variants that need the same evaluation share one artifact,
    /// and the report files its rows under each of them (see [`super::RowLabel`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The experiment seed of the run that produced the conversation.
    pub seed: u64,
    /// Dataset subset (`positive`, `negative`, `neutral`, `academic`...).
    pub subset: String,
    pub context_id: String,
    /// MBTI code of the simulated user, when the conversation had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// `agent`: one speaker turn scored on the agent rubric (Table 5); `group`: a whole
    /// conversation scored on the group rubric (Table 6).
    pub level: Level,
    /// The persona that spoke (agent rows only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    /// 0-based turn index in the conversation (agent rows only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn: Option<usize>,
    /// Criterion name -> judgement, one entry per criterion of the rubric.
    pub scores: BTreeMap<String, Judgement>,
}

/// The judge's verdict on one criterion: a Likert score, or why there is none (the judge
/// answered nonsense, the call failed after its retries...). In JSON: a number, or
/// `{"failed": "reason"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "serde_json::Value", into = "serde_json::Value")]
pub enum Judgement {
    Score(f64),
    Failed(String),
}

impl TryFrom<serde_json::Value> for Judgement {
    type Error = String;
    fn try_from(v: serde_json::Value) -> Result<Self, String> {
        use serde_json::Value;
        match &v {
            Value::Number(n) => n
                .as_f64()
                .map(Judgement::Score)
                .ok_or_else(|| format!("score {n} is not a finite number")),
            Value::Object(map) => match (map.get("failed"), map.len()) {
                (Some(Value::String(reason)), 1) => Ok(Judgement::Failed(reason.clone())),
                _ => Err(format!(
                    "expected a Likert score or {{\"failed\": \"reason\"}}, found {v}"
                )),
            },
            other => Err(format!(
                "expected a Likert score or {{\"failed\": \"reason\"}}, found {other}"
            )),
        }
    }
}

impl From<Judgement> for serde_json::Value {
    fn from(j: Judgement) -> Self {
        match j {
            Judgement::Score(s) => serde_json::json!(s),
            Judgement::Failed(reason) => serde_json::json!({ "failed": reason }),
        }
    }
}

impl ScoreRow {
    /// A short description naming the record, for errors about rows held in memory.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "score row (variant {}, seed {}, system {}, subset {}, context {}",
            self.variant.as_deref().unwrap_or("-"),
            self.seed,
            self.system,
            self.subset,
            self.context_id
        );
        if let Some(t) = self.turn {
            s.push_str(&format!(", turn {t}"));
        }
        s.push_str(&format!(", {} level)", self.level.as_str()));
        s
    }

    /// Checks the row against the rubrics: the rubric of its level exists, every criterion
    /// of that rubric has a judgement and no other criterion appears, every score is inside
    /// the Likert scale, agent rows name their speaker and turn and group rows do not.
    /// Returns the rubric of the row.
    pub fn check<'r>(&self, rubrics: &'r Rubrics) -> Result<&'r Rubric, String> {
        let rubric = rubrics.get(self.level).ok_or_else(|| {
            format!(
                "a {} level row, but the evaluation has no {} rubric",
                self.level.as_str(),
                self.level.as_str()
            )
        })?;
        for name in self.scores.keys() {
            if !rubric.criteria.iter().any(|c| &c.name == name) {
                return Err(format!(
                    "criterion `{name}` is not in the {} rubric ({})",
                    self.level.as_str(),
                    criteria_list(rubric)
                ));
            }
        }
        for c in &rubric.criteria {
            match self.scores.get(&c.name) {
                None => {
                    return Err(format!(
                        "no judgement for criterion `{}`; a judgement that failed is written as {{\"failed\": \"reason\"}}",
                        c.name
                    ));
                }
                Some(Judgement::Score(s)) if rescale(rubric, *s).is_none() => {
                    return Err(format!(
                        "score {s} for `{}` is outside the Likert scale {}..{}",
                        c.name, rubric.scale[0], rubric.scale[1]
                    ));
                }
                Some(_) => {}
            }
        }
        match (self.level, &self.speaker, self.turn) {
            (Level::Agent, None, _) => Err("an agent row needs a `speaker`".into()),
            (Level::Agent, _, None) => Err("an agent row needs a `turn`".into()),
            (Level::Group, Some(_), _) | (Level::Group, _, Some(_)) => {
                Err("a group row scores a whole conversation: no `speaker` or `turn`".into())
            }
            _ => Ok(rubric),
        }
    }
}

fn criteria_list(rubric: &Rubric) -> String {
    rubric
        .criteria
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Who judged: shown in the report, and the reason for the "scores are proxies" note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgeInfo {
    /// `heuristic`, `openai` or `local`.
    pub backend: String,
    /// The judge model (`gpt-4o`, a model path), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

impl JudgeInfo {
    /// The offline lexical judge: its scores are proxies, not LLM judgements.
    pub fn is_heuristic(&self) -> bool {
        self.backend == "heuristic"
    }

    /// `openai (gpt-4o)`, `heuristic`.
    pub fn label(&self) -> String {
        match &self.model {
            Some(m) => format!("{} ({m})", self.backend),
            None => self.backend.clone(),
        }
    }
}

/// `summary.json`: every aggregated cell of an evaluation. Values are on the rescaled range
/// (0-100 for the paper's rubrics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub judge: JudgeInfo,
    pub rubrics: Vec<Rubric>,
    pub cells: Vec<SummaryCell>,
}

/// Mean, sample standard deviation, count and failures of one criterion (or `overall`) over
/// the items of one variant x seed x system x subset x level, either over every item
/// (`user_type` and `speaker` absent) or over the items of one MBTI user type and/or one
/// speaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryCell {
    /// Absent for the rows of an `evaluate` artifact, which carry no variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub seed: u64,
    pub system: String,
    pub subset: String,
    pub level: Level,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    /// A criterion of the rubric, or `overall`.
    pub criterion: String,
    /// Absent when no judgement of the cell succeeded.
    pub mean: Option<f64>,
    /// Sample standard deviation (divisor n - 1); absent when n < 2.
    pub std: Option<f64>,
    /// Successful judgements the mean is over.
    pub n: usize,
    /// Failed judgements, never counted in the mean.
    pub failed: usize,
}
