//! Persona adherence, the measure behind `consistency` (agent level) and `fidelity` (group
//! level): how much of the persona's own vocabulary the response uses, how many of the
//! behaviours its traits and style imply it shows, minus behaviours they rule out and
//! generic assistant talk.
//!
//! `adherence = 0.5 * cue_share + 0.5 * min(1, lexicon_hits / 3)
//!              - 0.25 * violated_avoid_cues - 0.5 * assistant_markers`, kept in `[0, 1]`,
//! where `cue_share` is the share of the persona's recognised trait and style cues the
//! response shows (`adherence` is the lexicon term alone when none is recognised), and
//! `lexicon_hits` counts distinct content stems of the response that also occur in the
//! persona's description, traits or style.

use std::collections::BTreeSet;

use super::lexicon::{ASSISTANT_MARKERS, EMOTION_STEMS, POSITIVE_STEMS};
use super::text::{Analysed, content_stems};
use crate::judge::item::PersonaProfile;

/// A behaviour a trait or style phrase implies.
#[derive(Debug, Clone, Copy)]
enum Cue {
    /// One of these phrases occurs.
    Phrases(&'static [&'static str]),
    /// At least one question.
    Question,
    /// Exactly one question.
    OneQuestion,
    /// A question asking why, what or how.
    OpenQuestion,
    /// At least one exclamation.
    Exclamation,
    /// An emotion word.
    EmotionWord,
    /// A positive emotion word.
    PositiveWord,
    /// List lines or ordinal words (first, second, then, finally).
    Enumeration,
    /// At most 14 words per sentence on average.
    ShortSentences,
    /// A number, date or name.
    SpecificDetail,
    /// None of these phrases occurs (a violation costs adherence; never adds to it).
    Avoid(&'static [&'static str]),
}

const FIRST_PERSON_OPINION: &[&str] = &[
    "i think",
    "i feel",
    "i believe",
    "in my opinion",
    "i love",
    "i personally",
];
const JUDGEMENT: &[&str] = &[
    "you should have",
    "your fault",
    "shouldn't have",
    "you were wrong",
    "overreacting",
    "too sensitive",
    "get over it",
    "snap out of",
];
const RUSH: &[&str] = &[
    "get over",
    "move on",
    "hurry",
    "just do it",
    "snap out",
    "cheer up",
];
const VALIDATION: &[&str] = &[
    "makes sense",
    "understandable",
    "valid",
    "it's okay",
    "of course you",
    "no wonder",
    "anyone would",
    "natural to feel",
    "it's natural",
    "it is okay",
];
const REFLECTION: &[&str] = &[
    "sounds like",
    "it seems",
    "you feel",
    "you're feeling",
    "you felt",
    "what i hear",
    "it must",
    "you must",
    "must have been",
];
const REASONING: &[&str] = &[
    "because",
    "since",
    "reason",
    "cause",
    "pattern",
    "means",
    "therefore",
    "which is why",
    "that's why",
    "so that",
    "why",
];
const SOLUTION: &[&str] = &[
    "try",
    "could",
    "next",
    "plan",
    "step",
    "option",
    "what if",
    "consider",
    "might help",
    "going forward",
    "what now",
];
const PERSPECTIVE_SHIFT: &[&str] = &[
    "another way",
    "on the other hand",
    "perhaps",
    "maybe",
    "what if",
    "look at it",
    "from their",
    "could also",
    "instead",
    "differently",
    "angle",
];
const STRENGTHS: &[&str] = &[
    "you worked",
    "your effort",
    "hard work",
    "you did",
    "you earned",
    "skill",
    "strength",
    "dedication",
    "paid off",
    "talent",
    "you managed",
    "practice",
];
const CELEBRATION: &[&str] = &[
    "congratulations",
    "congrats",
    "celebrate",
    "amazing",
    "wonderful",
    "fantastic",
    "well done",
    "way to go",
    "hooray",
    "yay",
    "great news",
];
const REINFORCEMENT: &[&str] = &[
    "proud of you",
    "well done",
    "great job",
    "be proud",
    "keep it up",
    "you deserve",
    "good for you",
    "paid off",
];
const EVIDENCE: &[&str] = &[
    "said",
    "mentioned",
    "according to",
    "noted",
    "stated",
    "transcript",
    "quote",
    "\"",
    "pointed out",
    "argued",
    "reported",
];
const ACTION: &[&str] = &[
    "will",
    "deadline",
    "owner",
    "assign",
    "to do",
    "action",
    "follow up",
    "follow-up",
    "next step",
    "responsible",
    "task",
    "by next",
    "by friday",
    "by monday",
];
const CRITIQUE: &[&str] = &[
    "however",
    "but",
    "gap",
    "missing",
    "unclear",
    "not addressed",
    "overlooked",
    "risk",
    "concern",
    "lacks",
    "no one",
    "unresolved",
    "didn't",
    "did not",
];
const CONSTRUCTIVE: &[&str] = &[
    "suggest",
    "could",
    "should",
    "recommend",
    "to fix",
    "to address",
    "would help",
    "consider",
    "propose",
];
const ORDINALS: &[&str] = &[
    "first", "second", "third", "then", "finally", "next", "lastly",
];

