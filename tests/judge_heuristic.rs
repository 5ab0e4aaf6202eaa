//! The heuristic judge: hand-made responses that must score high or low on each proxy of
//! the paper's Tables 5 and 6, and the errors it gives for rubrics it cannot score.

#[path = "judge/fixtures.rs"]
mod fixtures;

use fixtures::*;
use mascot::judge::{
    FailureKind, HeuristicJudge, JudgeError, JudgeItem, Outcome, Rubric, RubricCriterion, Scores,
    Subject, Turn,
};

fn scores(item: &JudgeItem) -> Scores {
    let rubric = match item.subject {
        Subject::Response { .. } => agent_rubric(),
        Subject::Conversation { .. } => group_rubric(),
    };
    let out = HeuristicJudge
        .judge(&rubric, std::slice::from_ref(item))
        .unwrap();
    match &out[0] {
        Outcome::Scored { scores } => scores.clone(),
        other => panic!("{}: {other:?}", item.id),
    }
}

fn score(item: &JudgeItem, criterion: &str) -> i64 {
    scores(item)[criterion]
}

const DOG: &str = "My dog died yesterday and the house feels so empty.";
const TEST: &str = "I failed my driving test this morning because I panicked at the roundabout.";
const PROMOTION: &str = "I got the promotion I have been working towards for two years!";

#[test]
fn emotional_expressiveness_fits_the_contexts_valence() {
    let warm = response_item(
        "warm",
        DOG,
        Some("devastated"),
        anchor(),
        "I'm so sorry. Losing him is devastating, and that empty, heavy silence is so hard.",
    );
    let cheerful = response_item(
        "cheerful",
        DOG,
        Some("devastated"),
        anchor(),
        "That's great! Awesome, now you have more free time!",
    );
    let flat = response_item(
        "flat",
        DOG,
        None,
        anchor(),
        "Okay. Dogs live about twelve years.",
    );
    assert_eq!(score(&warm, "emotional_expressiveness"), 5);
    assert_eq!(score(&cheerful, "emotional_expressiveness"), 1);
    assert_eq!(score(&flat, "emotional_expressiveness"), 1);

    let celebrating = response_item(
        "celebrating",
        PROMOTION,
        Some("proud"),
        beacon(),
        "Congratulations! That is amazing, you must be so proud!",
    );
    let gloomy = response_item(
        "gloomy",
        PROMOTION,
        Some("proud"),
        beacon(),
        "I'm sorry, promotions are stressful and the pressure can be awful.",
    );
    assert!(score(&celebrating, "emotional_expressiveness") >= 4);
    assert_eq!(score(&gloomy, "emotional_expressiveness"), 1);
}

#[test]
fn emotional_expressiveness_infers_valence_without_a_label() {
    // No emotion label: the context's own emotion words (sad, lonely) make it negative, so
    // cheer and exclamations clash.
    let context = "I have been so sad and lonely since I moved to a new city.";
    let cheer = response_item(
        "cheer",
        context,
        None,
        anchor(),
        "Awesome! A new city is exciting!",
    );
    let warm = response_item(
        "warm",
        context,
        None,
        anchor(),
        "That sounds so lonely, and feeling sad after a big move is really hard.",
    );
    assert_eq!(score(&cheer, "emotional_expressiveness"), 1);
    assert!(score(&warm, "emotional_expressiveness") >= 4);
}

#[test]
fn empathetic_support_counts_reactions_interpretations_explorations() {
    let full = response_item(
        "full",
        DOG,
        Some("devastated"),
        anchor(),
        "I'm so sorry about your dog. It sounds like the house feels empty without him, and that must be so lonely. What was he like?",
    );
    let reaction_only = response_item("reaction", DOG, None, anchor(), "I'm sorry.");
    let none = response_item("none", DOG, None, anchor(), "Dogs are mammals.");
    assert_eq!(score(&full, "empathetic_support_quality"), 5);
    assert_eq!(score(&reaction_only, "empathetic_support_quality"), 3);
    assert_eq!(score(&none, "empathetic_support_quality"), 1);
}

