//! What every request must pass before the sandbox looks at it.
//!
//! The sandbox binds loopback, but a web page the user opens can still reach
//! it: through DNS rebinding (a name of the attacker's that now resolves to
//! 127.0.0.1, so the page may read the answers, the recorded request log with
//! its authorization headers included), or with "simple" cross-origin
//! requests it cannot read the answers of but that still have effects (a
//! `text/plain` POST adding faults, a bodiless POST resetting the emulators).
//! Hence: the `Host` must be a loopback name or address, a browser's `Origin`
//! must be a loopback one, and the control API takes JSON only. Bodies are
//! capped so that no client can make the sandbox hold gigabytes.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, header, request::Parts};
use axum::response::Response;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body as _, Incoming};

use statusctl_loopback::is_loopback_authority;

use crate::responses::json_error;

/// The largest request body the emulators and the control API take: 1 MiB.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// A browser's `Origin` (`scheme://authority`) served from loopback.
fn is_loopback_origin(origin: &str) -> bool {
    origin.split_once("://").is_some_and(|(scheme, authority)| {
        !scheme.is_empty()
            && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
            && is_loopback_authority(authority)
    })
}

/// 403 unless the request is addressed to a loopback name or address (its
/// `Host`, and the authority of an absolute-form target) and, when a browser
/// says where it comes from (`Origin`), comes from a loopback page.
pub(crate) fn refuse_foreign(parts: &Parts) -> Option<Response> {
    let text = |name| parts.headers.get(name).map(|value| value.to_str().unwrap_or("\u{fffd}"));
    let host_ok = match text(header::HOST) {
        Some(host) => is_loopback_authority(host),
        // HTTP/1.0 without `Host`: only an absolute-form target names the server.
        None => parts.uri.authority().is_some(),
    };
    let target_ok = parts.uri.authority().is_none_or(|authority| is_loopback_authority(authority.as_str()));
    if !host_ok || !target_ok {
        return Some(json_error(
            StatusCode::FORBIDDEN,
            "the sandbox answers only requests addressed to localhost, 127.0.0.0/8 or [::1] \
             (Host header), to keep other sites out (DNS rebinding)",
        ));
    }
    if parts
        .headers
        .get_all(header::ORIGIN)
        .iter()
        .any(|origin| !origin.to_str().is_ok_and(is_loopback_origin))
    {
        return Some(json_error(
            StatusCode::FORBIDDEN,
            "the sandbox answers only pages served from localhost, 127.0.0.0/8 or [::1] (Origin header)",
        ));
    }
    None
}

/// `application/json`, parameters (`; charset=utf-8`) allowed.
fn is_json(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).is_some_and(|value| {
        let essence = value.split(';').next().unwrap_or_default();
        essence.trim().eq_ignore_ascii_case("application/json")
    })
}

/// 415 for a control API request that changes something and has a body that
/// is not declared JSON: a page on another site can send `text/plain` without
/// asking first, never `application/json`.
pub(crate) fn refuse_non_json_control(parts: &Parts, body: &Incoming) -> Option<Response> {
    let reads_only = [Method::GET, Method::HEAD, Method::OPTIONS].contains(&parts.method);
    let has_body = body.size_hint().exact() != Some(0);
    if reads_only || !has_body || is_json(&parts.headers) {
        return None;
    }
    Some(json_error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "the control API takes JSON only: send Content-Type: application/json",
    ))
}

/// Why a body was not read.
pub(crate) enum BodyRefused {
    TooLarge(Response),
    Unreadable(axum::BoxError),
}

/// The whole body, at most [`MAX_BODY_BYTES`]: a longer one (declared or
/// sent) is a 413.
pub(crate) async fn read_body(headers: &HeaderMap, body: Incoming) -> Result<Bytes, BodyRefused> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        // Not read at all: the connection closes after the answer.
        return Err(BodyRefused::TooLarge(too_large()));
    }
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            Err(BodyRefused::TooLarge(too_large()))
        }
        Err(error) => Err(BodyRefused::Unreadable(error)),
    }
}

fn too_large() -> Response {
    let mut response = json_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
    );
    response.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_origins_only() {
        assert!(is_loopback_origin("http://localhost:3000"));
        assert!(is_loopback_origin("https://127.0.0.1"));
        assert!(is_loopback_origin("http://[::1]:8787"));
        assert!(!is_loopback_origin("null"));
        assert!(!is_loopback_origin("https://attacker.example"));
        assert!(!is_loopback_origin("http://localhost.attacker.example"));
        assert!(!is_loopback_origin("://localhost"));
    }

    #[test]
    fn json_content_types_with_parameters() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(value));
            is_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(!with("text/plain"));
        assert!(!with("application/json-patch+json"));
        assert!(!with("application/x-www-form-urlencoded"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