/// Trait keys (matched inside the lower-cased trait text) and the cue each implies.
const TRAIT_CUES: &[(&str, Cue)] = &[
    ("validat", Cue::Phrases(VALIDATION)),
    ("patient", Cue::Avoid(RUSH)),
    ("reflect", Cue::Phrases(REFLECTION)),
    ("attuned", Cue::EmotionWord),
    ("empath", Cue::EmotionWord),
    ("warm", Cue::EmotionWord),
    ("judgment", Cue::Avoid(JUDGEMENT)),
    ("judgement", Cue::Avoid(JUDGEMENT)),
    ("analytic", Cue::Phrases(REASONING)),
    ("curious", Cue::Question),
    ("solution", Cue::Phrases(SOLUTION)),
    ("socratic", Cue::OpenQuestion),
    ("perspective", Cue::Phrases(PERSPECTIVE_SHIFT)),
    ("enthusias", Cue::Exclamation),
    ("energetic", Cue::Exclamation),
    ("strength", Cue::Phrases(STRENGTHS)),
    ("celebrat", Cue::Phrases(CELEBRATION)),
    ("reinforc", Cue::Phrases(REINFORCEMENT)),
    ("positive", Cue::PositiveWord),
    ("objective", Cue::Avoid(FIRST_PERSON_OPINION)),
    ("structur", Cue::Enumeration),
    ("evidence", Cue::Phrases(EVIDENCE)),
    ("systematic", Cue::Enumeration),
    ("practical", Cue::Phrases(ACTION)),
    ("action", Cue::Phrases(ACTION)),
    ("precise", Cue::SpecificDetail),
    ("critical", Cue::Phrases(CRITIQUE)),
    ("constructive", Cue::Phrases(CONSTRUCTIVE)),
];

/// Style phrases (matched inside the lower-cased style text) and the cue each implies.
const STYLE_CUES: &[(&str, Cue)] = &[
    ("short", Cue::ShortSentences),
    ("concise", Cue::ShortSentences),
    ("brief", Cue::ShortSentences),
    ("one open question", Cue::OneQuestion),
    ("question", Cue::Question),
    ("names the feeling", Cue::EmotionWord),
    ("warm", Cue::EmotionWord),
    ("celebrat", Cue::Phrases(CELEBRATION)),
    ("bullet", Cue::Enumeration),
    ("no opinion", Cue::Avoid(FIRST_PERSON_OPINION)),
    ("cite", Cue::Phrases(EVIDENCE)),
    ("owner", Cue::Phrases(ACTION)),
    ("suggestion", Cue::Phrases(CONSTRUCTIVE)),
    ("new angle", Cue::Phrases(PERSPECTIVE_SHIFT)),
];

/// Words of a persona description that say nothing about how the persona speaks.
const PERSONA_FILLER: &[&str] = &[
    "user",
    "users",
    "persona",
    "agent",
    "specialises",
    "specializes",
    "specialise",
    "specialize",
    "helps",
    "help",
    "given",
    "primary",
    "goal",
    "provide",
    "provides",
    "offers",
    "discuss",
    "discusses",
    "focusing",
    "focus",
    "such",
    "situation",
    "situations",
];

/// How well one response fits one persona, in `[0, 1]`.
pub fn adherence(persona: &PersonaProfile, response: &Analysed) -> f64 {
    let mut presence = 0usize;
    let mut shown = 0usize;
    let mut violations = 0usize;
    for cue in persona_cues(persona) {
        match cue {
            Cue::Avoid(phrases) => {
                if response.count_phrases(phrases) > 0 {
                    violations += 1;
                }
            }
            other => {
                presence += 1;
                shown += usize::from(shows(other, response));
            }
        }
    }
    let lexicon = persona_lexicon(persona);
    let hits = response.content.intersection(&lexicon).count();
    let lexical = (hits as f64 / 3.0).min(1.0);
    let base = if presence == 0 {
        lexical
    } else {
        0.5 * (shown as f64 / presence as f64) + 0.5 * lexical
    };
    let assistant = response.count_phrases(ASSISTANT_MARKERS);
    (base - 0.25 * violations as f64 - 0.5 * assistant as f64).clamp(0.0, 1.0)
}

