//! The valence subsets of Empathetic Dialogues' 32 emotion labels (paper Table 4).

use serde::{Deserialize, Serialize};

/// Valence of an emotion label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Valence {
    Positive,
    Negative,
    Neutral,
}

const POSITIVE: [&str; 11] = [
    "grateful",
    "proud",
    "excited",
    "hopeful",
    "joyful",
    "impressed",
    "caring",
    "content",
    "confident",
    "trusting",
    "faithful",
];

const NEGATIVE: [&str; 16] = [
    "angry",
    "annoyed",
    "furious",
    "disgusted",
    "sad",
    "lonely",
    "devastated",
    "disappointed",
    "jealous",
    "embarrassed",
    "ashamed",
    "guilty",
    "afraid",
    "terrified",
    "anxious",
    "apprehensive",
];

const NEUTRAL: [&str; 5] = [
    "surprised",
    "sentimental",
    "nostalgic",
    "prepared",
    "anticipating",
];

/// The valence of an emotion label, `None` for a label that is not one of the 32.
pub fn valence_of(emotion: &str) -> Option<Valence> {
    if POSITIVE.contains(&emotion) {
        Some(Valence::Positive)
    } else if NEGATIVE.contains(&emotion) {
        Some(Valence::Negative)
    } else if NEUTRAL.contains(&emotion) {
        Some(Valence::Neutral)
    } else {
        None
    }
}

impl Valence {
    pub fn as_str(self) -> &'static str {
        match self {
            Valence::Positive => "positive",
            Valence::Negative => "negative",
            Valence::Neutral => "neutral",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_4_has_32_distinct_labels() {
        let mut all: Vec<&str> = POSITIVE
            .iter()
            .chain(&NEGATIVE)
            .chain(&NEUTRAL)
            .copied()
            .collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 32);
        assert_eq!(valence_of("proud"), Some(Valence::Positive));
        assert_eq!(valence_of("terrified"), Some(Valence::Negative));
        assert_eq!(valence_of("nostalgic"), Some(Valence::Neutral));
        assert_eq!(valence_of("bored"), None);
    }
}
