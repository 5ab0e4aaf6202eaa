//! A requests-per-minute limit shared by the HTTP backend's workers: request starts are
//! spaced at least `60 / rpm` seconds apart.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Spaces request starts evenly.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// At most `rpm` request starts per minute (`rpm` >= 1).
    pub fn per_minute(rpm: u32) -> Self {
        Self {
            interval: Duration::from_secs(60) / rpm.max(1),
            next: Mutex::new(None),
        }
    }

    /// Blocks until this caller may start a request.
    pub fn acquire(&self) {
        let wait = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot - now
        };
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_are_spaced_by_the_interval() {
        // 1200 rpm = one start per 50 ms: the fourth start waits for three intervals.
        let limiter = RateLimiter::per_minute(1200);
        let t0 = Instant::now();
        for _ in 0..4 {
            limiter.acquire();
        }
        assert!(
            t0.elapsed() >= Duration::from_millis(150),
            "{:?}",
            t0.elapsed()
        );
    }
}