/// The distinct content stems of the persona's description, traits and style.
pub fn persona_lexicon(persona: &PersonaProfile) -> BTreeSet<String> {
    let mut text = persona.description.clone();
    for t in &persona.traits {
        text.push(' ');
        text.push_str(&t.replace('-', " "));
    }
    if let Some(style) = &persona.style {
        text.push(' ');
        text.push_str(style);
    }
    let filler = content_stems(&PERSONA_FILLER.join(" "));
    content_stems(&text)
        .into_iter()
        .filter(|s| !filler.contains(s))
        .collect()
}

fn persona_cues(persona: &PersonaProfile) -> Vec<Cue> {
    let mut cues = Vec::new();
    for t in &persona.traits {
        let t = t.to_lowercase();
        if let Some((_, cue)) = TRAIT_CUES.iter().find(|(key, _)| t.contains(key)) {
            cues.push(*cue);
        }
    }
    if let Some(style) = &persona.style {
        let style = style.to_lowercase();
        let mut taken: Vec<&str> = Vec::new();
        for (key, cue) in STYLE_CUES {
            // "one open question" also contains "question": keep the more specific cue only.
            if style.contains(key) && !taken.iter().any(|k| k.contains(key)) {
                taken.push(key);
                cues.push(*cue);
            }
        }
    }
    cues
}

fn shows(cue: Cue, r: &Analysed) -> bool {
    match cue {
        Cue::Phrases(phrases) => r.count_phrases(phrases) > 0,
        Cue::Question => !r.questions.is_empty(),
        Cue::OneQuestion => r.questions.len() == 1,
        Cue::OpenQuestion => r.questions.iter().any(|q| {
            q.split_whitespace()
                .any(|w| matches!(w, "why" | "what" | "how"))
        }),
        Cue::Exclamation => r.exclamations > 0,
        Cue::EmotionWord => r.has_stem_in(&EMOTION_STEMS),
        Cue::PositiveWord => r.has_stem_in(&POSITIVE_STEMS),
        Cue::Enumeration => r.list_lines >= 2 || r.count_phrases(ORDINALS) >= 2,
        Cue::ShortSentences => !r.sentences.is_empty() && r.mean_sentence_words() <= 14.0,
        Cue::SpecificDetail => r.has_specific_detail(),
        Cue::Avoid(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor() -> PersonaProfile {
        PersonaProfile {
            name: "Anchor".into(),
            description: "Offers a safe space to users living through intense negative emotions such as sadness, loneliness or devastation.".into(),
            traits: ["validating", "patient", "reflective", "emotionally-attuned", "non-judgmental"]
                .map(String::from)
                .to_vec(),
            style: Some("Short, warm sentences. Names the feeling before anything else and never rushes to fix it.".into()),
        }
    }

    #[test]
    fn in_persona_response_adheres_more_than_an_assistant_reply() {
        let good = Analysed::new(
            "That sounds so lonely. It makes sense that you feel this sadness. I'm here with you.",
        );
        let bad = Analysed::new(
            "As an AI language model, I can provide a list of tips. Let me know if you have any questions.",
        );
        let p = anchor();
        assert!(adherence(&p, &good) >= 0.75, "{}", adherence(&p, &good));
        assert_eq!(adherence(&p, &bad), 0.0);
    }

    #[test]
    fn avoid_cue_costs_adherence() {
        let p = anchor();
        let calm = Analysed::new("It makes sense that you feel sad. That loss is heavy.");
        let rushed = Analysed::new(
            "It makes sense that you feel sad. You should move on and cheer up, it was your fault.",
        );
        assert!(adherence(&p, &calm) > adherence(&p, &rushed));
    }

    #[test]
    fn lexicon_drops_filler_and_keeps_persona_words() {
        let lex = persona_lexicon(&anchor());
        assert!(lex.contains("sad") || lex.contains("sadness"));
        assert!(lex.contains("loneliness") || lex.contains("lonelines"));
        assert!(!lex.contains("user"));
    }
}
