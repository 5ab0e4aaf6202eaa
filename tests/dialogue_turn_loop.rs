//! The turn loop with scripted models (no model runtime): directives steer the speakers,
//! failed directives fall back to the least recently used persona, the counters add up, every
//! phase is one batched call per turn, users reply after every turn but the last, and the
//! non-director orders are seeded.

mod dialogue_support;

use dialogue_support::*;
use mascot::data::mbti_type;
use mascot::dialogue::{
    ConversationConfig, EpisodePlan, Models, NoProgress, ParseFailure, ScriptedModel,
    SimulatedUser, SpeakerOrder, SystemKind, TokenCount, director_actions, episode_diverse,
    plan_episodes, run_conversations,
};

/// Directives per context, per turn (1-based turn k -> index k - 1).
fn script(context: &str, turn: usize) -> &'static str {
    match (context, turn) {
        ("I won the race!", 1) => "Beacon: celebrate the win",
        ("I won the race!", 2) => "Dr. Phil: talk about it", // unknown -> Anchor (never spoke)
        ("I won the race!", 3) => "   ",                     // empty -> Catalyst (never spoke)
        ("I won the race!", 4) => "blah blah",               // missing -> Beacon (spoke at 0)
        ("My cat died.", 1) => "**the anchor** - hold space",
        ("My cat died.", 2) => "Catalyst, ask what happened",
        ("My cat died.", 3) => "asdf", // missing -> Beacon
        ("My cat died.", 4) => "Next speaker: Catalyst: reframe",
        _ => "",
    }
}

fn director() -> ScriptedModel {
    ScriptedModel::new(|chat, _| {
        let u = user_of(chat);
        let context = if u.contains("I won the race!") {
            "I won the race!"
        } else {
            "My cat died."
        };
        script(context, director_turn(chat)).to_string()
    })
}

fn speaker() -> ScriptedModel {
    ScriptedModel::new(|chat, _| {
        let name = speaker_name(chat);
        match instruction_of(chat) {
            Some(i) => format!("{name} does: {i}"),
            None => format!("{name} speaks"),
        }
    })
}

fn two_starts() -> Vec<mascot::dialogue::EpisodeStart> {
    vec![
        ed_start("c1", "I came first in a 10k.", "I won the race!"),
        ed_start("c2", "My cat of 15 years died.", "My cat died."),
    ]
}

#[test]
fn directives_steer_speakers_and_failures_fall_back_to_least_recently_used() {
    let (d, s) = (director(), speaker());
    let cfg = ConversationConfig {
        turns: 4,
        ..Default::default()
    };
    let episodes = plan_episodes(&two_starts(), &[], 1);
    let models = Models {
        director: Some(&d),
        speakers: vec![&s],
        user: None,
    };
    let rows = run_conversations(&cfg, &ed_personas(), &episodes, &models, &NoProgress).unwrap();
    assert_eq!(rows.len(), 2);

    let speakers =
        |i: usize| -> Vec<&str> { rows[i].turns.iter().map(|t| t.speaker.as_str()).collect() };
    assert_eq!(speakers(0), vec!["Beacon", "Anchor", "Catalyst", "Beacon"]);
    assert_eq!(
        speakers(1),
        vec!["Anchor", "Catalyst", "Beacon", "Catalyst"]
    );

    // The parsed directive, the failure and the instruction the speaker got.
    let t = &rows[0].turns;
    let d0 = t[0].directive.as_ref().unwrap();
    assert_eq!(d0.parsed_speaker.as_deref(), Some("Beacon"));
    assert_eq!((d0.failure.clone(), d0.fallback), (None, false));
    assert_eq!(t[0].response, "Beacon does: celebrate the win");
    let d1 = t[1].directive.as_ref().unwrap();
    assert_eq!(d1.raw, "Dr. Phil: talk about it");
    assert_eq!(
        d1.failure,
        Some(ParseFailure::UnknownSpeaker {
            named: "Dr. Phil".into()
        })
    );
    assert!(d1.fallback && d1.parsed_speaker.is_none());
    assert_eq!(t[1].response, "Anchor does: talk about it");
    let d2 = t[2].directive.as_ref().unwrap();
    assert_eq!(d2.failure, Some(ParseFailure::Empty));
    assert_eq!(t[2].response, "Catalyst speaks");
    assert_eq!(
        t[3].directive.as_ref().unwrap().failure,
        Some(ParseFailure::MissingSpeaker)
    );
    assert_eq!(t[3].response, "Beacon does: blah blah");

    // Counters.
    let c0 = rows[0].counters;
    assert_eq!((c0.turns, c0.director_calls, c0.model_calls), (4, 4, 8));
    assert_eq!(
        (
            c0.parse_failures,
            c0.unknown_speakers,
            c0.empty_directives,
            c0.missing_speakers
        ),
        (3, 1, 1, 1)
    );
    assert_eq!(
        (c0.fallbacks, c0.distinct_speakers, c0.repeated_speakers),
        (3, 3, 0)
    );
    let c1 = rows[1].counters;
    assert_eq!(
        (c1.parse_failures, c1.missing_speakers, c1.fallbacks),
        (1, 1, 1)
    );
    let mut sum = TokenCount::default();
    for t in &rows[0].turns {
        sum.add(t.tokens);
        sum.add(t.directive.as_ref().unwrap().tokens);
    }
    assert_eq!(c0.tokens, sum);
    assert!(sum.prompt > 0 && sum.output > 0);
    // Regression: the fallback's least-recently-used order is diverse by construction (3
    // distinct speakers, none twice in a row), so a director whose directives named no
    // persona was rewarded as if it had chosen well. An episode with a fallback scores 0.
    assert_eq!(c0.distinct_speakers, 3);
    assert_eq!(episode_diverse(&rows[0], 3), 0.0);
    assert_eq!(episode_diverse(&rows[1], 3), 0.0);

    // One batched director call and one speaker call per turn, both episodes in each.
    let dc = d.calls();
    assert_eq!(dc.len(), 4);
    assert!(dc.iter().all(|call| call.len() == 2));
    let sc = s.calls();
    assert_eq!(sc.len(), 4);
    assert!(sc.iter().all(|call| call.len() == 2));

    // The recorded director prompt is exactly what the director received, and later prompts
    // carry the earlier responses.
    assert_eq!(d0.prompt, dc[0][0]);
    assert_eq!(t[3].directive.as_ref().unwrap().prompt, dc[3][0]);
    assert!(user_of(&dc[3][0]).contains("Catalyst: Catalyst speaks"));
    assert!(user_of(&dc[3][0]).contains("Turn 4 of 4"));
    let actions = director_actions(&rows);
    assert_eq!(actions.len(), 8);
    assert_eq!((actions[5].episode, actions[5].turn), (1, 1));
    assert_eq!(actions[5].completion, "Catalyst, ask what happened");
}

