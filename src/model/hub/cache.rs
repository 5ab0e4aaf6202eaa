//! The Hugging Face cache layout, exactly as huggingface_hub writes it
//! (`file_download.py`), so a cache filled by Python is read by mascot and the other way
//! round:
//!
//! ```text
//! <cache>/models--{org}--{name}/
//!     refs/{revision}                  the commit hash the branch or tag pointed to (no newline)
//!     blobs/{etag}                     file contents, named by the ETag: the sha256 of an LFS
//!                                      file, the git blob hash of a small file
//!     blobs/{etag}.incomplete          a download in progress (resumed with HTTP Range)
//!     snapshots/{commit}/{file}        relative symlink to ../../blobs/{etag}
//!     .no_exist/{commit}/{file}        empty marker: the repository has no such file
//! <cache>/.locks/models--{org}--{name}/{etag}.lock
//! ```
//!
//! [`resolve_cached`] only reads: it is what a dry run and `mascot check` call.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::error::HubError;
use super::model_files::{OPTIONAL_FILES, missing_in_snapshot};
use crate::spec::hub_id::{HubModelRef, RepoId, Revision, is_commit_hash};

/// A Hugging Face hub cache folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubCache {
    root: PathBuf,
}

/// A model found complete in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedModel {
    pub repo: RepoId,
    pub revision: Revision,
    /// The full commit hash the revision resolved to.
    pub commit: String,
    /// `snapshots/<commit>/`: a folder [`crate::model::LoadedModel::from_hf_dir`] loads.
    pub dir: PathBuf,
}

impl CachedModel {
    /// What identifies the weights independently of where the cache is:
    /// `hf:<org>/<name>@<commit>`.
    pub fn content_id(&self) -> String {
        format!("hf:{}@{}", self.repo, self.commit)
    }
}

