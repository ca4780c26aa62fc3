//! The sandbox-wide virtual clock: real UTC time plus an offset that tests
//! move forward, so that time-driven behaviour (rate-limit windows, scheduled
//! maintenance) can be triggered without waiting.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// Cheap to clone; every clone shares the same offset.
///
/// The clock only moves forward: [`SandboxClock::advance`] adds to the
/// offset, and nothing (not even [`Control::reset`](crate::Control::reset))
/// takes it back, so that timestamps the sandbox has handed out never lie in
/// its own future.
#[derive(Clone, Default)]
pub struct SandboxClock {
    offset: Arc<Mutex<Duration>>,
}

impl SandboxClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// Real time plus the offset.
    pub fn now(&self) -> SystemTime {
        SystemTime::now() + self.offset()
    }

    /// How far the clock is ahead of real time.
    pub fn offset(&self) -> Duration {
        *self.offset.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        *offset = offset.saturating_add(by);
    }

    /// Moves the clock forward so that it reads at least `instant`; does
    /// nothing if it is already there. Used when a saved state file was
    /// written by a sandbox whose clock was ahead.
    pub fn advance_to(&self, instant: SystemTime) {
        let mut offset = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        let now = SystemTime::now() + *offset;
        if let Ok(behind) = instant.duration_since(now) {
            *offset = offset.saturating_add(behind);
        }
    }

    /// [`SandboxClock::now`] as RFC 3339 in UTC with milliseconds, e.g.
    /// `2024-05-01T12:00:00.123Z` (the format of Statuspage timestamps).
    pub fn now_rfc3339(&self) -> String {
        format_rfc3339_millis(self.now())
    }
}

/// `2024-05-01T12:00:00.123Z`; times outside jiff's range (years beyond
/// ±9999) are clamped, which a clock based on real time never reaches.
pub(crate) fn format_rfc3339_millis(instant: SystemTime) -> String {
    let timestamp = jiff::Timestamp::try_from(instant).unwrap_or(jiff::Timestamp::MAX);
    let millis = timestamp.as_millisecond();
    let truncated = jiff::Timestamp::from_millisecond(millis).unwrap_or(timestamp);
    truncated.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

impl fmt::Debug for SandboxClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxClock").field("offset", &self.offset()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward_for_every_clone() {
        let clock = SandboxClock::new();
        let other = clock.clone();
        let before = other.now();
        clock.advance(Duration::from_secs(3600));
        let after = other.now();
        assert!(after.duration_since(before).expect("forward") >= Duration::from_secs(3600));
        assert_eq!(other.offset(), Duration::from_secs(3600));
    }

    #[test]
    fn advance_to_never_goes_back() {
        let clock = SandboxClock::new();
        clock.advance(Duration::from_secs(100));
        clock.advance_to(SystemTime::now());
        assert_eq!(clock.offset(), Duration::from_secs(100));
        clock.advance_to(SystemTime::now() + Duration::from_secs(1000));
        assert!(clock.offset() >= Duration::from_secs(999), "{:?}", clock.offset());
    }

    #[test]
    fn formats_with_milliseconds_and_z() {
        // Sub-millisecond parts are cut, not rounded.
        let instant = SystemTime::UNIX_EPOCH + Duration::from_micros(1_448_494_338_362_999);
        assert_eq!(format_rfc3339_millis(instant), "2015-11-25T23:32:18.362Z");
    }
}
