//! Datasets: the `dataset` declaration's source forms (Empathetic Dialogues with its valence
//! subsets, QMSum with its domains) and the resolved [`DatasetSpec`].

use std::path::PathBuf;

use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int};
use crate::spec::value::{Call, Fields, LowerError, symbols};

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

/// A `dataset` declaration's checked fields -> the dataset.
pub fn lower(f: &Fields) -> Result<DatasetSpec, LowerError> {
    let source = f.req::<Call>("source")?;
    let a = &source.args;
    let within = |e: LowerError| e.within("source");
    let kind = match source.form {
        "empathetic_dialogues" => DatasetSource::EmpatheticDialogues {
            subsets: once_each(a.req("subsets").map_err(within)?),
        },
        "qmsum" => DatasetSource::Qmsum {
            domains: once_each(a.req("domains").map_err(within)?),
        },
        other => {
            return Err(LowerError::Other(format!(
                "dataset source `{other}` has no lowering"
            )));
        }
    };
    Ok(DatasetSpec {
        source: kind,
        path: a.req("path").map_err(within)?,
        split: a.req("split").map_err(within)?,
        limit: f.opt("limit")?,
    })
}

fn once_each<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for x in items {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}
