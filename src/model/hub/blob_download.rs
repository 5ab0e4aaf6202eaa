//! Downloads one blob into the cache: under the cache's lock for that ETag, into
//! `blobs/<etag>.incomplete` (resumed with `Range` when a previous run or a dropped
//! connection left part of it), checked against its size and ETag hash, fsynced, then renamed
//! to `blobs/<etag>`. A connection lost mid-file is retried from where it stopped.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Duration;

use super::blob_hash::BlobHasher;
use super::cache::HubCache;
use super::client::{FileMetadata, HubClient, header};
use super::error::HubError;
use super::progress::DownloadProgress;
use crate::spec::hub_id::RepoId;

/// Tries in a row that bring no new byte before giving up (huggingface_hub uses 5).
const MAX_STALLED_TRIES: u32 = 5;

/// What to download and where it goes.
#[derive(Debug, Clone, Copy)]
pub struct BlobRequest<'a> {
    pub cache: &'a HubCache,
    pub client: &'a HubClient,
    pub repo: &'a RepoId,
    /// The repository file, for messages.
    pub file: &'a str,
    pub meta: &'a FileMetadata,
}

/// Makes `blobs/<etag>` present and complete.
pub fn download_blob(req: BlobRequest<'_>) -> Result<(), HubError> {
    let etag = &req.meta.etag;
    let blob = req.cache.blob_path(req.repo, etag);
    if blob.is_file() {
        return Ok(());
    }
    let _lock = lock(&req.cache.lock_path(req.repo, etag))?;
    if blob.is_file() {
        // Another process finished it while we waited for the lock.
        return Ok(());
    }
    let incomplete = req.cache.incomplete_path(req.repo, etag);
    if let Some(parent) = incomplete.parent() {
        std::fs::create_dir_all(parent).map_err(|e| HubError::io(parent, e))?;
    }
    let mut out = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&incomplete)
        .map_err(|e| HubError::io(&incomplete, e))?;
    let mut partial = Partial {
        have: out
            .metadata()
            .map_err(|e| HubError::io(&incomplete, e))?
            .len(),
        hasher: BlobHasher::for_etag(etag, req.meta.size),
        meta: req.meta,
    };
    if partial.have > req.meta.size {
        partial.reset(&mut out, &incomplete)?;
    }
    hash_existing(&mut out, &incomplete, &mut partial)?;
    let progress = DownloadProgress::start(
        format!("{} {}", req.repo, req.file),
        req.meta.size,
        partial.have,
    );
    let mut stalled = 0;
    while partial.have < req.meta.size {
        let before = partial.have;
        let result = fetch_rest(&req, &mut out, &incomplete, &mut partial, &progress);
        match result {
            Ok(()) if partial.have >= req.meta.size => break,
            Ok(()) | Err(HubError::Http { .. }) => {
                stalled = if partial.have > before {
                    0
                } else {
                    stalled + 1
                };
                if stalled >= MAX_STALLED_TRIES {
                    return Err(result.err().unwrap_or_else(|| HubError::Http {
                        url: req.meta.url.clone(),
                        reason: format!(
                            "the connection keeps closing at byte {} of {}",
                            partial.have, req.meta.size
                        ),
                    }));
                }
                std::thread::sleep(Duration::from_millis(100 * u64::from(stalled)));
            }
            Err(e) => return Err(e),
        }
    }
    let corrupt = |reason: String| {
        let _ = std::fs::remove_file(&incomplete);
        HubError::CorruptDownload {
            repo: req.repo.to_string(),
            file: req.file.to_string(),
            reason,
        }
    };
    if let Err(actual) = partial.hasher.verify(etag) {
        return Err(corrupt(format!(
            "its content hash is {actual}, the Hub's ETag says {etag}"
        )));
    }
    out.sync_all().map_err(|e| HubError::io(&incomplete, e))?;
    drop(out);
    std::fs::rename(&incomplete, &blob).map_err(|e| HubError::io(&blob, e))?;
    if let Some(dir) = blob.parent() {
        sync_dir(dir)?;
    }
    progress.finish();
    Ok(())
}

