//! The MASCOT recipe (Section 2.2, equation 6): the director's prompt (the personas, the
//! history, the directive format) and a speaker's prompt (its persona system prompt, the
//! history and the director's instruction).

use crate::dialogue::episode::EpisodeStart;
use crate::dialogue::history::{Utterance, render_transcript, with_situation};
use crate::dialogue::rows::{DatasetKind, Message};
use crate::spec::persona::Persona;
use crate::spec::persona_prompt::persona_system_prompt;

fn group_noun(dataset: DatasetKind) -> &'static str {
    match dataset {
        DatasetKind::EmpatheticDialogues => "a group of companions supporting a user",
        DatasetKind::Qmsum => "a team of meeting assistants helping a user with a meeting",
    }
}

/// An instruction of the kind a directive carries, for the format example.
fn example_instruction(dataset: DatasetKind) -> &'static str {
    match dataset {
        DatasetKind::EmpatheticDialogues => {
            "Acknowledge what the user just said and ask what they need most."
        }
        DatasetKind::Qmsum => "Answer the user's question from the transcript in two sentences.",
    }
}

/// `A, B and C`.
fn name_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The director's prompt at turn `turn` (0-based) of `turns`. The personas and the task are
/// in the system message; the user message is the conversation and ends with the persona
/// names to choose from, the exact answer format and a one-line example (naming persona
/// `turn mod |personas|`, so the example does not always favour the same one): small models
/// follow the end of a prompt far more often than a format stated before a long transcript.
/// The names are not listed first in a sentence, so a model that echoes the request does
/// not produce a line that parses as a directive.
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
    system.push_str(
        "\nAt each turn you read the conversation, choose who speaks next and tell them what to \
         do, in one line: `<speaker name>: <instruction>`.",
    );
    let system = with_situation(system, start);
    let names: Vec<&str> = personas.iter().map(|p| p.name.as_str()).collect();
    let example = names
        .get(turn % names.len().max(1))
        .copied()
        .unwrap_or("Name");
    let user = format!(
        "Conversation so far:\n{}\n\nTurn {} of {}. Choose the next speaker among {}. Answer \
         with one line: the speaker's name, a colon, then what they should do. For \
         example:\n{example}: {}",
        render_transcript(start, history),
        turn + 1,
        turns,
        name_list(&names),
        example_instruction(start.dataset),
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
        Message::system(with_situation(persona_system_prompt(persona), start)),
        Message::user(user),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialogue::directive::parse_directive;
    use crate::dialogue::rows::Opening;

    fn persona(name: &str) -> Persona {
        Persona {
            name: name.into(),
            description: "d".into(),
            traits: vec![],
            style: None,
            examples: vec![],
        }
    }

    #[test]
    fn the_director_prompt_ends_with_the_names_and_an_example_the_parser_reads() {
        let start = EpisodeStart {
            dataset: DatasetKind::EmpatheticDialogues,
            context_id: "c".into(),
            subset: "positive".into(),
            opening: Opening {
                background: "s".into(),
                user_message: "u".into(),
                cut: None,
                emotion: None,
            },
        };
        let personas = [persona("Anchor"), persona("Catalyst"), persona("Beacon")];
        let names = ["Anchor", "Catalyst", "Beacon"];
        for turn in 0..4 {
            let prompt = director_prompt(&start, &personas, &[], turn, 4);
            let user = &prompt[1].content;
            assert!(
                user.contains("among Anchor, Catalyst and Beacon."),
                "{user}"
            );
            // The example is the last line and is a directive for persona `turn mod 3`.
            let example = user.lines().last().unwrap();
            let parsed = parse_directive(example, &names);
            assert_eq!(parsed.speaker, Some(turn % 3), "{example}");
            assert_eq!(parsed.failure, None);
            // Echoing the request does not read as a directive.
            let request = user.lines().rev().nth(1).unwrap();
            assert!(
                parse_directive(request, &names).speaker.is_none(),
                "{request}"
            );
        }
    }
}
