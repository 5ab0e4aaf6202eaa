//! Reading a director's directive `z_t`: `<Persona name>: <instruction>`.
//!
//! The rule, exactly:
//! 1. `<think>` blocks are removed ([`strip_think`]); nothing left is [`ParseFailure::Empty`].
//! 2. The first line (in order) that starts with a persona name is the directive. Names
//!    match word by word, ignoring case, punctuation, markdown (`**Beacon**`), list markers
//!    and a leading article (`the beacon`, `The Beacon`), and the longest name wins. The line
//!    may also start with a short label of one to three words and a colon before the name
//!    (`Next speaker: Beacon - ...`).
//! 3. The instruction is the rest of that line after the name and its separator (`:`, `-`,
//!    `,`, `.`, or a space); when that is empty, the next non-empty line. A directive is one
//!    line: what a model writes after it (often more directives) is not passed on.
//! 4. No line names a persona: when the first line reads `<one to four words>: ...` the
//!    failure is [`ParseFailure::UnknownSpeaker`] with those words and the instruction is the
//!    text after the colon; otherwise it is [`ParseFailure::MissingSpeaker`] and the
//!    instruction is the first line. The caller then picks the speaker by the fallback rule
//!    ([`crate::dialogue::speaker_order::least_recently_used`]).

use crate::dialogue::rows::ParseFailure;
use crate::dialogue::text::{name_at_start, name_words, strip_think, words};

/// A directive as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedDirective {
    /// Index into the personas, when the directive names one.
    pub speaker: Option<usize>,
    pub instruction: String,
    pub failure: Option<ParseFailure>,
}

/// Parses `raw` against the persona names (see the module docs for the rule).
pub fn parse_directive(raw: &str, personas: &[&str]) -> ParsedDirective {
    let text = strip_think(raw);
    if text.is_empty() {
        return ParsedDirective {
            speaker: None,
            instruction: String::new(),
            failure: Some(ParseFailure::Empty),
        };
    }
    let names: Vec<Vec<String>> = personas.iter().map(|p| name_words(p)).collect();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some((speaker, rest)) = match_line(line, &names) {
            return ParsedDirective {
                speaker: Some(speaker),
                instruction: line_or_next(clean_separator(rest), &lines[i + 1..]),
                failure: None,
            };
        }
    }
    let first = lines
        .iter()
        .find(|l| !l.trim().is_empty())
        .copied()
        .unwrap_or("");
    if let Some((named, after)) = unknown_head(first) {
        let first_index = lines.iter().position(|l| *l == first).unwrap_or(0);
        let mut instruction = after.trim().to_string();
        for below in &lines[first_index + 1..] {
            instruction.push('\n');
            instruction.push_str(below);
        }
        return ParsedDirective {
            speaker: None,
            instruction: instruction.trim().to_string(),
            failure: Some(ParseFailure::UnknownSpeaker { named }),
        };
    }
    ParsedDirective {
        speaker: None,
        instruction: text,
        failure: Some(ParseFailure::MissingSpeaker),
    }
}

/// `(persona, text after the name)` when `line` starts (after an optional article, or a
/// short label and a colon) with a persona name.
fn match_line<'a>(line: &'a str, names: &[Vec<String>]) -> Option<(usize, &'a str)> {
    let line = without_numbered_marker(line);
    if let Some(found) = name_at_start(line, names) {
        return Some(found);
    }
    let colon = line.find(':')?;
    let label = words(&line[..colon]);
    if (1..=3).contains(&label.len()) {
        return name_at_start(&line[colon + 1..], names);
    }
    None
}

