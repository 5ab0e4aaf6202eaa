//! Text features the heuristic proxies measure: lower-cased word tokens, crude stems,
//! content stems (stop words removed), sentences, questions and exclamations.

use std::collections::BTreeSet;

/// A response or turn, analysed once.
#[derive(Debug, Clone)]
pub struct Analysed {
    /// Lower-cased text with typographic apostrophes normalised, for phrase matching.
    pub lower: String,
    /// Lower-cased word tokens in order.
    pub words: Vec<String>,
    /// Stems of `words`, same order.
    pub stems: Vec<String>,
    /// Distinct stems of content words (no stop words, at least 3 characters or a number).
    pub content: BTreeSet<String>,
    /// Sentences (split on `.`, `!`, `?` and line breaks), trimmed, non-empty.
    pub sentences: Vec<String>,
    /// Sentences that end with `?`, lower-cased.
    pub questions: Vec<String>,
    /// Number of `!` runs.
    pub exclamations: usize,
    /// Lines that start like a list item (`-`, `*`, `•`, `1.`, `2)`).
    pub list_lines: usize,
}

impl Analysed {
    pub fn new(text: &str) -> Self {
        let lower = text.replace(['\u{2019}', '\u{2018}'], "'").to_lowercase();
        let words = tokenize(&lower);
        let stems: Vec<String> = words.iter().map(|w| stem(w)).collect();
        let content = words
            .iter()
            .zip(&stems)
            .filter(|(w, _)| is_content_word(w))
            .map(|(_, s)| s.clone())
            .collect();
        let (sentences, questions, exclamations) = split_sentences(text);
        let list_lines = text.lines().filter(|l| is_list_line(l)).count();
        Self {
            lower,
            words,
            stems,
            content,
            sentences,
            questions,
            exclamations,
            list_lines,
        }
    }

    /// Whether the text contains `phrase` (lower-case) on word boundaries.
    pub fn has_phrase(&self, phrase: &str) -> bool {
        contains_on_boundaries(&self.lower, phrase)
    }

    /// How many of `phrases` occur (each counted once).
    pub fn count_phrases(&self, phrases: &[&str]) -> usize {
        phrases.iter().filter(|p| self.has_phrase(p)).count()
    }

    /// Whether any word has one of these stems.
    pub fn has_stem_in(&self, stems: &BTreeSet<String>) -> bool {
        self.stems.iter().any(|s| stems.contains(s))
    }

    /// How many word tokens have a stem in `stems` (repeats counted).
    pub fn count_stems_in(&self, stems: &BTreeSet<String>) -> usize {
        self.stems.iter().filter(|s| stems.contains(*s)).count()
    }

    /// Mean words per sentence (0 for an empty text).
    pub fn mean_sentence_words(&self) -> f64 {
        if self.sentences.is_empty() {
            return 0.0;
        }
        let words: usize = self.sentences.iter().map(|s| tokenize(s).len()).sum();
        words as f64 / self.sentences.len() as f64
    }

    /// Whether a word other than the first of its sentence is capitalised, or a digit
    /// appears: a name, a date or a figure (specific detail).
    pub fn has_specific_detail(&self) -> bool {
        if self.lower.chars().any(|c| c.is_ascii_digit()) {
            return true;
        }
        self.sentences.iter().any(|s| {
            s.split_whitespace()
                .skip(1)
                .any(|w| w.chars().next().is_some_and(|c| c.is_uppercase()) && w != "I")
        })
    }
}

/// Lower-cased word tokens: runs of letters, digits and inner apostrophes.
pub fn tokenize(lower: &str) -> Vec<String> {
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '\u{2019}'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '\u{2019}'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('\u{2019}', "'"))
        .collect()
}

/// A crude English suffix stripper, so that `feelings`, `feeling` and `feel` or `drive` and
/// `driving` meet: possessive `'s`, plural `-ies/-s`, then `-ing/-ed` (undoubling a final
/// consonant), then `-ly`, then a final `e`; a stem keeps at least 3 characters.
pub fn stem(word: &str) -> String {
    let mut w = word.trim_end_matches("'s").to_string();
    let strip = |w: &mut String, suffix: &str, replace: &str| -> bool {
        if w.len() >= suffix.len() + 3 && w.ends_with(suffix) {
            w.truncate(w.len() - suffix.len());
            w.push_str(replace);
            true
        } else {
            false
        }
    };
    if !strip(&mut w, "ies", "y") && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is")
    {
        strip(&mut w, "s", "");
    }
    if strip(&mut w, "ing", "") || strip(&mut w, "ed", "") {
        let b = w.as_bytes();
        if b.len() >= 4 && b[b.len() - 1] == b[b.len() - 2] && !b"lsz".contains(&b[b.len() - 1]) {
            w.pop();
        }
    }
    strip(&mut w, "ly", "");
    if w.len() > 3 && w.ends_with('e') {
        w.pop();
    }
    w
}

/// The stems of a word list.
pub fn stems_of(words: &[&str]) -> BTreeSet<String> {
    words.iter().map(|w| stem(w)).collect()
}

