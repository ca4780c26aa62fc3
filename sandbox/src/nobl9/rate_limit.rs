//! The access-token endpoint's limit: one token per organization every
//! 3 seconds, on the sandbox clock. Only issued tokens count.

use std::collections::HashMap;

use super::timestamp::{MICROS_PER_SECOND, Ts};

pub(crate) const INTERVAL_MICROS: i64 = 3 * MICROS_PER_SECOND;

#[derive(Debug, Default)]
pub(crate) struct TokenRateLimiter {
    last_issued: HashMap<String, Ts>,
}

impl TokenRateLimiter {
    /// Whether `organization` may get a token at `now`; if not, after how
    /// many whole seconds (at least 1) it may.
    pub(crate) fn check(&self, organization: &str, now: Ts) -> Result<(), u64> {
        match self.last_issued.get(organization) {
            Some(&last) if now < last.plus_micros(INTERVAL_MICROS) => {
                let wait = last.plus_micros(INTERVAL_MICROS).micros() - now.micros();
                Err(u64::try_from(wait).unwrap_or(0).div_ceil(MICROS_PER_SECOND as u64).max(1))
            }
            _ => Ok(()),
        }
    }

    pub(crate) fn record(&mut self, organization: &str, now: Ts) {
        self.last_issued.insert(organization.to_owned(), now);
    }

    pub(crate) fn clear(&mut self) {
        self.last_issued.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_token_per_organization_every_three_seconds() {
        let mut limiter = TokenRateLimiter::default();
        let start = Ts::from_micros(1_000 * MICROS_PER_SECOND);
        assert_eq!(limiter.check("a", start), Ok(()));
        limiter.record("a", start);
        assert_eq!(limiter.check("a", start), Err(3));
        assert_eq!(limiter.check("a", start.plus_micros(1)), Err(3));
        assert_eq!(limiter.check("a", start.plus_micros(2_000_001)), Err(1));
        assert_eq!(limiter.check("b", start), Ok(()));
        assert_eq!(limiter.check("a", start.plus_micros(INTERVAL_MICROS)), Ok(()));
        limiter.clear();
        assert_eq!(limiter.check("a", start), Ok(()));
    }
}
