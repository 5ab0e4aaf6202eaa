//! The word and phrase lists the heuristic proxies count. Lists of words are compared by
//! stem (see [`super::text::stem`]); lists of phrases are matched on word boundaries in the
//! lower-cased text.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use super::text::stems_of;

/// Positive emotion words (the positive labels of Empathetic Dialogues and their kin).
pub const POSITIVE_EMOTION: &[&str] = &[
    "happy",
    "glad",
    "joy",
    "joyful",
    "excited",
    "exciting",
    "proud",
    "pride",
    "grateful",
    "thankful",
    "gratitude",
    "wonderful",
    "amazing",
    "great",
    "fantastic",
    "awesome",
    "delighted",
    "thrilled",
    "love",
    "lovely",
    "hopeful",
    "hope",
    "relieved",
    "relief",
    "content",
    "confident",
    "congratulations",
    "congrats",
    "celebrate",
    "yay",
    "impressive",
    "impressed",
    "brilliant",
    "excellent",
    "beautiful",
    "fun",
    "pleased",
    "cheerful",
    "trusting",
    "caring",
    "faithful",
    "peaceful",
    "calm",
    "inspiring",
    "incredible",
];

/// Negative emotion words (the negative labels of Empathetic Dialogues and their kin).
pub const NEGATIVE_EMOTION: &[&str] = &[
    "sad",
    "sadness",
    "sorry",
    "sorrow",
    "unhappy",
    "lonely",
    "loneliness",
    "alone",
    "hurt",
    "pain",
    "painful",
    "grief",
    "grieving",
    "loss",
    "losing",
    "lost",
    "devastated",
    "devastating",
    "heartbroken",
    "miserable",
    "depressed",
    "upset",
    "angry",
    "anger",
    "furious",
    "annoyed",
    "annoying",
    "frustrated",
    "frustrating",
    "frustration",
    "anxious",
    "anxiety",
    "worried",
    "worry",
    "afraid",
    "scared",
    "terrified",
    "fear",
    "nervous",
    "stressed",
    "stress",
    "guilty",
    "guilt",
    "ashamed",
    "shame",
    "embarrassed",
    "embarrassing",
    "disappointed",
    "disappointing",
    "jealous",
    "disgusted",
    "hard",
    "tough",
    "difficult",
    "overwhelming",
    "overwhelmed",
    "awful",
    "terrible",
    "horrible",
    "empty",
    "heavy",
    "exhausted",
    "apprehensive",
    "dread",
];

/// Emotion words of neither valence (surprise, nostalgia...).
pub const NEUTRAL_EMOTION: &[&str] = &[
    "surprised",
    "surprising",
    "shocked",
    "nostalgic",
    "nostalgia",
    "sentimental",
    "moved",
    "touched",
    "bittersweet",
    "anticipating",
    "anticipation",
    "curious",
    "prepared",
];

/// Positive words that sound cheerful: out of place after a negative disclosure.
pub const CHEER: &[&str] = &[
    "amazing",
    "awesome",
    "great",
    "fantastic",
    "wonderful",
    "congratulations",
    "congrats",
    "yay",
    "exciting",
    "fun",
    "happy",
    "celebrate",
    "brilliant",
    "excellent",
    "thrilled",
    "delighted",
    "lovely",
    "cool",
];

/// Words that raise the intensity of what follows.
pub const INTENSIFIERS: &[&str] = &[
    "so",
    "very",
    "really",
    "truly",
    "incredibly",
    "deeply",
    "absolutely",
    "totally",
    "extremely",
    "completely",
    "genuinely",
    "super",
    "utterly",
    "immensely",
    "such",
];

/// Sharma et al.'s *emotional reactions*: expressions of warmth, compassion or concern.
pub const REACTIONS: &[&str] = &[
    "i'm sorry",
    "i am sorry",
    "so sorry",
    "sorry to hear",
    "sorry for your",
    "how awful",
    "how terrible",
    "how wonderful",
    "that's awful",
    "that's terrible",
    "that's wonderful",
    "that's amazing",
    "that's great",
    "that sounds",
    "i feel for you",
    "my heart",
    "i can imagine",
    "i can't imagine",
    "i'm so happy for you",
    "i'm happy for you",
    "i'm glad",
    "i am glad",
    "congratulations",
    "congrats",
    "what a",
    "oh no",
    "wow",
];

