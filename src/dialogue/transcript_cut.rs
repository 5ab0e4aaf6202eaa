//! Cutting a QMSum meeting transcript to the model's context: the first turns, in order, as
//! long as their tokens fit the budget. The cut is recorded ([`TranscriptCut`]).

use crate::data::qmsum::TranscriptTurn;
use crate::dialogue::chat_model::ChatModel;
use crate::dialogue::error::DialogueError;
use crate::dialogue::rows::TranscriptCut;

/// One transcript turn as the prompts show it.
pub fn transcript_line(turn: &TranscriptTurn) -> String {
    format!("{}: {}", turn.speaker.trim(), turn.content.trim())
}

/// The kept lines joined by newlines, and the cut. A line costs its token count plus one
/// (the newline); turns are kept from the start while the total stays within `budget`.
pub fn cut_transcript(
    turns: &[TranscriptTurn],
    budget: usize,
    model: &dyn ChatModel,
    record: &str,
) -> Result<(String, TranscriptCut), DialogueError> {
    let mut kept = Vec::new();
    let mut tokens_kept = 0usize;
    let mut tokens_total = 0usize;
    let mut full = true;
    for turn in turns {
        let line = transcript_line(turn);
        let cost = model
            .count_tokens(&line)
            .map_err(|e| DialogueError::BadRecord {
                record: record.to_string(),
                reason: format!("cannot count the tokens of a transcript turn: {e}"),
                help: "the speaker model's tokenizer failed on this text".into(),
            })?
            + 1;
        tokens_total += cost;
        if full && tokens_kept + cost <= budget {
            tokens_kept += cost;
            kept.push(line);
        } else {
            full = false;
        }
    }
    let cut = TranscriptCut {
        turns_kept: kept.len(),
        turns_total: turns.len(),
        tokens_kept,
        tokens_total,
        budget,
    };
    Ok((kept.join("\n"), cut))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialogue::scripted::ScriptedModel;

    fn turn(speaker: &str, content: &str) -> TranscriptTurn {
        TranscriptTurn {
            speaker: speaker.into(),
            content: content.into(),
        }
    }

    #[test]
    fn keeps_leading_turns_that_fit() {
        let model = ScriptedModel::constant("");
        // Costs (words + 1): "A: one two" = 4, "B: three" = 3, "A: four five six" = 5.
        let turns = [
            turn("A", "one two"),
            turn("B", "three"),
            turn("A", "four five six"),
        ];
        let (text, cut) = cut_transcript(&turns, 8, &model, "m").unwrap();
        assert_eq!(text, "A: one two\nB: three");
        assert_eq!(
            cut,
            TranscriptCut {
                turns_kept: 2,
                turns_total: 3,
                tokens_kept: 7,
                tokens_total: 12,
                budget: 8,
            }
        );
        let (_, all) = cut_transcript(&turns, 12, &model, "m").unwrap();
        assert_eq!(all.turns_kept, 3);
        let (none, zero) = cut_transcript(&turns, 3, &model, "m").unwrap();
        assert_eq!((none.as_str(), zero.turns_kept), ("", 0));
    }

    #[test]
    fn stops_at_the_first_turn_that_does_not_fit() {
        let model = ScriptedModel::constant("");
        let turns = [turn("A", "a b c d e f"), turn("B", "x")];
        let (text, cut) = cut_transcript(&turns, 5, &model, "m").unwrap();
        // "B: x" would fit alone, but the cut keeps a prefix of the meeting.
        assert_eq!((text.as_str(), cut.turns_kept), ("", 0));
    }
}
