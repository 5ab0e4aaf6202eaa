//! Timing of lock files: how old a heartbeat may be before the lock counts as abandoned,
//! and how often holders refresh theirs.

use std::time::Duration;

/// Set to a number of seconds to change [`LockConfig::stale_after`] (clusters whose NFS
/// stalls for longer than a minute; tests).
pub const STALE_AFTER_ENV: &str = "MASCOT_LOCK_STALE_SECS";

/// Timing of lock files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockConfig {
    /// A lock whose heartbeat is older than this is abandoned and may be broken. Default
    /// 60 s. Clocks of the hosts sharing a store must agree to well within this (NTP).
    pub stale_after: Duration,
    /// How often a holder refreshes its heartbeat. Default 10 s (a sixth of `stale_after`).
    pub heartbeat_every: Duration,
    /// The longest pause between two attempts of a waiter. Default 500 ms.
    pub max_poll: Duration,
}

impl Default for LockConfig {
    fn default() -> Self {
        LockConfig {
            stale_after: Duration::from_secs(60),
            heartbeat_every: Duration::from_secs(10),
            max_poll: Duration::from_millis(500),
        }
    }
}

impl LockConfig {
    /// A config whose heartbeat is a sixth of `stale_after`.
    pub fn with_stale_after(stale_after: Duration) -> LockConfig {
        LockConfig {
            stale_after,
            heartbeat_every: (stale_after / 6).max(Duration::from_millis(10)),
            ..LockConfig::default()
        }
    }

    /// The default, with `stale_after` from `MASCOT_LOCK_STALE_SECS` when set to a positive
    /// number.
    pub fn from_env() -> LockConfig {
        std::env::var(STALE_AFTER_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| LockConfig::with_stale_after(Duration::from_secs_f64(s)))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_is_a_sixth_of_the_timeout() {
        let c = LockConfig::with_stale_after(Duration::from_secs(60));
        assert_eq!(c.heartbeat_every, Duration::from_secs(10));
        assert_eq!(LockConfig::default(), c);
        let tiny = LockConfig::with_stale_after(Duration::from_millis(12));
        assert_eq!(tiny.heartbeat_every, Duration::from_millis(10));
    }
}
