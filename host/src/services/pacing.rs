//! Token-bucket pacing per rate-limit key: bursts up to the budget pass at once, long jobs
//! slow down to the refill rate instead of hitting the provider's limit.

use std::collections::HashMap;
use std::time::Duration;

use statusctl_plugin_api::RateLimit;

#[derive(Debug)]
struct Bucket {
    capacity: f64,
    tokens: f64,
    per_second: f64,
    updated: Duration,
}

impl Bucket {
    fn new(limit: &RateLimit, now: Duration) -> Self {
        let capacity = f64::from(limit.requests.max(1));
        let per_second = capacity / limit.per_seconds.max(0.001);
        Self { capacity, tokens: capacity, per_second, updated: now }
    }

    /// Takes one token and returns how long to wait before using it. Tokens may go
    /// negative: each caller reserves its slot, so waits queue up fairly.
    fn take(&mut self, now: Duration) -> Duration {
        let elapsed = now.saturating_sub(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.updated = now;
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.per_second)
        }
    }

    /// The provider said to wait: no token until then.
    fn block_for(&mut self, wait: Duration, now: Duration) {
        // The next token becomes available exactly when the provider said.
        self.tokens = 1.0 - wait.as_secs_f64() * self.per_second;
        self.updated = now;
    }
}

/// All buckets of one process.
#[derive(Debug, Default)]
pub struct Pacer {
    buckets: HashMap<String, Bucket>,
}

impl Pacer {
    /// How long the next request under `limit` must wait (and reserve its slot).
    pub fn reserve(&mut self, limit: &RateLimit, now: Duration) -> Duration {
        self.buckets.entry(limit.key.clone()).or_insert_with(|| Bucket::new(limit, now)).take(now)
    }

    /// Records a `Retry-After` so later requests under the same key wait too.
    pub fn penalize(&mut self, limit: &RateLimit, wait: Duration, now: Duration) {
        self.buckets.entry(limit.key.clone()).or_insert_with(|| Bucket::new(limit, now)).block_for(wait, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn a_burst_within_budget_never_waits() {
        let limit = RateLimit::new("k", 60, 60.0);
        let mut pacer = Pacer::default();
        for _ in 0..60 {
            assert_eq!(pacer.reserve(&limit, Duration::ZERO), Duration::ZERO);
        }
        // The 61st waits for one refill (1 s), the 62nd for two.
        assert_eq!(pacer.reserve(&limit, Duration::ZERO), secs(1.0));
        assert_eq!(pacer.reserve(&limit, Duration::ZERO), secs(2.0));
    }

    #[test]
    fn refill_follows_time_and_keys_are_separate() {
        let limit = RateLimit::new("a", 2, 1.0);
        let other = RateLimit::new("b", 2, 1.0);
        let mut pacer = Pacer::default();
        pacer.reserve(&limit, Duration::ZERO);
        pacer.reserve(&limit, Duration::ZERO);
        assert_eq!(pacer.reserve(&other, Duration::ZERO), Duration::ZERO);
        assert_eq!(pacer.reserve(&limit, secs(0.5)), Duration::ZERO);
        let wait = pacer.reserve(&limit, secs(0.5));
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-9, "{wait:?}");
    }

    #[test]
    fn retry_after_blocks_the_key() {
        let limit = RateLimit::new("a", 10, 10.0);
        let mut pacer = Pacer::default();
        pacer.penalize(&limit, secs(3.0), Duration::ZERO);
        let wait = pacer.reserve(&limit, Duration::ZERO);
        assert!((wait.as_secs_f64() - 3.0).abs() < 1e-9, "{wait:?}");
    }
}