#[test]
fn consistency_rewards_persona_vocabulary_and_traits() {
    let anchor_voice = response_item(
        "anchor-voice",
        DOG,
        None,
        anchor(),
        "That sounds so lonely. It makes sense that you feel this sadness. Take all the time you need.",
    );
    let assistant = response_item(
        "assistant",
        DOG,
        None,
        anchor(),
        "As an AI language model, I can provide a list of tips. Let me know if you have any questions.",
    );
    assert!(
        score(&anchor_voice, "consistency") >= 4,
        "{:?}",
        scores(&anchor_voice)
    );
    assert_eq!(score(&assistant, "consistency"), 1);

    let socratic = response_item(
        "socratic",
        TEST,
        None,
        catalyst(),
        "Maybe the panic says more about the pressure you felt than about your driving, because one roundabout is not the whole test. What do you think happened right before you froze?",
    );
    let lecture = response_item(
        "lecture",
        TEST,
        None,
        catalyst(),
        "You should have practised more. It was your fault.",
    );
    assert!(
        score(&socratic, "consistency") >= 4,
        "{:?}",
        scores(&socratic)
    );
    assert!(
        score(&lecture, "consistency") <= 2,
        "{:?}",
        scores(&lecture)
    );
}

#[test]
fn response_relevance_needs_words_of_the_context() {
    let grounded = response_item(
        "grounded",
        TEST,
        None,
        catalyst(),
        "Failing the driving test after panicking at the roundabout this morning sounds rough.",
    );
    let off_topic = response_item(
        "off-topic",
        TEST,
        None,
        catalyst(),
        "The weather in Spain is lovely in spring.",
    );
    assert_eq!(score(&grounded, "response_relevance"), 5);
    assert_eq!(score(&off_topic, "response_relevance"), 1);
}

#[test]
fn social_contribution_needs_more_than_an_acknowledgement() {
    let helpful = response_item(
        "helpful",
        TEST,
        None,
        catalyst(),
        "It's okay to feel shaken after failing. Maybe the roundabout panic was nerves rather than skill; you could try a few practice drives with an instructor before booking again.",
    );
    let generic = response_item(
        "generic",
        TEST,
        None,
        catalyst(),
        "Okay. Thanks for sharing.",
    );
    let hollow = response_item("hollow", TEST, None, catalyst(), "I see. That happens.");
    assert_eq!(score(&helpful, "social_contribution"), 5);
    assert_eq!(score(&generic, "social_contribution"), 1);
    assert!(score(&hollow, "social_contribution") <= 2);
}

fn good_meeting() -> JudgeItem {
    conversation_item(
        "good",
        &[
            (
                "Minutes Scribe",
                "Summary of the meeting by topic:\n- Topic 1: a rubber case and a yellow colour were agreed for the remote control.\n- Topic 2: the budget is twelve euros per unit, which is why rubber was chosen.",
            ),
            (
                "Decision Logger",
                "First decision: the project manager said the team agreed on the rubber case and the yellow colour. Second decision: marketing noted the twelve euro budget, which is why rubber won; both come from the transcript of this meeting.",
            ),
            (
                "Action Item Captain",
                "Action item 1: the industrial designer owns the task of sending the prototype drawings, deadline Friday. Action item 2: marketing will confirm the supplier cost by Monday.",
            ),
            (
                "Critic",
                "First gap: no one addressed battery life. Second concern: nobody owns testing the prototype, which stays unresolved; I suggest the project manager assigns a tester before Friday.",
            ),
        ],
    )
}

fn poor_meeting() -> JudgeItem {
    let generic = "As an AI, I can help summarise this. Let me know if you have any questions.";
    conversation_item(
        "poor",
        &[
            ("Minutes Scribe", generic),
            ("Decision Logger", generic),
            ("Action Item Captain", generic),
            ("Critic", generic),
        ],
    )
}

fn off_topic_meeting() -> JudgeItem {
    conversation_item(
        "off-topic",
        &[
            ("Minutes Scribe", "The weather was sunny."),
            ("Critic", "Pizza tastes good."),
        ],
    )
}

#[test]
fn engagement_rewards_turns_that_add_something() {
    assert!(score(&good_meeting(), "engagement_and_contribution") >= 4);
    assert!(score(&poor_meeting(), "engagement_and_contribution") <= 2);
}

