//! `load_dataset`: reads one subset of a dataset split, one node per (dataset, subset). Its
//! artifact holds `records.jsonl` (one [`ContextRecord`]-shaped object per conversation or
//! meeting), `stats.json` and, when the file had malformed rows, `bad_rows.jsonl`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::spec::dataset::{
    DatasetSource, DatasetSpec, ED_RELEASE_SPLITS, EdSubset, QmsumDomain, QmsumQueries,
    ed_release_help,
};
use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f};
use crate::spec::stages::common::light;
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::value::{Fields, LowerError, Ref};
use crate::spec::wiring::{ExternalInput, Graph, NewNode, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: light,
};

pub const FIELDS: &[FieldSpec] = &[f("data", Ty::RefList(DeclKind::Dataset), Required)];

/// One record per line: a conversation (ED) or a meeting (QMSum).
pub const RECORDS: &str = "records.jsonl";
/// Counts of the split and of what was kept.
pub const STATS: &str = "stats.json";
/// The malformed rows of the source file (present only when there were some).
pub const BAD_ROWS: &str = "bad_rows.jsonl";

/// The fields of a record every downstream stage relies on (records carry more: the
/// dataset's own fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextRecord {
    pub id: String,
    /// What a model is asked to respond to.
    pub context: String,
}

/// One subset of one split.
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
        /// Keep the first N meetings (file order); all when absent.
        limit: Option<usize>,
        /// Which queries of each meeting become records; `all` (the default) is left out so
        /// plans written before the option keep their keys.
        #[serde(default, skip_serializing_if = "QmsumQueries::is_all")]
        queries: QmsumQueries,
    },
}

impl LoadDatasetParams {
    /// The files and folders this subset reads, relative to the experiment's directory: the
    /// split's CSV for Empathetic Dialogues; for QMSum the split's folder of the domain (and,
    /// for `ALL`, the domain folders too, which label each meeting with its domain). They
    /// are the stage's external inputs, so editing or adding another split reruns nothing
    /// that does not read it.
    pub fn read_paths(&self) -> Vec<PathBuf> {
        match self {
            LoadDatasetParams::EmpatheticDialogues { .. } => vec![self.split_file().0],
            LoadDatasetParams::Qmsum {
                path,
                split,
                domain,
                ..
            } => {
                let dir = |d: QmsumDomain| path.join("data").join(d.folder()).join(split);
                let mut paths = vec![dir(*domain)];
                if *domain == QmsumDomain::All {
                    paths.extend(
                        [
                            QmsumDomain::Academic,
                            QmsumDomain::Committee,
                            QmsumDomain::Product,
                        ]
                        .map(dir),
                    );
                }
                paths
            }
        }
    }

    /// The file or folder inside the dataset folder that this subset reads, relative to the
    /// experiment file's directory, and, for a split of a dataset's original release that
    /// `data/` does not ship, where it comes from. The executor reports it, with that hint,
    /// as missing in a dry run when the dataset folder exists without it.
    pub fn split_file(&self) -> (PathBuf, Option<String>) {
        match self {
            LoadDatasetParams::EmpatheticDialogues { path, split, .. } => {
                let hint = ED_RELEASE_SPLITS.contains(&split.as_str()).then(|| {
                    ed_release_help(&path.to_string_lossy().replace('\\', "/"), split)
                });
                (path.join(format!("{split}.csv")), hint)
            }
            LoadDatasetParams::Qmsum {
                path,
                split,
                domain,
                ..
            } => (path.join("data").join(domain.folder()).join(split), None),
        }
    }
}

/// The parameters of each subset of a dataset, with the subset's name.
pub fn subset_params(ds: &DatasetSpec) -> Vec<(&'static str, LoadDatasetParams)> {
    let (path, split, limit) = (ds.path.clone(), ds.split.clone(), ds.limit);
    match &ds.source {
        DatasetSource::EmpatheticDialogues { subsets } => subsets
            .iter()
            .map(|s| {
                let params = LoadDatasetParams::EmpatheticDialogues {
                    path: path.clone(),
                    split: split.clone(),
                    subset: *s,
                    limit,
                };
                (s.as_str(), params)
            })
            .collect(),
        DatasetSource::Qmsum { domains, queries } => domains
            .iter()
            .map(|d| {
                let params = LoadDatasetParams::Qmsum {
                    path: path.clone(),
                    split: split.clone(),
                    domain: *d,
                    limit,
                    queries: *queries,
                };
                (d.as_str(), params)
            })
            .collect(),
    }
}

fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let datasets = f.req::<Vec<Ref>>("data")?;
    let many = datasets.len() > 1;
    for r in &datasets {
        let ds = p.decls.dataset(r)?;
        for (subset, params) in subset_params(ds) {
            let label = if many {
                format!("{}.{subset}", r.name)
            } else {
                subset.to_string()
            };
            let external = params
                .read_paths()
                .into_iter()
                .map(|path| ExternalInput {
                    role: "dataset".into(),
                    path,
                })
                .collect();
            g.add(
                NewNode::new(StageKind::LoadDataset, &params)?
                    .label(label)
                    .group(&r.name)
                    .external(external),
            );
        }
    }
    Ok(())
}

fn problems(_f: &Fields, _p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    Ok(Vec::new())
}
