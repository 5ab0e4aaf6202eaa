//! The prompts of the `multi_agent_esc` baseline, after MultiAgentESC (Xu et al., EMNLP
//! 2025): three analysis agents (the user's emotion, the event that caused it, the user's
//! intention), strategy agents choosing among the eight ESConv support strategies, one
//! response per chosen strategy, and a selection call. Each prompt asks for a labelled answer
//! (`Emotion:`, `Event:`, `Intention:`, `Strategy:`, `Response:`, `Choice:`) followed by
//! `Reasoning:`.

use crate::dialogue::episode::EpisodeStart;
use crate::dialogue::history::{ASSISTANT, Utterance, render_transcript, situation_note};
use crate::dialogue::rows::Message;
use crate::dialogue::text::{labelled, name_at_start, name_words, strip_think};

/// The eight support strategies of ESConv (Liu et al., 2021), with their definitions.
pub const STRATEGIES: [(&str, &str); 8] = [
    (
        "Question",
        "ask for information about the problem to help the user put into words what they face; open questions work best",
    ),
    (
        "Restatement or Paraphrasing",
        "restate what the user said, more concisely, so they can see their situation more clearly",
    ),
    (
        "Reflection of feelings",
        "name and describe the feelings the user expresses",
    ),
    (
        "Self-disclosure",
        "share a similar experience or feeling to show empathy",
    ),
    (
        "Affirmation and Reassurance",
        "affirm the user's strengths, motivation and abilities, and offer reassurance and encouragement",
    ),
    (
        "Providing Suggestions",
        "suggest ways to change things, without telling the user what to do",
    ),
    (
        "Information",
        "give useful information: facts, data, opinions or resources",
    ),
    (
        "Others",
        "pleasantries and any other support that fits none of the strategies above",
    ),
];

const SYSTEM: &str = "You are an expert in psychological counselling.";

fn dialogue_block(start: &EpisodeStart, history: &[Utterance]) -> String {
    let note = situation_note(start)
        .map(|n| format!("{n}\n\n"))
        .unwrap_or_default();
    format!(
        "{note}The conversation between the {ASSISTANT} and the User:\n{}",
        render_transcript(start, history)
    )
}

/// The three analyses, as far as they exist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    pub emotion: String,
    pub event: String,
    pub intention: String,
}

fn analysis_block(a: &Analysis) -> String {
    let mut s = String::new();
    for (title, text) in [
        ("Emotional state", &a.emotion),
        ("Event", &a.event),
        ("Intention", &a.intention),
    ] {
        if !text.is_empty() {
            s.push_str(&format!("\n\n{title} (from another expert):\n{text}"));
        }
    }
    s
}

fn chat(user: String) -> Vec<Message> {
    vec![Message::system(SYSTEM), Message::user(user)]
}

/// Dialogue analysis, agent 1: the emotion of the user's last message.
pub fn emotion_prompt(start: &EpisodeStart, history: &[Utterance]) -> Vec<Message> {
    chat(format!(
        "{}\n\nInfer the emotional state the user expresses in their last message. Answer in \
         this format:\nEmotion: <the emotion>\nReasoning: <why>",
        dialogue_block(start, history)
    ))
}

/// Dialogue analysis, agent 2: the event behind the emotion.
pub fn cause_prompt(start: &EpisodeStart, history: &[Utterance], a: &Analysis) -> Vec<Message> {
    chat(format!(
        "{}{}\n\nInfer the specific event that led to the user's emotional state. Answer in \
         this format:\nEvent: <the event>\nReasoning: <why>",
        dialogue_block(start, history),
        analysis_block(a)
    ))
}

/// Dialogue analysis, agent 3: what the user intends to do about the event.
pub fn intention_prompt(start: &EpisodeStart, history: &[Utterance], a: &Analysis) -> Vec<Message> {
    chat(format!(
        "{}{}\n\nInfer what the user intends to do about the event behind their emotional \
         state. Answer in this format:\nIntention: <the intention>\nReasoning: <why>",
        dialogue_block(start, history),
        analysis_block(a)
    ))
}

