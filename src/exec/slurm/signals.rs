//! Ctrl-C, SIGTERM and SIGHUP while jobs are queued: the first one asks the submitter to
//! cancel the jobs it submitted (`scancel`) and stop; a second Ctrl-C quits at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::SigId;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

use crate::exec::slurm::error::SlurmError;

/// Installed handlers; dropping them restores the previous behaviour.
#[derive(Debug)]
pub struct Interrupts {
    signal: Arc<AtomicUsize>,
    ids: Vec<SigId>,
}

impl Interrupts {
    pub fn install() -> Result<Interrupts, SlurmError> {
        let signal = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(AtomicBool::new(false));
        let mut ids = Vec::new();
        let err = |e: std::io::Error| SlurmError::Signals(e.to_string());
        // Registration order is call order: a second Ctrl-C finds `seen` set and exits.
        ids.push(
            signal_hook::flag::register_conditional_shutdown(SIGINT, 130, seen.clone())
                .map_err(err)?,
        );
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            ids.push(signal_hook::flag::register(sig, seen.clone()).map_err(err)?);
            ids.push(
                signal_hook::flag::register_usize(sig, signal.clone(), sig as usize)
                    .map_err(err)?,
            );
        }
        Ok(Interrupts { signal, ids })
    }

    /// The signal received, if any: `SIGINT`, `SIGTERM` or `SIGHUP`.
    pub fn received(&self) -> Option<&'static str> {
        match self.signal.load(Ordering::SeqCst) as i32 {
            0 => None,
            SIGINT => Some("SIGINT"),
            SIGTERM => Some("SIGTERM"),
            SIGHUP => Some("SIGHUP"),
            _ => Some("a signal"),
        }
    }
}

impl Drop for Interrupts {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}