#[test]
fn users_reply_after_every_turn_but_the_last_with_their_profile() {
    let s = speaker();
    let u = ScriptedModel::new(|chat, _| {
        let sys = system_of(chat);
        let kind = sys
            .split("personality type is ")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .unwrap_or("none");
        format!("User: reply as {kind}")
    });
    let cfg = ConversationConfig {
        system: SystemKind::Mascot,
        order: SpeakerOrder::RoundRobin,
        turns: 3,
        ..Default::default()
    };
    let users = [
        SimulatedUser::mbti(mbti_type("INFP").unwrap()),
        SimulatedUser::mbti(mbti_type("ENTJ").unwrap()),
    ];
    let episodes = plan_episodes(&two_starts(), &users, 1);
    assert_eq!(episodes.len(), 4);
    let models = Models {
        director: None,
        speakers: vec![&s],
        user: Some(&u),
    };
    let rows = run_conversations(&cfg, &ed_personas(), &episodes, &models, &NoProgress).unwrap();
    let types: Vec<_> = rows.iter().map(|r| r.user_type.clone().unwrap()).collect();
    assert_eq!(types, vec!["INFP", "ENTJ", "INFP", "ENTJ"]);
    for r in &rows {
        assert_eq!(r.order, "round_robin");
        let speakers: Vec<&str> = r.turns.iter().map(|t| t.speaker.as_str()).collect();
        assert_eq!(speakers, vec!["Anchor", "Catalyst", "Beacon"]);
        assert!(r.turns.iter().all(|t| t.directive.is_none()));
        let want = format!("reply as {}", r.user_type.as_deref().unwrap());
        assert_eq!(r.turns[0].user_reply.as_ref().unwrap().text, want);
        assert_eq!(r.turns[1].user_reply.as_ref().unwrap().text, want);
        assert!(r.turns[2].user_reply.is_none());
        assert_eq!(r.counters.user_replies, 2);
        assert_eq!(r.counters.model_calls, 5);
    }
    // Two user calls (after turns 1 and 2), each with all four episodes; the profile is in
    // the prompt and the user's reply is in the next speaker's prompt.
    let uc = u.calls();
    assert_eq!(uc.len(), 2);
    assert_eq!(uc[0].len(), 4);
    assert!(system_of(&uc[0][0]).contains("Mediator"));
    assert!(system_of(&uc[0][1]).contains("Commander"));
    let third_turn = &s.calls()[2];
    assert!(user_of(&third_turn[0]).contains("User: reply as INFP"));
    assert!(user_of(&third_turn[0]).contains("Catalyst: Catalyst speaks"));
}

#[test]
fn random_order_is_seeded_and_uses_no_director() {
    let s = speaker();
    let starts: Vec<_> = (0..6)
        .map(|i| ed_start(&format!("c{i}"), "s", "I won the race!"))
        .collect();
    let run = |seed| {
        let cfg = ConversationConfig {
            order: SpeakerOrder::Random,
            turns: 5,
            seed,
            ..Default::default()
        };
        let models = Models {
            director: None,
            speakers: vec![&s],
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
    };
    let a = run(1);
    assert_eq!(a, run(1));
    let order = |rows: &[mascot::dialogue::ConversationRow]| -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.turns.iter().map(|t| t.speaker.clone()).collect())
            .collect()
    };
    assert_ne!(order(&a), order(&run(2)));
    assert!(
        a.iter()
            .all(|r| r.order == "random" && r.counters.director_calls == 0)
    );
}

