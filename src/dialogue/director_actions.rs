//! The director's actions in a set of conversations, as GRPO needs them: for every directed
//! turn, the exact prompt and the generated directive (text and token ids). The speakers'
//! and users' tokens are context for later turns, never actions.

use crate::dialogue::rows::{ConversationRow, Message};

/// One directive to score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectorAction {
    /// Index of the conversation in the rows given.
    pub episode: usize,
    pub turn: usize,
    pub prompt: Vec<Message>,
    pub completion: String,
    /// Empty when the model did not report ids (scripted models).
    pub completion_ids: Vec<u32>,
}

/// Every directed turn of `rows`, in (episode, turn) order.
pub fn director_actions(rows: &[ConversationRow]) -> Vec<DirectorAction> {
    rows.iter()
        .enumerate()
        .flat_map(|(episode, row)| {
            row.turns.iter().filter_map(move |t| {
                t.directive.as_ref().map(|d| DirectorAction {
                    episode,
                    turn: t.index,
                    prompt: d.prompt.clone(),
                    completion: d.raw.clone(),
                    completion_ids: d.output_ids.clone(),
                })
            })
        })
        .collect()
}