/// Bytes on disk and their running hash.
struct Partial<'a> {
    have: u64,
    hasher: BlobHasher,
    meta: &'a FileMetadata,
}

impl Partial<'_> {
    /// Empties the partial file, to download from zero.
    fn reset(&mut self, out: &mut File, path: &Path) -> Result<(), HubError> {
        out.set_len(0).map_err(|e| HubError::io(path, e))?;
        self.have = 0;
        self.hasher = BlobHasher::for_etag(&self.meta.etag, self.meta.size);
        Ok(())
    }
}

/// One `GET` of the bytes still missing, appended to `out`.
fn fetch_rest(
    req: &BlobRequest<'_>,
    out: &mut File,
    path: &Path,
    partial: &mut Partial<'_>,
    progress: &DownloadProgress,
) -> Result<(), HubError> {
    let resp = req
        .client
        .get_from(&req.meta.url, req.meta.send_token, partial.have)?;
    let status = resp.status().as_u16();
    match status {
        206 if partial.have > 0 => {
            let range = header(&resp, "content-range").unwrap_or_default();
            if !range.starts_with(&format!("bytes {}-", partial.have)) {
                return Err(HubError::BadResponse {
                    url: req.meta.url.clone(),
                    status,
                    reason: format!(
                        "asked for bytes {}- and got Content-Range {range:?}",
                        partial.have
                    ),
                });
            }
        }
        200 => {
            if partial.have > 0 {
                // The server ignored the range: start again from zero.
                partial.reset(out, path)?;
                progress.restart();
            }
        }
        416 if partial.have > 0 => {
            partial.reset(out, path)?;
            progress.restart();
            return Ok(());
        }
        _ => {
            return Err(HubError::BadResponse {
                url: req.meta.url.clone(),
                status,
                reason: format!("downloading `{}` failed", req.file),
            });
        }
    }
    out.seek(SeekFrom::Start(partial.have))
        .map_err(|e| HubError::io(path, e))?;
    let mut reader = resp.into_body().into_reader();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(HubError::Http {
                    url: req.meta.url.clone(),
                    reason: format!("the download stopped at byte {}: {e}", partial.have),
                });
            }
        };
        let chunk = &buf[..n];
        if partial.have + n as u64 > req.meta.size {
            let _ = std::fs::remove_file(path);
            return Err(HubError::CorruptDownload {
                repo: req.repo.to_string(),
                file: req.file.to_string(),
                reason: format!(
                    "the server sent more than the {} bytes announced",
                    req.meta.size
                ),
            });
        }
        out.write_all(chunk).map_err(|e| HubError::io(path, e))?;
        partial.hasher.update(chunk);
        partial.have += n as u64;
        progress.advance(n as u64);
    }
}

/// Feeds the bytes already in the partial file to the hasher, so a resumed download is still
/// checked whole.
fn hash_existing(out: &mut File, path: &Path, partial: &mut Partial<'_>) -> Result<(), HubError> {
    if partial.have == 0 {
        return Ok(());
    }
    out.seek(SeekFrom::Start(0))
        .map_err(|e| HubError::io(path, e))?;
    let mut left = partial.have;
    let mut buf = vec![0u8; 1 << 20];
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = out
            .read(&mut buf[..want])
            .map_err(|e| HubError::io(path, e))?;
        if n == 0 {
            break;
        }
        partial.hasher.update(&buf[..n]);
        left -= n as u64;
    }
    Ok(())
}

/// The cache's lock for one blob, shared with huggingface_hub (`flock` on
/// `.locks/models--org--name/<etag>.lock`); released when dropped.
fn lock(path: &Path) -> Result<File, HubError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| HubError::io(parent, e))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| HubError::io(path, e))?;
    file.lock().map_err(|e| HubError::io(path, e))?;
    Ok(file)
}

fn sync_dir(dir: &Path) -> Result<(), HubError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| HubError::io(dir, e))?;
    let _ = dir;
    Ok(())
}
