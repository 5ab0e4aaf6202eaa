//! Personas, rubrics and items shared by the judge tests (the paper's Tables 5-7).

#![allow(dead_code)]

use mascot::judge::{
    JudgeItem, PersonaProfile, Rubric, RubricCriterion, RubricLevel, Subject, Turn,
};

pub fn persona(name: &str, description: &str, traits: &[&str], style: &str) -> PersonaProfile {
    PersonaProfile {
        name: name.into(),
        description: description.into(),
        traits: traits.iter().map(|t| t.to_string()).collect(),
        style: Some(style.into()),
    }
}

pub fn anchor() -> PersonaProfile {
    persona(
        "Anchor",
        "Specialises in high-vulnerability emotional support: offers a safe space to users living through intense negative emotions such as sadness, loneliness or devastation.",
        &[
            "validating",
            "patient",
            "reflective",
            "emotionally-attuned",
            "non-judgmental",
        ],
        "Short, warm sentences. Names the feeling before anything else and never rushes to fix it.",
    )
}

pub fn catalyst() -> PersonaProfile {
    persona(
        "Catalyst",
        "Helps users work through complex or frustrating situations such as anger, anxiety or guilt, focusing on the 'why' and the 'what now' of what happened.",
        &[
            "analytical",
            "curious",
            "solution-focused",
            "socratic",
            "perspective-shifting",
        ],
        "Asks one open question at a time and offers a new angle on the situation without lecturing.",
    )
}

pub fn beacon() -> PersonaProfile {
    persona(
        "Beacon",
        "Amplifies the user's moments of joy, pride and gratitude; specialises in capitalising, the process of expanding the benefits of positive news.",
        &[
            "enthusiastic",
            "strengths-focused",
            "celebratory",
            "energetic",
            "positive-reinforcing",
        ],
        "Active-constructive responding: celebrates specifics and invites the user to savour the moment.",
    )
}

pub fn qmsum_personas() -> Vec<PersonaProfile> {
    vec![
        persona(
            "Minutes Scribe",
            "Distils long meeting transcripts into concise, faithful summaries of what was discussed.",
            &["objective", "analytical", "highly structured"],
            "Bullet-like sentences in the order topics came up; no opinions.",
        ),
        persona(
            "Decision Logger",
            "Given the meeting transcript, identifies and discusses the decisions the meeting made, with who made them and why.",
            &["analytical", "evidence-based", "systematic"],
            "Cites the part of the transcript each decision comes from.",
        ),
        persona(
            "Action Item Captain",
            "Given the meeting transcript, lists and discusses the actionable items so far: owner, task and deadline when stated.",
            &["practical", "action-oriented", "precise"],
            "One action per sentence, starting with the owner.",
        ),
        persona(
            "Critic",
            "Reviews the meeting records from a critical perspective: gaps, missing information, unresolved questions and overlooked issues.",
            &["critical", "constructive", "systematic"],
            "Raises each concern with a concrete suggestion to close it.",
        ),
    ]
}

fn criteria(names: &[(&str, &str)]) -> Vec<RubricCriterion> {
    names
        .iter()
        .map(|(n, d)| RubricCriterion {
            name: n.to_string(),
            description: d.to_string(),
        })
        .collect()
}

/// Table 5 (as in `personas/rubrics.mascot`).
pub fn agent_rubric() -> Rubric {
    Rubric {
        level: RubricLevel::Agent,
        criteria: criteria(&[
            (
                "emotional_expressiveness",
                "Appropriate emotional intensity.",
            ),
            (
                "empathetic_support_quality",
                "Reactions, interpretations, explorations.",
            ),
            ("consistency", "Adherence to the persona."),
            ("response_relevance", "Grounding in the dialogue history."),
            (
                "social_contribution",
                "Perspective, reassurance or guidance.",
            ),
        ]),
        low: 1,
        high: 5,
    }
}

/// Table 6 (as in `personas/rubrics.mascot`).
pub fn group_rubric() -> Rubric {
    Rubric {
        level: RubricLevel::Group,
        criteria: criteria(&[
            (
                "engagement_and_contribution",
                "Novel viewpoints, synthesis.",
            ),
            (
                "originality_and_specificity",
                "Specific, non-redundant insights.",
            ),
            ("fidelity", "Roles and styles kept."),
            ("relevance_and_coherence", "Alignment with preceding turns."),
        ]),
        low: 1,
        high: 5,
    }
}

pub fn response_item(
    id: &str,
    context: &str,
    emotion: Option<&str>,
    persona: PersonaProfile,
    response: &str,
) -> JudgeItem {
    JudgeItem {
        id: id.into(),
        context: vec![Turn::user(context)],
        emotion: emotion.map(String::from),
        subject: Subject::Response {
            persona,
            response: response.into(),
        },
    }
}

pub const MEETING: &str = "Project Manager: We agreed the remote control will use a rubber case and a yellow colour. \
Marketing: The budget is twelve euros per unit, so the rubber case fits. \
Industrial Designer: I will send the prototype drawings by Friday.";

pub fn conversation_item(id: &str, turns: &[(&str, &str)]) -> JudgeItem {
    JudgeItem {
        id: id.into(),
        context: vec![Turn::user(MEETING)],
        emotion: None,
        subject: Subject::Conversation {
            personas: qmsum_personas(),
            turns: turns.iter().map(|(s, t)| Turn::agent(*s, *t)).collect(),
        },
    }
}
