//! The conversation as every model in the loop sees it: the opening (situation or meeting
//! transcript, then the user's first turn) and one `Name: text` line per utterance since.

use crate::dialogue::episode::EpisodeStart;
use crate::dialogue::rows::DatasetKind;

/// Who a single-assistant baseline speaks as.
pub const ASSISTANT: &str = "Assistant";
/// How the user appears in transcripts.
pub const USER: &str = "User";

/// One utterance after the opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    /// A persona name, [`ASSISTANT`] or [`USER`].
    pub speaker: String,
    pub text: String,
}

/// The background block of the opening.
pub fn render_background(start: &EpisodeStart) -> String {
    match start.dataset {
        DatasetKind::EmpatheticDialogues => format!(
            "Situation (as the user described it): {}",
            start.opening.background
        ),
        DatasetKind::Qmsum => {
            let head = match start.opening.cut {
                Some(c) if c.turns_kept < c.turns_total => format!(
                    "Meeting transcript (the first {} of {} turns):",
                    c.turns_kept, c.turns_total
                ),
                _ => "Meeting transcript:".to_string(),
            };
            if start.opening.background.is_empty() {
                format!("{head}\n(no transcript turn fits the model's context)")
            } else {
                format!("{head}\n{}", start.opening.background)
            }
        }
    }
}

/// The ED situation as a sentence of a system prompt (`None` for QMSum, whose transcript is
/// part of the conversation). It is kept out of the conversation block: a small model
/// continues a `Situation (...): ...` line at the top of a transcript by echoing it.
pub fn situation_note(start: &EpisodeStart) -> Option<String> {
    match start.dataset {
        DatasetKind::EmpatheticDialogues => Some(format!(
            "Before the conversation, the user described what happened to them: \"{}\"",
            start.opening.background.trim()
        )),
        DatasetKind::Qmsum => None,
    }
}

/// Appends the [`situation_note`] (if any) to a system prompt, after a blank line.
pub fn with_situation(mut system: String, start: &EpisodeStart) -> String {
    if let Some(note) = situation_note(start) {
        system.push_str("\n\n");
        system.push_str(&note);
    }
    system
}

/// The whole conversation: for QMSum the meeting transcript and a blank line, then
/// `User: <opening>` and one line per utterance (the ED situation is in the system prompts:
/// [`situation_note`]).
pub fn render_transcript(start: &EpisodeStart, history: &[Utterance]) -> String {
    let mut s = match start.dataset {
        DatasetKind::EmpatheticDialogues => String::new(),
        DatasetKind::Qmsum => format!("{}\n\n", render_background(start)),
    };
    s.push_str(&format!("{USER}: {}", start.opening.user_message));
    for u in history {
        s.push_str(&format!("\n{}: {}", u.speaker, u.text));
    }
    s
}
