//! Small text helpers shared by the recipes: removing `<think>` blocks, reading a labelled
//! answer (`Response: ...`), splitting words for name matching and overlap.

/// The text without `<think>...</think>` blocks; an unclosed `<think>` drops everything after
/// it (the model never got to the answer).
pub fn strip_think(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        match find_ci(rest, "<think>") {
            Some(start) => {
                out.push_str(&rest[..start]);
                let after = &rest[start + "<think>".len()..];
                match find_ci(after, "</think>") {
                    Some(end) => rest = &after[end + "</think>".len()..],
                    None => break,
                }
            }
            None => {
                // A lone closing tag (the template opened the block in the prompt).
                match find_ci(rest, "</think>") {
                    Some(end) if out.is_empty() => rest = &rest[end + "</think>".len()..],
                    _ => {
                        out.push_str(rest);
                        break;
                    }
                }
            }
        }
    }
    out.trim().to_string()
}

/// Byte offset of `needle` (ASCII) in `haystack`, ignoring ASCII case.
pub fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// The text after the last line-initial `label:` (ASCII case ignored), up to the next
/// line-initial label in `stop_labels`; `None` when no line starts with `label:`.
pub fn labelled(text: &str, label: &str, stop_labels: &[&str]) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .rposition(|l| line_label(l).is_some_and(|(name, _)| name.eq_ignore_ascii_case(label)))?;
    let first = line_label(lines[start]).map(|(_, rest)| rest).unwrap_or("");
    let mut out = vec![first];
    for line in &lines[start + 1..] {
        if line_label(line)
            .is_some_and(|(name, _)| stop_labels.iter().any(|s| s.eq_ignore_ascii_case(name)))
        {
            break;
        }
        out.push(line);
    }
    let joined = out.join("\n");
    Some(joined.trim().to_string())
}

/// `(label, rest)` when the line reads `label: rest`, markdown emphasis and list markers
/// around the label ignored.
fn line_label(line: &str) -> Option<(&str, &str)> {
    let colon = line.find(':')?;
    let label = line[..colon].trim_matches(|c: char| c.is_whitespace() || "*_#>-`".contains(c));
    if label.is_empty() || label.len() > 40 {
        return None;
    }
    let rest =
        line[colon + 1..].trim_start_matches(|c: char| c.is_whitespace() || "*_`".contains(c));
    Some((label, rest))
}

/// Lower-cased alphanumeric words with their byte spans in `text`.
pub fn words_with_spans(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(s) = start.take() {
            out.push((s, i, text[s..i].to_lowercase()));
        }
    }
    if let Some(s) = start {
        out.push((s, text.len(), text[s..].to_lowercase()));
    }
    out
}

/// Lower-cased alphanumeric words of `text`.
pub fn words(text: &str) -> Vec<String> {
    words_with_spans(text)
        .into_iter()
        .map(|(_, _, w)| w)
        .collect()
}

/// Labels that start an echo of the prompts' structure rather than a reply.
const PROMPT_ECHOES: [&str; 6] = [
    "Situation",
    "Situation (as the user described it)",
    "Meeting transcript",
    "Conversation so far",
    "The director asks you",
    "Director",
];

/// The message a speaker's output shows the others: `<think>` blocks removed, a leading
/// `<speaker>:` or `Response:` label (the model restating who speaks) dropped, and the text
/// cut at [`cut_at_other_turn`].
pub fn visible_reply(raw: &str, speaker: &str, participants: &[&str]) -> String {
    let text = strip_think(raw);
    let text = match text.lines().next().and_then(line_label) {
        Some((label, rest))
            if label.eq_ignore_ascii_case(speaker) || label.eq_ignore_ascii_case("response") =>
        {
            let mut out = rest.to_string();
            for line in text.lines().skip(1) {
                out.push('\n');
                out.push_str(line);
            }
            out
        }
        _ => text,
    };
    cut_at_other_turn(&text, speaker, participants)
}

/// `text` up to the first line, after the first, where the model starts writing someone
/// else's turn (`<participant>:` for a participant other than `own`) or echoes the prompt's
/// structure (`Situation:`, `Conversation so far:`, `The director asks you:`,
/// `Director:`), trimmed.
pub fn cut_at_other_turn(text: &str, own: &str, participants: &[&str]) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let other = line_label(line).is_some_and(|(label, _)| {
            participants
                .iter()
                .any(|p| !p.eq_ignore_ascii_case(own) && p.eq_ignore_ascii_case(label))
                || PROMPT_ECHOES.iter().any(|e| e.eq_ignore_ascii_case(label))
        });
        if other && i > 0 {
            break;
        }
        kept.push(line);
    }
    kept.join("\n").trim().to_string()
}

