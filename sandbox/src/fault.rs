//! Fault descriptions (the JSON the control API takes) and the queue that
//! hands them out to incoming requests.

use axum::http::{HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};

/// One injected fault: which requests it hits, how many of them, and what
/// happens to them.
///
/// JSON form: `{"match": {"method": "POST", "path": "/x*"}, "times": 2,
/// "action": {"status": 503, "retry_after": "2"}}`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Which requests the fault applies to (`"match"` in JSON).
    #[serde(rename = "match", default)]
    pub matcher: FaultMatch,
    /// How many of the next matching requests get the fault.
    #[serde(default = "one")]
    pub times: u32,
    /// What happens to a matching request.
    #[serde(default)]
    pub action: FaultAction,
}

fn one() -> u32 {
    1
}

/// Request selector shared by faults and by the `GET /_sandbox/requests`
/// filter. An absent field matches anything.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FaultMatch {
    /// HTTP method, compared case-insensitively.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Exact path, or a path prefix when it ends with `*`. The query string
    /// is never part of the comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// What a fault does; every field is optional and they combine
/// (`delay_ms` runs first, then `status` or `drop`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FaultAction {
    /// Answer with this status instead of calling the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `Retry-After` header value sent along with `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<String>,
    /// Response body sent along with `status` (defaults to
    /// `{"error":"injected fault"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Sleep this long before handling the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Close the connection without any response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop: Option<DropPoint>,
}

/// When a dropped connection is closed relative to calling the provider.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DropPoint {
    /// Close before the provider sees the request: its state is unchanged.
    Before,
    /// Call the provider, then discard its response: its state changed but
    /// the client cannot know.
    After,
}

/// Why a fault was refused.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum FaultError {
    #[error("`times` must be at least 1")]
    ZeroTimes,
    #[error("`status` {0} is not a valid HTTP status code")]
    InvalidStatus(u16),
    #[error("`retry_after` {0:?} is not a valid header value")]
    InvalidRetryAfter(String),
    #[error("`status` and `drop` cannot be combined: a dropped connection has no status")]
    StatusWithDrop,
    #[error("`{0}` only makes sense together with `status`")]
    NeedsStatus(&'static str),
}

impl Fault {
    /// A fault applied once to requests selected by `matcher`.
    pub fn new(matcher: FaultMatch, action: FaultAction) -> Self {
        Self { matcher, times: 1, action }
    }

    /// Applies the fault to the next `times` matching requests.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    /// Rejects faults that could not be applied as written, so that a typo in
    /// a test shows up when the fault is added instead of as a puzzling
    /// response later.
    pub fn validate(&self) -> Result<(), FaultError> {
        if self.times == 0 {
            return Err(FaultError::ZeroTimes);
        }
        let action = &self.action;
        match action.status {
            Some(status) => {
                if StatusCode::from_u16(status).is_err() {
                    return Err(FaultError::InvalidStatus(status));
                }
                if action.drop.is_some() {
                    return Err(FaultError::StatusWithDrop);
                }
            }
            None if action.retry_after.is_some() => {
                return Err(FaultError::NeedsStatus("retry_after"));
            }
            None if action.body.is_some() => return Err(FaultError::NeedsStatus("body")),
            None => {}
        }
        if let Some(retry_after) = &action.retry_after
            && HeaderValue::from_str(retry_after).is_err()
        {
            return Err(FaultError::InvalidRetryAfter(retry_after.clone()));
        }
        Ok(())
    }
}

impl FaultMatch {
    /// Matches every request.
    pub fn any() -> Self {
        Self::default()
    }

    /// Restricts the match to one HTTP method.
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_owned());
        self
    }

    /// Restricts the match to one path, or a prefix when `path` ends with `*`.
    pub fn path(mut self, path: &str) -> Self {
        self.path = Some(path.to_owned());
        self
    }

    /// Whether a request with this method and path (no query) is selected.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        let method_fits = self.method.as_deref().is_none_or(|wanted| wanted.eq_ignore_ascii_case(method));
        let path_fits = self.path.as_deref().is_none_or(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == pattern,
        });
        method_fits && path_fits
    }
}

impl FaultAction {
    /// Answers with `status` without calling the provider.
    pub fn status(status: u16) -> Self {
        Self { status: Some(status), ..Self::default() }
    }

    /// Only delays the request by `delay_ms` milliseconds.
    pub fn delay(delay_ms: u64) -> Self {
        Self::default().with_delay(delay_ms)
    }

    /// Closes the connection without a response and without calling the
    /// provider.
    pub fn drop_before() -> Self {
        Self { drop: Some(DropPoint::Before), ..Self::default() }
    }

    /// Calls the provider, then closes the connection without a response.
    pub fn drop_after() -> Self {
        Self { drop: Some(DropPoint::After), ..Self::default() }
    }

    /// Adds a `Retry-After` header to a `status` answer.
    pub fn with_retry_after(mut self, retry_after: &str) -> Self {
        self.retry_after = Some(retry_after.to_owned());
        self
    }

    /// Replaces the default body of a `status` answer.
    pub fn with_body(mut self, body: &str) -> Self {
        self.body = Some(body.to_owned());
        self
    }

    /// Delays the request before the rest of the action happens.
    pub fn with_delay(mut self, delay_ms: u64) -> Self {
        self.delay_ms = Some(delay_ms);
        self
    }

