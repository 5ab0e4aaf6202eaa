//! [`resolve_or_download`]: a model from the cache, downloaded into it first when it is
//! missing and the network is allowed. Only the files a model needs are fetched
//! ([`super::model_files`]), all from the one commit the revision points to, each into the
//! cache layout huggingface_hub uses ([`super::cache`]).

use super::blob_download::{BlobRequest, download_blob};
use super::cache::{CachedModel, HubCache, resolve_cached};
use super::client::HubClient;
use super::config::HubConfig;
use super::error::HubError;
use super::model_files::{WEIGHTS_INDEX, select_model_files, shards_of_index};
use crate::spec::hub_id::{HubModelRef, Revision};

/// The model from the cache when it is complete there; otherwise (unless `config.offline`)
/// downloads what is missing from `config.endpoint` and points `refs/<revision>` at the
/// commit. A cached model is used without any network call when every file it needs is
/// present and every optional file is known (present, or recorded as absent by a download).
pub fn resolve_or_download(
    model: &HubModelRef,
    config: &HubConfig,
) -> Result<CachedModel, HubError> {
    let cache = HubCache::new(&config.cache_dir);
    match resolve_cached(model, &cache) {
        Ok(found) if config.offline || cache.optional_files_known(&found) => Ok(found),
        Ok(found) => complete_optional_files(found, &cache, config),
        Err(HubError::NotCached {
            repo,
            revision,
            cache,
            ..
        }) if config.offline => Err(HubError::NotCached {
            repo,
            revision,
            cache,
            offline: true,
        }),
        Err(HubError::NotCached { .. } | HubError::IncompleteSnapshot { .. })
            if !config.offline =>
        {
            download_model(model, &cache, &HubClient::new(config))
        }
        Err(e) => Err(e),
    }
}

/// A snapshot with every needed file whose optional files are unknown (typically one written
/// by a Python download of a few files): fetches those of the SAME commit the repository has,
/// and falls back to the snapshot as it is when the Hub cannot be reached.
fn complete_optional_files(
    found: CachedModel,
    cache: &HubCache,
    config: &HubConfig,
) -> Result<CachedModel, HubError> {
    let pinned = HubModelRef {
        repo: found.repo.clone(),
        revision: Revision::parse(&found.commit)?,
    };
    match download_model(&pinned, cache, &HubClient::new(config)) {
        Ok(complete) => Ok(CachedModel {
            revision: found.revision,
            ..complete
        }),
        Err(HubError::Http { url, reason }) => {
            eprintln!(
                "warning: could not check {} for optional files ({url}: {reason}); using the \
                 cached snapshot {}",
                found.repo, found.commit
            );
            Ok(found)
        }
        Err(e) => Err(e),
    }
}

/// Downloads the model's missing files into `cache` and returns the complete snapshot.
pub fn download_model(
    model: &HubModelRef,
    cache: &HubCache,
    client: &HubClient,
) -> Result<CachedModel, HubError> {
    let repo = &model.repo;
    let listing = client.listing(repo, &model.revision)?;
    let commit = listing.commit;
    if model.revision.is_commit_hash() && model.revision.as_str() != commit {
        return Err(HubError::BadResponse {
            url: client.endpoint().to_string(),
            status: 200,
            reason: format!(
                "asked for commit {} and the repository info is for {commit}",
                model.revision
            ),
        });
    }
    let set = select_model_files(repo.as_str(), &commit, &listing.files)?;
    let fetch = |file: &str| fetch_file(cache, client, model, &commit, file);
    for file in &set.files {
        fetch(file)?;
    }
    if set.sharded {
        let index = cache.snapshot_dir(repo, &commit).join(WEIGHTS_INDEX);
        for shard in shards_of_index(&index)? {
            if !listing.files.contains(&shard) {
                return Err(HubError::MissingFile {
                    repo: repo.to_string(),
                    commit: commit.clone(),
                    file: shard,
                });
            }
            fetch(&shard)?;
        }
    }
    for file in &set.absent_optional {
        cache.mark_absent(repo, &commit, file)?;
    }
    cache.write_ref(repo, &model.revision, &commit)?;
    resolve_cached(model, cache)
}

/// Makes `snapshots/<commit>/<file>` present: nothing to do when it is, a link when the blob
/// is already there (shared with another commit), else a download.
fn fetch_file(
    cache: &HubCache,
    client: &HubClient,
    model: &HubModelRef,
    commit: &str,
    file: &str,
) -> Result<(), HubError> {
    if cache.snapshot_dir(&model.repo, commit).join(file).is_file() {
        return Ok(());
    }
    let meta = client.file_metadata(&model.repo, commit, file)?;
    download_blob(BlobRequest {
        cache,
        client,
        repo: &model.repo,
        file,
        meta: &meta,
    })?;
    cache.link_into_snapshot(&model.repo, commit, file, &meta.etag)?;
    Ok(())
}
