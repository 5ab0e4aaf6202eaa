//! What a judge scores: a rubric, the items (a persona's response in its context, or a whole
//! conversation among personas) and the outcome of one item (one integer per criterion, or a
//! failure with its reason).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::JudgeError;

/// Agent level (the paper's Table 5: one speaker's response) or group level (Table 6: a whole
/// conversation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RubricLevel {
    Agent,
    Group,
}

impl RubricLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RubricLevel::Agent => "agent",
            RubricLevel::Group => "group",
        }
    }
}

/// One criterion of a rubric.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RubricCriterion {
    /// The key the judge answers with, e.g. `emotional_expressiveness`.
    pub name: String,
    /// What the criterion measures, shown to model judges.
    pub description: String,
}

/// A Likert rubric: criteria scored as integers in `[low, high]` (1-5 in the paper).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rubric {
    pub level: RubricLevel,
    pub criteria: Vec<RubricCriterion>,
    /// Lowest score of the scale (1 in the paper).
    pub low: i64,
    /// Highest score of the scale (5 in the paper).
    pub high: i64,
}

impl Rubric {
    /// The criterion names in rubric order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.criteria.iter().map(|c| c.name.as_str())
    }

    /// Checks that the rubric has criteria, distinct non-empty names and `low < high`.
    pub fn validate(&self) -> Result<(), JudgeError> {
        let invalid = |reason: String| Err(JudgeError::InvalidRubric { reason });
        if self.criteria.is_empty() {
            return invalid("it has no criteria".into());
        }
        if self.low >= self.high {
            return invalid(format!("scale {}..{} is empty", self.low, self.high));
        }
        let mut seen = std::collections::BTreeSet::new();
        for name in self.names() {
            if name.trim().is_empty() {
                return invalid("a criterion has an empty name".into());
            }
            if !seen.insert(name) {
                return invalid(format!("criterion `{name}` appears twice"));
            }
        }
        Ok(())
    }
}

/// A persona as a judge sees it (the paper's Table 7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonaProfile {
    pub name: String,
    pub description: String,
    pub traits: Vec<String>,
    pub style: Option<String>,
}

/// Who spoke a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The user (or, for QMSum, the meeting material the group discusses).
    User,
    /// One of the agents; [`Turn::speaker`] names its persona.
    Agent,
}

/// One turn of a dialogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    pub role: Role,
    /// The persona name of an agent turn; `user` for a user turn.
    pub speaker: String,
    pub text: String,
}

impl Turn {
    /// A user turn.
    pub fn user(text: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            speaker: "user".into(),
            text: text.into(),
        }
    }

    /// A turn of the agent playing `persona`.
    pub fn agent(persona: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            role: Role::Agent,
            speaker: persona.into(),
            text: text.into(),
        }
    }
}

/// What is judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// Agent level: one persona's response to the context.
    Response {
        persona: PersonaProfile,
        response: String,
    },
    /// Group level: a whole conversation among the personas, after the context.
    Conversation {
        personas: Vec<PersonaProfile>,
        turns: Vec<Turn>,
    },
}

impl Subject {
    /// The rubric level this subject is judged at.
    pub fn level(&self) -> RubricLevel {
        match self {
            Subject::Response { .. } => RubricLevel::Agent,
            Subject::Conversation { .. } => RubricLevel::Group,
        }
    }
}

/// One item to judge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgeItem {
    /// Names the item in failure reasons and outcomes (e.g. `ctx-12/Anchor/k3`).
    pub id: String,
    /// The dialogue before the subject: the user's disclosure, or the meeting transcript and
    /// query, plus earlier turns.
    pub context: Vec<Turn>,
    /// The Empathetic Dialogues emotion label of the context (`sad`, `proud`...), when known.
    /// Only the heuristic judge reads it (for the context's valence).
    #[serde(default)]
    pub emotion: Option<String>,
    pub subject: Subject,
}

/// One integer per criterion, keyed by criterion name.
pub type Scores = BTreeMap<String, i64>;

/// Why an item has no scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The judge answered, but not with valid scores (missing criterion, non-integer, out of
    /// the scale, no JSON object).
    Parse,
    /// The call never produced an answer: retries exhausted on timeouts, 429, 5xx or
    /// connection errors.
    Transient,
    /// The backend refused the request (4xx other than 429, a malformed response body, a
    /// model error) or the item itself is invalid for the judge.
    Rejected,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Parse => "parse",
            FailureKind::Transient => "transient",
            FailureKind::Rejected => "rejected",
        }
    }
}

/// The result of judging one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Scored { scores: Scores },
    Failed { kind: FailureKind, reason: String },
}

impl Outcome {
    /// A failed outcome.
    pub fn failed(kind: FailureKind, reason: impl Into<String>) -> Self {
        Outcome::Failed {
            kind,
            reason: reason.into(),
        }
    }

    /// The scores, when the item was scored.
    pub fn scores(&self) -> Option<&Scores> {
        match self {
            Outcome::Scored { scores } => Some(scores),
            Outcome::Failed { .. } => None,
        }
    }

    /// The mean of the criteria scores (the paper's equation 2), when scored.
    pub fn mean(&self) -> Option<f64> {
        let scores = self.scores()?;
        if scores.is_empty() {
            return None;
        }
        Some(scores.values().map(|&v| v as f64).sum::<f64>() / scores.len() as f64)
    }
}

/// An item's id with its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judged {
    pub id: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The texts of `turns`, one per line.
pub fn join_turns(turns: &[Turn]) -> String {
    turns
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lower case, `&` as `and`, every run of other non-alphanumerics as one `_`.
pub fn criterion_key(name: &str) -> String {
    crate::spec::rubric::criterion_key(name)
}
