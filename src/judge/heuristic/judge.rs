//! [`HeuristicJudge`]: deterministic, offline scores, one proxy per criterion of the paper's
//! Tables 5 and 6, chosen by criterion name. The scores are proxies of what an LLM judge
//! rates, not ratings: every report built on them must say so.

use super::agent::{self, AgentView};
use super::group::{self, GroupView};
use super::text::Analysed;
use crate::judge::error::JudgeError;
use crate::judge::item::{
    FailureKind, JudgeItem, Outcome, Rubric, RubricLevel, Scores, Subject, criterion_key,
    join_turns,
};

/// A criterion the heuristic judge can measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proxy {
    EmotionalExpressiveness,
    EmpatheticSupportQuality,
    Consistency,
    ResponseRelevance,
    SocialContribution,
    EngagementAndContribution,
    OriginalityAndSpecificity,
    Fidelity,
    RelevanceAndCoherence,
}

/// Every proxy with its canonical criterion name (the names of `personas/rubrics.mascot`).
pub const PROXIES: &[(&str, Proxy)] = &[
    ("emotional_expressiveness", Proxy::EmotionalExpressiveness),
    (
        "empathetic_support_quality",
        Proxy::EmpatheticSupportQuality,
    ),
    ("consistency", Proxy::Consistency),
    ("response_relevance", Proxy::ResponseRelevance),
    ("social_contribution", Proxy::SocialContribution),
    (
        "engagement_and_contribution",
        Proxy::EngagementAndContribution,
    ),
    (
        "originality_and_specificity",
        Proxy::OriginalityAndSpecificity,
    ),
    ("fidelity", Proxy::Fidelity),
    ("relevance_and_coherence", Proxy::RelevanceAndCoherence),
];

impl Proxy {
    /// The level whose subject this proxy measures.
    pub fn level(self) -> RubricLevel {
        match self {
            Proxy::EmotionalExpressiveness
            | Proxy::EmpatheticSupportQuality
            | Proxy::Consistency
            | Proxy::ResponseRelevance
            | Proxy::SocialContribution => RubricLevel::Agent,
            _ => RubricLevel::Group,
        }
    }

    /// The proxy of a criterion name: case, spaces, hyphens and `&` (as `and`) do not matter,
    /// so `Engagement & Contribution` finds `engagement_and_contribution`.
    pub fn for_criterion(name: &str) -> Option<Self> {
        let key = criterion_key(name);
        PROXIES.iter().find(|(n, _)| *n == key).map(|(_, p)| *p)
    }
}

/// The deterministic, offline judge.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeuristicJudge;

impl HeuristicJudge {
    /// The proxies of `rubric`'s criteria, in rubric order; an error names an unknown
    /// criterion (with the names it knows), a criterion of the other level, or a scale
    /// other than 1..5 (the thresholds are defined on it).
    pub fn proxies(rubric: &Rubric) -> Result<Vec<Proxy>, JudgeError> {
        rubric.validate()?;
        if (rubric.low, rubric.high) != (1, 5) {
            return Err(JudgeError::Config {
                reason: format!(
                    "the heuristic judge scores on 1..5, the rubric's scale is {}..{}",
                    rubric.low, rubric.high
                ),
                help: "use `scale: 1..5` (the paper's Likert scale) with the heuristic judge"
                    .into(),
            });
        }
        let known = || {
            PROXIES
                .iter()
                .filter(|(_, p)| p.level() == rubric.level)
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        };
        rubric
            .names()
            .map(|name| match Proxy::for_criterion(name) {
                Some(p) if p.level() == rubric.level => Ok(p),
                _ => Err(JudgeError::UnknownCriterion {
                    name: name.to_string(),
                    level: rubric.level.as_str(),
                    known: known(),
                }),
            })
            .collect()
    }

    /// Scores every item; an item the proxies cannot read (a turn by a speaker that is not
    /// one of its personas) fails with the reason.
    pub fn judge(&self, rubric: &Rubric, items: &[JudgeItem]) -> Result<Vec<Outcome>, JudgeError> {
        let proxies = Self::proxies(rubric)?;
        items
            .iter()
            .map(|item| {
                if item.subject.level() != rubric.level {
                    return Err(JudgeError::LevelMismatch {
                        item: item.id.clone(),
                        item_level: item.subject.level().as_str(),
                        rubric_level: rubric.level.as_str(),
                    });
                }
                Ok(score_item(rubric, &proxies, item))
            })
            .collect()
    }
}

fn score_item(rubric: &Rubric, proxies: &[Proxy], item: &JudgeItem) -> Outcome {
    let mut scores = Scores::new();
    match &item.subject {
        Subject::Response { persona, response } => {
            let context = Analysed::new(&join_turns(&item.context));
            let view = AgentView {
                persona,
                response: Analysed::new(response),
                valence: agent::context_valence(item.emotion.as_deref(), &context),
                context,
            };
            for (name, proxy) in rubric.names().zip(proxies) {
                let score = match proxy {
                    Proxy::EmotionalExpressiveness => agent::emotional_expressiveness(&view),
                    Proxy::EmpatheticSupportQuality => agent::empathetic_support_quality(&view),
                    Proxy::Consistency => agent::consistency(&view),
                    Proxy::ResponseRelevance => agent::response_relevance(&view),
                    _ => agent::social_contribution(&view),
                };
                scores.insert(name.to_string(), score);
            }
        }
        Subject::Conversation { personas, turns } => {
            let view = match GroupView::new(&item.context, personas, turns) {
                Ok(v) => v,
                Err(reason) => return Outcome::failed(FailureKind::Rejected, reason),
            };
            for (name, proxy) in rubric.names().zip(proxies) {
                let score = match proxy {
                    Proxy::EngagementAndContribution => group::engagement_and_contribution(&view),
                    Proxy::OriginalityAndSpecificity => group::originality_and_specificity(&view),
                    Proxy::Fidelity => group::fidelity(&view),
                    _ => group::relevance_and_coherence(&view),
                };
                scores.insert(name.to_string(), score);
            }
        }
    }
    Outcome::Scored { scores }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checker tells a rubric the heuristic judge cannot score from the list in `spec`
    /// (the checker may not import the judge): it must name exactly these proxies.
    #[test]
    fn the_checkers_list_is_the_proxies() {
        let spec: Vec<(&str, &str)> = crate::spec::rubric::HEURISTIC_CRITERIA
            .iter()
            .map(|(n, l)| (*n, l.as_str()))
            .collect();
        let here: Vec<(&str, &str)> = PROXIES
            .iter()
            .map(|(n, p)| (*n, p.level().as_str()))
            .collect();
        assert_eq!(spec, here);
    }
}
