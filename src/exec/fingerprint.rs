//! The executor key of a stage: what decides whether a stored artifact can be reused.
//!
//! | input                          | enters the key as                                    |
//! |--------------------------------|------------------------------------------------------|
//! | the plan's key of the stage    | the hex string (`Stage::key`, see `src/plan/KEYS.md`) |
//! | the stage kind                 | its snake_case name                                   |
//! | the kind's implementation      | its `VERSION` (0 for a kind this build cannot run)    |
//! | the canonical parameters       | their compact JSON (keys sorted by the planner)       |
//! | each external input            | role, relative path and blake3 of the CONTENT (a     |
//! |                                | directory: sorted relative paths + file contents),   |
//! |                                | sorted by (role, path); a Hub model: blake3 of        |
//! |                                | `hf:org/name@<commit>` from the local HF cache        |
//! |                                | ([`crate::exec::hub_inputs`])                         |
//! | each upstream stage            | ITS executor key (not its id), in `Stage::inputs` order |
//! | the engine version             | [`ENGINE_VERSION`] (the key and store format)         |
//!
//! NOT in the key: stage ids (they follow variant names), absolute paths, the store location, the experiment file's name, the
//! variant names, timestamps, `--jobs`. Each field is length-prefixed so that no two
//! different field lists hash alike. The external content hashes go through the (path,
//! size, mtime) fast path of [`crate::exec::hash_cache`].

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::exec::engine::ENGINE_VERSION;
use crate::exec::error::ExecError;
use crate::exec::hash_cache::HashCache;
use crate::exec::hub_inputs::cached_content_id;
use crate::plan::{Stage, StageId};
use crate::spec::StageKind;
use crate::util::slash;

/// An external input with its content hash, as recorded in manifests and run records.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HashedExternal {
    pub role: String,
    pub path: String,
    pub blake3: String,
}

/// An upstream stage and its executor key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputKey {
    pub id: StageId,
    pub key: String,
}

/// Everything that went into a stage's executor key, kept to explain a later miss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub stage_id: StageId,
    pub kind: StageKind,
    /// The `VERSION` of the kind's implementation (0: this build cannot run the kind).
    #[serde(default)]
    pub kind_version: u32,
    pub plan_key: String,
    pub params: serde_json::Value,
    pub external: Vec<HashedExternal>,
    pub inputs: Vec<InputKey>,
    pub engine_version: String,
    /// The executor key: blake3 of all the fields above (except the stage id).
    pub key: String,
}

/// Computes the fingerprint of `stage`, given the executor keys of its inputs.
pub fn fingerprint(
    stage: &Stage,
    base_dir: &Path,
    upstream: &BTreeMap<StageId, String>,
    hashes: &HashCache,
) -> Result<Fingerprint, ExecError> {
    let mut external = Vec::with_capacity(stage.external.len());
    for ext in &stage.external {
        if let Some(model) = ext.hub_ref() {
            let id = cached_content_id(&model).ok_or_else(|| ExecError::External {
                stage: stage.id.clone(),
                role: ext.role.clone(),
                path: ext.path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("{model} is not in the local Hugging Face cache"),
                ),
            })?;
            external.push(HashedExternal {
                role: ext.role.clone(),
                path: slash(&ext.path),
                blake3: blake3::hash(id.as_bytes()).to_hex().to_string(),
            });
            continue;
        }
        let full = base_dir.join(&ext.path);
        let blake3 = hashes
            .content_hash(&full)
            .map_err(|source| ExecError::External {
                stage: stage.id.clone(),
                role: ext.role.clone(),
                path: full.clone(),
                source,
            })?;
        external.push(HashedExternal {
            role: ext.role.clone(),
            path: slash(&ext.path),
            blake3,
        });
    }
    external.sort();
    let mut inputs: Vec<InputKey> = Vec::with_capacity(stage.inputs.len());
    for id in &stage.inputs {
        let key = upstream.get(id).ok_or_else(|| ExecError::InputNotKeyed {
            stage: stage.id.clone(),
            input: id.clone(),
        })?;
        inputs.push(InputKey {
            id: id.clone(),
            key: key.clone(),
        });
    }
    let mut fp = Fingerprint {
        stage_id: stage.id.clone(),
        kind: stage.kind,
        kind_version: crate::stages::implementation(stage.kind).map_or(0, |i| i.version),
        plan_key: stage.key.0.clone(),
        params: stage.params.clone(),
        external,
        inputs,
        engine_version: ENGINE_VERSION.to_string(),
        key: String::new(),
    };
    fp.key = exec_key(&fp);
    Ok(fp)
}

/// The executor key of a fingerprint (its `key` field is ignored).
pub fn exec_key(fp: &Fingerprint) -> String {
    let mut h = blake3::Hasher::new_derive_key("mascot executor key v1");
    let mut field = |tag: &str, value: &[u8]| {
        h.update(tag.as_bytes());
        h.update(&(value.len() as u64).to_le_bytes());
        h.update(value);
    };
    field("plan_key", fp.plan_key.as_bytes());
    field("kind", fp.kind.as_str().as_bytes());
    field("kind_version", &fp.kind_version.to_le_bytes());
    field(
        "params",
        serde_json::to_string(&fp.params)
            .unwrap_or_default()
            .as_bytes(),
    );
    for ext in &fp.external {
        field("external.role", ext.role.as_bytes());
        field("external.path", ext.path.as_bytes());
        field("external.blake3", ext.blake3.as_bytes());
    }
    for input in &fp.inputs {
        field("input.key", input.key.as_bytes());
    }
    field("engine", fp.engine_version.as_bytes());
    h.finalize().to_hex().to_string()
}
