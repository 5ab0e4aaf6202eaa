//! Thinking replies in the turn loop, with scripted models: the visible text is what follows
//! `</think>`, a reply cut inside its think block is a truncated turn (counted per role, its
//! trace kept, never shown as an ordinary message), and each role's thinking switch and
//! budget reach its calls.

mod dialogue_support;

use std::sync::{Arc, Mutex};

use dialogue_support::*;
use mascot::data::mbti_type;
use mascot::dialogue::{
    ConversationConfig, Decoding, Models, NoProgress, ScriptedModel, SimulatedUser, SystemKind,
    plan_episodes, run_conversations,
};
use mascot::spec::model::Thinking;

/// Every decoding a scripted model was called with.
type Seen = Arc<Mutex<Vec<Decoding>>>;

fn recording(
    seen: &Seen,
    reply: impl Fn(&Decoding) -> String + Send + Sync + 'static,
) -> ScriptedModel {
    let seen = seen.clone();
    ScriptedModel::new(move |_, d| {
        seen.lock().unwrap().push(d.clone());
        reply(d)
    })
}

#[test]
fn truncated_replies_are_counted_per_role_and_kept_with_their_trace() {
    let seen: Seen = Arc::default();
    // The director thinks and never closes its block; the speakers think and answer; the user
    // model writes a plain reply (its thinking is off).
    let director = recording(&seen, |_| "<think>\nWho should speak? Maybe".into());
    let speaker = recording(&seen, |_| {
        "<think>\nBe warm.\n</think>\n\nThat is wonderful!".into()
    });
    let user = recording(&seen, |_| "Thanks, it was.".into());
    let cfg = ConversationConfig {
        turns: 3,
        max_tokens: 500,
        director_max_tokens: 40,
        user_max_tokens: 30,
        director_temperature: Some(0.2),
        user_temperature: 0.9,
        speaker_thinking: Some(Thinking::On),
        director_thinking: Some(Thinking::On),
        user_thinking: Some(Thinking::Off),
        ..Default::default()
    };
    let starts = vec![ed_start("c1", "I came first in a 10k.", "I won the race!")];
    let users = vec![SimulatedUser::mbti(mbti_type("INFP").unwrap())];
    let episodes = plan_episodes(&starts, &users, 1);
    let models = Models {
        director: Some(&director),
        speakers: vec![&speaker],
        user: Some(&user),
    };
    let rows = run_conversations(&cfg, &ed_personas(), &episodes, &models, &NoProgress).unwrap();
    let row = &rows[0];
    assert_eq!(row.counters.truncated_directives, 3);
    assert_eq!(row.counters.truncated_responses, 0);
    assert_eq!(row.counters.truncated_user_replies, 0);
    for t in &row.turns {
        let d = t.directive.as_ref().unwrap();
        assert!(d.truncated);
        assert_eq!(d.think.as_deref(), Some("Who should speak? Maybe"));
        assert_eq!(d.thinking, Some(Thinking::On));
        assert!(d.fallback, "a truncated directive names nobody");
        // The speakers' visible text is what follows `</think>`; the trace is kept.
        assert_eq!(t.response, "That is wonderful!");
        assert_eq!(t.think.as_deref(), Some("Be warm."));
        assert!(!t.truncated);
    }
    assert_eq!(
        row.turns[0].user_reply.as_ref().unwrap().text,
        "Thanks, it was."
    );

    // Each role's call got its budget, temperature and switch.
    let calls = seen.lock().unwrap().clone();
    let by_budget = |n: usize| {
        calls
            .iter()
            .filter(|d| d.max_tokens == n)
            .collect::<Vec<_>>()
    };
    let directors = by_budget(40);
    let speakers = by_budget(500);
    let users = by_budget(30);
    assert_eq!((directors.len(), speakers.len(), users.len()), (3, 3, 2));
    assert!(
        directors
            .iter()
            .all(|d| d.temperature == 0.2 && d.thinking == Some(Thinking::On))
    );
    assert!(
        speakers
            .iter()
            .all(|d| d.temperature == 0.7 && d.thinking == Some(Thinking::On))
    );
    assert!(
        users
            .iter()
            .all(|d| d.temperature == 0.9 && d.thinking == Some(Thinking::Off))
    );
}

#[test]
fn a_speaker_cut_inside_its_think_block_is_a_truncated_turn_not_a_silent_empty_message() {
    // The speaker model's own switch is on (no per-role override) and it never closes.
    let speaker =
        ScriptedModel::constant("<think>\nThe user is proud, so I").with_thinking(Thinking::On);
    let user = ScriptedModel::constant("<think>hm").with_thinking(Thinking::Auto);
    let cfg = ConversationConfig {
        system: SystemKind::ZeroShot,
        turns: 2,
        ..Default::default()
    };
    let starts = vec![ed_start("c1", "I came first in a 10k.", "I won the race!")];
    let users = vec![SimulatedUser::mbti(mbti_type("ENTJ").unwrap())];
    let episodes = plan_episodes(&starts, &users, 1);
    let models = Models {
        director: None,
        speakers: vec![&speaker],
        user: Some(&user),
    };
    let rows = run_conversations(&cfg, &ed_personas(), &episodes, &models, &NoProgress).unwrap();
    let row = &rows[0];
    assert_eq!(row.counters.truncated_responses, 2);
    assert_eq!(row.counters.empty_responses, 2);
    // `auto`: an opened, never closed block is cut too.
    assert_eq!(row.counters.truncated_user_replies, 1);
    for t in &row.turns {
        assert!(t.truncated);
        assert_eq!(t.response, "");
        assert_eq!(t.think.as_deref(), Some("The user is proud, so I"));
        assert_eq!(
            t.raw_response.as_deref(),
            Some("<think>\nThe user is proud, so I")
        );
    }
    let reply = row.turns[0].user_reply.as_ref().unwrap();
    assert!(reply.truncated);
    assert_eq!(reply.think.as_deref(), Some("hm"));
    // Written to the row: the flags and traces are there, and read back the same.
    let json = serde_json::to_value(row).unwrap();
    assert_eq!(json["turns"][0]["truncated"], true);
    assert_eq!(json["counters"]["truncated_responses"], 2);
    let back: mascot::dialogue::ConversationRow = serde_json::from_value(json).unwrap();
    assert_eq!(&back, row);
}
