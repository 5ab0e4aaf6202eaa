//! When to retry a judge call: exponential backoff with jitter, and the server's
//! `Retry-After` on 429/503.

use std::time::Duration;

use rand::Rng;

/// Retry settings of the HTTP backend.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 5).
    pub max_retries: u32,
    /// Delay before the first retry, doubled at each further one (default 1 s).
    pub base: Duration,
    /// Longest backoff delay (default 60 s).
    pub max: Duration,
    /// Longest `Retry-After` honoured; a server asking for more fails the request (default
    /// 300 s).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base: Duration::from_secs(1),
            max: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (0 for the first): `min(max, base * 2^retry)`
    /// times a random factor in `[0.5, 1]` ("equal jitter"), so parallel callers spread out.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(2u32.saturating_pow(retry.min(30)))
            .min(self.max);
        exp.mul_f64(rand::rng().random_range(0.5..=1.0))
    }
}

/// A `Retry-After` value in seconds (integer or decimal). HTTP dates are not read: the
/// caller falls back to its backoff.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let p = RetryPolicy {
            base: Duration::from_millis(100),
            max: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for retry in 0..3 {
            let full = 100u64 << retry;
            let d = p.backoff(retry).as_millis() as u64;
            assert!((full / 2..=full).contains(&d), "retry {retry}: {d} ms");
        }
        let capped = p.backoff(10).as_millis();
        assert!((500..=1000).contains(&capped), "{capped}");
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after(" 0.25 "),
            Some(Duration::from_millis(250))
        );
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