/// `rest` trimmed, or the first non-empty line of `below` when `rest` is empty.
fn line_or_next(rest: &str, below: &[&str]) -> String {
    let rest = rest.trim();
    if !rest.is_empty() {
        return rest.to_string();
    }
    below
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

/// The line without a leading `1.` / `2)` list marker.
fn without_numbered_marker(line: &str) -> &str {
    let trimmed = line.trim_start();
    let digits = trimmed.len()
        - trimmed
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    if digits > 0
        && let Some(rest) = trimmed[digits..]
            .strip_prefix('.')
            .or_else(|| trimmed[digits..].strip_prefix(')'))
    {
        return rest;
    }
    line
}

fn clean_separator(rest: &str) -> &str {
    rest.trim_start_matches(|c: char| c.is_whitespace() || ":-–—,.*_`)]>|~".contains(c))
}

/// `(name, text after the colon)` for a line that reads `<one to four words>: ...`.
fn unknown_head(line: &str) -> Option<(String, &str)> {
    let colon = line.find(':')?;
    let head = line[..colon].trim_matches(|c: char| c.is_whitespace() || "*_#>-`\"'•".contains(c));
    let n = words(head).len();
    if !(1..=4).contains(&n) || head.len() > 40 {
        return None;
    }
    let ok = head
        .chars()
        .all(|c| c.is_alphanumeric() || c.is_whitespace() || ".'-_".contains(c));
    if !ok {
        return None;
    }
    let after =
        line[colon + 1..].trim_start_matches(|c: char| c.is_whitespace() || "*_`".contains(c));
    Some((head.to_string(), after))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: [&str; 3] = ["Anchor", "Catalyst", "Beacon"];

    fn parse(raw: &str) -> ParsedDirective {
        parse_directive(raw, &ED)
    }

    #[test]
    fn well_formed() {
        let d = parse("Beacon: The user mentioned a small win. Amplify it.");
        assert_eq!(d.speaker, Some(2));
        assert_eq!(d.instruction, "The user mentioned a small win. Amplify it.");
        assert_eq!(d.failure, None);
    }

    #[test]
    fn odd_case_punctuation_articles_and_markdown() {
        for (raw, want) in [
            ("the beacon - celebrate with them", "celebrate with them"),
            ("**Beacon**: celebrate with them", "celebrate with them"),
            ("Beacon, celebrate with them", "celebrate with them"),
            ("THE BEACON: celebrate with them", "celebrate with them"),
            (
                "- **The Beacon:** celebrate with them",
                "celebrate with them",
            ),
            (
                "Next speaker: Beacon. celebrate with them",
                "celebrate with them",
            ),
            (
                "<think>who?</think>\nBeacon: celebrate with them",
                "celebrate with them",
            ),
            ("Beacon celebrate with them", "celebrate with them"),
            ("1. Beacon: celebrate with them", "celebrate with them"),
            (
                "**Director:** Beacon: celebrate with them",
                "celebrate with them",
            ),
        ] {
            let d = parse(raw);
            assert_eq!(d.speaker, Some(2), "{raw}");
            assert_eq!(d.instruction, want, "{raw}");
            assert_eq!(d.failure, None, "{raw}");
        }
    }

    #[test]
    fn later_line_and_multi_line_instruction() {
        let d = parse("Let me think about this.\nCatalyst: ask what happened\nAnchor: then hold.");
        assert_eq!(d.speaker, Some(1));
        assert_eq!(d.instruction, "ask what happened");
        let d = parse("**Beacon**\n\ncelebrate the win\nmore");
        assert_eq!(
            (d.speaker, d.instruction.as_str()),
            (Some(2), "celebrate the win")
        );
    }

    #[test]
    fn longest_name_wins_and_words_must_match_whole() {
        let names = ["Critic", "Critic Prime", "Action Item Captain"];
        let d = parse_directive("critic prime: go", &names);
        assert_eq!(d.speaker, Some(1));
        let d = parse_directive("The action item captain - list owners", &names);
        assert_eq!(
            (d.speaker, d.instruction.as_str()),
            (Some(2), "list owners")
        );
        let d = parse_directive("Critical: something", &names);
        assert_eq!(d.speaker, None);
    }

    #[test]
    fn unknown_persona_is_recorded_with_its_name() {
        let d = parse("Dr. Phil: ask about their feelings");
        assert_eq!(d.speaker, None);
        assert_eq!(
            d.failure,
            Some(ParseFailure::UnknownSpeaker {
                named: "Dr. Phil".into()
            })
        );
        assert_eq!(d.instruction, "ask about their feelings");
    }

    #[test]
    fn empty_and_garbage() {
        for raw in [
            "",
            "   \n\t",
            "<think>only thoughts</think>",
            "<think>unfinished",
        ] {
            let d = parse(raw);
            assert_eq!(d.failure, Some(ParseFailure::Empty), "{raw:?}");
            assert_eq!(d.speaker, None);
            assert_eq!(d.instruction, "");
        }
        for raw in [
            "asdf qwer zxcv",
            "1234 !!",
            "Validate the user's feelings gently.",
        ] {
            let d = parse(raw);
            assert_eq!(d.failure, Some(ParseFailure::MissingSpeaker), "{raw:?}");
            assert_eq!(d.instruction, raw.trim());
        }
    }

    #[test]
    fn persona_names_with_articles_match_without() {
        let names = ["The Anchor", "The Catalyst"];
        let d = parse_directive("Anchor: hold space", &names);
        assert_eq!(d.speaker, Some(0));
        let d = parse_directive("the catalyst: reframe", &names);
        assert_eq!(d.speaker, Some(1));
    }
}
