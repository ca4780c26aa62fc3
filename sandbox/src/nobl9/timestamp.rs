//! Instants as the Nobl9 API writes them: RFC 3339 in UTC with `Z` and as
//! many fraction digits as needed (none for whole seconds), like Go's
//! `time.RFC3339Nano`. Kept to the microsecond, the precision of the
//! scripts' `datetime.utcnow().isoformat() + "Z"`.

use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub(crate) const MICROS_PER_SECOND: i64 = 1_000_000;
pub(crate) const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
pub(crate) const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MINUTE;
pub(crate) const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

/// Microseconds since the Unix epoch; finer parts are cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Ts(i64);

impl Ts {
    pub(crate) fn from_system(instant: SystemTime) -> Self {
        let timestamp = jiff::Timestamp::try_from(instant).unwrap_or(jiff::Timestamp::MAX);
        Self(timestamp.as_microsecond())
    }

    #[cfg(test)]
    pub(crate) const fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    pub(crate) fn micros(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch (rounded down), as JWT claims count.
    pub(crate) fn seconds(self) -> i64 {
        self.0.div_euclid(MICROS_PER_SECOND)
    }

    pub(crate) fn plus_micros(self, micros: i64) -> Self {
        Self(self.0.saturating_add(micros))
    }

    pub(crate) fn minus_micros(self, micros: i64) -> Self {
        Self(self.0.saturating_sub(micros))
    }

    /// Whole seconds from `self` to `later`, never negative.
    pub(crate) fn whole_seconds_until(self, later: Ts) -> i64 {
        (later.0.saturating_sub(self.0)).max(0) / MICROS_PER_SECOND
    }

    /// The UTC calendar date, `YYYY-MM-DD`.
    pub(crate) fn date(self) -> String {
        jiff::tz::Offset::UTC.to_datetime(self.timestamp()).date().to_string()
    }

    /// Midnight UTC of the day `self` falls on.
    pub(crate) fn start_of_day(self) -> Self {
        Self(self.0 - self.0.rem_euclid(MICROS_PER_DAY))
    }

    /// RFC 3339 with any offset and fraction (`2026-02-05T10:30:00.123456Z`,
    /// `2026-02-05T11:30:00+01:00`), or a date-time without offset, taken
    /// as UTC.
    pub(crate) fn parse_input(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(timestamp) = jiff::Timestamp::from_str(text) {
            return Some(Self(timestamp.as_microsecond()));
        }
        let civil = jiff::civil::DateTime::from_str(text).ok()?;
        let timestamp = jiff::tz::Offset::UTC.to_timestamp(civil).ok()?;
        Some(Self(timestamp.as_microsecond()))
    }

    fn timestamp(self) -> jiff::Timestamp {
        jiff::Timestamp::from_microsecond(self.0).unwrap_or(jiff::Timestamp::MAX)
    }
}

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // jiff prints the shortest fraction that keeps the value, and `Z`.
        write!(f, "{}", self.timestamp())
    }
}

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Ts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse_input(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not an RFC 3339 timestamp")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go_rfc3339_nano() {
        assert_eq!(Ts::from_micros(1_770_287_400_000_000).to_string(), "2026-02-05T10:30:00Z");
        assert_eq!(Ts::from_micros(1_770_287_400_123_456).to_string(), "2026-02-05T10:30:00.123456Z");
        assert_eq!(Ts::from_micros(1_770_287_400_500_000).to_string(), "2026-02-05T10:30:00.5Z");
    }

    #[test]
    fn parses_fractions_offsets_and_naive_times() {
        let expected = Ts::from_micros(1_770_287_400_123_456);
        assert_eq!(Ts::parse_input("2026-02-05T10:30:00.123456Z"), Some(expected));
        assert_eq!(Ts::parse_input("2026-02-05T11:30:00.123456+01:00"), Some(expected));
        assert_eq!(Ts::parse_input("2026-02-05T10:30:00.123456"), Some(expected));
        assert_eq!(Ts::parse_input("2026-02-05T10:30:00.123456789Z"), Some(expected));
        assert_eq!(Ts::parse_input("yesterday"), None);
        assert_eq!(Ts::parse_input(""), None);
    }

    #[test]
    fn dates_and_durations() {
        let ts = Ts::parse_input("2026-02-05T23:59:59.9Z").expect("valid");
        assert_eq!(ts.date(), "2026-02-05");
        assert_eq!(ts.start_of_day().to_string(), "2026-02-05T00:00:00Z");
        assert_eq!(ts.plus_micros(100_000).date(), "2026-02-06");
        assert_eq!(ts.whole_seconds_until(ts.plus_micros(1_999_999)), 1);
        assert_eq!(ts.whole_seconds_until(ts.minus_micros(5)), 0);
        assert_eq!(ts.seconds(), 1_770_335_999);
    }
}
