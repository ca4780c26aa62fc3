//! Component statuses: Nobl9 has three. The Statuspage spellings of the two it shares are
//! accepted too, so that one command line can drive either provider.

use statusctl_plugin_api::Error;

pub const OPERATIONAL: &str = "operational";
pub const DEGRADED: &str = "degradedPerformance";
pub const MAJOR_OUTAGE: &str = "majorOutage";

/// A status as Nobl9 spells it, or a usage error listing the valid ones.
pub fn parse(value: &str) -> Result<&'static str, Error> {
    match value {
        OPERATIONAL => Ok(OPERATIONAL),
        DEGRADED | "degraded_performance" => Ok(DEGRADED),
        MAJOR_OUTAGE | "major_outage" => Ok(MAJOR_OUTAGE),
        other => Err(Error::usage(format!(
            "invalid status `{other}`: use operational, degradedPerformance or majorOutage \
             (degraded_performance and major_outage are accepted too)"
        ))),
    }
}

/// An incident severity: a status other than operational.
pub fn parse_severity(value: &str) -> Result<&'static str, Error> {
    match parse(value) {
        Ok(OPERATIONAL) | Err(_) => Err(Error::usage(format!(
            "invalid severity `{value}`: use degradedPerformance or majorOutage \
             (degraded_performance and major_outage are accepted too)"
        ))),
        Ok(severity) => Ok(severity),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statusctl_plugin_api::ErrorKind;

    #[test]
    fn nobl9_and_statuspage_spellings() {
        assert_eq!(parse("operational").unwrap(), "operational");
        assert_eq!(parse("degradedPerformance").unwrap(), "degradedPerformance");
        assert_eq!(parse("degraded_performance").unwrap(), "degradedPerformance");
        assert_eq!(parse("majorOutage").unwrap(), "majorOutage");
        assert_eq!(parse("major_outage").unwrap(), "majorOutage");
        for bad in ["partialOutage", "partial_outage", "under_maintenance", "Operational", ""] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Usage);
            assert!(err.message.starts_with(&format!("invalid status `{bad}`: use operational, ")));
        }
    }

    #[test]
    fn severities_exclude_operational() {
        assert_eq!(parse_severity("major_outage").unwrap(), "majorOutage");
        let err = parse_severity("operational").unwrap_err();
        assert_eq!(
            err.message,
            "invalid severity `operational`: use degradedPerformance or majorOutage (degraded_performance and major_outage are accepted too)"
        );
        assert_eq!(parse_severity("partialOutage").unwrap_err().kind, ErrorKind::Usage);
    }
}
