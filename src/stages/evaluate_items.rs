//! The glue of `evaluate` between the dialogue, judge and report libraries: conversation
//! rows become judge items (each speaker turn on the agent rubric, its context the
//! conversation before it; each conversation on the group rubric), and judged items become
//! `scores.jsonl` rows (the raw Likert score of every criterion, or the failure's reason).

use std::collections::BTreeMap;

use crate::dialogue::ConversationRow;
use crate::judge::{JudgeItem, Judged, Outcome, PersonaProfile, Subject, Turn, persona_profile};
use crate::report::{Judgement, Level, Rubric, ScoreRow};
use crate::spec::persona::Persona;

/// One item to judge and the score row it fills.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedItem {
    pub item: JudgeItem,
    /// The row, with `scores` still empty.
    pub row: ScoreRow,
}

/// The id of a conversation: context, user type and rollout.
pub fn conversation_id(row: &ConversationRow) -> String {
    format!(
        "{}/{}/r{}",
        row.context_id,
        row.user_type.as_deref().unwrap_or("-"),
        row.rollout
    )
}

/// The opening of a conversation as judge turns: the background (situation or meeting
/// transcript) when there is one, then the user's first message.
fn opening_turns(row: &ConversationRow) -> Vec<Turn> {
    let mut out = Vec::new();
    if !row.opening.background.trim().is_empty() {
        out.push(Turn::user(row.opening.background.clone()));
    }
    out.push(Turn::user(row.opening.user_message.clone()));
    out
}

fn base_row(row: &ConversationRow, seed: u64, level: Level) -> ScoreRow {
    ScoreRow {
        system: row.system.clone(),
        variant: None,
        seed,
        subset: row.subset.clone(),
        context_id: row.context_id.clone(),
        user_type: row.user_type.clone(),
        level,
        speaker: None,
        turn: None,
        scores: BTreeMap::new(),
    }
}

/// Agent items (one per speaker turn, in conversation and turn order) when `agent`, then
/// group items (one per conversation) when `group`. A speaker missing from `personas` is an
/// error naming the conversation and turn.
pub fn plan_items(
    rows: &[ConversationRow],
    personas: &[Persona],
    seed: u64,
    agent: bool,
    group: bool,
) -> Result<Vec<PlannedItem>, String> {
    let profiles: Vec<PersonaProfile> = personas.iter().map(persona_profile).collect();
    let mut out = Vec::new();
    if agent {
        for row in rows {
            let id = conversation_id(row);
            let mut context = opening_turns(row);
            for turn in &row.turns {
                let persona = profiles
                    .iter()
                    .find(|p| p.name == turn.speaker)
                    .ok_or_else(|| {
                        format!(
                            "conversation {id} ({}), turn {}: speaker `{}` is not in personas.json ({})",
                            row.system,
                            turn.index,
                            turn.speaker,
                            profiles
                                .iter()
                                .map(|p| p.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })?;
                out.push(PlannedItem {
                    item: JudgeItem {
                        id: format!("{id}/t{}", turn.index),
                        context: context.clone(),
                        emotion: row.opening.emotion.clone(),
                        subject: Subject::Response {
                            persona: persona.clone(),
                            response: turn.response.clone(),
                        },
                    },
                    row: ScoreRow {
                        speaker: Some(turn.speaker.clone()),
                        turn: Some(turn.index),
                        ..base_row(row, seed, Level::Agent)
                    },
                });
                context.push(Turn::agent(turn.speaker.clone(), turn.response.clone()));
                if let Some(reply) = &turn.user_reply {
                    context.push(Turn::user(reply.text.clone()));
                }
            }
        }
    }
    if group {
        for row in rows {
            let mut turns = Vec::new();
            for turn in &row.turns {
                turns.push(Turn::agent(turn.speaker.clone(), turn.response.clone()));
                if let Some(reply) = &turn.user_reply {
                    turns.push(Turn::user(reply.text.clone()));
                }
            }
            out.push(PlannedItem {
                item: JudgeItem {
                    id: format!("{}/group", conversation_id(row)),
                    context: opening_turns(row),
                    emotion: row.opening.emotion.clone(),
                    subject: Subject::Conversation {
                        personas: profiles.clone(),
                        turns,
                    },
                },
                row: base_row(row, seed, Level::Group),
            });
        }
    }
    Ok(out)
}

/// The score row of a judged item: every criterion of `rubric` gets the judge's raw score,
/// or `{"failed": reason}` (the whole item's reason when the judgement failed, "no score"
/// when the judge left a criterion out).
pub fn score_row(planned: &PlannedItem, judged: &Judged, rubric: &Rubric) -> ScoreRow {
    let mut row = planned.row.clone();
    for c in &rubric.criteria {
        let judgement = match &judged.outcome {
            Outcome::Scored { scores } => match scores.get(&c.name) {
                Some(&s) => Judgement::Score(s as f64),
                None => Judgement::Failed(format!("the judge gave no score for `{}`", c.name)),
            },
            Outcome::Failed { kind, reason } => {
                Judgement::Failed(format!("{}: {reason}", kind.as_str()))
            }
        };
        row.scores.insert(c.name.clone(), judgement);
    }
    row
}
