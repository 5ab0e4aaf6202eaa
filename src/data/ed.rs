//! Empathetic Dialogues in its original CSV format: one row per utterance, fields split on a
//! plain `,` (no quoting: a leading `"` belongs to the text), commas inside text written
//! `_comma_`. Rows are grouped by `conv_id` into conversations (first-appearance order).
//! Malformed rows are kept as [`BadRow`]s with their line number.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::data::bad_row::BadRow;
use crate::data::error::DataError;
use crate::data::valence::{Valence, valence_of};

/// The header of the original files.
pub const ED_HEADER: &str =
    "conv_id,utterance_idx,context,prompt,speaker_idx,utterance,selfeval,tags";

/// One utterance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdTurn {
    pub utterance_idx: u32,
    pub speaker_idx: u32,
    pub utterance: String,
}

/// One conversation: the emotion label (`context` column), the situation the speaker wrote
/// (`prompt` column) and the utterances in `utterance_idx` order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdConversation {
    pub conv_id: String,
    pub emotion: String,
    pub valence: Valence,
    pub situation: String,
    pub turns: Vec<EdTurn>,
}

/// A whole split file.
#[derive(Debug, Clone, Default)]
pub struct EdSplit {
    pub conversations: Vec<EdConversation>,
    /// Data rows read (header and trailing blank lines excluded), bad ones included.
    pub rows: usize,
    pub bad_rows: Vec<BadRow>,
}

/// Reads one split file (`test.csv`, `valid.csv`...). Only an unreadable file or a wrong header
/// is an error; a malformed row is recorded in [`EdSplit::bad_rows`].
pub fn read_ed_csv(path: &Path) -> Result<EdSplit, DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let file = path.display().to_string();
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    while lines
        .last()
        .is_some_and(|l| l.iter().all(|b| b.is_ascii_whitespace()))
    {
        lines.pop();
    }
    let header = lines
        .first()
        .map(|l| {
            String::from_utf8_lossy(l)
                .trim_end_matches('\r')
                .to_string()
        })
        .unwrap_or_default();
    if header != ED_HEADER {
        return Err(DataError::EdHeader {
            path: path.to_path_buf(),
            found: header,
            expected: ED_HEADER,
        });
    }

    let mut split = EdSplit::default();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (i, raw) in lines.iter().enumerate().skip(1) {
        let line_no = i + 1;
        split.rows += 1;
        let bad = |reason: String| BadRow {
            file: file.clone(),
            line: line_no,
            reason,
        };
        let text = match std::str::from_utf8(raw) {
            Ok(t) => t.trim_end_matches('\r'),
            Err(e) => {
                split
                    .bad_rows
                    .push(bad(format!("invalid UTF-8 at byte {}", e.valid_up_to())));
                continue;
            }
        };
        match parse_row(text) {
            Ok(row) => {
                let idx = *by_id.entry(row.conv_id.clone()).or_insert_with(|| {
                    split.conversations.push(EdConversation {
                        conv_id: row.conv_id.clone(),
                        emotion: row.emotion.clone(),
                        valence: row.valence,
                        situation: row.situation.clone(),
                        turns: Vec::new(),
                    });
                    split.conversations.len() - 1
                });
                let conv = &mut split.conversations[idx];
                if conv.emotion != row.emotion {
                    split.bad_rows.push(bad(format!(
                        "emotion `{}` differs from `{}` on the earlier rows of conversation `{}`",
                        row.emotion, conv.emotion, conv.conv_id
                    )));
                    continue;
                }
                conv.turns.push(row.turn);
            }
            Err(reason) => split.bad_rows.push(bad(reason)),
        }
    }
    for conv in &mut split.conversations {
        conv.turns.sort_by_key(|t| t.utterance_idx);
    }
    Ok(split)
}

struct Row {
    conv_id: String,
    emotion: String,
    valence: Valence,
    situation: String,
    turn: EdTurn,
}

/// Splits one data line. The original files have 8 fields; some original rows carry a 9th
/// (candidate responses separated by `|`), which is accepted and ignored.
fn parse_row(text: &str) -> Result<Row, String> {
    let fields: Vec<&str> = text.split(',').collect();
    if fields.len() != 8 && fields.len() != 9 {
        return Err(format!(
            "expected 8 comma-separated fields, found {} (commas inside text must be written `_comma_`)",
            fields.len()
        ));
    }
    let conv_id = fields[0].trim();
    if conv_id.is_empty() {
        return Err("empty conv_id".into());
    }
    let utterance_idx: u32 = fields[1].trim().parse().map_err(|_| {
        format!(
            "utterance_idx `{}` is not a non-negative integer",
            fields[1]
        )
    })?;
    let emotion = fields[2].trim();
    let valence = valence_of(emotion).ok_or_else(|| {
        format!("emotion label `{emotion}` is not one of the 32 labels of Table 4")
    })?;
    let speaker_idx: u32 = fields[4]
        .trim()
        .parse()
        .map_err(|_| format!("speaker_idx `{}` is not a non-negative integer", fields[4]))?;
    Ok(Row {
        conv_id: conv_id.to_string(),
        emotion: emotion.to_string(),
        valence,
        situation: unescape(fields[3]),
        turn: EdTurn {
            utterance_idx,
            speaker_idx,
            utterance: unescape(fields[5]),
        },
    })
}

fn unescape(field: &str) -> String {
    field.replace("_comma_", ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_and_reports_bad_ones_with_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let body = format!(
            "{ED_HEADER}\n\
             c1,1,proud,I won_comma_ finally,0,\"Guess what_comma_ I won,,\n\
             c1,2,proud,I won_comma_ finally,1,Congrats!,,\n\
             c2,1,sad,x,0,hello\n\
             c3,x,sad,x,0,hi,,\n\
             c4,1,bored,x,0,hi,,\n\n"
        );
        std::fs::write(&path, body).unwrap();
        let split = read_ed_csv(&path).unwrap();
        assert_eq!(split.rows, 5);
        assert_eq!(split.conversations.len(), 1);
        let c = &split.conversations[0];
        assert_eq!(c.situation, "I won, finally");
        assert_eq!(c.turns[0].utterance, "\"Guess what, I won");
        assert_eq!(c.turns.len(), 2);
        let lines: Vec<usize> = split.bad_rows.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![4, 5, 6]);
        assert!(split.bad_rows[0].reason.contains("found 6"));
        assert!(split.bad_rows[1].reason.contains("utterance_idx"));
        assert!(split.bad_rows[2].reason.contains("bored"));
    }

    #[test]
    fn wrong_header_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "a,b\n").unwrap();
        let err = read_ed_csv(&path).unwrap_err();
        assert!(err.to_string().contains("unexpected header"));
    }
}
