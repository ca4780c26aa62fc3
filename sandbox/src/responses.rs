//! JSON responses shared by the control API, the echo provider and injected
//! faults.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// `{"error": message}` with the given status.
pub(crate) fn json_error(status: StatusCode, message: impl ToString) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

/// Fallback for unknown paths, as JSON like every other sandbox answer.
pub(crate) async fn not_found() -> Response {
    json_error(StatusCode::NOT_FOUND, "not found")
}

/// Sends `body` verbatim, so that its bytes (and key order) are exactly what
/// the caller wrote.
pub(crate) fn raw_json(status: StatusCode, body: impl Into<String>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.into()).into_response()
}