/// Strategy deliberation: one agent proposes a strategy, seeing the proposals of the agents
/// before it (`earlier`: their raw answers).
pub fn strategy_prompt(
    start: &EpisodeStart,
    history: &[Utterance],
    a: &Analysis,
    earlier: &[String],
) -> Vec<Message> {
    let mut s = format!(
        "{}{}\n\nThe support strategies:",
        dialogue_block(start, history),
        analysis_block(a)
    );
    for (name, def) in STRATEGIES {
        s.push_str(&format!("\n- {name}: {def}"));
    }
    if !earlier.is_empty() {
        s.push_str("\n\nOther experts proposed:");
        for e in earlier {
            s.push_str(&format!("\n- {}", strip_think(e).replace('\n', " ")));
        }
    }
    s.push_str(&format!(
        "\n\nChoose one strategy for the {ASSISTANT}'s next message, different from the ones \
         already proposed where that is reasonable. Answer in this format:\nStrategy: <one \
         strategy name from the list>\nReasoning: <why>"
    ));
    chat(s)
}

/// Response generation with one strategy.
pub fn strategy_response_prompt(
    start: &EpisodeStart,
    history: &[Utterance],
    a: &Analysis,
    strategy: usize,
) -> Vec<Message> {
    let (name, def) = STRATEGIES[strategy.min(STRATEGIES.len() - 1)];
    chat(format!(
        "{}{}\n\nWrite the {ASSISTANT}'s next message using the strategy \"{name}\" ({def}). \
         Use fewer than 30 words. Answer in this format:\nResponse: <the message>",
        dialogue_block(start, history),
        analysis_block(a)
    ))
}

/// Selection: the candidates `(strategy, response)` and a request to choose one.
pub fn selection_prompt(
    start: &EpisodeStart,
    history: &[Utterance],
    candidates: &[(usize, String)],
) -> Vec<Message> {
    let mut s = format!(
        "{}\n\nCandidate replies, each with its strategy:",
        dialogue_block(start, history)
    );
    for (strategy, response) in candidates {
        s.push_str(&format!("\n[{}] {}", strategy_name(*strategy), response));
    }
    s.push_str(
        "\n\nChoose the most appropriate reply. Answer in this format:\nChoice: <the strategy \
         of the chosen reply>\nReasoning: <why>",
    );
    chat(s)
}

pub fn strategy_name(i: usize) -> &'static str {
    STRATEGIES.get(i).map(|s| s.0).unwrap_or("Others")
}

/// The strategy an agent's answer names (`Strategy: <name>`, or the answer starting with a
/// name), matched like persona names; `None` when it names none of the eight.
pub fn read_strategy(raw: &str) -> Option<usize> {
    let visible = strip_think(raw);
    let names: Vec<Vec<String>> = STRATEGIES.iter().map(|(n, _)| name_words(n)).collect();
    let answer = labelled(&visible, "strategy", &["reasoning"]).unwrap_or(visible);
    name_at_start(&answer, &names).map(|(i, _)| i)
}

/// Which candidate a selection answer picks (`Choice: <strategy>`, or `Response: [strategy]
/// ...`); `None` when it names none of the candidates.
pub fn read_choice(raw: &str, candidates: &[usize]) -> Option<usize> {
    let visible = strip_think(raw);
    let names: Vec<Vec<String>> = candidates
        .iter()
        .map(|&s| name_words(strategy_name(s)))
        .collect();
    for label in ["choice", "response"] {
        if let Some(answer) = labelled(&visible, label, &["reasoning"])
            && let Some((i, _)) = name_at_start(&answer, &names)
        {
            return Some(i);
        }
    }
    name_at_start(&visible, &names).map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_are_read_tolerantly() {
        assert_eq!(read_strategy("Strategy: Question\nReasoning: x"), Some(0));
        assert_eq!(read_strategy("Strategy: [Reflection of Feelings]"), Some(2));
        assert_eq!(
            read_strategy("**Strategy:** self-disclosure because"),
            Some(3)
        );
        assert_eq!(read_strategy("Providing suggestions, since..."), Some(5));
        assert_eq!(read_strategy("Strategy: Hypnosis"), None);
        assert_eq!(read_strategy(""), None);
    }

    #[test]
    fn choices_name_a_candidate() {
        let cands = [0, 2];
        assert_eq!(
            read_choice("Choice: Reflection of feelings\nReasoning: y", &cands),
            Some(1)
        );
        assert_eq!(read_choice("Response: [Question] How?", &cands), Some(0));
        assert_eq!(read_choice("Choice: Information", &cands), None);
        assert_eq!(read_choice("no idea", &cands), None);
    }
}
