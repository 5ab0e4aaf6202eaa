//! The MASCOT recipe (Section 2.2, equation 6): the director's prompt (the personas, the
//! history, the directive format) and a speaker's prompt (its persona system prompt, the
//! history and the director's instruction).

use crate::dialogue::episode::EpisodeStart;
use crate::dialogue::history::{Utterance, render_transcript};
use crate::dialogue::rows::{DatasetKind, Message};
use crate::spec::persona::Persona;
use crate::spec::persona_prompt::persona_system_prompt;

fn group_noun(dataset: DatasetKind) -> &'static str {
    match dataset {
        DatasetKind::EmpatheticDialogues => "a group of companions supporting a user",
        DatasetKind::Qmsum => "a team of meeting assistants helping a user with a meeting",
    }
}

/// The director's prompt at turn `turn` (0-based) of `turns`.
pub fn director_prompt(
    start: &EpisodeStart,
    personas: &[Persona],
    history: &[Utterance],
    turn: usize,
    turns: usize,
) -> Vec<Message> {
    let mut system = format!(
        "You are the director of {}. The speakers are:",
        group_noun(start.dataset)
    );
    for p in personas {
        system.push_str(&format!("\n- {}: {}", p.name, p.description.trim()));
        if !p.traits.is_empty() {
            system.push_str(&format!(" ({})", p.traits.join(", ")));
        }
    }
    let example = personas.first().map(|p| p.name.as_str()).unwrap_or("Name");
    system.push_str(&format!(
        "\nAt each turn you read the conversation, choose who speaks next and tell them what to \
         do. Answer with one line in the form `<speaker name>: <instruction>`, for example \
         `{example}: Acknowledge what the user just said and ask what they need most.`"
    ));
    let user = format!(
        "Conversation so far:\n{}\n\nTurn {} of {}. Write the directive for the next speaker.",
        render_transcript(start, history),
        turn + 1,
        turns
    );
    vec![Message::system(system), Message::user(user)]
}

/// A persona speaker's prompt: its persona system prompt, the conversation and, when a
/// director chose it, the director's instruction.
pub fn speaker_prompt(
    start: &EpisodeStart,
    persona: &Persona,
    history: &[Utterance],
    instruction: Option<&str>,
) -> Vec<Message> {
    let mut user = format!(
        "Conversation so far:\n{}\n\n",
        render_transcript(start, history)
    );
    if let Some(i) = instruction.filter(|i| !i.trim().is_empty()) {
        user.push_str(&format!("The director asks you: {}\n\n", i.trim()));
    }
    user.push_str(&format!(
        "Write {}'s next message. Reply with the message only.",
        persona.name
    ));
    vec![
        Message::system(persona_system_prompt(persona)),
        Message::user(user),
    ]
}