/// A word that carries content: not a stop word, and at least 3 characters or a number.
pub fn is_content_word(word: &str) -> bool {
    (word.len() >= 3 || word.chars().all(|c| c.is_ascii_digit())) && !STOP_WORDS.contains(&word)
}

/// The distinct content stems of a text.
pub fn content_stems(text: &str) -> BTreeSet<String> {
    Analysed::new(text).content
}

/// `haystack` contains `needle` starting and ending on word boundaries.
pub fn contains_on_boundaries(haystack: &str, needle: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '\'';
    let mut start = 0;
    while let Some(pos) = haystack[start..].find(needle) {
        let at = start + pos;
        let end = at + needle.len();
        let before_ok = haystack[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !is_word(c))
            || needle.starts_with(|c: char| !is_word(c));
        let after_ok = haystack[end..].chars().next().is_none_or(|c| !is_word(c))
            || needle.ends_with(|c: char| !is_word(c));
        if before_ok && after_ok {
            return true;
        }
        start = at + needle.chars().next().map_or(1, char::len_utf8);
    }
    false
}

fn split_sentences(text: &str) -> (Vec<String>, Vec<String>, usize) {
    let mut sentences = Vec::new();
    let mut questions = Vec::new();
    let mut exclamations = 0;
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' | '!' | '?' | '\n' => {
                let mut ends_question = c == '?';
                let mut ends_exclamation = c == '!';
                while let Some(&n) = chars.peek() {
                    if matches!(n, '.' | '!' | '?') {
                        ends_question |= n == '?';
                        ends_exclamation |= n == '!';
                        chars.next();
                    } else {
                        break;
                    }
                }
                exclamations += usize::from(ends_exclamation);
                let s = current.trim().to_string();
                if !s.is_empty() {
                    if ends_question {
                        questions.push(s.to_lowercase().replace('\u{2019}', "'"));
                    }
                    sentences.push(s);
                }
                current.clear();
            }
            _ => current.push(c),
        }
    }
    let s = current.trim().to_string();
    if !s.is_empty() {
        sentences.push(s);
    }
    (sentences, questions, exclamations)
}

fn is_list_line(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with("- ") || t.starts_with("* ") || t.starts_with('\u{2022}') {
        return true;
    }
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    digits > 0 && matches!(t[digits..].chars().next(), Some('.') | Some(')'))
}

/// English function words and fillers ignored by the overlap and novelty measures.
pub const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "aren't",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "can't",
    "cannot",
    "could",
    "couldn't",
    "did",
    "didn't",
    "do",
    "does",
    "doesn't",
    "doing",
    "don't",
    "down",
    "during",
    "each",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "get",
    "got",
    "had",
    "hadn't",
    "has",
    "hasn't",
    "have",
    "haven't",
    "having",
    "he",
    "he's",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "if",
    "in",
    "into",
    "is",
    "isn't",
    "it",
    "it's",
    "its",
    "itself",
    "just",
    "know",
    "let",
    "let's",
    "like",
    "made",
    "make",
    "many",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "oh",
    "ok",
    "okay",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "really",
    "said",
    "same",
    "say",
    "says",
    "she",
    "she's",
    "should",
    "shouldn't",
    "so",
    "some",
    "such",
    "than",
    "that",
    "that's",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "there's",
    "these",
    "they",
    "they're",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "though",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "us",
    "very",
    "want",
    "was",
    "wasn't",
    "way",
    "we",
    "we'd",
    "we'll",
    "we're",
    "we've",
    "well",
    "were",
    "weren't",
    "what",
    "what's",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "won't",
    "would",
    "wouldn't",
    "yeah",
    "yes",
    "yet",
    "you",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_meet_across_inflections() {
        assert_eq!(stem("feelings"), stem("feel"));
        assert_eq!(stem("driving"), stem("drive"));
        assert_eq!(stem("stopped"), stem("stop"));
        assert_eq!(stem("worries"), stem("worry"));
        assert_eq!(stem("exams"), "exam");
        assert_eq!(stem("loss"), "loss");
    }

    #[test]
    fn content_words_drop_stop_words() {
        let a = Analysed::new("I failed my exam and I'm so sad about it.");
        let want: BTreeSet<String> = ["fail", "exam", "sad"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(a.content, want);
    }

    #[test]
    fn sentences_questions_and_exclamations() {
        let a = Analysed::new("Wow!! That is great. How did it feel?\n- first item");
        assert_eq!(a.sentences.len(), 4);
        assert_eq!(a.questions, vec!["how did it feel".to_string()]);
        assert_eq!(a.exclamations, 1);
        assert_eq!(a.list_lines, 1);
    }

    #[test]
    fn phrases_match_on_word_boundaries() {
        let a = Analysed::new("It sounds like you're exhausted.");
        assert!(a.has_phrase("sounds like"));
        assert!(!a.has_phrase("sound like"));
        assert!(!a.has_phrase("hausted"));
        assert!(a.has_phrase("you're"));
    }
}
