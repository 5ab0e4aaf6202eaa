//! Reading a reply of a thinking model: its think trace, the visible text after `</think>`,
//! and whether it was cut inside its think block (a *truncated* reply).
//!
//! The rule, by the thinking setting the prompt was rendered with:
//! - `on`: the visible text is what follows the last `</think>`; a reply without `</think>`
//!   is truncated (it never got past its reasoning: the budget ran out, or the template
//!   opened the block in the prompt and the model never closed it), its whole text the trace.
//! - `off` and `auto`: `<think>...</think>` blocks are removed ([`strip_think`]); a reply
//!   that opens `<think>` and never closes it is truncated, its trace what follows `<think>`.
//!
//! A truncated reply has no visible text; the turn loop counts it per role, never passing it
//! off as an ordinary empty message.

use crate::dialogue::text::{find_ci, strip_think};
use crate::spec::model::Thinking;

const OPEN: &str = "<think>";
const CLOSE: &str = "</think>";

/// A reply split into its reasoning and what the others see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThoughtReply {
    /// The reasoning trace (the think block's text, trimmed), when the reply has one.
    pub think: Option<String>,
    /// The text after the think block, trimmed (empty for a truncated reply).
    pub visible: String,
    /// Cut inside the think block: no `</think>` (see the module docs).
    pub truncated: bool,
}

/// Splits `text` by the rule of the module docs.
pub fn read_reply(text: &str, thinking: Thinking) -> ThoughtReply {
    let open = find_ci(text, OPEN);
    match rfind_ci(text, CLOSE) {
        Some(close) => {
            let start = open.filter(|&o| o < close).map_or(0, |o| o + OPEN.len());
            let think = text[start..close].trim();
            ThoughtReply {
                think: (!think.is_empty()).then(|| think.to_string()),
                visible: match thinking {
                    Thinking::On => text[close + CLOSE.len()..].trim().to_string(),
                    Thinking::Off | Thinking::Auto => strip_think(text),
                },
                truncated: false,
            }
        }
        None => match (open, thinking) {
            (Some(o), _) => ThoughtReply {
                think: Some(text[o + OPEN.len()..].trim().to_string()),
                visible: text[..o].trim().to_string(),
                truncated: true,
            },
            (None, Thinking::On) => ThoughtReply {
                think: Some(text.trim().to_string()),
                visible: String::new(),
                truncated: true,
            },
            (None, Thinking::Off | Thinking::Auto) => ThoughtReply {
                think: None,
                visible: text.trim().to_string(),
                truncated: false,
            },
        },
    }
}

/// Byte offset of the last `needle` (ASCII) in `haystack`, ignoring ASCII case.
fn rfind_ci(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len())
        .rev()
        .find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, thinking: Thinking) -> (Option<String>, String, bool) {
        let r = read_reply(text, thinking);
        (r.think, r.visible, r.truncated)
    }

    fn trace(t: &str) -> Option<String> {
        Some(t.to_string())
    }

    #[test]
    fn thinking_on_shows_what_follows_the_think_block() {
        assert_eq!(
            read("<think>\nhmm\n</think>\n\nHello!", Thinking::On),
            (trace("hmm"), "Hello!".into(), false)
        );
        // The template opened the block in the prompt: only the closing tag is generated.
        assert_eq!(
            read("plan it</think>Hi", Thinking::On),
            (trace("plan it"), "Hi".into(), false)
        );
    }

    #[test]
    fn a_reply_cut_before_the_closing_tag_is_truncated() {
        assert_eq!(
            read("<think>\nThe user is sad, so", Thinking::On),
            (trace("The user is sad, so"), String::new(), true)
        );
        assert_eq!(
            read("never opened, never closed", Thinking::On),
            (trace("never opened, never closed"), String::new(), true)
        );
        assert_eq!(
            read("<think>still going", Thinking::Auto),
            (trace("still going"), String::new(), true)
        );
        assert!(read_reply("<think>x", Thinking::Off).truncated);
    }

    #[test]
    fn without_thinking_the_text_is_the_reply() {
        assert_eq!(
            read("Plain answer.", Thinking::Off),
            (None, "Plain answer.".into(), false)
        );
        assert_eq!(
            read("Plain answer.", Thinking::Auto),
            (None, "Plain answer.".into(), false)
        );
        // An empty block (what `enable_thinking=False` puts in the prompt, echoed).
        assert_eq!(
            read("<think>\n\n</think>\n\nSure.", Thinking::Off),
            (None, "Sure.".into(), false)
        );
    }
}
