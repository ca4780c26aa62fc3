//! Pacing, modelled on how providers count: at most `requests` in any rolling window of
//! `per_seconds` (a log of the send times granted, not a token bucket). A burst up to the
//! budget passes at once (a command making two or three requests never waits); a long job
//! slows down to the budget.
//!
//! Providers count per credential, so a window belongs to a budget (the plugin's
//! [`RateLimit::key`]) *and* a credential: two tokens used in one process never share a
//! window. The credential is kept only as a keyed hash (SipHash with keys drawn at random
//! for this process), never as text.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use statusctl_plugin_api::RateLimit;

/// Seconds added to the window (at most 5 % of it): see [`Window::guard`].
const ARRIVAL_GUARD: f64 = 0.5;

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
        let at = self.next_at(now.as_secs_f64());
        self.granted.push_back(at);
        while self.granted.len() > self.size {
            self.granted.pop_front();
        }
        Duration::try_from_secs_f64(at - now.as_secs_f64()).unwrap_or(Duration::MAX)
    }

    /// How long [`Window::take`] would make the next request wait, taking nothing.
    fn next(&self, now: Duration) -> Duration {
        Duration::try_from_secs_f64(self.next_at(now.as_secs_f64()) - now.as_secs_f64())
            .unwrap_or(Duration::MAX)
    }

    /// The next send time that keeps the window: now, or when the request `size` places
    /// back leaves it (never before the last one granted).
    fn next_at(&self, now: f64) -> f64 {
        let mut at = now;
        if self.granted.len() >= self.size {
            at = at.max(self.granted[self.granted.len() - self.size] + self.span + self.guard());
        }
        if let Some(last) = self.granted.back() {
            at = at.max(*last);
        }
        at
    }

    /// A little more than the window: the provider counts a request when it *arrives*, and
    /// the first of a burst may arrive late (a new connection, a TLS handshake) while the
    /// one a window later goes out on a warm connection; without this margin it lands a
    /// few milliseconds inside the provider's window and is refused (seen against the
    /// sandbox: the 61st request 59,995 ms after the first).
    fn guard(&self) -> f64 {
        ARRIVAL_GUARD.min(self.span * 0.05)
    }

    /// The provider said the window is full until `now + wait`: from then on, slots come
    /// back one at a time at the budget's pace.
    fn full_until(&mut self, wait: Duration, now: Duration) {
        let step = self.span / self.size as f64;
        let first_free = now.saturating_add(wait).as_secs_f64();
        // The provider named the moment itself: no arrival guard on top of it.
        let back = self.span + self.guard();
        let told = (0..self.size).map(|k| first_free + step * k as f64 - back);
        // What this process sent itself still counts (a burst granted a moment ago stays in
        // the provider's window for a whole span, whatever pace the answer suggests): at
        // each place the later of the two. Both are sorted, so the result is too.
        let known = self.granted.len().min(self.size);
        let mine = std::iter::repeat_n(f64::NEG_INFINITY, self.size - known)
            .chain(self.granted.iter().skip(self.granted.len() - known).copied());
        self.granted = told.zip(mine).map(|(t, m)| t.max(m)).collect();
    }
}

/// The fingerprint of the credential a request carries (see [`Pacer::credential`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Credential(u64);

/// All windows of one process, one per (budget, credential).
#[derive(Debug, Default)]
pub struct Pacer {
    windows: HashMap<(String, Credential), Window>,
    /// The keys of the credential hashes.
    fingerprints: RandomState,
}

