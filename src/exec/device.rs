//! Device tokens: a heavy model stage holds its device's token while it runs, so that two
//! model stages never share one GPU (or oversubscribe the CPU) while light stages run beside
//! them.

use std::collections::BTreeSet;

use crate::plan::Stage;

/// The device a stage occupies: `Some("cpu")`, `Some("cuda:0")`..., `None` for light stages
/// (each kind says which, from its parameters).
pub fn device_of(stage: &Stage) -> Option<String> {
    (stage.kind.spec().device)(&stage.params)
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
