//! Ctrl-C (SIGINT), SIGTERM and SIGHUP during a run: the first one is recorded, so that the
//! run stops at its next safe point (a local run starts no new stage and its training stages
//! checkpoint at their next step boundary; a SLURM run cancels its jobs); a second Ctrl-C
//! ends the process at once (exit 130).
//!
//! The signal received is process-wide ([`received`]), so code far from the handlers (a
//! trainer's progress callback) can ask for it without being handed a handle.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::SigId;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// The number of the first signal received while handlers are installed (0: none).
fn signal_cell() -> &'static Arc<AtomicUsize> {
    static CELL: OnceLock<Arc<AtomicUsize>> = OnceLock::new();
    CELL.get_or_init(|| Arc::new(AtomicUsize::new(0)))
}

/// Installed handlers; dropping them restores the previous behaviour.
#[derive(Debug)]
pub struct Interrupts {
    ids: Vec<SigId>,
}

impl Interrupts {
    /// Installs the handlers and forgets any signal received before.
    pub fn install() -> std::io::Result<Interrupts> {
        let signal = signal_cell();
        signal.store(0, Ordering::SeqCst);
        let seen = Arc::new(AtomicBool::new(false));
        let mut ids = Vec::new();
        // Registration order is call order: a second Ctrl-C finds `seen` set and exits.
        ids.push(signal_hook::flag::register_conditional_shutdown(
            SIGINT,
            130,
            seen.clone(),
        )?);
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            ids.push(signal_hook::flag::register(sig, seen.clone())?);
            ids.push(signal_hook::flag::register_usize(
                sig,
                signal.clone(),
                sig as usize,
            )?);
        }
        Ok(Interrupts { ids })
    }

    /// The signal received since [`Interrupts::install`], if any.
    pub fn received(&self) -> Option<&'static str> {
        received()
    }
}

impl Drop for Interrupts {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// The signal received while handlers were installed, if any: `SIGINT`, `SIGTERM` or
/// `SIGHUP`. Always `None` in a process that never installed them.
pub fn received() -> Option<&'static str> {
    match signal_cell().load(Ordering::SeqCst) as i32 {
        0 => None,
        SIGINT => Some("SIGINT"),
        SIGTERM => Some("SIGTERM"),
        SIGHUP => Some("SIGHUP"),
        _ => Some("a signal"),
    }
}
