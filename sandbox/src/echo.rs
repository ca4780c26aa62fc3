//! The echo provider: reflects requests back as JSON so that host tests can
//! see exactly what the CLI sent.

use axum::extract::{Path, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use crate::responses::{json_error, raw_json};

/// Key order is deliberately not alphabetical: tests use it to check that
/// the CLI keeps the order of keys it passes through.
const FIXED_JSON: &str = r#"{"zeta":1,"alpha":{"nested":true,"b":2,"a":1},"list":[3,2,1],"pi":3.14159}"#;

pub(crate) fn router() -> Router {
    Router::new()
        .route("/echo", any(echo))
        .route("/echo/", any(echo))
        .route("/echo/{*rest}", any(echo))
        // Other methods on these paths still echo, like any `/echo/*` path.
        .route("/echo/json", get(fixed_json).fallback(echo))
        .route("/echo/status/{code}", get(status).fallback(echo))
}

async fn echo(request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(error) => return json_error(StatusCode::BAD_REQUEST, error),
    };
    let mut headers = Map::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        // A repeated header is folded the way HTTP allows: comma-separated.
        match headers.get_mut(name.as_str()) {
            Some(Value::String(folded)) => {
                folded.push_str(", ");
                folded.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::from(value.as_ref()));
            }
        }
    }
    Json(json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    }))
    .into_response()
}

async fn fixed_json() -> Response {
    raw_json(StatusCode::OK, FIXED_JSON)
}

async fn status(Path(code): Path<String>) -> Response {
    // 1xx cannot be a final response, hyper would refuse to send it.
    let status = code
        .parse::<u16>()
        .ok()
        .and_then(|code| StatusCode::from_u16(code).ok())
        .filter(|status| !status.is_informational());
    match status {
        Some(status) => raw_json(status, json!({ "status": status.as_u16() }).to_string()),
        None => json_error(StatusCode::BAD_REQUEST, format!("{code:?} is not a final HTTP status code")),
    }
}
