//! The 16 Myers-Briggs types the evaluation simulates as users (paper Section 3.3): each with
//! its four dichotomy letters and a short description the user simulator is prompted with.

pub use crate::spec::users::MbtiType;

const TYPES: [(&str, &str, &str); 16] = [
    (
        "ISTJ",
        "Logistician",
        "Quiet, practical and dependable; values facts, order and keeping commitments, and prefers concrete steps to open-ended talk.",
    ),
    (
        "ISFJ",
        "Defender",
        "Warm, conscientious and loyal; notices how others feel, remembers details about people and prefers gentle, steady support.",
    ),
    (
        "INFJ",
        "Advocate",
        "Insightful and idealistic; looks for meaning and the feelings beneath the surface, and values deep one-to-one understanding.",
    ),
    (
        "INTJ",
        "Architect",
        "Independent and strategic; wants reasoning that holds together, long-term plans and little small talk.",
    ),
    (
        "ISTP",
        "Virtuoso",
        "Calm, observant and hands-on; likes to analyse how things work and prefers practical fixes to emotional discussion.",
    ),
    (
        "ISFP",
        "Adventurer",
        "Gentle, sensitive and present-focused; values personal freedom and authenticity, and dislikes being judged or pushed.",
    ),
    (
        "INFP",
        "Mediator",
        "Idealistic and empathetic; guided by inner values, wants to feel truly heard and responds to warmth and sincerity.",
    ),
    (
        "INTP",
        "Logician",
        "Curious and analytical; enjoys ideas and precise explanations, and is sceptical of advice that is not well argued.",
    ),
    (
        "ESTP",
        "Entrepreneur",
        "Energetic, direct and action-oriented; lives in the moment and wants straightforward, practical responses.",
    ),
    (
        "ESFP",
        "Entertainer",
        "Outgoing, spontaneous and expressive; enjoys shared feelings and positive energy, and wants to be cheered on.",
    ),
    (
        "ENFP",
        "Campaigner",
        "Enthusiastic and imaginative; sees possibilities everywhere, values emotional connection and encouragement.",
    ),
    (
        "ENTP",
        "Debater",
        "Quick-witted and inventive; enjoys challenging ideas and playful debate, and grows bored with repetition.",
    ),
    (
        "ESTJ",
        "Executive",
        "Organised, decisive and direct; values clear structure and results, and wants concrete action items.",
    ),
    (
        "ESFJ",
        "Consul",
        "Sociable, caring and cooperative; values harmony and appreciation, and responds well to warmth and reassurance.",
    ),
    (
        "ENFJ",
        "Protagonist",
        "Charismatic and empathetic; attuned to others' growth and feelings, and appreciates supportive, inspiring dialogue.",
    ),
    (
        "ENTJ",
        "Commander",
        "Confident, strategic and assertive; wants efficient, goal-directed conversation and dislikes vague sympathy.",
    ),
];

/// All 16 types in the order above.
pub fn mbti_types() -> Vec<MbtiType> {
    TYPES
        .iter()
        .map(|(code, name, desc)| build(code, name, desc))
        .collect()
}

/// The type with this code (case-insensitive), `None` when it is not one of the 16.
pub fn mbti_type(code: &str) -> Option<MbtiType> {
    let upper = code.to_ascii_uppercase();
    TYPES
        .iter()
        .find(|(c, _, _)| *c == upper)
        .map(|(code, name, desc)| build(code, name, desc))
}

/// All 16 codes, for suggestions.
pub fn mbti_codes() -> impl Iterator<Item = &'static str> {
    TYPES.iter().map(|(c, _, _)| *c)
}

fn build(code: &str, name: &str, description: &str) -> MbtiType {
    let letters: Vec<char> = code.chars().collect();
    MbtiType {
        code: code.to_string(),
        energy: letters[0],
        perception: letters[1],
        judgment: letters[2],
        lifestyle: letters[3],
        name: name.to_string(),
        description: description.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_distinct_types_cover_every_letter_combination() {
        let types = mbti_types();
        assert_eq!(types.len(), 16);
        let mut codes: Vec<String> = types
            .iter()
            .map(|t| {
                [t.energy, t.perception, t.judgment, t.lifestyle]
                    .iter()
                    .collect()
            })
            .collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 16);
        for t in &types {
            assert!("EI".contains(t.energy) && "SN".contains(t.perception));
            assert!("TF".contains(t.judgment) && "JP".contains(t.lifestyle));
        }
        assert_eq!(mbti_type("infp").unwrap().name, "Mediator");
        assert!(mbti_type("ABCD").is_none());
    }
}
