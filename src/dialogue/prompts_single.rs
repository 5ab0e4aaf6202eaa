//! The prompting baselines' prompts: zero-shot, few-shot (the personas' example exchanges,
//! else a fixed set per dataset), and their chain-of-thought forms, which ask for
//! `Reasoning:` then `Response:` and are read by [`read_cot_answer`]; spoken by the single
//! assistant (w/o personas) or, for the persona-driven baselines, by each persona.

use crate::dialogue::episode::EpisodeStart;
use crate::dialogue::history::{ASSISTANT, Utterance, render_transcript, with_situation};
use crate::dialogue::rows::{DatasetKind, Message};
use crate::dialogue::text::{labelled, strip_think};
use crate::spec::persona::{FewShotExample, Persona};
use crate::spec::persona_prompt::persona_system_prompt;

/// The two switches of a single-assistant prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromptStyle {
    pub few_shot: bool,
    pub chain_of_thought: bool,
}

/// The fixed examples of a dataset whose personas have none.
pub fn fixed_examples(dataset: DatasetKind) -> Vec<FewShotExample> {
    let pairs: &[(&str, &str)] = match dataset {
        DatasetKind::EmpatheticDialogues => &[
            (
                "I just got the job offer I have been hoping for all year!",
                "Congratulations, that is wonderful news! After a whole year of hoping, how does it feel to finally have it?",
            ),
            (
                "My best friend moved across the country and I feel so alone.",
                "That is a hard change. Missing someone you used to see every day can feel really lonely. How have your evenings been since they left?",
            ),
        ],
        DatasetKind::Qmsum => &[
            (
                "What did the team decide about the budget?",
                "They settled on twelve euros per unit, after the project manager pointed out that the earlier figure left no margin for the casing.",
            ),
            (
                "Which issues were left open?",
                "Two: nobody confirmed who will test the prototype, and the delivery date was mentioned but never agreed.",
            ),
        ],
    };
    pairs
        .iter()
        .map(|(c, r)| FewShotExample {
            context: (*c).into(),
            response: (*r).into(),
        })
        .collect()
}

/// The few-shot examples: every persona's examples in persona order, or the dataset's fixed
/// set when no persona has any.
pub fn few_shot_examples(personas: &[Persona], dataset: DatasetKind) -> Vec<FewShotExample> {
    let from_personas: Vec<FewShotExample> =
        personas.iter().flat_map(|p| p.examples.clone()).collect();
    if from_personas.is_empty() {
        fixed_examples(dataset)
    } else {
        from_personas
    }
}

/// The single assistant of the baselines as a persona (the paper's Table 3: "w/o
/// Personas"): its name and the role line of its prompt. The judges score a baseline's
/// Consistency against this profile: how well it keeps the role it was given.
pub fn assistant_persona(dataset: DatasetKind) -> Persona {
    let traits: &[&str] = match dataset {
        DatasetKind::EmpatheticDialogues => &["supportive", "attentive"],
        DatasetKind::Qmsum => &["helpful", "accurate"],
    };
    Persona {
        name: ASSISTANT.into(),
        description: role_line(dataset).into(),
        traits: traits.iter().map(|t| t.to_string()).collect(),
        style: None,
        examples: Vec::new(),
    }
}

fn role_line(dataset: DatasetKind) -> &'static str {
    match dataset {
        DatasetKind::EmpatheticDialogues => {
            "You are a supportive assistant talking with a user who is sharing something that happened to them."
        }
        DatasetKind::Qmsum => {
            "You are an assistant helping a user with a meeting; the transcript is part of the conversation."
        }
    }
}

fn think_about(dataset: DatasetKind) -> &'static str {
    match dataset {
        DatasetKind::EmpatheticDialogues => "how the user feels and what would help them most",
        DatasetKind::Qmsum => "what the meeting transcript says about the user's question",
    }
}

/// A single assistant's prompt.
pub fn assistant_prompt(
    start: &EpisodeStart,
    history: &[Utterance],
    style: PromptStyle,
    examples: &[FewShotExample],
) -> Vec<Message> {
    baseline_prompt(start, None, history, style, examples)
}

