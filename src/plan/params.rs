//! Typed canonical parameters of the stage kinds the executor runs. The planner serialises
//! these into [`crate::plan::Stage::params`]; the executor deserialises them back. Paths are
//! relative to the experiment file's directory (see [`crate::plan::ExternalInput`]).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::model::spec::ModelSpec;

/// `load_dataset`: one subset of one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dataset", rename_all = "snake_case")]
pub enum LoadDatasetParams {
    /// Empathetic Dialogues in its original CSV format: `<path>/<split>.csv`.
    EmpatheticDialogues {
        path: PathBuf,
        split: String,
        subset: EdSubset,
        /// Keep the first N conversations of the subset (file order); all when absent.
        limit: Option<usize>,
    },
    /// QMSum meeting JSON: `<path>/data/<Domain>/<split>/*.json` (`ALL` for every domain).
    Qmsum {
        path: PathBuf,
        split: String,
        domain: QmsumDomain,
        limit: Option<usize>,
    },
}

/// Valence subsets of Empathetic Dialogues (paper Table 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdSubset {
    Positive,
    Negative,
    Neutral,
    All,
}

/// QMSum domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QmsumDomain {
    Academic,
    Committee,
    Product,
    All,
}

/// `simulated_users`: the MBTI profiles to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatedUsersParams {
    /// Four-letter MBTI codes, e.g. `INFP`.
    pub types: Vec<String>,
}

/// A speaker persona as the stages see it (paper Table 7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Persona {
    pub name: String,
    pub description: String,
    pub traits: Vec<String>,
    pub style: Option<String>,
    pub examples: Vec<FewShotExample>,
}

/// One few-shot example of a persona.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FewShotExample {
    pub context: String,
    pub response: String,
}

/// `sample_candidates` (equation 1): K responses per (context, persona). Input: one
/// `load_dataset` stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleCandidatesParams {
    pub model: ModelSpec,
    pub personas: Vec<Persona>,
    /// K, at least 2.
    pub k: usize,
    pub temperature: f32,
    pub top_p: f32,
    pub top_k: Option<usize>,
    pub max_tokens: usize,
    pub seed: u64,
    /// Use only the first N contexts of the input dataset; all when absent.
    pub limit: Option<usize>,
}

/// `report`: a Markdown summary of what the run produced. Inputs: the stages it summarises.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportParams {
    pub title: String,
    pub variants: Vec<String>,
}
