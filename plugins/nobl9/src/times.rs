//! Timestamps as the scripts send them: UTC, microseconds, `Z`.

use jiff::Timestamp;
use statusctl_plugin_api::Error;

/// `2026-02-05T10:30:00.123456Z` (Python's `datetime.utcnow().isoformat() + "Z"`).
pub fn iso(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn now() -> String {
    iso(Timestamp::now())
}

/// A time given on the command line (`--occurred-at`), checked before anything is sent and
/// then sent as written (trimmed): RFC 3339 with any offset and fraction
/// (`2026-02-05T10:30:00Z`), or a date and time without offset (Python's `isoformat()`), which
/// Nobl9 takes as UTC. Anything else is a usage error, as the API would refuse it.
pub fn checked(flag: &str, text: &str) -> Result<String, Error> {
    let text = text.trim();
    let valid = text.parse::<Timestamp>().is_ok() || text.parse::<jiff::civil::DateTime>().is_ok();
    if valid {
        Ok(text.to_string())
    } else {
        Err(Error::usage(format!(
            "invalid {flag} `{text}`: use an ISO 8601 time such as 2026-02-05T10:30:00Z"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_and_z() {
        assert_eq!(iso("2026-02-05T10:30:00.123456789Z".parse().unwrap()), "2026-02-05T10:30:00.123456Z");
        assert_eq!(iso("2026-02-05T10:30:00Z".parse().unwrap()), "2026-02-05T10:30:00.000000Z");
        assert_eq!(now().len(), "2026-02-05T10:30:00.000000Z".len());
    }

    #[test]
    fn times_from_the_command_line_are_checked_and_sent_as_written() {
        for good in [
            "2026-02-05T10:30:00Z",
            "2026-02-05T10:30:00.123456Z",
            "2026-02-05T11:30:00+01:00",
            "2026-02-05T10:30:00.123456",
        ] {
            assert_eq!(checked("--occurred-at", &format!(" {good} ")).unwrap(), good);
        }
        for bad in ["yesterday", "", "2026-13-05T10:30:00Z", "10:30", "2026-02-05T25:00:00Z"] {
            let err = checked("--occurred-at", bad).unwrap_err();
            assert_eq!(err.kind, statusctl_plugin_api::ErrorKind::Usage);
            assert_eq!(
                err.message,
                format!("invalid --occurred-at `{bad}`: use an ISO 8601 time such as 2026-02-05T10:30:00Z")
            );
        }
    }
}