#[test]
fn originality_penalises_repeating_other_agents() {
    assert!(score(&good_meeting(), "originality_and_specificity") >= 4);
    assert_eq!(score(&poor_meeting(), "originality_and_specificity"), 1);
}

#[test]
fn fidelity_follows_each_speakers_persona() {
    assert!(
        score(&good_meeting(), "fidelity") >= 4,
        "{:?}",
        scores(&good_meeting())
    );
    assert_eq!(score(&poor_meeting(), "fidelity"), 1);
}

#[test]
fn relevance_and_coherence_follow_the_previous_turn_or_the_meeting() {
    assert_eq!(score(&good_meeting(), "relevance_and_coherence"), 5);
    assert_eq!(score(&off_topic_meeting(), "relevance_and_coherence"), 1);
}

#[test]
fn scores_are_deterministic_and_cover_every_criterion() {
    let items = [good_meeting(), poor_meeting()];
    let a = HeuristicJudge.judge(&group_rubric(), &items).unwrap();
    let b = HeuristicJudge.judge(&group_rubric(), &items).unwrap();
    assert_eq!(a, b);
    for outcome in &a {
        let s = outcome.scores().unwrap();
        assert_eq!(s.len(), 4);
        assert!(s.values().all(|v| (1..=5).contains(v)));
    }
}

#[test]
fn table_names_resolve_like_the_rubric_file_names() {
    let mut rubric = group_rubric();
    rubric.criteria[0].name = "Engagement & Contribution".into();
    rubric.criteria[1].name = "Originality & Specificity".into();
    let out = HeuristicJudge.judge(&rubric, &[good_meeting()]).unwrap();
    let s = out[0].scores().unwrap();
    assert!(s.contains_key("Engagement & Contribution"));
    assert_eq!(
        s["Engagement & Contribution"],
        score(&good_meeting(), "engagement_and_contribution")
    );
}

#[test]
fn unknown_criterion_lists_the_known_names() {
    let mut rubric = agent_rubric();
    rubric.criteria.push(RubricCriterion {
        name: "humour".into(),
        description: "Is it funny?".into(),
    });
    let err = HeuristicJudge::proxies(&rubric).unwrap_err();
    assert!(matches!(err, JudgeError::UnknownCriterion { .. }));
    let help = miette::Diagnostic::help(&err).unwrap().to_string();
    assert!(err.to_string().contains("`humour`"), "{err}");
    for name in [
        "emotional_expressiveness",
        "empathetic_support_quality",
        "consistency",
        "response_relevance",
        "social_contribution",
    ] {
        assert!(help.contains(name), "{help}");
    }
    // A group criterion in an agent rubric is unknown at that level.
    let mut mixed = agent_rubric();
    mixed.criteria[0].name = "fidelity".into();
    assert!(matches!(
        HeuristicJudge::proxies(&mixed),
        Err(JudgeError::UnknownCriterion { .. })
    ));
}

#[test]
fn rubric_problems_are_errors() {
    let other_scale = Rubric {
        low: 0,
        high: 10,
        ..agent_rubric()
    };
    assert!(matches!(
        HeuristicJudge::proxies(&other_scale),
        Err(JudgeError::Config { .. })
    ));
    let empty = Rubric {
        criteria: vec![],
        ..agent_rubric()
    };
    assert!(matches!(
        HeuristicJudge::proxies(&empty),
        Err(JudgeError::InvalidRubric { .. })
    ));
    let err = HeuristicJudge
        .judge(&agent_rubric(), &[good_meeting()])
        .unwrap_err();
    assert!(matches!(err, JudgeError::LevelMismatch { .. }), "{err}");
}

#[test]
fn a_turn_by_an_unknown_speaker_fails_the_item_with_its_reason() {
    let mut item = good_meeting();
    if let Subject::Conversation { turns, .. } = &mut item.subject {
        turns.push(Turn::agent("Narrator", "And so the meeting ended."));
    }
    let out = HeuristicJudge.judge(&group_rubric(), &[item]).unwrap();
    match &out[0] {
        Outcome::Failed { kind, reason } => {
            assert_eq!(*kind, FailureKind::Rejected);
            assert!(
                reason.contains("turn 5") && reason.contains("`Narrator`"),
                "{reason}"
            );
            assert!(
                reason.contains("Minutes Scribe, Decision Logger"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}
