//! What a finished stage reports besides its files.

/// A JSON summary (counts, bad rows...) the executor stores in the artifact's manifest.
#[derive(Debug, Clone, Default)]
pub struct StageOutput {
    pub summary: serde_json::Value,
}
