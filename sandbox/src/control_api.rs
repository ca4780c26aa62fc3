//! The JSON control API under `/_sandbox/`, a thin layer over [`Control`]:
//! `faults`, `requests`, `counters`, `reset`, `health` and `clock`.
//!
//! The dispatcher has already refused foreign hosts and origins, non-JSON
//! bodies and oversized ones (see `crate::guard`).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::control::Control;
use crate::fault::{Fault, FaultMatch};
use crate::record::RequestCounters;
use crate::responses::{json_error, not_found};

const PREFIX: &str = "/_sandbox";

/// Control requests are neither recorded nor subject to faults, otherwise a
/// fault on `*` could lock a test out of the sandbox.
pub(crate) fn is_control_path(path: &str) -> bool {
    path.strip_prefix(PREFIX).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

pub(crate) fn router(control: Control) -> Router {
    Router::new()
        .route("/_sandbox/faults", get(list_faults).post(add_faults).delete(clear_faults))
        .route("/_sandbox/requests", get(list_requests).delete(clear_requests))
        .route("/_sandbox/counters", get(counters))
        .route("/_sandbox/reset", post(reset))
        .route("/_sandbox/health", get(health))
        .route("/_sandbox/clock", get(clock_now).post(advance_clock))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(control)
}

async fn list_faults(State(control): State<Control>) -> Json<Vec<Fault>> {
    Json(control.faults())
}

/// Takes one fault or an array of them; all are added or none.
async fn add_faults(State(control): State<Control>, body: Bytes) -> Response {
    let parsed = if body.trim_ascii_start().starts_with(b"[") {
        serde_json::from_slice::<Vec<Fault>>(&body)
    } else {
        serde_json::from_slice::<Fault>(&body).map(|fault| vec![fault])
    };
    let faults = match parsed {
        Ok(faults) => faults,
        Err(error) => {
            return json_error(StatusCode::BAD_REQUEST, format!("invalid fault: {error}"));
        }
    };
    match control.add_faults(faults) {
        Ok(added) => (StatusCode::CREATED, Json(json!({ "added": added }))).into_response(),
        Err(error) => json_error(StatusCode::BAD_REQUEST, format!("invalid fault: {error}")),
    }
}

async fn clear_faults(State(control): State<Control>) -> StatusCode {
    control.clear_faults();
    StatusCode::NO_CONTENT
}

/// `?method=POST&path=/x*` narrows the list with the same rules as faults.
async fn list_requests(
    State(control): State<Control>,
    filter: Result<Query<FaultMatch>, QueryRejection>,
) -> Response {
    match filter {
        Ok(Query(filter)) => Json(control.requests_matching(&filter)).into_response(),
        Err(rejection) => json_error(StatusCode::BAD_REQUEST, rejection.body_text()),
    }
}

async fn counters(State(control): State<Control>) -> Json<RequestCounters> {
    Json(control.counters())
}

async fn clear_requests(State(control): State<Control>) -> StatusCode {
    control.clear_requests();
    StatusCode::NO_CONTENT
}

async fn reset(State(control): State<Control>) -> StatusCode {
    control.reset();
    StatusCode::NO_CONTENT
}

async fn clock_now(State(control): State<Control>) -> Json<Value> {
    Json(json!({ "now": control.clock().now_rfc3339() }))
}

/// `{"advance_seconds": N}` with N a non-negative number (fractions allowed);
/// answers with the new time. The clock cannot go back.
async fn advance_clock(State(control): State<Control>, body: Bytes) -> Response {
    let seconds = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|body| body.get("advance_seconds").and_then(Value::as_f64))
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok());
    let Some(by) = seconds else {
        return json_error(
            StatusCode::BAD_REQUEST,
            r#"expected {"advance_seconds": N} with N a non-negative number"#,
        );
    };
    control.advance_clock(by);
    clock_now(State(control)).await.into_response()
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({ "ok": true }))
}

async fn method_not_allowed() -> Response {
    json_error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
}

#[cfg(test)]
mod tests {
    use super::is_control_path;

    #[test]
    fn control_paths_are_the_prefix_and_below_only() {
        assert!(is_control_path("/_sandbox"));
        assert!(is_control_path("/_sandbox/faults"));
        assert!(!is_control_path("/_sandboxed"));
        assert!(!is_control_path("/echo/_sandbox/faults"));
    }
}
