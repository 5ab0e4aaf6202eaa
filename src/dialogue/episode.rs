//! Where an episode starts: a dataset record turned into an [`EpisodeStart`]. Empathetic
//! Dialogues: the situation the speaker wrote and their first utterance (the user's opening
//! turn). QMSum: the meeting transcript, cut to fit the context, and the query (the first
//! general query, else the first specific one).
//!
//! The records are the rows `load_dataset` writes to `records.jsonl`.

use serde::Deserialize;

use crate::data::ed::{EdConversation, EdTurn};
use crate::data::qmsum::Meeting;
use crate::data::valence::Valence;
use crate::dialogue::chat_model::ChatModel;
use crate::dialogue::error::DialogueError;
use crate::dialogue::rows::{DatasetKind, Opening};
use crate::dialogue::transcript_cut::cut_transcript;

/// The start of an episode (the `x` of equation 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpisodeStart {
    pub dataset: DatasetKind,
    pub context_id: String,
    /// ED: the valence; QMSum: the domain.
    pub subset: String,
    pub opening: Opening,
}

/// A `records.jsonl` row of either dataset.
#[derive(Debug, Clone, PartialEq)]
pub enum DatasetRecord {
    Ed(EdConversation),
    Qmsum(Meeting),
}

/// The ED row `load_dataset` writes (`id` is the conversation id).
#[derive(Deserialize)]
struct EdRow {
    id: String,
    emotion: String,
    valence: Valence,
    situation: String,
    turns: Vec<EdTurn>,
}

/// Reads one `records.jsonl` row: an ED row has `situation`, a QMSum row `transcript`.
pub fn parse_record(row: &serde_json::Value) -> Result<DatasetRecord, DialogueError> {
    let id = row
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or("<no id>")
        .to_string();
    let bad = |reason: String| DialogueError::BadRecord {
        record: id.clone(),
        reason,
        help: "conversations start from the records.jsonl rows `load_dataset` writes; rerun it"
            .into(),
    };
    if row.get("situation").is_some() {
        let r: EdRow = serde_json::from_value(row.clone())
            .map_err(|e| bad(format!("not an Empathetic Dialogues record: {e}")))?;
        Ok(DatasetRecord::Ed(EdConversation {
            conv_id: r.id,
            emotion: r.emotion,
            valence: r.valence,
            situation: r.situation,
            turns: r.turns,
        }))
    } else if row.get("transcript").is_some() {
        let m: Meeting = serde_json::from_value(row.clone())
            .map_err(|e| bad(format!("not a QMSum record: {e}")))?;
        Ok(DatasetRecord::Qmsum(m))
    } else {
        Err(bad(
            "neither an Empathetic Dialogues record (`situation`) nor a QMSum record (`transcript`)"
                .into(),
        ))
    }
}

impl EpisodeStart {
    /// ED: the situation as background, the first utterance (lowest `utterance_idx`) as the
    /// user's opening turn.
    pub fn from_ed(conv: &EdConversation) -> Result<Self, DialogueError> {
        let first = conv
            .turns
            .iter()
            .min_by_key(|t| t.utterance_idx)
            .filter(|t| !t.utterance.trim().is_empty())
            .ok_or_else(|| DialogueError::BadRecord {
                record: conv.conv_id.clone(),
                reason: "the conversation has no first utterance".into(),
                help: "an Empathetic Dialogues episode opens with the speaker's first utterance"
                    .into(),
            })?;
        Ok(Self {
            dataset: DatasetKind::EmpatheticDialogues,
            context_id: conv.conv_id.clone(),
            subset: conv.valence.as_str().to_string(),
            opening: Opening {
                background: conv.situation.trim().to_string(),
                user_message: first.utterance.trim().to_string(),
                cut: None,
            },
        })
    }

    /// QMSum: the transcript cut to `budget` tokens of `model` as background, the first
    /// general query (else the first specific one) as the user's opening turn.
    pub fn from_meeting(
        meeting: &Meeting,
        model: &dyn ChatModel,
        budget: usize,
    ) -> Result<Self, DialogueError> {
        let query = meeting
            .general_queries
            .first()
            .or(meeting.specific_queries.first())
            .ok_or_else(|| DialogueError::BadRecord {
                record: meeting.id.clone(),
                reason: "the meeting has no query".into(),
                help: "a QMSum episode opens with the meeting's first general (or specific) query"
                    .into(),
            })?;
        let (background, cut) = cut_transcript(&meeting.transcript, budget, model, &meeting.id)?;
        Ok(Self {
            dataset: DatasetKind::Qmsum,
            context_id: meeting.id.clone(),
            subset: meeting.domain.clone(),
            opening: Opening {
                background,
                user_message: query.query.trim().to_string(),
                cut: Some(cut),
            },
        })
    }

