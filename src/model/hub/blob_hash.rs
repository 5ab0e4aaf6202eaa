//! Checks a downloaded blob against its ETag, which the Hub sets to the content hash: the
//! sha256 of an LFS file (64 hex digits), the git blob hash of a small file (40 hex digits,
//! sha1 of `blob <len>\0<bytes>`, huggingface_hub's `git_hash`). Other ETags (a mirror's
//! own) are not checked beyond the size.

use sha1::Sha1;
use sha2::{Digest, Sha256};

/// An incremental hash of a blob, matching how its ETag was computed.
#[derive(Debug, Clone)]
pub enum BlobHasher {
    Sha256(Sha256),
    GitSha1(Sha1),
    Unchecked,
}

impl BlobHasher {
    /// The hasher for a blob of `size` bytes named `etag`.
    pub fn for_etag(etag: &str, size: u64) -> Self {
        let hex = etag.bytes().all(|b| b.is_ascii_hexdigit());
        match (etag.len(), hex) {
            (64, true) => Self::Sha256(Sha256::new()),
            (40, true) => {
                let mut h = Sha1::new();
                h.update(format!("blob {size}\0").as_bytes());
                Self::GitSha1(h)
            }
            _ => Self::Unchecked,
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(bytes),
            Self::GitSha1(h) => h.update(bytes),
            Self::Unchecked => {}
        }
    }

    /// `Err(actual hash)` when the content does not match `etag`.
    pub fn verify(self, etag: &str) -> Result<(), String> {
        let actual = match self {
            Self::Sha256(h) => to_hex(&h.finalize()),
            Self::GitSha1(h) => to_hex(&h.finalize()),
            Self::Unchecked => return Ok(()),
        };
        if actual.eq_ignore_ascii_case(etag) {
            Ok(())
        } else {
            Err(actual)
        }
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_hash_matches_huggingface_hub() {
        // huggingface_hub's `git_hash(b"Hello, World!")` docstring value.
        let data = b"Hello, World!";
        let mut h = BlobHasher::for_etag("b45ef6fec89518d314f546fd6c3025367b721684", 13);
        h.update(data);
        assert!(h.verify("b45ef6fec89518d314f546fd6c3025367b721684").is_ok());
    }

    #[test]
    fn sha256_in_pieces_and_mismatch() {
        let etag = "dffd6021bb2bd5b0af676290809ec3a53191dd81c7f70a4b28688a362182986f";
        let mut h = BlobHasher::for_etag(etag, 13);
        h.update(b"Hello, ");
        h.update(b"World!");
        assert!(h.clone().verify(etag).is_ok());
        h.update(b"x");
        assert!(h.verify(etag).is_err());
        assert!(
            BlobHasher::for_etag("etag-of-a-mirror", 3)
                .verify("x")
                .is_ok()
        );
    }
}
