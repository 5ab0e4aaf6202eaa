//! QMSum meetings: `<root>/data/<Domain>/<split>/*.json`, one meeting per file with its topics,
//! general and specific queries and the transcript. `ALL` holds every domain's meetings; the
//! domain of an `ALL` meeting is found by looking its file name up in the domain folders.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::data::error::DataError;
use crate::spec::dataset::QmsumDomain;

/// A topic and the transcript turn spans it covers (`[start, end]` inclusive, as strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    pub topic: String,
    pub relevant_text_span: Vec<Vec<String>>,
}

/// A query and its reference answer; specific queries also carry their spans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Query {
    pub query: String,
    pub answer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant_text_span: Option<Vec<Vec<String>>>,
}

/// One transcript turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptTurn {
    pub speaker: String,
    pub content: String,
}

#[derive(Debug, Deserialize)]
struct MeetingFile {
    topic_list: Vec<Topic>,
    general_query_list: Vec<Query>,
    specific_query_list: Vec<Query>,
    meeting_transcripts: Vec<TranscriptTurn>,
}

/// One meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    /// The file stem (`Bed003`, `ES2004a`...).
    pub id: String,
    /// `Academic`, `Committee`, `Product`, or `unknown` for an `ALL` meeting no domain folder
    /// lists.
    pub domain: String,
    pub topics: Vec<Topic>,
    pub general_queries: Vec<Query>,
    pub specific_queries: Vec<Query>,
    pub transcript: Vec<TranscriptTurn>,
}

/// The meetings of one split and domain, in file-name order.
#[derive(Debug, Clone, Default)]
pub struct QmsumSplit {
    pub meetings: Vec<Meeting>,
}

/// The folder name of a domain.
pub fn domain_dir(domain: QmsumDomain) -> &'static str {
    crate::spec::stages::load_dataset::qmsum_domain_dir(domain)
}

/// Reads `<root>/data/<Domain>/<split>/*.json`.
pub fn read_qmsum(root: &Path, split: &str, domain: QmsumDomain) -> Result<QmsumSplit, DataError> {
    let dir = root.join("data").join(domain_dir(domain)).join(split);
    let files = json_files(&dir)?;
    if files.is_empty() {
        return Err(DataError::QmsumEmpty { path: dir });
    }
    let mut meetings = Vec::with_capacity(files.len());
    for file in files {
        let id = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let domain_name = match domain {
            QmsumDomain::All => domain_of(root, split, &file),
            d => domain_dir(d).to_string(),
        };
        let text = std::fs::read_to_string(&file).map_err(|source| DataError::Io {
            path: file.clone(),
            source,
        })?;
        let parsed: MeetingFile =
            serde_json::from_str(&text).map_err(|e| DataError::QmsumJson {
                path: file.clone(),
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })?;
        meetings.push(Meeting {
            id,
            domain: domain_name,
            topics: parsed.topic_list,
            general_queries: parsed.general_query_list,
            specific_queries: parsed.specific_query_list,
            transcript: parsed.meeting_transcripts,
        });
    }
    Ok(QmsumSplit { meetings })
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let entries = std::fs::read_dir(dir).map_err(|source| DataError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| DataError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn domain_of(root: &Path, split: &str, file: &Path) -> String {
    let Some(name) = file.file_name() else {
        return "unknown".into();
    };
    for d in [
        QmsumDomain::Academic,
        QmsumDomain::Committee,
        QmsumDomain::Product,
    ] {
        if root
            .join("data")
            .join(domain_dir(d))
            .join(split)
            .join(name)
            .is_file()
        {
            return domain_dir(d).to_string();
        }
    }
    "unknown".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_json_names_file_line_and_column() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data/Product/test");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("m.json"), "{\n  \"topic_list\": 3\n}").unwrap();
        let err = read_qmsum(root.path(), "test", QmsumDomain::Product).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("m.json:2:"), "{msg}");
    }
}