const ARTICLES: [&str; 3] = ["the", "a", "an"];

/// The words a name is matched by: lower-cased, a leading article dropped.
pub fn name_words(name: &str) -> Vec<String> {
    let mut w = words(name);
    if w.len() > 1 && ARTICLES.contains(&w[0].as_str()) {
        w.remove(0);
    }
    w
}

/// `(index, text after the name)` when `text` starts with one of `names` (each given by
/// [`name_words`]): word by word, ignoring case and punctuation, after optional markdown,
/// quotes, list markers and one article. The longest matching name wins.
pub fn name_at_start<'a>(text: &'a str, names: &[Vec<String>]) -> Option<(usize, &'a str)> {
    let spans = words_with_spans(text);
    let first = spans.first()?;
    if !text[..first.0]
        .chars()
        .all(|c| c.is_whitespace() || "*_#>-`\"'•[(".contains(c))
    {
        return None;
    }
    let mut best: Option<(usize, usize)> = None; // (name, words used)
    for skip in [0usize, 1] {
        if skip == 1 && !ARTICLES.contains(&first.2.as_str()) {
            continue;
        }
        for (p, name) in names.iter().enumerate() {
            let end = skip + name.len();
            if name.is_empty() || end > spans.len() {
                continue;
            }
            let same = spans[skip..end].iter().zip(name).all(|(s, n)| s.2 == *n);
            if same && best.is_none_or(|(_, used)| end > used) {
                best = Some((p, end));
            }
        }
    }
    let (index, used) = best?;
    let name_end = spans[used - 1].1;
    Some((index, &text[name_end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn think_blocks_are_removed() {
        assert_eq!(strip_think("<think>hmm</think> Hello"), "Hello");
        assert_eq!(strip_think("A <THINK>x</Think>B"), "A B");
        assert_eq!(strip_think("Hello <think>never closed"), "Hello");
        assert_eq!(strip_think("reasoning</think>\nAnswer"), "Answer");
        assert_eq!(strip_think("plain"), "plain");
    }

    #[test]
    fn labelled_answers_are_read() {
        let t = "Reasoning: they are sad\nso validate\nResponse: I'm sorry.\nThat hurts.";
        assert_eq!(
            labelled(t, "response", &[]).unwrap(),
            "I'm sorry.\nThat hurts."
        );
        assert_eq!(
            labelled(t, "Reasoning", &["response"]).unwrap(),
            "they are sad\nso validate"
        );
        assert_eq!(labelled("**Response:** hi", "response", &[]).unwrap(), "hi");
        assert!(labelled("no label here", "response", &[]).is_none());
    }

    #[test]
    fn words_split_on_non_alphanumerics() {
        assert_eq!(words("**The Beacon**, go!"), vec!["the", "beacon", "go"]);
        let spans = words_with_spans("a-bc");
        assert_eq!(spans, vec![(0, 1, "a".into()), (2, 4, "bc".into())]);
    }

    #[test]
    fn own_name_and_response_labels_are_dropped() {
        let who = ["Anchor", "Beacon", "User"];
        assert_eq!(visible_reply("Beacon: Wow!", "Beacon", &who), "Wow!");
        assert_eq!(
            visible_reply("**Beacon:** Wow!\nMore.", "Beacon", &who),
            "Wow!\nMore."
        );
        assert_eq!(
            visible_reply("<think>x</think>Response: ok", "Assistant", &who),
            "ok"
        );
        assert_eq!(visible_reply("Anchor: hi", "Beacon", &who), "Anchor: hi");
        assert_eq!(visible_reply("Note this", "Beacon", &who), "Note this");
    }

    #[test]
    fn replies_stop_where_another_turn_starts() {
        let who = ["Anchor", "Beacon", "User"];
        assert_eq!(
            visible_reply("Great news!\n\nUser: thanks\nAnchor: yes", "Beacon", &who),
            "Great news!"
        );
        assert_eq!(
            visible_reply("Wow.\nThe director asks you: more", "Beacon", &who),
            "Wow."
        );
        assert_eq!(
            visible_reply("Wow.\nBeacon: and more", "Beacon", &who),
            "Wow.\nBeacon: and more"
        );
        assert_eq!(
            cut_at_other_turn("I agree.\nNote: fine", "User", &who),
            "I agree.\nNote: fine"
        );
    }
}
