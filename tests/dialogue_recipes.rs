//! Each system's recipe: the exact messages every model receives (insta snapshots, for an ED
//! and a QMSum episode with a simulated user), and how each recipe reads its models' answers
//! (chain-of-thought, self-consistency's choice, MultiAgentESC's pipeline and fallbacks).

mod dialogue_support;

use std::sync::atomic::{AtomicUsize, Ordering};

use dialogue_support::*;
use mascot::data::mbti_type;
use mascot::dialogue::{
    ConversationConfig, EpisodeStart, Models, NoProgress, ScriptedModel, SimulatedUser,
    SpeakerOrder, SystemKind, plan_episodes, run_conversations,
};

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

/// Answers every prompt with a fixed text chosen from what the prompt asks for.
fn answering() -> ScriptedModel {
    ScriptedModel::new(|chat, _| {
        let u = user_of(chat);
        if u.contains("Choose the next speaker among") {
            "Catalyst: ask what made it possible".into()
        } else if u.contains("Infer the emotional state") {
            "Emotion: pride\nReasoning: they won".into()
        } else if u.contains("Infer the specific event") {
            "Event: winning a race\nReasoning: stated".into()
        } else if u.contains("Infer what the user intends") {
            "Intention: to share the joy\nReasoning: tone".into()
        } else if u.contains("Choose one strategy") {
            let n = u.matches("\n- Strategy:").count();
            [
                "Strategy: Question",
                "Strategy: Affirmation and Reassurance",
                "Strategy: Question",
            ][n.min(2)]
            .into()
        } else if u.contains("using the strategy") {
            let s = u
                .split("using the strategy \"")
                .nth(1)
                .and_then(|s| s.split('"').next());
            format!("Response: a reply using {}", s.unwrap_or("?"))
        } else if u.contains("Choose the most appropriate reply") {
            "Choice: Affirmation and Reassurance\nReasoning: warm".into()
        } else if u.contains("Answer in this format:\nReasoning:") {
            "Reasoning: they are proud\nResponse: That is wonderful!".into()
        } else if u.contains("as the User") {
            "Thanks, it means a lot.".into()
        } else {
            "A plain reply.".into()
        }
    })
}

fn run_system(
    system: SystemKind,
    start: EpisodeStart,
) -> (ScriptedModel, ScriptedModel, ScriptedModel) {
    let (director, speaker, user) = (answering(), answering(), answering());
    let cfg = ConversationConfig {
        system,
        order: if system == SystemKind::Sft {
            SpeakerOrder::RoundRobin
        } else {
            SpeakerOrder::Director
        },
        turns: 2,
        samples: 2,
        strategy_agents: 2,
        ..Default::default()
    };
    let users = [SimulatedUser::mbti(mbti_type("INFP").unwrap())];
    let models = Models {
        director: Some(&director),
        speakers: vec![&speaker],
        user: Some(&user),
    };
    run_conversations(
        &cfg,
        &ed_personas(),
        &plan_episodes(&[start], &users, 1),
        &models,
        &NoProgress,
    )
    .unwrap();
    (director, speaker, user)
}

#[test]
fn every_system_sends_its_documented_messages() {
    let starts = [
        (
            "ed",
            ed_start("c1", "I came first in a 10k.", "I won the race!"),
        ),
        ("qmsum", qmsum_start()),
    ];
    for system in SystemKind::ALL {
        for (dataset, start) in &starts {
            let (director, speaker, user) = run_system(system, start.clone());
            let mut text = String::new();
            if !director.chats().is_empty() {
                text.push_str("##### director\n");
                text.push_str(&render_chats(&director.chats()));
            }
            text.push_str("##### speaker\n");
            text.push_str(&render_chats(&speaker.chats()));
            text.push_str("##### user\n");
            text.push_str(&render_chats(&user.chats()));
            let name = format!("dialogue_recipe@{}_{dataset}", system.as_str());
            settings().bind(|| insta::assert_snapshot!(name, text));
        }
    }
}

#[test]
fn chain_of_thought_keeps_the_response_and_counts_format_fallbacks() {
    let model = ScriptedModel::new(|chat, _| {
        if user_of(chat).contains("User: ok") {
            "no labels at all".into()
        } else {
            "<think>x</think>Reasoning: r\nResponse: the answer".into()
        }
    });
    let user = ScriptedModel::constant("ok");
    let cfg = ConversationConfig {
        system: SystemKind::ZeroShotCot,
        turns: 2,
        ..Default::default()
    };
    let models = Models {
        director: None,
        speakers: vec![&model],
        user: Some(&user),
    };
    let episodes = plan_episodes(
        &[ed_start("c1", "s", "I won the race!")],
        &[SimulatedUser::generic()],
        1,
    );
    let rows = run_conversations(&cfg, &[], &episodes, &models, &NoProgress).unwrap();
    let t = &rows[0].turns;
    assert_eq!(t[0].speaker, "Assistant");
    assert_eq!(t[0].response, "the answer");
    assert_eq!(
        t[0].raw_response.as_deref(),
        Some("<think>x</think>Reasoning: r\nResponse: the answer")
    );
    assert_eq!(t[1].response, "no labels at all");
    assert_eq!(rows[0].counters.format_fallbacks, 1);
    assert_eq!(rows[0].order, "single");
    assert_eq!(rows[0].user_type.as_deref(), Some("generic"));
}

