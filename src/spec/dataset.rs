//! Datasets: the `dataset` declaration's source forms (Empathetic Dialogues with its valence
//! subsets, QMSum with its domains) and the resolved [`DatasetSpec`].

use std::path::PathBuf;

use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int};
use crate::spec::symbol::symbols;

symbols! {
    /// Valence subsets of Empathetic Dialogues (paper Table 4).
    pub enum EdSubset {
        Positive = "positive",
        Negative = "negative",
        Neutral = "neutral",
        All = "all",
    }
}

symbols! {
    /// QMSum domains.
    pub enum QmsumDomain {
        Academic = "academic",
        Committee = "committee",
        Product = "product",
        All = "all",
    }
}

/// A dataset declaration: where, which split, which subsets.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetSpec {
    pub source: DatasetSource,
    /// Relative to the experiment file's directory.
    pub path: PathBuf,
    pub split: String,
    /// Keep the first N records of each subset; all when absent.
    pub limit: Option<usize>,
}

/// The dataset's format and the subsets it is read as (each subset once, in the order given).
#[derive(Debug, Clone, PartialEq)]
pub enum DatasetSource {
    EmpatheticDialogues { subsets: Vec<EdSubset> },
    Qmsum { domains: Vec<QmsumDomain> },
}

pub const ED: &[FieldSpec] = &[
    f("path", Ty::Path, Required),
    f("split", Ty::Str, Required),
    f("subsets", Ty::SymList(EdSubset::NAMES), Syms(&["all"])),
];

pub const QMSUM: &[FieldSpec] = &[
    f("path", Ty::Path, Required),
    f("split", Ty::Str, Required),
    f("domains", Ty::SymList(QmsumDomain::NAMES), Syms(&["all"])),
];

pub const DATASET: &[FieldSpec] = &[
    f(
        "source",
        Ty::Variant(&[("empathetic_dialogues", ED), ("qmsum", QMSUM)]),
        Required,
    ),
    f("limit", int(1), Optional),
];
