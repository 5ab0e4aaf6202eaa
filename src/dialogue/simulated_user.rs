//! Simulated users (paper Section 3.3): a model prompted to play the person behind the
//! episode's opening turn, optionally with an MBTI profile (`src/data/mbti.rs`), replying to
//! the companions after each turn.

use crate::data::mbti::MbtiType;
use crate::dialogue::episode::EpisodeStart;
use crate::dialogue::history::{Utterance, render_transcript};
use crate::dialogue::rows::{DatasetKind, Message};

/// One simulated user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedUser {
    /// The MBTI type the user is prompted with; `None` for a user without a type.
    pub mbti: Option<MbtiType>,
}

impl SimulatedUser {
    pub fn generic() -> Self {
        Self { mbti: None }
    }

    pub fn mbti(t: MbtiType) -> Self {
        Self { mbti: Some(t) }
    }

    /// `INFP`..., or `generic`: the `user_type` of the rows.
    pub fn label(&self) -> String {
        self.mbti
            .as_ref()
            .map(|t| t.code.clone())
            .unwrap_or_else(|| "generic".into())
    }
}

/// The user's prompt after the latest turn.
pub fn user_prompt(
    start: &EpisodeStart,
    user: &SimulatedUser,
    history: &[Utterance],
) -> Vec<Message> {
    let mut system = match start.dataset {
        DatasetKind::EmpatheticDialogues => format!(
            "You are role-playing a person who is telling a group of companions about something \
             that happened to them. What happened: {} You opened the conversation with: \"{}\"",
            start.opening.background, start.opening.user_message
        ),
        DatasetKind::Qmsum => format!(
            "You are role-playing a participant of the meeting in the conversation, who asked \
             a team of meeting assistants: \"{}\"",
            start.opening.user_message
        ),
    };
    if let Some(t) = &user.mbti {
        system.push_str(&format!(
            "\nYour personality type is {} ({}): {} Let it shape what you say and how you say it.",
            t.code, t.name, t.description
        ));
    }
    let react = match start.dataset {
        DatasetKind::EmpatheticDialogues => "share more of what you feel or what happened",
        DatasetKind::Qmsum => "ask a follow-up question or point out what is missing",
    };
    system.push_str(&format!(
        "\nStay in character: reply naturally in one to three sentences, react to what the \
         companions said, {react}, and never act as an assistant."
    ));
    let user_msg = format!(
        "Conversation so far:\n{}\n\nWrite your next message as the User. Reply with the message only.",
        render_transcript(start, history)
    );
    vec![Message::system(system), Message::user(user_msg)]
}
