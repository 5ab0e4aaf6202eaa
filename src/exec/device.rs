//! Device tokens: a heavy model stage holds its device's token while it runs, so that two
//! model stages never share one GPU (or oversubscribe the CPU) while light stages run beside
//! them.

use std::collections::BTreeSet;

use crate::plan::{Stage, StageKind};

/// The device a stage occupies: `Some("cpu")`, `Some("cuda:0")`..., `None` for light stages.
pub fn device_of(stage: &Stage) -> Option<String> {
    match stage.kind {
        StageKind::LoadDataset
        | StageKind::SimulatedUsers
        | StageKind::BuildPreferences
        | StageKind::Report => None,
        _ => Some(
            stage
                .params
                .get("model")
                .and_then(|m| m.get("device"))
                .and_then(|d| d.as_str())
                .unwrap_or("cpu")
                .to_string(),
        ),
    }
}

/// The tokens currently held.
#[derive(Debug, Default)]
pub struct DeviceTokens {
    held: BTreeSet<String>,
}

impl DeviceTokens {
    /// Takes the token of `device` if free (always succeeds for `None`).
    pub fn try_take(&mut self, device: Option<&str>) -> bool {
        match device {
            None => true,
            Some(d) => self.held.insert(d.to_string()),
        }
    }

    pub fn release(&mut self, device: Option<&str>) {
        if let Some(d) = device {
            self.held.remove(d);
        }
    }
}
