//! The group-level proxies (the paper's Table 6): each agent turn of the conversation is
//! measured against what came before it, and the per-turn measures are averaged.
//!
//! | criterion | per agent turn | averaged, mapped by |
//! |---|---|---|
//! | `engagement_and_contribution` | `c = 1` when the turn adds 3+ new content stems (absent from the context and every earlier turn), or 1+ new stems with a synthesis / facilitation phrase (`building on`, `to sum up`, `I agree`...); `c = 0.5` for 1-2 new stems or a synthesis phrase alone; else 0 | share bands |
//! | `originality_and_specificity` | `(o + s) / 2`: `o = 1 - ` the largest Jaccard similarity of its content stems with an earlier agent turn (1 for the first), `s = min(1, context stems it names / 3)` | share bands |
//! | `fidelity` | persona adherence of the turn to its speaker's persona ([`super::persona_fit`]) | adherence bands |
//! | `relevance_and_coherence` | `min(1, stems shared with the previous turn or the context / 3)` | share bands |
//!
//! Share bands: `< 0.2` -> 1, `< 0.4` -> 2, `< 0.6` -> 3, `< 0.8` -> 4, else 5. Adherence
//! bands: `< 0.15` -> 1, `< 0.35` -> 2, `< 0.55` -> 3, `< 0.75` -> 4, else 5. A conversation
//! without agent turns scores 1 on every group criterion.

use std::collections::BTreeSet;

use super::lexicon::SYNTHESIS;
use super::likert::{ADHERENCE, SHARE, band};
use super::persona_fit::adherence;
use super::text::Analysed;
use crate::judge::item::{PersonaProfile, Role, Turn, join_turns};

/// One agent turn, analysed, with the persona that spoke it and what preceded it.
pub struct AgentTurn<'a> {
    pub persona: &'a PersonaProfile,
    pub text: Analysed,
    /// Content stems of the context and every earlier turn (user and agent).
    pub seen_before: BTreeSet<String>,
    /// Content stems of the turn right before this one (the last context turn for the first).
    pub previous: BTreeSet<String>,
    /// Content stems of earlier agent turns, in order.
    pub earlier_agents: Vec<BTreeSet<String>>,
}

/// A conversation as the group proxies see it.
pub struct GroupView<'a> {
    pub context: Analysed,
    pub agent_turns: Vec<AgentTurn<'a>>,
}

impl<'a> GroupView<'a> {
    /// Analyses `turns` after `context`; `Err` names a turn whose speaker is not a persona.
    pub fn new(
        context: &[Turn],
        personas: &'a [PersonaProfile],
        turns: &[Turn],
    ) -> Result<Self, String> {
        let last_context_turn = context.last();
        let context = Analysed::new(&join_turns(context));
        let mut seen = context.content.clone();
        let mut previous = last_context_turn
            .map(|t| Analysed::new(&t.text).content)
            .unwrap_or_default();
        let mut earlier_agents = Vec::new();
        let mut agent_turns = Vec::new();
        for (i, turn) in turns.iter().enumerate() {
            let text = Analysed::new(&turn.text);
            if turn.role == Role::Agent {
                let persona = personas
                    .iter()
                    .find(|p| p.name.eq_ignore_ascii_case(turn.speaker.trim()))
                    .ok_or_else(|| {
                        format!(
                            "turn {} is spoken by `{}`, which is not one of the personas ({})",
                            i + 1,
                            turn.speaker,
                            personas
                                .iter()
                                .map(|p| p.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })?;
                agent_turns.push(AgentTurn {
                    persona,
                    text: text.clone(),
                    seen_before: seen.clone(),
                    previous: previous.clone(),
                    earlier_agents: earlier_agents.clone(),
                });
                earlier_agents.push(text.content.clone());
            }
            seen.extend(text.content.iter().cloned());
            previous = text.content;
        }
        Ok(Self {
            context,
            agent_turns,
        })
    }

    fn mean(&self, per_turn: impl Fn(&AgentTurn) -> f64) -> Option<f64> {
        if self.agent_turns.is_empty() {
            return None;
        }
        let sum: f64 = self.agent_turns.iter().map(per_turn).sum();
        Some(sum / self.agent_turns.len() as f64)
    }
}

/// New viewpoints, synthesis and facilitation.
pub fn engagement_and_contribution(v: &GroupView) -> i64 {
    v.mean(|t| {
        let new = t.text.content.difference(&t.seen_before).count();
        let synthesis = t.text.count_phrases(SYNTHESIS) > 0;
        if new >= 3 || (new >= 1 && synthesis) {
            1.0
        } else if new >= 1 || synthesis {
            0.5
        } else {
            0.0
        }
    })
    .map_or(1, |f| band(f, SHARE))
}

/// Not repeating other agents, and naming specific details of the context.
pub fn originality_and_specificity(v: &GroupView) -> i64 {
    v.mean(|t| {
        let most_similar = t
            .earlier_agents
            .iter()
            .map(|earlier| jaccard(&t.text.content, earlier))
            .fold(0.0, f64::max);
        let originality = 1.0 - most_similar;
        let named = t.text.content.intersection(&v.context.content).count();
        let specificity = (named as f64 / 3.0).min(1.0);
        (originality + specificity) / 2.0
    })
    .map_or(1, |f| band(f, SHARE))
}

/// Each turn adheres to its own speaker's persona.
pub fn fidelity(v: &GroupView) -> i64 {
    v.mean(|t| adherence(t.persona, &t.text))
        .map_or(1, |a| band(a, ADHERENCE))
}

/// Each turn follows from the turn before it or from the conversation's objective.
pub fn relevance_and_coherence(v: &GroupView) -> i64 {
    v.mean(|t| {
        let anchor: BTreeSet<&String> = t.previous.iter().chain(&v.context.content).collect();
        let shared = t.text.content.iter().filter(|s| anchor.contains(s)).count();
        (shared as f64 / 3.0).min(1.0)
    })
    .map_or(1, |f| band(f, SHARE))
}

fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}
