//! Per-key rate limiting on the sandbox clock: at most 60 requests in any
//! rolling 60-second window ("1 request / second as measured on a 60 second
//! rolling window"). Rejected requests do not use up the budget.

use std::collections::{HashMap, VecDeque};

use super::timestamp::Ts;

pub(crate) const LIMIT: usize = 60;
pub(crate) const WINDOW_MS: i64 = 60_000;

#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    windows: HashMap<String, VecDeque<Ts>>,
}

impl RateLimiter {
    /// Admits a request of `key` at `now`, or says after how many whole
    /// seconds (at least 1) the oldest request leaves the window.
    pub(crate) fn admit(&mut self, key: &str, now: Ts) -> Result<(), u64> {
        let window = self.windows.entry(key.to_owned()).or_default();
        while window.front().is_some_and(|&at| at.plus_millis(WINDOW_MS) <= now) {
            window.pop_front();
        }
        if window.len() >= LIMIT {
            let frees_at = window.front().map_or(now, |&at| at.plus_millis(WINDOW_MS));
            let wait_ms = u64::try_from(frees_at.millis() - now.millis()).unwrap_or(0);
            return Err(wait_ms.div_ceil(1000).max(1));
        }
        window.push_back(now);
        Ok(())
    }

    pub(crate) fn clear(&mut self) {
        self.windows.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixty_per_rolling_minute_per_key() {
        let mut limiter = RateLimiter::default();
        let start = Ts::from_millis(1_000_000);
        for i in 0..60 {
            assert_eq!(limiter.admit("a", start.plus_millis(i * 500)), Ok(()), "request {i}");
        }
        let last = start.plus_millis(59 * 500);
        // The first request leaves the window at start + 60 s.
        assert_eq!(limiter.admit("a", last), Err(31));
        assert_eq!(limiter.admit("b", last), Ok(()));
        assert_eq!(limiter.admit("a", start.plus_millis(59_999)), Err(1));
        assert_eq!(limiter.admit("a", start.plus_millis(60_000)), Ok(()));
        assert_eq!(limiter.admit("a", start.plus_millis(60_000)), Err(1));
    }
}
