//! API errors and their JSON shape.

use serde_json::{Value, json};

use super::ErrorKey;

/// Observed body of a 401 (also for a valid key on a page it does not own).
pub(crate) const INVALID_TOKEN: &str = "Invalid authentication token.";
/// Body of a 404 for an unknown resource on a page the key owns.
pub(crate) const NOT_FOUND: &str = "The requested resource could not be found.";
/// Body of a rate-limited answer (undocumented upstream).
pub(crate) const RATE_LIMITED: &str = "Rate limit exceeded: at most 60 requests per 60 seconds per API key.";

/// An error answer: status, message, and `Retry-After` seconds for rate
/// limiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) message: String,
    pub(crate) retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), retry_after: None }
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(401, INVALID_TOKEN)
    }

    pub(crate) fn not_found() -> Self {
        Self::new(404, NOT_FOUND)
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    pub(crate) fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(422, message)
    }

    pub(crate) fn method_not_allowed() -> Self {
        Self::new(405, "Method Not Allowed")
    }

    pub(crate) fn rate_limited(status: u16, retry_after: u64) -> Self {
        Self { status, message: RATE_LIMITED.to_owned(), retry_after: Some(retry_after) }
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(500, message)
    }

    /// `{"error": "..."}` (observed) or `{"message": "..."}` (the OpenAPI document's
    /// `ErrorEntity`).
    pub(crate) fn body(&self, key: ErrorKey) -> Value {
        match key {
            ErrorKey::Error => json!({ "error": self.message }),
            ErrorKey::Message => json!({ "message": self.message }),
        }
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;