#[test]
fn per_persona_speaker_models_get_only_their_persona() {
    let d = director();
    let models_owned: Vec<ScriptedModel> = (0..3).map(|_| speaker()).collect();
    let cfg = ConversationConfig {
        turns: 4,
        ..Default::default()
    };
    let models = Models {
        director: Some(&d),
        speakers: models_owned
            .iter()
            .map(|m| m as &dyn mascot::dialogue::ChatModel)
            .collect(),
        user: None,
    };
    let rows = run_conversations(
        &cfg,
        &ed_personas(),
        &plan_episodes(&two_starts(), &[], 1),
        &models,
        &NoProgress,
    )
    .unwrap();
    for (m, name) in models_owned.iter().zip(["Anchor", "Catalyst", "Beacon"]) {
        let chats = m.chats();
        assert!(!chats.is_empty());
        assert!(chats.iter().all(|c| speaker_name(c) == name), "{name}");
    }
    // Turn 1: Beacon (c1) and Anchor (c2) -> two models called once each.
    assert_eq!(models_owned[0].calls()[0].len(), 1);
    assert_eq!(rows[1].turns[0].response, "Anchor does: hold space");
}

#[test]
fn rollouts_are_distinct_episodes_of_the_same_context() {
    let episodes = plan_episodes(&two_starts(), &[SimulatedUser::generic()], 3);
    assert_eq!(episodes.len(), 6);
    let ids: Vec<(String, usize)> = episodes
        .iter()
        .map(|e: &EpisodePlan| (e.start.context_id.clone(), e.rollout))
        .collect();
    assert_eq!(ids[0], ("c1".into(), 0));
    assert_eq!(ids[2], ("c1".into(), 2));
    assert_eq!(ids[3], ("c2".into(), 0));
}

#[test]
fn setups_that_cannot_run_are_errors() {
    let s = speaker();
    let personas = ed_personas();
    let episodes = plan_episodes(&two_starts(), &[SimulatedUser::generic()], 1);
    let check = |cfg: ConversationConfig, models: Models<'_>, want: &str| {
        let err = run_conversations(&cfg, &personas, &episodes, &models, &NoProgress).unwrap_err();
        assert!(err.to_string().contains(want), "{err}");
    };
    let u = ScriptedModel::constant("ok");
    check(
        ConversationConfig::default(),
        Models {
            director: None,
            speakers: vec![&s],
            user: Some(&u),
        },
        "needs a director",
    );
    check(
        ConversationConfig {
            order: SpeakerOrder::RoundRobin,
            ..Default::default()
        },
        Models {
            director: None,
            speakers: vec![&s],
            user: None,
        },
        "no user model",
    );
    check(
        ConversationConfig {
            order: SpeakerOrder::RoundRobin,
            ..Default::default()
        },
        Models {
            director: None,
            speakers: vec![&s, &s],
            user: Some(&u),
        },
        "2 speaker models for 3 personas",
    );
    check(
        ConversationConfig {
            system: SystemKind::ZeroShot,
            ..Default::default()
        },
        Models {
            director: None,
            speakers: vec![&s, &s],
            user: Some(&u),
        },
        "one assistant",
    );
    check(
        ConversationConfig {
            turns: 0,
            ..Default::default()
        },
        Models {
            director: None,
            speakers: vec![&s],
            user: Some(&u),
        },
        "turns = 0",
    );
}

#[derive(Default)]
struct Recorded {
    total: std::cell::Cell<u64>,
    done: std::cell::Cell<u64>,
    lines: std::cell::RefCell<Vec<String>>,
}

impl mascot::dialogue::DialogueProgress for Recorded {
    fn set_total(&self, total: u64) {
        self.total.set(total);
    }
    fn advance(&self, n: u64) {
        self.done.set(self.done.get() + n);
    }
    fn log(&self, message: &str) {
        self.lines.borrow_mut().push(message.to_string());
    }
}

#[test]
fn progress_counts_episode_turns_and_reports_parse_failures() {
    let (d, s) = (director(), speaker());
    let cfg = ConversationConfig {
        turns: 4,
        ..Default::default()
    };
    let models = Models {
        director: Some(&d),
        speakers: vec![&s],
        user: None,
    };
    let progress = Recorded::default();
    run_conversations(
        &cfg,
        &ed_personas(),
        &plan_episodes(&two_starts(), &[], 1),
        &models,
        &progress,
    )
    .unwrap();
    assert_eq!((progress.total.get(), progress.done.get()), (8, 8));
    assert_eq!(
        progress.lines.borrow().as_slice(),
        ["4 of 8 directives named no persona (least recently used persona spoke instead)"]
    );
}