/// A prompting baseline's prompt for one speaker: the single assistant (`persona: None`, the
/// paper's "w/o Personas") or a persona (the persona-driven baselines of Table 3), whose
/// system prompt is its persona prompt without the persona's examples (those are the
/// few-shot examples, given only to the few-shot styles).
pub fn baseline_prompt(
    start: &EpisodeStart,
    persona: Option<&Persona>,
    history: &[Utterance],
    style: PromptStyle,
    examples: &[FewShotExample],
) -> Vec<Message> {
    let (mut system, name, whose) = match persona {
        None => (
            role_line(start.dataset).to_string(),
            ASSISTANT,
            format!("the {ASSISTANT}'s"),
        ),
        Some(p) => {
            let bare = Persona {
                examples: Vec::new(),
                ..p.clone()
            };
            (
                persona_system_prompt(&bare),
                p.name.as_str(),
                format!("{}'s", p.name),
            )
        }
    };
    if style.few_shot {
        system.push_str("\nExamples of good replies:");
        for (i, ex) in examples.iter().enumerate() {
            system.push_str(&format!(
                "\nExample {}:\nUser: {}\n{name}: {}",
                i + 1,
                ex.context.trim(),
                ex.response.trim()
            ));
        }
    }
    let system = with_situation(system, start);
    let mut user = format!(
        "Conversation so far:\n{}\n\n",
        render_transcript(start, history)
    );
    if style.chain_of_thought {
        user.push_str(&format!(
            "First think step by step about {}, then write {whose} next message. \
             Answer in this format:\nReasoning: <your step-by-step thinking>\nResponse: <the message>",
            think_about(start.dataset)
        ));
    } else {
        user.push_str(&format!(
            "Write {whose} next message. Reply with the message only."
        ));
    }
    vec![Message::system(system), Message::user(user)]
}

/// A chain-of-thought answer: the text after the last `Response:` label, and the reasoning
/// (the text after `Reasoning:`, up to `Response:`). Without a `Response:` label the whole
/// answer (`<think>` removed) is the response and `format_ok` is false.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CotAnswer {
    pub response: String,
    pub reasoning: String,
    pub format_ok: bool,
}

pub fn read_cot_answer(raw: &str) -> CotAnswer {
    let visible = strip_think(raw);
    let reasoning = labelled(&visible, "reasoning", &["response"]).unwrap_or_default();
    match labelled(&visible, "response", &[]) {
        Some(response) => CotAnswer {
            response,
            reasoning,
            format_ok: true,
        },
        None => CotAnswer {
            response: visible,
            reasoning,
            format_ok: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cot_answers_are_read() {
        let a = read_cot_answer("Reasoning: sad user\nResponse: I'm here for you.");
        assert_eq!(a.response, "I'm here for you.");
        assert_eq!(a.reasoning, "sad user");
        assert!(a.format_ok);
        let b = read_cot_answer("<think>hmm</think>Just a reply");
        assert_eq!(b.response, "Just a reply");
        assert!(!b.format_ok);
    }

    #[test]
    fn a_persona_baseline_speaks_as_the_persona() {
        let start = EpisodeStart {
            dataset: DatasetKind::EmpatheticDialogues,
            context_id: "c".into(),
            subset: "positive".into(),
            opening: crate::dialogue::rows::Opening {
                background: "I won.".into(),
                user_message: "Guess what!".into(),
                cut: None,
                emotion: None,
            },
        };
        let anchor = Persona {
            name: "Anchor".into(),
            description: "Holds space.".into(),
            traits: vec!["patient".into()],
            style: None,
            examples: vec![FewShotExample {
                context: "own example context".into(),
                response: "own example reply".into(),
            }],
        };
        let zero = PromptStyle {
            few_shot: false,
            chain_of_thought: false,
        };
        let p = baseline_prompt(&start, Some(&anchor), &[], zero, &[]);
        assert!(p[0].content.starts_with("You are Anchor. Holds space."));
        // Zero-shot: the persona's own examples are not in its prompt.
        assert!(!p[0].content.contains("own example"), "{}", p[0].content);
        assert!(
            p[1].content
                .ends_with("Write Anchor's next message. Reply with the message only.")
        );
        let cot = PromptStyle {
            few_shot: true,
            chain_of_thought: true,
        };
        let examples = few_shot_examples(std::slice::from_ref(&anchor), start.dataset);
        let p = baseline_prompt(&start, Some(&anchor), &[], cot, &examples);
        assert!(
            p[0].content.contains("Anchor: own example reply"),
            "{}",
            p[0].content
        );
        assert!(p[1].content.contains("then write Anchor's next message"));
        // The single assistant's prompt is the one it always had.
        let a = assistant_prompt(&start, &[], zero, &[]);
        assert!(
            a[1].content
                .ends_with("Write the Assistant's next message. Reply with the message only.")
        );
    }

    #[test]
    fn persona_examples_come_first_else_the_fixed_set() {
        assert_eq!(few_shot_examples(&[], DatasetKind::Qmsum).len(), 2);
        let p = Persona {
            name: "A".into(),
            description: "d".into(),
            traits: vec![],
            style: None,
            examples: vec![FewShotExample {
                context: "c".into(),
                response: "r".into(),
            }],
        };
        let ex = few_shot_examples(&[p], DatasetKind::EmpatheticDialogues);
        assert_eq!(ex.len(), 1);
        assert_eq!(ex[0].response, "r");
    }
}
