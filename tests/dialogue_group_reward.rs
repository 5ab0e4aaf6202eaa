//! Equation 7 over whole conversations: the diversity indicator of each episode's speakers
//! and `R_group = w_c * coherence + eta * diverse` from a coherence scorer, against
//! hand-computed values; a scorer answering outside [0, 1] is an error naming the context.

mod dialogue_support;

use dialogue_support::*;
use mascot::dialogue::{
    CoherenceScorer, ConversationConfig, ConversationRow, DialogueError, GroupRewardWeights,
    Models, NoProgress, ScriptedModel, group_rewards, plan_episodes, run_conversations,
};

/// Coherence = 0.25 per distinct speaker, a stand-in for a judge.
struct ByDistinctSpeakers;

impl CoherenceScorer for ByDistinctSpeakers {
    fn coherence(&self, rows: &[ConversationRow]) -> Result<Vec<f64>, DialogueError> {
        Ok(rows
            .iter()
            .map(|r| 0.25 * r.counters.distinct_speakers as f64)
            .collect())
    }
}

struct Broken;

impl CoherenceScorer for Broken {
    fn coherence(&self, rows: &[ConversationRow]) -> Result<Vec<f64>, DialogueError> {
        Ok(rows.iter().map(|_| 4.0).collect())
    }
}

fn rows() -> Vec<ConversationRow> {
    // c1: Anchor, Beacon, Catalyst (diverse); c2: Anchor, Anchor, Beacon (repeat).
    let director = ScriptedModel::new(|chat, _| {
        let first = user_of(chat).contains("first");
        match (first, director_turn(chat)) {
            (true, 1) => "Anchor: a",
            (true, 2) => "Beacon: b",
            (true, _) => "Catalyst: c",
            (false, 3) => "Beacon: b",
            (false, _) => "Anchor: a",
        }
        .to_string()
    });
    let speaker = ScriptedModel::constant("ok");
    let cfg = ConversationConfig {
        turns: 3,
        ..Default::default()
    };
    let starts = [ed_start("c1", "s", "first"), ed_start("c2", "s", "second")];
    let models = Models {
        director: Some(&director),
        speakers: vec![&speaker],
        user: None,
    };
    run_conversations(
        &cfg,
        &ed_personas(),
        &plan_episodes(&starts, &[], 1),
        &models,
        &NoProgress,
    )
    .unwrap()
}

#[test]
fn group_reward_by_hand() {
    let rows = rows();
    let w = GroupRewardWeights {
        coherence: 1.0,
        eta: 0.5,
    };
    let r = group_rewards(&rows, &ByDistinctSpeakers, w, 3).unwrap();
    // c1: coherence 0.75, diverse 1 -> 0.75 + 0.5 = 1.25.
    assert_eq!(
        (r[0].coherence, r[0].diverse, r[0].total),
        (0.75, 1.0, 1.25)
    );
    // c2: coherence 0.5, diverse 0 (Anchor twice in a row, 2 < 3 distinct) -> 0.5.
    assert_eq!((r[1].coherence, r[1].diverse, r[1].total), (0.5, 0.0, 0.5));
    // With 2 personas' worth required, c2 still repeats a speaker.
    let r = group_rewards(&rows, &ByDistinctSpeakers, w, 2).unwrap();
    assert_eq!(r[1].diverse, 0.0);
}

#[test]
fn coherence_outside_the_unit_interval_is_an_error() {
    let err = group_rewards(&rows(), &Broken, GroupRewardWeights::default(), 3).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("coherence score 4") && msg.contains("`c1`"),
        "{msg}"
    );
}
