//! Maintenance windows: `--scheduled now|RFC 3339` and the end time, formatted as the
//! Conan command formatted them (`%Y-%m-%dT%H:%M:%S.%fZ`: six fractional digits, UTC).

use jiff::{SignedDuration, Timestamp};
use statusctl_plugin_api::Error;

const CONAN_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// `scheduled_for` as sent, and the instant it denotes.
pub fn start(scheduled: Option<&str>, now: Timestamp) -> Result<(String, Timestamp), Error> {
    match scheduled.map(str::trim) {
        Some("") => Err(Error::usage(
            "--scheduled is empty: give `now` or an RFC 3339 time such as 2030-01-01T10:00:00Z",
        )),
        None | Some("now") => {
            // The API wants the start at least a minute after creation.
            let at = now + SignedDuration::from_mins(1);
            Ok((format(at), at))
        }
        Some(text) => Ok((text.to_string(), parse(text, "--scheduled")?)),
    }
}

/// `scheduled_until`: `--until` as given, or start + 8 hours in Conan's format.
pub fn end(until: Option<&str>, start: Timestamp) -> Result<String, Error> {
    match until {
        Some(text) => {
            let at = parse(text, "--until")?;
            if at <= start {
                return Err(Error::usage(format!(
                    "--until {text} is not after the start of the maintenance"
                )));
            }
            Ok(text.to_string())
        }
        None => Ok(format(start + SignedDuration::from_hours(8))),
    }
}

fn parse(text: &str, flag: &str) -> Result<Timestamp, Error> {
    let at = text.parse::<Timestamp>().map_err(|e| {
        Error::usage(format!(
            "invalid {flag} `{text}`: expected `now` or an RFC 3339 time such as 2030-01-01T10:00:00Z ({e})"
        ))
    })?;
    // The API keeps times as Unix timestamps; a year such as 0000 is a typo, not a window.
    if at < Timestamp::UNIX_EPOCH {
        return Err(Error::usage(format!("invalid {flag} `{text}`: the time is before 1970")));
    }
    Ok(at)
}

fn format(at: Timestamp) -> String {
    at.strftime(CONAN_FORMAT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn now_is_a_minute_ahead_with_microseconds() {
        let (text, at) = start(Some("now"), ts("2026-11-25T14:31:02.876554Z")).unwrap();
        assert_eq!(text, "2026-11-25T14:32:02.876554Z");
        assert_eq!(end(None, at).unwrap(), "2026-11-25T22:32:02.876554Z");
        assert_eq!(start(None, ts("2026-11-25T14:31:02Z")).unwrap().0, "2026-11-25T14:32:02.000000Z");
    }

    #[test]
    fn given_times_are_sent_verbatim_and_the_end_follows_conan() {
        let (text, at) = start(Some("2030-01-01T10:00:00.000Z"), Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(text, "2030-01-01T10:00:00.000Z");
        assert_eq!(end(None, at).unwrap(), "2030-01-01T18:00:00.000000Z");
        // No fractional seconds, and offsets: accepted (Conan crashed on the first).
        let (_, at) = start(Some("2030-01-01T10:00:00+02:00"), Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(end(None, at).unwrap(), "2030-01-01T16:00:00.000000Z");
        assert_eq!(end(Some("2030-01-01T12:00:00Z"), at).unwrap(), "2030-01-01T12:00:00Z");
        assert!(end(Some("2030-01-01T07:00:00Z"), at).is_err());
        assert!(start(Some("tomorrow"), Timestamp::UNIX_EPOCH).is_err());
    }

    #[test]
    fn an_empty_start_and_year_0000_are_usage_errors() {
        for text in ["", "  ", "0000-01-01T00:00:00Z", "1969-12-31T23:59:59Z"] {
            let err = start(Some(text), Timestamp::UNIX_EPOCH).unwrap_err();
            assert_eq!(err.kind, statusctl_plugin_api::ErrorKind::Usage, "{text:?}");
        }
        let at = ts("2030-01-01T10:00:00Z");
        assert!(end(Some("0000-01-01T00:00:00Z"), at).is_err());
    }
}
