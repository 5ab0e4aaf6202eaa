//! Datasets: the `dataset` declaration's source forms (Empathetic Dialogues with its valence
//! subsets, QMSum with its domains) and the resolved [`DatasetSpec`].

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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

impl QmsumDomain {
    /// The domain's folder under the release's `data/` (`ALL` holds every meeting).
    pub fn folder(self) -> &'static str {
        match self {
            QmsumDomain::Academic => "Academic",
            QmsumDomain::Committee => "Committee",
            QmsumDomain::Product => "Product",
            QmsumDomain::All => "ALL",
        }
    }
}

/// Which queries of a QMSum meeting become records (episodes and phase-1 contexts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QmsumQueries {
    /// Every query, general ones first, then specific ones (the paper's query-summary pairs).
    #[default]
    All,
    /// The first general query (else the first specific one): one record per meeting.
    First,
    /// The first N queries of each meeting, in the order of `all`.
    Count(usize),
}

impl QmsumQueries {
    /// The default, left out of stage parameters so that plans written before the option
    /// existed keep their keys.
    pub fn is_all(&self) -> bool {
        *self == QmsumQueries::All
    }

    /// How many of a meeting's `n` queries are kept.
    pub fn take(self, n: usize) -> usize {
        match self {
            QmsumQueries::All => n,
            QmsumQueries::First => n.min(1),
            QmsumQueries::Count(k) => n.min(k),
        }
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
    EmpatheticDialogues {
        subsets: Vec<EdSubset>,
    },
    Qmsum {
        domains: Vec<QmsumDomain>,
        queries: QmsumQueries,
    },
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
    f(
        "queries",
        Ty::SymOrInt {
            syms: &["all", "first"],
            min: 1,
        },
        Sym("all"),
    ),
];

pub const DATASET: &[FieldSpec] = &[
    f(
        "source",
        Ty::Variant(&[("empathetic_dialogues", ED), ("qmsum", QMSUM)]),
        Required,
    ),
    f("limit", int(1), Optional),
];

/// A dataset folder or split that is not on disk: which argument is wrong (`path` or
/// `split`), why, and what to write instead.
#[derive(Debug, Clone, PartialEq)]
pub struct DiskProblem {
    pub field: &'static str,
    pub message: String,
    pub help: String,
    /// A split of the dataset's original release that `data/` does not ship (the ED train
    /// split): the researcher provides it, so the checker notes it instead of warning.
    pub user_provided: bool,
}

/// The splits of the original Empathetic Dialogues release (`empatheticdialogues.tar.gz`).
pub const ED_RELEASE_SPLITS: &[&str] = &["train", "valid", "test"];

/// Where a missing split of the original Empathetic Dialogues release comes from and where it
/// goes (`folder` as the file names it).
pub fn ed_release_help(folder: &str, split: &str) -> String {
    format!(
        "put `{split}.csv` of the original Empathetic Dialogues release in `{folder}` (it is in \
         empatheticdialogues.tar.gz of facebookresearch/EmpatheticDialogues, \
         https://dl.fbaipublicfiles.com/parlai/empatheticdialogues/empatheticdialogues.tar.gz; \
         CC BY-NC 4.0); data/README.md says more"
    )
}

/// Checks that a dataset's folder and split exist under `base` (the experiment file's
/// directory): ED reads `<path>/<split>.csv`, QMSum `<path>/data/<Domain>/<split>/`.
pub fn disk_problem(spec: &DatasetSpec, base: &std::path::Path) -> Option<DiskProblem> {
    let root = base.join(&spec.path);
    let shown = spec.path.to_string_lossy().replace('\\', "/");
    if !root.is_dir() {
        return Some(DiskProblem {
            field: "path",
            message: format!("dataset folder `{shown}` does not exist"),
            user_provided: false,
            help: format!(
                "the path is relative to the file that names it (here: `{}`); the shipped data is in `data/`",
                base.join(&spec.path).to_string_lossy()
            ),
        });
    }
    let (present, splits) = match &spec.source {
        DatasetSource::EmpatheticDialogues { .. } => {
            let file = root.join(format!("{}.csv", spec.split));
            (
                file.is_file(),
                names_in(&root, |p| p.extension().is_some_and(|e| e == "csv")),
            )
        }
        DatasetSource::Qmsum { .. } => {
            let data = root.join("data");
            let domains: Vec<std::path::PathBuf> = std::fs::read_dir(&data)
                .map(|rd| {
                    rd.flatten()
                        .map(|e| e.path())
                        .filter(|p| p.is_dir())
                        .collect()
                })
                .unwrap_or_default();
            let present = domains.iter().any(|d| d.join(&spec.split).is_dir());
            let mut splits: Vec<String> = domains
                .iter()
                .flat_map(|d| names_in(d, |p| p.is_dir()))
                .collect();
            splits.sort();
            splits.dedup();
            (present, splits)
        }
    };
    if present {
        return None;
    }
    if matches!(spec.source, DatasetSource::EmpatheticDialogues { .. })
        && ED_RELEASE_SPLITS.contains(&spec.split.as_str())
    {
        return Some(DiskProblem {
            field: "split",
            message: format!(
                "`{shown}/{}.csv` is not there yet: the run needs it",
                spec.split
            ),
            help: ed_release_help(&shown, &spec.split),
            user_provided: true,
        });
    }
    let help = if splits.is_empty() {
        format!("`{shown}` holds no split; check the path")
    } else {
        let quoted: Vec<String> = splits.iter().map(|s| format!("\"{s}\"")).collect();
        format!("the splits in `{shown}` are {}", quoted.join(", "))
    };
    Some(DiskProblem {
        field: "split",
        message: format!("dataset `{shown}` has no split `{}`", spec.split),
        help,
        user_provided: false,
    })
}

/// The file stems (or directory names) in `dir` that `keep` accepts, sorted.
fn names_in(dir: &std::path::Path, keep: impl Fn(&std::path::Path) -> bool) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| keep(p))
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}
