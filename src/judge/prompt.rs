//! The prompt of a model judge: a fixed system message and the user message rendered from
//! `prompt.jinja` (rubric, persona(s), context, response or conversation, the JSON answer
//! asked for).

use minijinja::{Environment, context};
use serde::Serialize;

use super::error::JudgeError;
use super::item::{JudgeItem, PersonaProfile, Rubric, Subject, Turn};
use crate::model::ChatMessage;

/// The system message of every judge call.
pub const JUDGE_SYSTEM: &str = "You are an impartial expert evaluator of emotional-support and collaborative dialogue. You follow the rubric exactly and answer with a JSON object only.";

const TEMPLATE: &str = include_str!("prompt.jinja");

#[derive(Serialize)]
struct TurnView<'a> {
    speaker: &'a str,
    text: &'a str,
}

fn turns(turns: &[Turn]) -> Vec<TurnView<'_>> {
    turns
        .iter()
        .map(|t| TurnView {
            speaker: if t.speaker.is_empty() {
                "user"
            } else {
                &t.speaker
            },
            text: t.text.trim(),
        })
        .collect()
}

/// The messages that ask a model to judge `item` on `rubric`.
pub fn judge_messages(rubric: &Rubric, item: &JudgeItem) -> Result<Vec<ChatMessage>, JudgeError> {
    let user = render_user(rubric, item)?;
    Ok(vec![
        ChatMessage::new("system", JUDGE_SYSTEM),
        ChatMessage::new("user", user),
    ])
}

fn render_user(rubric: &Rubric, item: &JudgeItem) -> Result<String, JudgeError> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    let prompt_error = |e: minijinja::Error| JudgeError::Prompt {
        reason: format!("{e:#}"),
    };
    env.add_template("prompt", TEMPLATE).map_err(prompt_error)?;
    let template = env.get_template("prompt").map_err(prompt_error)?;
    let (personas, speaker, response, conversation): (Vec<&PersonaProfile>, &str, &str, _) =
        match &item.subject {
            Subject::Response { persona, response } => (
                vec![persona],
                persona.name.as_str(),
                response.trim(),
                Vec::new(),
            ),
            Subject::Conversation { personas, turns: t } => {
                (personas.iter().collect(), "", "", turns(t))
            }
        };
    let answer_format = format!(
        "{{{}}}",
        rubric
            .names()
            .map(|n| format!("{}: <integer>", serde_json::Value::from(n)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let text = template
        .render(context! {
            level => rubric.level.as_str(),
            criteria => &rubric.criteria,
            low => rubric.low,
            high => rubric.high,
            personas => personas,
            context => turns(&item.context),
            speaker => speaker,
            response => response,
            turns => conversation,
            answer_format => answer_format,
        })
        .map_err(prompt_error)?;
    Ok(text.trim().to_string() + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::item::{RubricCriterion, RubricLevel};

    fn rubric(level: RubricLevel) -> Rubric {
        Rubric {
            level,
            criteria: vec![
                RubricCriterion {
                    name: "consistency".into(),
                    description: "Adherence to the persona.".into(),
                },
                RubricCriterion {
                    name: "response_relevance".into(),
                    description: "Grounding in the context.".into(),
                },
            ],
            low: 1,
            high: 5,
        }
    }

    fn anchor() -> PersonaProfile {
        PersonaProfile {
            name: "Anchor".into(),
            description: "Offers a safe space.".into(),
            traits: vec!["validating".into(), "patient".into()],
            style: Some("Short, warm sentences.".into()),
        }
    }

    #[test]
    fn agent_prompt_has_rubric_persona_context_response_and_answer_keys() {
        let item = JudgeItem {
            id: "c1".into(),
            context: vec![Turn::user("My dog died yesterday.")],
            emotion: None,
            subject: Subject::Response {
                persona: anchor(),
                response: "I'm so sorry.".into(),
            },
        };
        let m = judge_messages(&rubric(RubricLevel::Agent), &item).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].role, "system");
        let u = &m[1].content;
        for part in [
            "- consistency: Adherence to the persona.",
            "integer from 1 (worst) to 5 (best)",
            "### Anchor",
            "Traits: validating, patient",
            "Style: Short, warm sentences.",
            "user: My dog died yesterday.",
            "## Response of Anchor\nI'm so sorry.",
            r#"{"consistency": <integer>, "response_relevance": <integer>}"#,
        ] {
            assert!(u.contains(part), "missing {part:?} in:\n{u}");
        }
    }

    #[test]
    fn group_prompt_lists_every_turn_and_persona() {
        let mut catalyst = anchor();
        catalyst.name = "Catalyst".into();
        let item = JudgeItem {
            id: "c2".into(),
            context: vec![Turn::user("I got the job!")],
            emotion: None,
            subject: Subject::Conversation {
                personas: vec![anchor(), catalyst],
                turns: vec![
                    Turn::agent("Anchor", "That is big news."),
                    Turn::agent("Catalyst", "What made the difference?"),
                ],
            },
        };
        let u = &judge_messages(&rubric(RubricLevel::Group), &item).unwrap()[1].content;
        for part in [
            "## Personas",
            "### Catalyst",
            "## Conversation\nAnchor: That is big news.\nCatalyst: What made the difference?",
        ] {
            assert!(u.contains(part), "missing {part:?} in:\n{u}");
        }
    }
}