#[test]
fn self_consistency_keeps_the_sample_with_the_highest_mean_overlap() {
    // Samples in call order: B = {a,b,c,d}, A = {a,b,c}, C = {a,b}.
    // J(A,B) = 3/4, J(A,C) = 2/3, J(B,C) = 1/2 -> A: 0.708, B: 0.625, C: 0.583 -> A.
    let n = AtomicUsize::new(0);
    let texts = ["Response: a b c d", "Response: a b c", "Response: a b"];
    let model = ScriptedModel::new(move |_, _| {
        let i = n.fetch_add(1, Ordering::SeqCst);
        texts[i % 3].to_string()
    });
    let cfg = ConversationConfig {
        system: SystemKind::SelfConsistency,
        turns: 1,
        samples: 3,
        ..Default::default()
    };
    let models = Models {
        director: None,
        speakers: vec![&model],
        user: None,
    };
    let episodes = plan_episodes(&[ed_start("c1", "s", "hi")], &[], 1);
    let rows = run_conversations(&cfg, &[], &episodes, &models, &NoProgress).unwrap();
    let t = &rows[0].turns[0];
    assert_eq!(t.response, "a b c");
    let names: Vec<&str> = t.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["sample_1", "sample_2", "sample_3", "chosen"]);
    assert_eq!(t.steps[3].text, "sample_2 of 3, mean word overlap 0.708");
    assert_eq!(rows[0].counters.model_calls, 3);
    // One call holding the three samples.
    assert_eq!(model.calls().len(), 1);
    assert_eq!(model.calls()[0].len(), 3);
}

#[test]
fn multi_agent_esc_runs_its_pipeline_and_picks_the_selected_strategy() {
    let model = answering();
    let cfg = ConversationConfig {
        system: SystemKind::MultiAgentEsc,
        turns: 1,
        strategy_agents: 3,
        ..Default::default()
    };
    let models = Models {
        director: None,
        speakers: vec![&model],
        user: None,
    };
    let starts = [
        ed_start("c1", "s", "I won the race!"),
        ed_start("c2", "s", "I won again!"),
    ];
    let rows = run_conversations(
        &cfg,
        &[],
        &plan_episodes(&starts, &[], 1),
        &models,
        &NoProgress,
    )
    .unwrap();
    let t = &rows[0].turns[0];
    let names: Vec<&str> = t.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "emotion",
            "cause",
            "intention",
            "strategy_agent_1",
            "strategy_agent_2",
            "strategy_agent_3",
            "response_Question",
            "response_Affirmation and Reassurance",
            "selection",
        ]
    );
    assert_eq!(t.response, "a reply using Affirmation and Reassurance");
    assert_eq!(rows[0].counters.model_calls, 9);
    assert_eq!(rows[0].counters.format_fallbacks, 0);
    // Each step is one call for both episodes.
    let calls = model.calls();
    assert_eq!(calls.len(), 8);
    assert_eq!(calls[6].len(), 4); // two strategies x two episodes
    assert!(calls.iter().all(|c| c.len() == 2 || c.len() == 4));
}

#[test]
fn multi_agent_esc_falls_back_without_a_valid_strategy_or_choice() {
    let model = ScriptedModel::new(|chat, _| {
        let u = user_of(chat);
        if u.contains("Choose one strategy") {
            "Strategy: hypnosis".into()
        } else {
            "Whatever.".into()
        }
    });
    let cfg = ConversationConfig {
        system: SystemKind::MultiAgentEsc,
        turns: 1,
        strategy_agents: 2,
        ..Default::default()
    };
    let models = Models {
        director: None,
        speakers: vec![&model],
        user: None,
    };
    let rows = run_conversations(
        &cfg,
        &[],
        &plan_episodes(&[ed_start("c1", "s", "hi")], &[], 1),
        &models,
        &NoProgress,
    )
    .unwrap();
    let t = &rows[0].turns[0];
    assert_eq!(t.response, "Whatever.");
    assert_eq!(t.steps.last().unwrap().name, "response_zero_shot");
    assert_eq!(rows[0].counters.format_fallbacks, 1);
    // 3 analyses + 2 strategy agents + 1 zero-shot response, no selection.
    assert_eq!(rows[0].counters.model_calls, 6);
}
