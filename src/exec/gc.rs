//! Garbage collection: drop every artifact (and every stage's resumable state) whose key no
//! given plan references.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::exec::error::{ExecError, io_err};
use crate::exec::fingerprint::fingerprint;
use crate::exec::hash_cache::HashCache;
use crate::exec::lock::try_lock;
use crate::exec::manifest::Manifest;
use crate::exec::store::Store;
use crate::plan::{Plan, StageId};

/// The executor keys of every stage of `plan` whose key can be computed now.
pub fn referenced_keys(plan: &Plan, base_dir: &Path, store: &Store) -> BTreeSet<String> {
    let hashes = HashCache::load(&store.hash_cache_path());
    let mut keys: BTreeMap<StageId, String> = BTreeMap::new();
    for stage in plan.stages() {
        if stage.inputs.iter().any(|i| !keys.contains_key(i)) {
            continue;
        }
        if let Ok(fp) = fingerprint(stage, base_dir, &keys, &hashes) {
            keys.insert(stage.id.clone(), fp.key);
        }
    }
    let _ = hashes.save();
    keys.into_values().collect()
}

/// An artifact gc removed (or would remove).
#[derive(Debug, Clone)]
pub struct Dropped {
    pub key: String,
    pub stage_id: String,
    pub size: u64,
}

/// Removes (or with `dry_run` lists) every artifact not in `keep`. Artifacts some run is
/// building right now (key locked) are left alone.
pub fn gc(
    store: &Store,
    keep: &BTreeSet<String>,
    dry_run: bool,
) -> Result<Vec<Dropped>, ExecError> {
    let mut dropped = Vec::new();
    for key in store.keys()? {
        if keep.contains(&key) {
            continue;
        }
        let dir = store.artifact_dir(&key);
        let (stage_id, size) = match Manifest::read(&dir) {
            Ok(m) => (m.stage_id.clone(), m.total_size()),
            Err(_) => ("(no manifest)".to_string(), 0),
        };
        if !dry_run {
            let lock_path = store.root().join("locks").join(format!("{key}.lock"));
            let Some(_held) = try_lock(&lock_path)? else {
                continue;
            };
            store.discard(&key)?;
        }
        dropped.push(Dropped {
            key,
            stage_id,
            size,
        });
    }
    if !dry_run {
        store.sweep()?;
        // Resumable state of keys no plan references any more (a training run that was
        // killed and whose experiment changed since) is dropped too, unless being built.
        let work = store.root().join("work");
        for entry in std::fs::read_dir(&work).map_err(io_err("list", &work))? {
            let entry = entry.map_err(io_err("list", &work))?;
            let key = entry.file_name().to_string_lossy().into_owned();
            if keep.contains(&key) {
                continue;
            }
            let lock_path = store.root().join("locks").join(format!("{key}.lock"));
            if try_lock(&lock_path)?.is_some() {
                let path = entry.path();
                std::fs::remove_dir_all(&path).map_err(io_err("remove", &path))?;
            }
        }
    }
    Ok(dropped)
}