    /// Short text stored in [`RecordedRequest::fault`](crate::RecordedRequest),
    /// e.g. `"delay 1500ms, status 503"`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(delay_ms) = self.delay_ms {
            parts.push(format!("delay {delay_ms}ms"));
        }
        if let Some(status) = self.status {
            parts.push(format!("status {status}"));
        }
        match self.drop {
            Some(DropPoint::Before) => parts.push("drop before".to_owned()),
            Some(DropPoint::After) => parts.push("drop after".to_owned()),
            None => {}
        }
        if parts.is_empty() { "none".to_owned() } else { parts.join(", ") }
    }
}

/// Faults waiting for requests, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    pending: Vec<Fault>,
}

impl FaultQueue {
    pub(crate) fn push(&mut self, fault: Fault) {
        self.pending.push(fault);
    }

    /// Consumes one use of the first fault matching the request.
    pub(crate) fn take(&mut self, method: &str, path: &str) -> Option<FaultAction> {
        let index =
            self.pending.iter().position(|fault| fault.times > 0 && fault.matcher.matches(method, path))?;
        let fault = &mut self.pending[index];
        fault.times -= 1;
        let action = fault.action.clone();
        if fault.times == 0 {
            self.pending.remove(index);
        }
        Some(action)
    }

    pub(crate) fn pending(&self) -> Vec<Fault> {
        self.pending.clone()
    }

    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }

    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_json() {
        let fault: Fault = serde_json::from_str(
            r#"{ "match": {"method": "POST", "path": "/echo/things"}, "times": 2,
                 "action": {"status": 503, "retry_after": "2", "body": "{\"error\":\"x\"}",
                            "delay_ms": 1500} }"#,
        )
        .expect("valid fault JSON");
        assert_eq!(fault.matcher, FaultMatch::any().method("POST").path("/echo/things"));
        assert_eq!(fault.times, 2);
        assert_eq!(fault.action.status, Some(503));
        assert_eq!(fault.action.retry_after.as_deref(), Some("2"));
        assert_eq!(fault.action.body.as_deref(), Some(r#"{"error":"x"}"#));
        assert_eq!(fault.action.delay_ms, Some(1500));
        assert_eq!(fault.validate(), Ok(()));
    }

    #[test]
    fn defaults_to_once_for_any_request() {
        let fault: Fault =
            serde_json::from_str(r#"{"action": {"drop": "after"}}"#).expect("valid fault JSON");
        assert_eq!(fault, Fault::new(FaultMatch::any(), FaultAction::drop_after()));
    }

    #[test]
    fn rejects_unknown_fields() {
        let error =
            serde_json::from_str::<Fault>(r#"{"action": {"delay": 5}}"#).expect_err("`delay` is not a field");
        assert!(error.to_string().contains("unknown field `delay`"), "{error}");
    }

    #[test]
    fn validation_catches_unusable_faults() {
        let cases = [
            (Fault::new(FaultMatch::any(), FaultAction::status(503)).times(0), FaultError::ZeroTimes),
            (Fault::new(FaultMatch::any(), FaultAction::status(42)), FaultError::InvalidStatus(42)),
            (
                Fault::new(FaultMatch::any(), FaultAction::drop_before().with_body("x")),
                FaultError::NeedsStatus("body"),
            ),
            (
                Fault::new(
                    FaultMatch::any(),
                    FaultAction { drop: Some(DropPoint::After), ..FaultAction::status(500) },
                ),
                FaultError::StatusWithDrop,
            ),
            (
                Fault::new(FaultMatch::any(), FaultAction::status(503).with_retry_after("a\nb")),
                FaultError::InvalidRetryAfter("a\nb".to_owned()),
            ),
        ];
        for (fault, expected) in cases {
            assert_eq!(fault.validate(), Err(expected), "{fault:?}");
        }
    }

    #[test]
    fn matches_method_case_insensitively_and_paths_exactly_or_by_prefix() {
        let exact = FaultMatch::any().method("post").path("/a/b");
        assert!(exact.matches("POST", "/a/b"));
        assert!(!exact.matches("GET", "/a/b"));
        assert!(!exact.matches("POST", "/a/b/c"));

        let prefix = FaultMatch::any().path("/a/*");
        assert!(prefix.matches("GET", "/a/b"));
        assert!(prefix.matches("DELETE", "/a/"));
        assert!(!prefix.matches("GET", "/a"));
        assert!(FaultMatch::any().matches("PATCH", "/anything"));
    }

    #[test]
    fn queue_consumes_faults_in_order() {
        let mut queue = FaultQueue::default();
        queue.push(Fault::new(FaultMatch::any().path("/x"), FaultAction::status(500)).times(2));
        queue.push(Fault::new(FaultMatch::any(), FaultAction::status(502)));

        let status = |action: Option<FaultAction>| action.and_then(|action| action.status);
        assert_eq!(status(queue.take("GET", "/y")), Some(502));
        assert_eq!(status(queue.take("GET", "/x")), Some(500));
        assert_eq!(queue.pending()[0].times, 1);
        assert_eq!(status(queue.take("GET", "/x")), Some(500));
        assert_eq!(queue.take("GET", "/x"), None);
        assert!(queue.pending().is_empty());
    }

    #[test]
    fn describes_combined_actions() {
        let action = FaultAction::status(503).with_delay(1500);
        assert_eq!(action.describe(), "delay 1500ms, status 503");
        assert_eq!(FaultAction::drop_before().describe(), "drop before");
    }
}