/// Sharma et al.'s *interpretations*, specific: an understanding of the user's feelings or
/// experience put into words.
pub const INTERPRETATIONS: &[&str] = &[
    "it sounds like",
    "sounds like you",
    "you must",
    "must have been",
    "must be",
    "must feel",
    "you seem",
    "it seems",
    "i can see why",
    "i can tell",
    "it makes sense",
    "makes sense that",
    "that must",
    "you're feeling",
    "you are feeling",
    "you feel",
    "you felt",
    "you've been",
    "no wonder",
    "that explains",
    "what i hear",
];

/// Interpretations that state understanding without saying what is understood.
pub const GENERIC_UNDERSTANDING: &[&str] = &[
    "i understand",
    "i hear you",
    "i get it",
    "i know how",
    "i see",
    "i know what you mean",
];

/// Openers of Sharma et al.'s *explorations*: questions about the user's experience.
pub const EXPLORATION_OPENERS: &[&str] = &[
    "what happened",
    "how did",
    "how do you",
    "how are you",
    "what was",
    "what made",
    "what is it",
    "what's been",
    "what would",
    "do you want to talk",
    "would you like to",
    "tell me more",
    "what do you think",
    "how does",
    "how has",
    "what about",
];

/// Social contribution, *perspective*: a new angle on the situation.
pub const PERSPECTIVE: &[&str] = &[
    "another way",
    "on the other hand",
    "perhaps",
    "maybe",
    "what if",
    "it could be",
    "look at it",
    "from their",
    "could also",
    "instead",
    "differently",
    "another angle",
    "it might be",
    "in a way",
    "sometimes",
];

/// Social contribution, *reassurance*.
pub const REASSURANCE: &[&str] = &[
    "you're not alone",
    "you are not alone",
    "it's okay",
    "it is okay",
    "it's ok",
    "it's normal",
    "it is normal",
    "that's understandable",
    "completely understandable",
    "you can",
    "you will",
    "you did",
    "it's natural",
    "it is natural",
    "be gentle with yourself",
    "give yourself",
    "it's not your fault",
    "that's valid",
    "you deserve",
];

/// Social contribution, *guidance*.
pub const GUIDANCE: &[&str] = &[
    "try",
    "you could",
    "consider",
    "might help",
    "could help",
    "next step",
    "one thing",
    "it may help",
    "i suggest",
    "i'd suggest",
    "i recommend",
    "how about",
    "plan",
    "start by",
    "reach out",
    "talk to",
    "write down",
    "take a",
];

/// Generic acknowledgements: a response made only of these adds nothing.
pub const GENERIC_ACKNOWLEDGEMENTS: &[&str] = &[
    "okay",
    "ok",
    "i see",
    "that's nice",
    "thanks for sharing",
    "thank you for sharing",
    "i understand",
    "got it",
    "sure",
    "alright",
    "interesting",
    "that's interesting",
    "noted",
    "good to know",
    "cool",
];

/// Generic AI-assistant behaviour, the opposite of staying in persona.
pub const ASSISTANT_MARKERS: &[&str] = &[
    "as an ai",
    "as a language model",
    "language model",
    "i'm just an ai",
    "i am an ai",
    "i'm an ai",
    "how can i assist",
    "how can i help you",
    "i'm here to help",
    "i am here to help",
    "feel free to ask",
    "let me know if you have any",
    "is there anything else",
    "i don't have personal",
    "i do not have personal",
    "as an assistant",
    "virtual assistant",
];

/// Group turns that build on others or move the group to a shared view.
pub const SYNTHESIS: &[&str] = &[
    "building on",
    "build on",
    "to add to",
    "adding to",
    "i agree",
    "agree with",
    "to sum up",
    "in summary",
    "to summarise",
    "to summarize",
    "together",
    "let's",
    "combining",
    "both of",
    "we could",
    "consensus",
    "so far",
    "as mentioned",
    "pointed out",
    "as you said",
    "good point",
    "on top of that",
    "overall",
];

macro_rules! stem_set {
    ($name:ident, $list:expr) => {
        pub static $name: LazyLock<BTreeSet<String>> = LazyLock::new(|| stems_of($list));
    };
}

stem_set!(POSITIVE_STEMS, POSITIVE_EMOTION);
stem_set!(NEGATIVE_STEMS, NEGATIVE_EMOTION);
stem_set!(NEUTRAL_STEMS, NEUTRAL_EMOTION);
stem_set!(CHEER_STEMS, CHEER);
stem_set!(INTENSIFIER_STEMS, INTENSIFIERS);

/// Every emotion stem of either valence or none.
pub static EMOTION_STEMS: LazyLock<BTreeSet<String>> = LazyLock::new(|| {
    let mut all = POSITIVE_STEMS.clone();
    all.extend(NEGATIVE_STEMS.iter().cloned());
    all.extend(NEUTRAL_STEMS.iter().cloned());
    all
});