impl Pacer {
    /// The fingerprint of a credential made of `(name, value)` parts (the secret headers
    /// and query parameters of a request). Header names are compared without case, and the
    /// order of the parts does not matter; no parts at all is a credential too (anonymous).
    pub fn credential<'a>(&self, parts: impl IntoIterator<Item = (&'a str, &'a str)>) -> Credential {
        let mut parts: Vec<(String, &str)> =
            parts.into_iter().map(|(name, value)| (name.to_ascii_lowercase(), value)).collect();
        parts.sort_unstable();
        Credential(self.fingerprints.hash_one(&parts))
    }

    /// How long the next request under `limit` with `credential` must wait (its slot is
    /// reserved).
    pub fn reserve(&mut self, limit: &RateLimit, credential: Credential, now: Duration) -> Duration {
        self.window(limit, credential).take(now)
    }

    /// How long the next request under `limit` with `credential` would wait now, without
    /// reserving its slot.
    pub fn next_wait(&mut self, limit: &RateLimit, credential: Credential, now: Duration) -> Duration {
        self.window(limit, credential).next(now)
    }

    /// Records a `Retry-After` so later requests under the same budget and credential wait too.
    pub fn penalize(&mut self, limit: &RateLimit, credential: Credential, wait: Duration, now: Duration) {
        self.window(limit, credential).full_until(wait, now);
    }

    fn window(&mut self, limit: &RateLimit, credential: Credential) -> &mut Window {
        self.windows.entry((limit.key.clone(), credential)).or_insert_with(|| Window::new(limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// A pacer and the fingerprint of one token.
    fn pacer() -> (Pacer, Credential) {
        let pacer = Pacer::default();
        let token = pacer.credential([("Authorization", "OAuth t1")]);
        (pacer, token)
    }

    #[test]
    fn looking_at_the_next_slot_takes_none() {
        let limit = RateLimit::new("k", 2, 10.0);
        let (mut pacer, token) = pacer();
        assert_eq!(pacer.next_wait(&limit, token, secs(0.0)), Duration::ZERO);
        pacer.reserve(&limit, token, secs(0.0));
        pacer.reserve(&limit, token, secs(0.0));
        // Looked at twice, the third slot is still the one 10 s on (and the arrival guard):
        // looking took nothing.
        assert_eq!(pacer.next_wait(&limit, token, secs(1.0)), secs(9.5));
        assert_eq!(pacer.next_wait(&limit, token, secs(1.0)), secs(9.5));
        assert_eq!(pacer.reserve(&limit, token, secs(1.0)), secs(9.5));
    }

    #[test]
    fn a_retry_after_never_forgets_the_requests_this_process_sent() {
        // A burst of 3 at 0; the provider answers the 4th (at 1 s) with `Retry-After: 1`
        // (another client's request leaves its window then). The burst still fills this
        // credential's window until 30 s: the pace of the answer alone would allow a request
        // at 2 s and at 12 s, and both would be refused.
        let limit = RateLimit::new("a", 3, 30.0);
        let (mut pacer, token) = pacer();
        for _ in 0..3 {
            pacer.reserve(&limit, token, Duration::ZERO);
        }
        pacer.penalize(&limit, token, secs(1.0), secs(1.0));
        assert_eq!(pacer.reserve(&limit, token, secs(1.0)), secs(29.5));
    }

    #[test]
    fn a_burst_within_budget_never_waits() {
        let limit = RateLimit::new("k", 60, 60.0);
        let (mut pacer, token) = pacer();
        for _ in 0..60 {
            assert_eq!(pacer.reserve(&limit, token, Duration::ZERO), Duration::ZERO);
        }
        // The 61st waits until the first leaves the window, and half a second more for
        // the first's arrival.
        assert_eq!(pacer.reserve(&limit, token, secs(5.0)), secs(55.5));
    }

    #[test]
    fn no_rolling_window_ever_holds_more_than_the_budget() {
        let limit = RateLimit::new("k", 5, 10.0);
        let (mut pacer, token) = pacer();
        let mut now = Duration::ZERO;
        let mut sent = Vec::new();
        for i in 0..200u64 {
            // Requests arrive irregularly; each is sent when its slot comes.
            now += Duration::from_millis((i * 7919) % 3000);
            let wait = pacer.reserve(&limit, token, now);
            now += wait;
            sent.push(now);
        }
        for (i, t) in sent.iter().enumerate() {
            let in_window = sent[i..].iter().take_while(|u| **u < *t + secs(10.0)).count();
            assert!(in_window <= 5, "{in_window} requests in the window starting at {t:?}");
        }
    }

    #[test]
    fn budgets_are_separate() {
        let limit = RateLimit::new("a", 1, 1.0);
        let other = RateLimit::new("b", 1, 1.0);
        let (mut pacer, token) = pacer();
        assert_eq!(pacer.reserve(&limit, token, Duration::ZERO), Duration::ZERO);
        assert_eq!(pacer.reserve(&other, token, Duration::ZERO), Duration::ZERO);
        assert_eq!(pacer.reserve(&limit, token, Duration::ZERO), secs(1.05));
    }

    #[test]
    fn two_credentials_under_one_budget_have_a_window_each() {
        let limit = RateLimit::new("a", 1, 1.0);
        let (mut pacer, token) = pacer();
        let other = pacer.credential([("Authorization", "OAuth t2")]);
        assert_ne!(token, other);
        assert_eq!(pacer.reserve(&limit, token, Duration::ZERO), Duration::ZERO);
        assert_eq!(pacer.reserve(&limit, other, Duration::ZERO), Duration::ZERO);
        // A Retry-After earned with one token does not hold back the other.
        pacer.penalize(&limit, other, secs(30.0), Duration::ZERO);
        assert_eq!(pacer.reserve(&limit, token, Duration::ZERO), secs(1.05));
        assert_eq!(pacer.reserve(&limit, other, Duration::ZERO), secs(30.0));
    }

    #[test]
    fn the_same_credential_shares_its_window() {
        let limit = RateLimit::new("a", 1, 1.0);
        let (mut pacer, token) = pacer();
        // Header names without case, parts in any order.
        let again = pacer.credential([("authorization", "OAuth t1")]);
        assert_eq!(token, again);
        let two = pacer.credential([("X-Key", "k"), ("Authorization", "t")]);
        assert_eq!(two, pacer.credential([("Authorization", "t"), ("x-key", "k")]));
        // A value is not a name: moving text between them is another credential.
        assert_ne!(pacer.credential([("a", "bc")]), pacer.credential([("ab", "c")]));
        assert_eq!(pacer.reserve(&limit, token, Duration::ZERO), Duration::ZERO);
        assert_eq!(pacer.reserve(&limit, again, Duration::ZERO), secs(1.05));
    }

    #[test]
    fn the_fingerprint_is_not_the_secret() {
        let pacer = Pacer::default();
        let shown = format!("{:?}", pacer.credential([("Authorization", "OAuth secret-token")]));
        assert!(!shown.contains("secret"), "{shown}");
        // Keyed per process: another pacer (another process) gives another fingerprint.
        let other = Pacer::default().credential([("Authorization", "OAuth secret-token")]);
        assert_ne!(pacer.credential([("Authorization", "OAuth secret-token")]), other);
    }

    #[test]
    fn retry_after_fills_the_window_then_slots_return_at_the_budget_pace() {
        let limit = RateLimit::new("a", 3, 30.0);
        let (mut pacer, token) = pacer();
        pacer.penalize(&limit, token, secs(1.0), Duration::ZERO);
        assert_eq!(pacer.reserve(&limit, token, Duration::ZERO), secs(1.0));
        assert_eq!(pacer.reserve(&limit, token, secs(1.0)), secs(10.0));
        assert_eq!(pacer.reserve(&limit, token, secs(11.0)), secs(10.0));
    }
}
