//! Timestamps as the scripts send them: UTC, microseconds, `Z`.

use jiff::Timestamp;

/// `2026-02-05T10:30:00.123456Z` (Python's `datetime.utcnow().isoformat() + "Z"`).
pub fn iso(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn now() -> String {
    iso(Timestamp::now())
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
}
