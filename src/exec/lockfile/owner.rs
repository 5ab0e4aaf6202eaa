//! Who holds a lock file, and whether that holder is still there: a holder on this host
//! whose process has exited is gone at once; any holder whose heartbeat (the lock file's
//! modification time) is older than the timeout is gone too.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::exec::lockfile::config::LockConfig;

/// The content of a lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockOwner {
    /// `$USER` (or the uid) of the holder.
    pub user: String,
    pub host: String,
    pub pid: u32,
    /// Linux: when the holder process started, in clock ticks after boot (tells a reused
    /// pid apart from the holder).
    pub start_ticks: Option<u64>,
    /// Random, unique to one acquisition.
    pub token: String,
    /// RFC 3339.
    pub acquired: String,
}

impl LockOwner {
    /// This process, with a fresh token.
    pub fn current() -> LockOwner {
        LockOwner {
            user: std::env::var("USER")
                .or_else(|_| std::env::var("LOGNAME"))
                .unwrap_or_else(|_| format!("uid {}", rustix::process::getuid().as_raw())),
            host: this_host(),
            pid: std::process::id(),
            start_ticks: start_ticks("self"),
            token: format!("{:032x}", rand::random::<u128>()),
            acquired: crate::exec::store::now_rfc3339(),
        }
    }

    /// `user@host pid N`, for messages.
    pub fn describe(&self) -> String {
        format!("{}@{} pid {}", self.user, self.host, self.pid)
    }
}

/// This machine's host name.
pub fn this_host() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

/// What a look at a lock file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockSnapshot {
    /// `None` when the content does not parse (a damaged lock file).
    pub owner: Option<LockOwner>,
    /// The file's modification time: the holder's last heartbeat.
    pub heartbeat: SystemTime,
}

impl LockSnapshot {
    /// Whether `other` is the same acquisition (same token; for damaged files, same
    /// heartbeat).
    pub fn same_acquisition(&self, other: &LockSnapshot) -> bool {
        match (&self.owner, &other.owner) {
            (Some(a), Some(b)) => a.token == b.token,
            (None, None) => self.heartbeat == other.heartbeat,
            _ => false,
        }
    }
}

/// Reads a lock file; `Ok(None)` when there is none. Opens the file before reading its
/// modification time, so that an NFS client revalidates its cached attributes
/// (close-to-open consistency) instead of answering from a cache up to a minute old.
pub fn inspect(path: &Path) -> std::io::Result<Option<LockSnapshot>> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let heartbeat = file.metadata()?.modified()?;
    let mut text = String::new();
    let owner = match file.read_to_string(&mut text) {
        Ok(_) => serde_json::from_str(&text).ok(),
        Err(_) => None,
    };
    Ok(Some(LockSnapshot { owner, heartbeat }))
}

/// Why the lock is abandoned, or `None` while its holder may still be working.
pub fn staleness(snap: &LockSnapshot, config: &LockConfig, now: SystemTime) -> Option<String> {
    if let Some(owner) = &snap.owner
        && owner.host == this_host()
        && !process_alive(owner.pid, owner.start_ticks)
    {
        return Some(format!("its holder ({}) has exited", owner.describe()));
    }
    // A heartbeat in the future (clock skew) counts as fresh.
    let age = now.duration_since(snap.heartbeat).unwrap_or(Duration::ZERO);
    if age > config.stale_after {
        let who = snap
            .owner
            .as_ref()
            .map(LockOwner::describe)
            .unwrap_or_else(|| "an unreadable lock file".into());
        return Some(format!(
            "no heartbeat from {who} for {:.0} s (timeout {:.0} s)",
            age.as_secs_f64(),
            config.stale_after.as_secs_f64()
        ));
    }
    None
}

/// Whether process `pid` of this host is running and (when known) started at
/// `start_ticks`. Zombies count as exited.
pub fn process_alive(pid: u32, expected_start: Option<u64>) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    let Some(p) = rustix::process::Pid::from_raw(raw) else {
        return false;
    };
    match rustix::process::test_kill_process(p) {
        Ok(()) => {}
        Err(rustix::io::Errno::SRCH) => return false,
        // EPERM: it exists, owned by someone else.
        Err(_) => {}
    }
    let Some((state, start)) = proc_stat(&pid.to_string()) else {
        return true; // no /proc: the signal test is all we have
    };
    if state == 'Z' || state == 'X' {
        return false;
    }
    match expected_start {
        Some(expected) => start == expected,
        None => true,
    }
}

fn start_ticks(pid: &str) -> Option<u64> {
    proc_stat(pid).map(|(_, start)| start)
}

/// Linux `/proc/<pid>/stat`: the state letter (field 3) and the start time (field 22).
fn proc_stat(pid: &str) -> Option<(char, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_proc_stat(&text)
}

fn parse_proc_stat(text: &str) -> Option<(char, u64)> {
    // The command name (field 2) is in parentheses and may hold spaces and ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((state, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_stat_fields_after_a_tricky_command_name() {
        let line = "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 \
                    987654 1000 100 18446744073709551615";
        assert_eq!(parse_proc_stat(line), Some(('S', 987654)));
        assert_eq!(parse_proc_stat("garbage"), None);
        assert_eq!(parse_proc_stat("1 (x) R 1 2"), None);
    }

    #[test]
    fn this_process_is_alive_and_a_wrong_start_time_is_not() {
        let me = LockOwner::current();
        assert!(process_alive(me.pid, me.start_ticks));
        if let Some(t) = me.start_ticks {
            assert!(!process_alive(me.pid, Some(t + 1)));
        }
        assert!(!process_alive(u32::MAX, None));
    }

    #[test]
    fn staleness_by_exit_and_by_heartbeat_age() {
        let cfg = LockConfig::with_stale_after(Duration::from_secs(60));
        let now = SystemTime::now();
        let mut owner = LockOwner::current();
        let live = LockSnapshot {
            owner: Some(owner.clone()),
            heartbeat: now,
        };
        assert_eq!(staleness(&live, &cfg, now), None);

        // Same host, a pid that cannot exist.
        owner.pid = u32::MAX;
        let exited = LockSnapshot {
            owner: Some(owner.clone()),
            heartbeat: now,
        };
        let why = staleness(&exited, &cfg, now).unwrap();
        assert!(why.contains("has exited"), "{why}");

        // Another host: only the heartbeat counts.
        owner.host = "some-other-node".into();
        let remote = LockSnapshot {
            owner: Some(owner),
            heartbeat: now - Duration::from_secs(59),
        };
        assert_eq!(staleness(&remote, &cfg, now), None);
        let why = staleness(&remote, &cfg, now + Duration::from_secs(2)).unwrap();
        assert!(
            why.contains("no heartbeat from") && why.contains("61 s"),
            "{why}"
        );

        // A heartbeat from the future is fresh.
        let skewed = LockSnapshot {
            owner: None,
            heartbeat: now + Duration::from_secs(3600),
        };
        assert_eq!(staleness(&skewed, &cfg, now), None);
    }
}
