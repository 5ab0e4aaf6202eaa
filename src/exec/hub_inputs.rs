//! Hugging Face Hub models as external inputs of a stage. Their plan "path" is
//! `hf:org/name@revision`; their content, for the executor key, is the commit the local
//! Hugging Face cache resolves the revision to (`hf:org/name@<commit>`), so a key follows
//! `refs/<revision>` and never depends on where the cache is. Keying never downloads: a real
//! run fetches the models its stages need first ([`fetch_hub_models`]); a dry run reports an
//! uncached model as needed.

use std::collections::BTreeSet;

use crate::model::hub::{HubCache, HubConfig, HubError, resolve_cached, resolve_or_download};
use crate::plan::Stage;
use crate::spec::hub_id::HubModelRef;
use crate::spec::wiring::ExternalInput;

/// The content id of a cached Hub model, or `None` when it is not (completely) cached.
pub fn cached_content_id(model: &HubModelRef) -> Option<String> {
    let config = HubConfig::from_env();
    resolve_cached(model, &HubCache::new(&config.cache_dir))
        .ok()
        .map(|m| m.content_id())
}

/// The Hub models the stages read, each once, in a stable order.
pub fn hub_models<'a>(stages: impl IntoIterator<Item = &'a Stage>) -> Vec<HubModelRef> {
    let set: BTreeSet<String> = stages
        .into_iter()
        .flat_map(|s| s.external.iter())
        .filter_map(ExternalInput::hub_ref)
        .map(|m| m.to_string())
        .collect();
    let mut out = Vec::new();
    for s in set {
        if let Some((repo, revision)) = s.rsplit_once('@')
            && let (Ok(repo), Ok(revision)) = (
                crate::spec::hub_id::RepoId::parse(repo),
                crate::spec::hub_id::Revision::parse(revision),
            )
        {
            out.push(HubModelRef { repo, revision });
        }
    }
    out
}

/// Makes sure every Hub model the stages read is in the local cache, downloading what is
/// missing (unless `HF_HUB_OFFLINE` is set). Returns the models that could not be had, with
/// the reason; their stages are then reported as missing an input.
pub fn fetch_hub_models<'a>(
    stages: impl IntoIterator<Item = &'a Stage>,
) -> Vec<(HubModelRef, HubError)> {
    let config = HubConfig::from_env();
    hub_models(stages)
        .into_iter()
        .filter(|m| cached_content_id(m).is_none())
        .filter_map(|m| resolve_or_download(&m, &config).err().map(|e| (m, e)))
        .collect()
}
