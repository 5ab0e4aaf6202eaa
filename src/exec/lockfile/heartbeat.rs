//! The heartbeat of a held lock file: a thread that sets the file's modification time to
//! now at a fixed interval, and notices when the file is no longer its holder's (broken by
//! a waiter that took the holder for dead).

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use crate::exec::lockfile::owner::LockOwner;

/// A running heartbeat; stopped (and joined) on drop.
#[derive(Debug)]
pub struct Heartbeat {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// What one beat found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beat {
    /// The file is ours; its time was refreshed.
    Refreshed,
    /// The file is gone or holds another token.
    Lost,
    /// An I/O error (an NFS hiccup): try again next time.
    Failed,
}

impl Heartbeat {
    /// Starts beating `path` (holding `token`) every `every`; sets `lost` when the lock is
    /// no longer ours.
    pub fn start(
        path: PathBuf,
        token: String,
        every: Duration,
        lost: Arc<AtomicBool>,
    ) -> std::io::Result<Heartbeat> {
        let (tx, rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("lock-heartbeat".into())
            .spawn(move || {
                loop {
                    match rx.recv_timeout(every) {
                        Err(RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                    if beat(&path, &token) == Beat::Lost {
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                }
            })?;
        Ok(Heartbeat {
            stop: Some(tx),
            thread: Some(thread),
        })
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Refreshes the modification time of `path` if it still holds `token`.
pub fn beat(path: &std::path::Path, token: &str) -> Beat {
    let mut file = match File::options().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Beat::Lost,
        Err(_) => return Beat::Failed,
    };
    let mut text = String::new();
    if file.read_to_string(&mut text).is_err() {
        return Beat::Failed;
    }
    match serde_json::from_str::<LockOwner>(&text) {
        Ok(owner) if owner.token == token => {}
        _ => return Beat::Lost,
    }
    match file.set_modified(SystemTime::now()) {
        Ok(()) => Beat::Refreshed,
        Err(_) => Beat::Failed,
    }
}