impl HubCache {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<cache>/models--org--name`.
    pub fn repo_dir(&self, repo: &RepoId) -> PathBuf {
        self.root.join(repo.cache_folder_name())
    }

    /// `refs/<revision>` (a revision with `/` is a nested path, as in Python).
    pub fn ref_path(&self, repo: &RepoId, revision: &Revision) -> PathBuf {
        self.repo_dir(repo).join("refs").join(revision.as_str())
    }

    pub fn snapshot_dir(&self, repo: &RepoId, commit: &str) -> PathBuf {
        self.repo_dir(repo).join("snapshots").join(commit)
    }

    pub fn blob_path(&self, repo: &RepoId, etag: &str) -> PathBuf {
        self.repo_dir(repo).join("blobs").join(etag)
    }

    /// The partial download of a blob, kept between runs so that the next one resumes it.
    pub fn incomplete_path(&self, repo: &RepoId, etag: &str) -> PathBuf {
        self.repo_dir(repo)
            .join("blobs")
            .join(format!("{etag}.incomplete"))
    }

    /// The lock file huggingface_hub takes while it downloads a blob.
    pub fn lock_path(&self, repo: &RepoId, etag: &str) -> PathBuf {
        self.root
            .join(".locks")
            .join(repo.cache_folder_name())
            .join(format!("{etag}.lock"))
    }

    fn no_exist_path(&self, repo: &RepoId, commit: &str, file: &str) -> PathBuf {
        self.repo_dir(repo)
            .join(".no_exist")
            .join(commit)
            .join(file)
    }

    /// The commit a revision points to in the cache: the revision itself when it is a commit
    /// hash, else the content of `refs/<revision>`; `None` when there is no such ref.
    pub fn commit_of(
        &self,
        repo: &RepoId,
        revision: &Revision,
    ) -> Result<Option<String>, HubError> {
        if revision.is_commit_hash() {
            return Ok(Some(revision.as_str().to_string()));
        }
        let path = self.ref_path(repo, revision);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(HubError::io(&path, e)),
        };
        let commit = text.trim();
        if !is_commit_hash(commit) {
            return Err(HubError::CorruptCache {
                path,
                reason: format!("expected a 40-character commit hash, found {commit:?}"),
            });
        }
        Ok(Some(commit.to_string()))
    }

    /// Points `refs/<revision>` at `commit` (nothing to do for a commit-hash revision).
    pub fn write_ref(
        &self,
        repo: &RepoId,
        revision: &Revision,
        commit: &str,
    ) -> Result<(), HubError> {
        if revision.as_str() == commit {
            return Ok(());
        }
        let path = self.ref_path(repo, revision);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == commit) {
            return Ok(());
        }
        crate::util::write_atomic(&path, commit.as_bytes())
            .map_err(|e| HubError::io(&path, std::io::Error::other(e.to_string())))?;
        make_world_readable(&path)
    }

    /// Makes `snapshots/<commit>/<file>` a relative symlink to `blobs/<etag>`, replacing any
    /// existing entry atomically.
    pub fn link_into_snapshot(
        &self,
        repo: &RepoId,
        commit: &str,
        file: &str,
        etag: &str,
    ) -> Result<PathBuf, HubError> {
        let pointer = self.snapshot_dir(repo, commit).join(file);
        let parent = pointer.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&parent).map_err(|e| HubError::io(&parent, e))?;
        // `snapshots/<commit>/` is two levels below the repo folder, plus one per `/` in file.
        let depth = 2 + file.matches('/').count();
        let target: PathBuf = std::iter::repeat_n("..", depth)
            .collect::<PathBuf>()
            .join("blobs")
            .join(etag);
        // Unique per process and per call: two threads of one process may link the same
        // file at once (two runs of a stage pool resolving one model).
        static LINKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let tmp = parent.join(format!(
            ".{}.{}.{}.symlink.tmp",
            pointer
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id(),
            LINKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let _ = std::fs::remove_file(&tmp);
        symlink(&target, &tmp).map_err(|e| HubError::io(&tmp, e))?;
        std::fs::rename(&tmp, &pointer).map_err(|e| HubError::io(&pointer, e))?;
        Ok(pointer)
    }

    /// Records that the repository has no `file` at `commit` (`.no_exist/<commit>/<file>`).
    pub fn mark_absent(&self, repo: &RepoId, commit: &str, file: &str) -> Result<(), HubError> {
        let path = self.no_exist_path(repo, commit, file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| HubError::io(parent, e))?;
        }
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| HubError::io(&path, e))?;
        Ok(())
    }

    /// Whether every optional model file is known: present in the snapshot, or recorded as
    /// absent from the repository.
    pub fn optional_files_known(&self, model: &CachedModel) -> bool {
        OPTIONAL_FILES.iter().all(|f| {
            model.dir.join(f).is_file()
                || self.no_exist_path(&model.repo, &model.commit, f).is_file()
        })
    }
}

/// Resolves a model from the cache alone, never the network: the snapshot of the commit the
/// revision points to, with every needed file present.
pub fn resolve_cached(model: &HubModelRef, cache: &HubCache) -> Result<CachedModel, HubError> {
    let not_cached = || HubError::NotCached {
        repo: model.repo.to_string(),
        revision: model.revision.to_string(),
        cache: cache.root().to_path_buf(),
        offline: false,
    };
    let Some(commit) = cache.commit_of(&model.repo, &model.revision)? else {
        return Err(not_cached());
    };
    let dir = cache.snapshot_dir(&model.repo, &commit);
    if !dir.is_dir() {
        return Err(not_cached());
    }
    let missing = missing_in_snapshot(&dir)?;
    if !missing.is_empty() {
        return Err(HubError::IncompleteSnapshot {
            repo: model.repo.to_string(),
            commit,
            snapshot: dir,
            missing,
        });
    }
    Ok(CachedModel {
        repo: model.repo.clone(),
        revision: model.revision.clone(),
        commit,
        dir,
    })
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_file(target, link)
}

/// Refs are read by every user of a shared cache, as the files Python writes are.
fn make_world_readable(path: &Path) -> Result<(), HubError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
            .map_err(|e| HubError::io(path, e))?;
    }
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn layout_paths() {
        let cache = HubCache::new("/c");
        let repo = RepoId::parse("Qwen/Qwen3-8B").unwrap();
        let rev = Revision::parse("refs/pr/1").unwrap();
        assert_eq!(
            cache.ref_path(&repo, &rev),
            PathBuf::from("/c/models--Qwen--Qwen3-8B/refs/refs/pr/1")
        );
        assert_eq!(
            cache.blob_path(&repo, "abc"),
            PathBuf::from("/c/models--Qwen--Qwen3-8B/blobs/abc")
        );
        assert_eq!(
            cache.lock_path(&repo, "abc"),
            PathBuf::from("/c/.locks/models--Qwen--Qwen3-8B/abc.lock")
        );
    }

    #[test]
    fn refs_and_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HubCache::new(dir.path());
        let repo = RepoId::parse("o/n").unwrap();
        let main = Revision::main();
        assert_eq!(cache.commit_of(&repo, &main).unwrap(), None);
        cache.write_ref(&repo, &main, COMMIT).unwrap();
        assert_eq!(
            std::fs::read_to_string(cache.ref_path(&repo, &main)).unwrap(),
            COMMIT
        );
        assert_eq!(
            cache.commit_of(&repo, &main).unwrap().as_deref(),
            Some(COMMIT)
        );
        let by_hash = Revision::parse(COMMIT).unwrap();
        assert_eq!(
            cache.commit_of(&repo, &by_hash).unwrap().as_deref(),
            Some(COMMIT)
        );

        std::fs::create_dir_all(cache.repo_dir(&repo).join("blobs")).unwrap();
        std::fs::write(cache.blob_path(&repo, "e1"), "x").unwrap();
        let p = cache
            .link_into_snapshot(&repo, COMMIT, "sub/f.json", "e1")
            .unwrap();
        assert_eq!(
            std::fs::read_link(&p).unwrap(),
            PathBuf::from("../../../blobs/e1")
        );
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "x");
        let p = cache
            .link_into_snapshot(&repo, COMMIT, "f.json", "e1")
            .unwrap();
        assert_eq!(
            std::fs::read_link(&p).unwrap(),
            PathBuf::from("../../blobs/e1")
        );

        std::fs::write(cache.ref_path(&repo, &main), "not a hash").unwrap();
        let err = cache.commit_of(&repo, &main).unwrap_err().to_string();
        assert!(err.contains("40-character"), "{err}");
    }
}
