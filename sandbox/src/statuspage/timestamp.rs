//! Instants as Statuspage writes them: RFC 3339, UTC, milliseconds, `Z`.

use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Milliseconds since the Unix epoch; sub-millisecond parts are cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Ts(i64);

impl Ts {
    pub(crate) fn from_system(instant: SystemTime) -> Self {
        let timestamp = jiff::Timestamp::try_from(instant).unwrap_or(jiff::Timestamp::MAX);
        Self(timestamp.as_millisecond())
    }

    pub(crate) const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub(crate) fn millis(self) -> i64 {
        self.0
    }

    pub(crate) fn plus_millis(self, millis: i64) -> Self {
        Self(self.0.saturating_add(millis))
    }

    /// Input timestamps: RFC 3339 with any offset (`2024-05-01T12:00:00+02:00`),
    /// a date-time without offset (taken as UTC) or a bare date (midnight UTC).
    pub(crate) fn parse_input(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(timestamp) = jiff::Timestamp::from_str(text) {
            return Some(Self(timestamp.as_millisecond()));
        }
        let civil = jiff::civil::DateTime::from_str(text).ok().or_else(|| {
            jiff::civil::Date::from_str(text).ok().map(|date| date.to_datetime(jiff::civil::Time::midnight()))
        })?;
        let timestamp = jiff::tz::Offset::UTC.to_timestamp(civil).ok()?;
        Some(Self(timestamp.as_millisecond()))
    }
}

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let timestamp = jiff::Timestamp::from_millisecond(self.0).unwrap_or(jiff::Timestamp::MAX);
        write!(f, "{}", timestamp.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"))
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

/// `YYYY-MM-DD`, the format of `Component.start_date`.
pub(crate) fn is_date(text: &str) -> bool {
    text.len() == 10 && jiff::civil::Date::from_str(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_statuspage() {
        assert_eq!(Ts::from_millis(1_448_494_338_362).to_string(), "2015-11-25T23:32:18.362Z");
        assert_eq!(Ts::from_millis(0).to_string(), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn parses_any_offset_and_plain_dates() {
        let utc = Ts::parse_input("2015-11-25T23:32:18.362Z").expect("valid");
        assert_eq!(utc, Ts::from_millis(1_448_494_338_362));
        assert_eq!(Ts::parse_input("2015-11-26T00:32:18.362+01:00"), Some(utc));
        assert_eq!(Ts::parse_input("2015-11-25T23:32:18.362"), Some(utc));
        assert_eq!(Ts::parse_input("2015-11-25"), Some(Ts::from_millis(1_448_409_600_000)));
        assert_eq!(Ts::parse_input("yesterday"), None);
    }

    #[test]
    fn dates_are_strict() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2024-2-1"));
    }
}
