//! Shared fixtures of the dialogue tests: the ED personas, episode starts, and helpers that
//! read a scripted model's prompts.

#![allow(dead_code)]

use mascot::dialogue::{DatasetKind, EpisodeStart, Message, Opening, TranscriptCut};
use mascot::spec::persona::{FewShotExample, Persona};

pub fn persona(name: &str, description: &str, example: Option<(&str, &str)>) -> Persona {
    Persona {
        name: name.into(),
        description: description.into(),
        traits: vec!["steady".into(), "kind".into()],
        style: Some("Short sentences.".into()),
        examples: example
            .map(|(c, r)| {
                vec![FewShotExample {
                    context: c.into(),
                    response: r.into(),
                }]
            })
            .unwrap_or_default(),
    }
}

/// Anchor, Catalyst, Beacon (short descriptions).
pub fn ed_personas() -> Vec<Persona> {
    vec![
        persona(
            "Anchor",
            "Holds space for intense negative emotions.",
            Some(("My dog died.", "I'm so sorry. That silence is hard.")),
        ),
        persona("Catalyst", "Asks why and what now.", None),
        persona(
            "Beacon",
            "Amplifies good news.",
            Some(("I passed!", "Congratulations! How did it feel?")),
        ),
    ]
}

pub fn ed_start(id: &str, situation: &str, opening: &str) -> EpisodeStart {
    EpisodeStart {
        dataset: DatasetKind::EmpatheticDialogues,
        context_id: id.into(),
        subset: "positive".into(),
        opening: Opening {
            background: situation.into(),
            user_message: opening.into(),
            cut: None,
        },
    }
}

pub fn qmsum_start() -> EpisodeStart {
    EpisodeStart {
        dataset: DatasetKind::Qmsum,
        context_id: "FX2001a".into(),
        subset: "Product".into(),
        opening: Opening {
            background: "Project Manager: Welcome, today we kick off the remote control.\n\
                         Industrial Designer: I will look at the casing."
                .into(),
            user_message: "Summarize the meeting".into(),
            cut: Some(TranscriptCut {
                turns_kept: 2,
                turns_total: 5,
                tokens_kept: 20,
                tokens_total: 50,
                budget: 24,
            }),
        },
    }
}

/// The system prompt of a chat.
pub fn system_of(chat: &[Message]) -> &str {
    chat.iter()
        .find(|m| m.role == "system")
        .map(|m| m.content.as_str())
        .unwrap_or("")
}

/// The last user message of a chat.
pub fn user_of(chat: &[Message]) -> &str {
    chat.iter()
        .rev()
        .find(|m| m.role == "user")
        .map(|m| m.content.as_str())
        .unwrap_or("")
}

/// `k` from "Turn k of N" in a director prompt.
pub fn director_turn(chat: &[Message]) -> usize {
    let u = user_of(chat);
    u.split("Turn ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|k| k.parse().ok())
        .unwrap_or(0)
}

/// The persona a speaker prompt is for ("You are X. ...").
pub fn speaker_name(chat: &[Message]) -> String {
    system_of(chat)
        .strip_prefix("You are ")
        .and_then(|s| s.split('.').next())
        .unwrap_or("?")
        .to_string()
}

/// The director's instruction in a speaker prompt, if any.
pub fn instruction_of(chat: &[Message]) -> Option<String> {
    user_of(chat)
        .split("The director asks you: ")
        .nth(1)
        .map(|s| s.split("\n\n").next().unwrap_or("").to_string())
}

/// Renders chats for a snapshot.
pub fn render_chats(chats: &[Vec<Message>]) -> String {
    let mut s = String::new();
    for (i, chat) in chats.iter().enumerate() {
        s.push_str(&format!("=== chat {} ===\n", i + 1));
        for m in chat {
            s.push_str(&format!("--- {} ---\n{}\n", m.role, m.content));
        }
    }
    s
}
