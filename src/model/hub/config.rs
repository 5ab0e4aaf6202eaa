//! [`HubConfig`]: where the Hugging Face cache is, which endpoint to download from, the token
//! and offline mode, read from the same environment variables as huggingface_hub
//! (`constants.py`) so that mascot and Python share one cache.

use std::path::{Path, PathBuf};

/// The endpoint used when `HF_ENDPOINT` is not set.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// How to reach the Hub and where its cache lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubConfig {
    /// The hub cache folder (the one holding `models--org--name/`). Default: `$HF_HUB_CACHE`,
    /// else `$HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, else
    /// `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
    pub cache_dir: PathBuf,
    /// Base URL of the Hub, without a trailing `/`. Default `$HF_ENDPOINT`, else
    /// [`DEFAULT_ENDPOINT`].
    pub endpoint: String,
    /// Sent as `Authorization: Bearer <token>`. Default `$HF_TOKEN`, else the file
    /// `$HF_TOKEN_PATH` (default `$HF_HOME/token`, written by `hf auth login`), else none.
    pub token: Option<String>,
    /// Never touch the network. Default: `$HF_HUB_OFFLINE` (or `$TRANSFORMERS_OFFLINE`) is
    /// `1`, `on`, `yes` or `true` (any case).
    pub offline: bool,
}

impl HubConfig {
    /// The configuration from this process's environment.
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// The configuration from environment variables given by `var` (a test passes its own).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let home_dir = var("HOME").map(PathBuf::from);
        let expand = |value: String| expand_home(&value, home_dir.as_deref());
        let hf_home = var("HF_HOME").map(&expand).unwrap_or_else(|| {
            let cache_home = var("XDG_CACHE_HOME").map(&expand).unwrap_or_else(|| {
                home_dir
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("."))
                    .join(".cache")
            });
            cache_home.join("huggingface")
        });
        let cache_dir = var("HF_HUB_CACHE")
            .or_else(|| var("HUGGINGFACE_HUB_CACHE"))
            .map(&expand)
            .unwrap_or_else(|| hf_home.join("hub"));
        let endpoint = var("HF_ENDPOINT")
            .map(|e| e.trim_end_matches('/').to_string())
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        let token = var("HF_TOKEN").or_else(|| {
            let path = var("HF_TOKEN_PATH")
                .map(&expand)
                .unwrap_or_else(|| hf_home.join("token"));
            std::fs::read_to_string(path).ok()
        });
        let token = token
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        let offline = var("HF_HUB_OFFLINE")
            .or_else(|| var("TRANSFORMERS_OFFLINE"))
            .is_some_and(|v| is_true(&v));
        Self {
            cache_dir,
            endpoint,
            token,
            offline,
        }
    }
}

/// huggingface_hub's `_is_true`: `1`, `ON`, `YES`, `TRUE` in any case.
pub fn is_true(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_uppercase().as_str(),
        "1" | "ON" | "YES" | "TRUE"
    )
}

/// `~` and `~/...` to the home folder, as Python's `os.path.expanduser`.
fn expand_home(value: &str, home: Option<&Path>) -> PathBuf {
    match (value.strip_prefix('~'), home) {
        (Some(""), Some(home)) => home.to_path_buf(),
        (Some(rest), Some(home)) if rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> HubConfig {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        HubConfig::from_vars(|name| map.get(name).cloned())
    }

    #[test]
    fn cache_dir_precedence() {
        let home = [("HOME", "/home/u")];
        assert_eq!(
            config(&home).cache_dir,
            PathBuf::from("/home/u/.cache/huggingface/hub")
        );
        assert_eq!(
            config(&[("HOME", "/home/u"), ("XDG_CACHE_HOME", "/x")]).cache_dir,
            PathBuf::from("/x/huggingface/hub")
        );
        assert_eq!(
            config(&[("HOME", "/home/u"), ("HF_HOME", "~/hf")]).cache_dir,
            PathBuf::from("/home/u/hf/hub")
        );
        assert_eq!(
            config(&[("HF_HOME", "/hf"), ("HUGGINGFACE_HUB_CACHE", "/legacy")]).cache_dir,
            PathBuf::from("/legacy")
        );
        assert_eq!(
            config(&[
                ("HF_HOME", "/hf"),
                ("HUGGINGFACE_HUB_CACHE", "/legacy"),
                ("HF_HUB_CACHE", "/c")
            ])
            .cache_dir,
            PathBuf::from("/c")
        );
    }

    #[test]
    fn endpoint_token_offline() {
        let c = config(&[]);
        assert_eq!(c.endpoint, DEFAULT_ENDPOINT);
        assert!(!c.offline);
        let c = config(&[
            ("HF_ENDPOINT", "http://127.0.0.1:9/"),
            ("HF_TOKEN", " hf_abc\n"),
            ("HF_HUB_OFFLINE", "yes"),
        ]);
        assert_eq!(c.endpoint, "http://127.0.0.1:9");
        assert_eq!(c.token.as_deref(), Some("hf_abc"));
        assert!(c.offline);
        for (v, offline) in [
            ("1", true),
            ("True", true),
            ("ON", true),
            ("0", false),
            ("no", false),
        ] {
            assert_eq!(config(&[("HF_HUB_OFFLINE", v)]).offline, offline, "{v}");
        }
        assert!(config(&[("TRANSFORMERS_OFFLINE", "1")]).offline);
    }

    #[test]
    fn token_file_under_hf_home() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "hf_file\n").unwrap();
        let home = dir.path().to_str().unwrap();
        assert_eq!(
            config(&[("HF_HOME", home)]).token.as_deref(),
            Some("hf_file")
        );
        assert_eq!(
            config(&[("HF_HOME", home), ("HF_TOKEN", "hf_env")])
                .token
                .as_deref(),
            Some("hf_env")
        );
    }
}