    /// The start of either record; `model` and `budget` cut QMSum transcripts.
    pub fn from_record(
        record: &DatasetRecord,
        model: &dyn ChatModel,
        budget: usize,
    ) -> Result<Self, DialogueError> {
        match record {
            DatasetRecord::Ed(c) => Self::from_ed(c),
            DatasetRecord::Qmsum(m) => Self::from_meeting(m, model, budget),
        }
    }
}

/// The starts of every `records.jsonl` row, in order (see [`parse_record`] and
/// [`EpisodeStart::from_record`]).
pub fn starts_from_records(
    rows: &[serde_json::Value],
    model: &dyn ChatModel,
    budget: usize,
) -> Result<Vec<EpisodeStart>, DialogueError> {
    rows.iter()
        .map(|row| EpisodeStart::from_record(&parse_record(row)?, model, budget))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialogue::scripted::ScriptedModel;

    #[test]
    fn ed_row_becomes_situation_and_first_utterance() {
        let row = serde_json::json!({
            "id": "c1", "context": "Guess what", "emotion": "proud", "valence": "positive",
            "situation": "I won a race.",
            "turns": [
                {"utterance_idx": 2, "speaker_idx": 1, "utterance": "Congrats!"},
                {"utterance_idx": 1, "speaker_idx": 0, "utterance": " Guess what, I won! "}
            ]
        });
        let DatasetRecord::Ed(conv) = parse_record(&row).unwrap() else {
            panic!("not ED")
        };
        let start = EpisodeStart::from_ed(&conv).unwrap();
        assert_eq!(start.context_id, "c1");
        assert_eq!(start.subset, "positive");
        assert_eq!(start.opening.background, "I won a race.");
        assert_eq!(start.opening.user_message, "Guess what, I won!");
        assert_eq!(start.opening.cut, None);
    }

    #[test]
    fn qmsum_row_is_cut_and_opens_with_the_query() {
        let row = serde_json::json!({
            "id": "m1", "context": "...", "domain": "Product", "topics": [],
            "general_queries": [],
            "specific_queries": [{"query": "What was decided about the budget?", "answer": "x",
                                  "relevant_text_span": [["0", "1"]]}],
            "transcript": [
                {"speaker": "PM", "content": "Budget is twelve euros."},
                {"speaker": "ID", "content": "Fine by me, twelve it is then."}
            ]
        });
        let record = parse_record(&row).unwrap();
        let model = ScriptedModel::constant("");
        let start = EpisodeStart::from_record(&record, &model, 7).unwrap();
        assert_eq!(start.subset, "Product");
        assert_eq!(
            start.opening.user_message,
            "What was decided about the budget?"
        );
        assert_eq!(start.opening.background, "PM: Budget is twelve euros.");
        let cut = start.opening.cut.unwrap();
        assert_eq!((cut.turns_kept, cut.turns_total), (1, 2));
    }

    #[test]
    fn bad_records_name_the_record() {
        let err = parse_record(&serde_json::json!({"id": "x9", "context": "hi"})).unwrap_err();
        assert!(err.to_string().contains("record `x9`"), "{err}");
        let err = parse_record(&serde_json::json!({"id": "x8", "situation": 3})).unwrap_err();
        assert!(err.to_string().contains("x8"), "{err}");
        let conv = EdConversation {
            conv_id: "e0".into(),
            emotion: "sad".into(),
            valence: Valence::Negative,
            situation: "s".into(),
            turns: vec![],
        };
        assert!(
            EpisodeStart::from_ed(&conv)
                .unwrap_err()
                .to_string()
                .contains("e0")
        );
        let meeting = Meeting {
            id: "m0".into(),
            domain: "Academic".into(),
            topics: vec![],
            general_queries: vec![],
            specific_queries: vec![],
            transcript: vec![],
        };
        let model = ScriptedModel::constant("");
        let err = EpisodeStart::from_meeting(&meeting, &model, 10).unwrap_err();
        assert!(err.to_string().contains("no query"), "{err}");
    }
}
