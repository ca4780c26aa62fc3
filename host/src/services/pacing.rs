//! Pacing per rate-limit key, modelled on how providers count: at most `requests` in any
//! rolling window of `per_seconds`. A burst up to the budget passes at once (a command making
//! two or three requests never waits); a long job slows down to the budget.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use statusctl_plugin_api::RateLimit;

/// The send times granted under one key, in seconds on the pacer's clock, oldest first.
/// Some may lie in the future; after a `Retry-After` some may lie before the clock started.
#[derive(Debug)]
struct Window {
    size: usize,
    span: f64,
    granted: VecDeque<f64>,
}

impl Window {
    fn new(limit: &RateLimit) -> Self {
        Self {
            size: limit.requests.max(1) as usize,
            span: limit.per_seconds.max(0.001),
            granted: VecDeque::new(),
        }
    }

    /// Grants the next send time: now, or when the request `size` places back leaves the
    /// window. Returns how long to wait for it.
    fn take(&mut self, now: Duration) -> Duration {
        let now = now.as_secs_f64();
        let mut at = now;
        if self.granted.len() >= self.size {
            at = at.max(self.granted[self.granted.len() - self.size] + self.span);
        }
        if let Some(last) = self.granted.back() {
            at = at.max(*last);
        }
        self.granted.push_back(at);
        while self.granted.len() > self.size {
            self.granted.pop_front();
        }
        Duration::try_from_secs_f64(at - now).unwrap_or(Duration::MAX)
    }

    /// The provider said the window is full until `now + wait`: from then on, slots come
    /// back one at a time at the budget's pace.
    fn full_until(&mut self, wait: Duration, now: Duration) {
        let step = self.span / self.size as f64;
        let first_free = now.saturating_add(wait).as_secs_f64();
        self.granted = (0..self.size).map(|k| first_free + step * k as f64 - self.span).collect();
    }
}

/// All windows of one process.
#[derive(Debug, Default)]
pub struct Pacer {
    windows: HashMap<String, Window>,
}

impl Pacer {
    /// How long the next request under `limit` must wait (its slot is reserved).
    pub fn reserve(&mut self, limit: &RateLimit, now: Duration) -> Duration {
        self.window(limit).take(now)
    }

    /// Records a `Retry-After` so later requests under the same key wait too.
    pub fn penalize(&mut self, limit: &RateLimit, wait: Duration, now: Duration) {
        self.window(limit).full_until(wait, now);
    }

    fn window(&mut self, limit: &RateLimit) -> &mut Window {
        self.windows.entry(limit.key.clone()).or_insert_with(|| Window::new(limit))
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
        // The 61st waits until the first leaves the window.
        assert_eq!(pacer.reserve(&limit, secs(5.0)), secs(55.0));
    }

    #[test]
    fn no_rolling_window_ever_holds_more_than_the_budget() {
        let limit = RateLimit::new("k", 5, 10.0);
        let mut pacer = Pacer::default();
        let mut now = Duration::ZERO;
        let mut sent = Vec::new();
        for i in 0..200u64 {
            // Requests arrive irregularly; each is sent when its slot comes.
            now += Duration::from_millis((i * 7919) % 3000);
            let wait = pacer.reserve(&limit, now);
            now += wait;
            sent.push(now);
        }
        for (i, t) in sent.iter().enumerate() {
            let in_window = sent[i..].iter().take_while(|u| **u < *t + secs(10.0)).count();
            assert!(in_window <= 5, "{in_window} requests in the window starting at {t:?}");
        }
    }

    #[test]
    fn keys_are_separate() {
        let limit = RateLimit::new("a", 1, 1.0);
        let other = RateLimit::new("b", 1, 1.0);
        let mut pacer = Pacer::default();
        assert_eq!(pacer.reserve(&limit, Duration::ZERO), Duration::ZERO);
        assert_eq!(pacer.reserve(&other, Duration::ZERO), Duration::ZERO);
        assert_eq!(pacer.reserve(&limit, Duration::ZERO), secs(1.0));
    }

    #[test]
    fn retry_after_fills_the_window_then_slots_return_at_the_budget_pace() {
        let limit = RateLimit::new("a", 3, 30.0);
        let mut pacer = Pacer::default();
        pacer.penalize(&limit, secs(1.0), Duration::ZERO);
        assert_eq!(pacer.reserve(&limit, Duration::ZERO), secs(1.0));
        assert_eq!(pacer.reserve(&limit, secs(1.0)), secs(10.0));
        assert_eq!(pacer.reserve(&limit, secs(11.0)), secs(10.0));
    }
}
