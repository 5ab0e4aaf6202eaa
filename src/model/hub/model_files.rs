//! Which files of a model repository mascot needs: the configuration, the tokenizer and the
//! safetensors weights (one file, or an index and its shards). Everything else in a
//! repository (PyTorch `.bin` weights, ONNX exports, READMEs) is never downloaded.

use std::collections::BTreeSet;
use std::path::Path;

use super::error::HubError;

/// Files a model cannot load without.
pub const REQUIRED_FILES: [&str; 2] = ["config.json", "tokenizer.json"];

/// Files read when the repository has them (stop ids, chat template, special tokens).
pub const OPTIONAL_FILES: [&str; 4] = [
    "generation_config.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
];

/// Unsharded weights.
pub const SINGLE_WEIGHTS: &str = "model.safetensors";

/// The index of sharded weights (`weight_map`: tensor name -> shard file).
pub const WEIGHTS_INDEX: &str = "model.safetensors.index.json";

/// The files to fetch from a repository, chosen from its file list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFileSet {
    /// Required files, the optional files the repository has, and the weights file (the
    /// index, for sharded weights), in download order.
    pub files: Vec<String>,
    /// The optional files the repository does not have.
    pub absent_optional: Vec<String>,
    /// Whether the weights are sharded (the shards are named by the index, read once it is
    /// downloaded).
    pub sharded: bool,
}

/// Chooses the files to download from the repository's file list; an error names what is
/// missing.
pub fn select_model_files(
    repo: &str,
    commit: &str,
    listing: &[String],
) -> Result<ModelFileSet, HubError> {
    let has = |f: &str| listing.iter().any(|l| l == f);
    let mut files = Vec::new();
    for f in REQUIRED_FILES {
        if !has(f) {
            return Err(HubError::MissingFile {
                repo: repo.into(),
                commit: commit.into(),
                file: f.into(),
            });
        }
        files.push(f.to_string());
    }
    let mut absent_optional = Vec::new();
    for f in OPTIONAL_FILES {
        if has(f) {
            files.push(f.to_string());
        } else {
            absent_optional.push(f.to_string());
        }
    }
    let sharded = if has(SINGLE_WEIGHTS) {
        files.push(SINGLE_WEIGHTS.into());
        false
    } else if has(WEIGHTS_INDEX) {
        files.push(WEIGHTS_INDEX.into());
        true
    } else {
        return Err(HubError::NoSafetensors {
            repo: repo.into(),
            commit: commit.into(),
            files: listing.to_vec(),
        });
    };
    Ok(ModelFileSet {
        files,
        absent_optional,
        sharded,
    })
}

/// The shard files named by a `model.safetensors.index.json`, sorted, each once.
pub fn shards_of_index(index_path: &Path) -> Result<Vec<String>, HubError> {
    let corrupt = |reason: String| HubError::CorruptCache {
        path: index_path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(index_path).map_err(|e| HubError::io(index_path, e))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| corrupt(format!("not JSON: {e}")))?;
    let map = json
        .get("weight_map")
        .and_then(|m| m.as_object())
        .ok_or_else(|| corrupt("it has no `weight_map` object".into()))?;
    let mut shards = BTreeSet::new();
    for (tensor, file) in map {
        let file = file
            .as_str()
            .ok_or_else(|| corrupt(format!("the shard of `{tensor}` is not a string")))?;
        if !is_safe_relative_name(file) {
            return Err(corrupt(format!(
                "the shard name `{file}` of `{tensor}` is not a plain relative file name"
            )));
        }
        shards.insert(file.to_string());
    }
    if shards.is_empty() {
        return Err(corrupt("its `weight_map` is empty".into()));
    }
    Ok(shards.into_iter().collect())
}

/// A repository file name that stays inside the snapshot folder: relative, `/`-separated,
/// no empty, `.` or `..` components.
pub fn is_safe_relative_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('\\')
        && !name.contains('\0')
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// The needed files missing from the snapshot folder `dir` (optional files are never
/// reported: the repository may not have them).
pub fn missing_in_snapshot(dir: &Path) -> Result<Vec<String>, HubError> {
    let mut missing: Vec<String> = REQUIRED_FILES
        .iter()
        .filter(|f| !dir.join(f).is_file())
        .map(|f| f.to_string())
        .collect();
    if dir.join(SINGLE_WEIGHTS).is_file() {
        return Ok(missing);
    }
    let index = dir.join(WEIGHTS_INDEX);
    if !index.is_file() {
        missing.push(format!("{SINGLE_WEIGHTS} (or {WEIGHTS_INDEX})"));
        return Ok(missing);
    }
    for shard in shards_of_index(&index)? {
        if !dir.join(&shard).is_file() {
            missing.push(shard);
        }
    }
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn selection_skips_what_is_not_needed() {
        let listing = names(&[
            ".gitattributes",
            "README.md",
            "config.json",
            "generation_config.json",
            "model.safetensors",
            "pytorch_model.bin",
            "tokenizer.json",
            "tokenizer_config.json",
        ]);
        let set = select_model_files("a/b", "c", &listing).unwrap();
        assert_eq!(
            set.files,
            names(&[
                "config.json",
                "tokenizer.json",
                "generation_config.json",
                "tokenizer_config.json",
                "model.safetensors"
            ])
        );
        assert_eq!(
            set.absent_optional,
            names(&["special_tokens_map.json", "chat_template.jinja"])
        );
        assert!(!set.sharded);
    }

    #[test]
    fn sharded_and_missing() {
        let listing = names(&[
            "config.json",
            "tokenizer.json",
            WEIGHTS_INDEX,
            "x-1.safetensors",
        ]);
        let set = select_model_files("a/b", "c", &listing).unwrap();
        assert!(set.sharded);
        assert_eq!(set.files.last().map(String::as_str), Some(WEIGHTS_INDEX));

        let err = select_model_files(
            "a/b",
            "c",
            &names(&["config.json", "tokenizer.json", "pytorch_model.bin"]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("no safetensors"), "{err}");
        let err = select_model_files("a/b", "c", &names(&["tokenizer.json", "model.safetensors"]))
            .unwrap_err();
        assert!(err.to_string().contains("config.json"), "{err}");
    }

    #[test]
    fn index_shards_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join(WEIGHTS_INDEX);
        std::fs::write(
            &index,
            r#"{"weight_map": {"a": "m-2.safetensors", "b": "m-1.safetensors", "c": "m-2.safetensors"}}"#,
        )
        .unwrap();
        assert_eq!(
            shards_of_index(&index).unwrap(),
            names(&["m-1.safetensors", "m-2.safetensors"])
        );
        std::fs::write(&index, r#"{"weight_map": {"a": "../../evil"}}"#).unwrap();
        assert!(
            shards_of_index(&index)
                .unwrap_err()
                .to_string()
                .contains("plain relative")
        );
        std::fs::write(&index, "{").unwrap();
        assert!(
            shards_of_index(&index)
                .unwrap_err()
                .to_string()
                .contains("not JSON")
        );
    }
}
