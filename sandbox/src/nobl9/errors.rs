//! API errors and their bodies: Nobl9's `{"errors": [{title, code, detail,
//! source}]}` (nobl9-go `sdk/http_errors.go`), plain text for paths the
//! server does not route (Go's `http.NotFound`), and OAuth 2.0 errors on the
//! Okta token path.

use serde::Serialize;
use serde_json::{Value, json};

/// Go's `http.NotFound` body: what an instance without a route answers.
pub(crate) const ROUTE_NOT_FOUND: &str = "404 page not found\n";
pub(crate) const METHOD_NOT_ALLOWED: &str = "Method Not Allowed\n";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) body: ErrorBody,
    /// `Retry-After` seconds, for rate-limited answers.
    pub(crate) retry_after: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ErrorBody {
    /// Boxed: keeps `ApiError` (and every `ApiResult`) small.
    Nobl9(Box<ErrorEntry>),
    Plain(&'static str),
    OAuth {
        error: &'static str,
        description: String,
    },
}

/// One item of `errors`.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub(crate) struct ErrorEntry {
    pub(crate) title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<ErrorSource>,
}

/// The request property an error is about.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorSource {
    pub(crate) property_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) property_value: Option<String>,
}

impl ApiError {
    fn nobl9(status: u16, title: impl Into<String>, code: &str, detail: Option<String>) -> Self {
        let entry = ErrorEntry { title: title.into(), code: Some(code.to_owned()), detail, source: None };
        Self { status, body: ErrorBody::Nobl9(Box::new(entry)), retry_after: None }
    }

    /// A body that is not valid JSON (or not an object).
    pub(crate) fn invalid_body(detail: impl Into<String>) -> Self {
        Self::nobl9(400, "Invalid request body", "invalid_request", Some(detail.into()))
    }

    /// A missing or wrong field or query parameter.
    pub(crate) fn invalid_property(name: &str, value: Option<&str>, title: impl Into<String>) -> Self {
        let mut error = Self::nobl9(400, title, "validation_error", None);
        if let ErrorBody::Nobl9(entry) = &mut error.body {
            entry.source = Some(ErrorSource {
                property_name: name.to_owned(),
                property_value: value.map(str::to_owned),
            });
        }
        error
    }

    pub(crate) fn with_detail(mut self, detail: impl Into<String>) -> Self {
        if let ErrorBody::Nobl9(entry) = &mut self.body {
            entry.detail = Some(detail.into());
        }
        self
    }

    pub(crate) fn missing_organization() -> Self {
        Self::nobl9(
            400,
            "Missing Organization header",
            "missing_header",
            Some("Send the organization ID in the Organization header.".to_owned()),
        )
    }

    pub(crate) fn unauthorized(detail: impl Into<String>) -> Self {
        Self::nobl9(401, "Unauthorized", "unauthorized", Some(detail.into()))
    }

    pub(crate) fn forbidden(detail: impl Into<String>) -> Self {
        Self::nobl9(403, "Forbidden", "forbidden", Some(detail.into()))
    }

    pub(crate) fn not_found(detail: impl Into<String>) -> Self {
        Self::nobl9(404, "Not Found", "not_found", Some(detail.into()))
    }

    pub(crate) fn rate_limited(retry_after: u64) -> Self {
        let detail = "Access tokens can be requested at most once every 3 seconds per organization.";
        Self {
            retry_after: Some(retry_after),
            ..Self::nobl9(429, "Too Many Requests", "rate_limited", Some(detail.to_owned()))
        }
    }

    pub(crate) fn internal(detail: impl Into<String>) -> Self {
        Self::nobl9(500, "Internal Server Error", "internal", Some(detail.into()))
    }

    /// A path the server has no route for, or a v1 endpoint an instance no
    /// longer serves: 404 without a Nobl9 error body.
    pub(crate) fn route_not_found() -> Self {
        Self { status: 404, body: ErrorBody::Plain(ROUTE_NOT_FOUND), retry_after: None }
    }

    pub(crate) fn method_not_allowed() -> Self {
        Self { status: 405, body: ErrorBody::Plain(METHOD_NOT_ALLOWED), retry_after: None }
    }

    /// An OAuth 2.0 error of the Okta token endpoint.
    pub(crate) fn oauth(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        Self { status, body: ErrorBody::OAuth { error, description: description.into() }, retry_after: None }
    }
}

impl ErrorBody {
    /// The JSON body, or `None` for a plain-text one.
    pub(crate) fn json(&self) -> Option<Value> {
        match self {
            Self::Nobl9(entry) => Some(json!({ "errors": [entry] })),
            Self::Plain(_) => None,
            Self::OAuth { error, description } => {
                Some(json!({ "error": error, "error_description": description }))
            }
        }
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobl9_error_bodies() {
        let error = ApiError::invalid_property("status", Some("partialOutage"), "Invalid status");
        assert_eq!(
            error.body.json(),
            Some(json!({"errors": [{
                "title": "Invalid status",
                "code": "validation_error",
                "source": {"propertyName": "status", "propertyValue": "partialOutage"},
            }]}))
        );
        assert_eq!(
            ApiError::not_found("Component x not found").body.json(),
            Some(
                json!({"errors": [{"title": "Not Found", "code": "not_found", "detail": "Component x not found"}]})
            )
        );
        assert_eq!(ApiError::route_not_found().body.json(), None);
        assert_eq!(ApiError::rate_limited(2).retry_after, Some(2));
    }
}
