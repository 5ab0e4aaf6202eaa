//! Keying the stages of a run, in plan order: each stage's fingerprint from its inputs' keys
//! and the content of its external files. A stage whose external file is missing, or whose
//! input could not be keyed, has no key (a dry run still says what it would need).

use std::collections::BTreeMap;
use std::path::Path;

use crate::exec::error::ExecError;
use crate::exec::fingerprint::{Fingerprint, fingerprint};
use crate::exec::hash_cache::HashCache;
use crate::exec::hub_inputs::cached_content_id;
use crate::exec::run_stage::render;
use crate::plan::{Stage, StageId};
use crate::spec::StageKind;
use crate::spec::stages::load_dataset::LoadDatasetParams;
use crate::util::slash;

/// An external file or folder of a stage that does not exist: its role and its path as the
/// plan has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingFile {
    pub role: String,
    pub path: String,
    /// Where the file comes from, when the plan knows (the ED train split).
    pub hint: Option<String>,
}

/// What keying one stage gave.
pub enum Keyed {
    Yes(Box<Fingerprint>),
    /// External files of the stage do not exist.
    Missing(Vec<MissingFile>),
    /// The key could not be computed for another reason (an unreadable external input).
    Failed(String),
    /// An input has no key; `missing` are the stage's own external files that do not exist.
    InputMissing {
        input: StageId,
        missing: Vec<MissingFile>,
    },
}

/// The keying of every selected stage, and the executor keys of those that have one.
pub struct Keys {
    /// One entry per selected stage, in the same order.
    pub keyed: Vec<Keyed>,
    pub exec_keys: BTreeMap<StageId, String>,
}

/// Keys `selected` (in plan order) against the hash cache of the store.
pub fn key_stages(selected: &[&Stage], base_dir: &Path, hashes: &HashCache) -> Keys {
    let mut exec_keys: BTreeMap<StageId, String> = BTreeMap::new();
    let mut keyed = Vec::with_capacity(selected.len());
    for stage in selected {
        if let Some(input) = stage.inputs.iter().find(|i| !exec_keys.contains_key(*i)) {
            keyed.push(Keyed::InputMissing {
                input: input.clone(),
                missing: missing_files(stage, base_dir),
            });
            continue;
        }
        let splits = missing_splits(stage, base_dir);
        if !splits.is_empty() {
            keyed.push(Keyed::Missing(splits));
            continue;
        }
        match fingerprint(stage, base_dir, &exec_keys, hashes) {
            Ok(fp) => {
                exec_keys.insert(stage.id.clone(), fp.key.clone());
                keyed.push(Keyed::Yes(Box::new(fp)));
            }
            Err(ExecError::External { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                keyed.push(Keyed::Missing(missing_files(stage, base_dir)));
            }
            Err(e) => keyed.push(Keyed::Failed(render(&miette::Report::new(e)))),
        }
    }
    Keys { keyed, exec_keys }
}

/// The external files of `stage` that do not exist.
fn missing_files(stage: &Stage, base_dir: &Path) -> Vec<MissingFile> {
    stage
        .external
        .iter()
        .filter(|e| match e.hub_ref() {
            Some(model) => cached_content_id(&model).is_none(),
            None => !base_dir.join(&e.path).exists(),
        })
        .map(|e| MissingFile {
            role: e.role.clone(),
            path: slash(&e.path),
            hint: None,
        })
        .chain(missing_splits(stage, base_dir))
        .collect()
}

/// The split file (ED) or folder (QMSum) a `load_dataset` stage reads, when its dataset
/// folder exists without it: the plan's external input is the folder, so keying alone would
/// not notice a missing `train.csv`.
fn missing_splits(stage: &Stage, base_dir: &Path) -> Vec<MissingFile> {
    if stage.kind != StageKind::LoadDataset {
        return Vec::new();
    }
    let Ok(params) = serde_json::from_value::<LoadDatasetParams>(stage.params.clone()) else {
        return Vec::new();
    };
    let (file, hint) = params.split_file();
    let folder_there = file.parent().is_some_and(|p| base_dir.join(p).is_dir());
    if !folder_there || base_dir.join(&file).exists() {
        return Vec::new();
    }
    vec![MissingFile {
        role: "dataset split".into(),
        path: slash(&file),
        hint,
    }]
}
