//! The scripts' error messages for each status, as the SDK's error kinds (and so exit codes).

use statusctl_plugin_api::serde_json::{self, Value};
use statusctl_plugin_api::{Error, HttpRequest, HttpResponse, excerpt, url_path};

/// The longest body excerpt in a message (the scripts print up to 500 characters).
pub const EXCERPT_CHARS: usize = 500;

/// Whether newer Nobl9 instances (the disruptions API) still serve an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Kept,
    /// A v1.0 endpoint that newer instances removed: a bare 404 means "not on this instance".
    V1Only,
}

/// Passes a 2xx answer through; any other status becomes the scripts' message.
pub fn check(req: &HttpRequest, resp: HttpResponse, endpoint: Endpoint) -> Result<HttpResponse, Error> {
    if resp.is_success() {
        return Ok(resp);
    }
    let body = excerpt(&resp.body, &credential(req), EXCERPT_CHARS);
    let or = |fallback: &str| if body.is_empty() { fallback.to_string() } else { body.clone() };
    let err = match resp.status {
        400 => Error::failed(format!("Validation error: {}", or("Bad request - invalid parameters"))),
        401 => Error::config("Authentication failed. Check your NOBL9_API_TOKEN and NOBL9_ORG."),
        403 => Error::config(format!("Unexpected error (HTTP 403): {body}")),
        404 => Error::failed(not_found(req, &resp.body, endpoint)),
        429 => Error::unavailable("Rate limit exceeded. Please retry later."),
        500 => Error::unavailable(format!("Server error: {body}")),
        502 | 503 => {
            let last = format!(
                "Transient API error (HTTP {}): {}",
                resp.status,
                or("Service temporarily unavailable")
            );
            match resp.attempts {
                n if n > 1 => {
                    Error::unavailable(format!("Request failed after {n} attempts. Last error: {last}"))
                }
                _ => Error::unavailable(last),
            }
        }
        status @ 501..=599 => Error::unavailable(format!("Unexpected error (HTTP {status}): {body}")),
        status => Error::failed(format!("Unexpected error (HTTP {status}): {body}")),
    };
    Err(err.with_status(resp.status))
}

/// A 404 with Nobl9's error body (`{"errors": [...]}`) is a missing resource; without it, on a
/// v1.0 endpoint, the instance no longer has the endpoint.
fn not_found(req: &HttpRequest, body: &str, endpoint: Endpoint) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    match parsed.as_ref().and_then(|v| v.get("errors")) {
        Some(errors) => {
            let details: Vec<String> = errors
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("detail").or_else(|| e.get("title")).and_then(Value::as_str))
                .map(str::to_string)
                .collect();
            if details.is_empty() {
                "Resource not found".into()
            } else {
                format!("Resource not found: {}", details.join("; "))
            }
        }
        None if endpoint == Endpoint::V1Only => format!(
            "Resource not found: endpoint not available on this Nobl9 instance ({} {})",
            req.method,
            api_path(&req.url)
        ),
        None => "Resource not found".into(),
    }
}

/// `/status-page/...` out of a full URL: its path after `/dashboards/v1`.
fn api_path(url: &str) -> &str {
    let path = url_path(url);
    path.split_once("/dashboards/v1").map_or(path, |(_, p)| p)
}

/// The credential a request carries (the last word of its Authorization header), to scrub
/// from an excerpt before it is cut.
fn credential(req: &HttpRequest) -> Vec<String> {
    let auth = req.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("authorization"));
    auth.and_then(|(_, v)| v.rsplit(' ').next()).map(str::to_string).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use statusctl_plugin_api::ErrorKind;

    fn resp(status: u16, body: &str, attempts: u32) -> HttpResponse {
        HttpResponse { attempts, ..HttpResponse::new(status, body) }
    }

    fn err(status: u16, body: &str) -> Error {
        let req = HttpRequest::post("http://h/api/dashboards/v1/status-page/issues");
        check(&req, resp(status, body, 1), Endpoint::Kept).unwrap_err()
    }

    #[test]
    fn the_scripts_messages_and_kinds() {
        let cases = [
            (400, "bad field", "Validation error: bad field", ErrorKind::Failed),
            (400, "", "Validation error: Bad request - invalid parameters", ErrorKind::Failed),
            (401, "x", "Authentication failed. Check your NOBL9_API_TOKEN and NOBL9_ORG.", ErrorKind::Config),
            (403, "no", "Unexpected error (HTTP 403): no", ErrorKind::Config),
            (404, "", "Resource not found", ErrorKind::Failed),
            (429, "slow", "Rate limit exceeded. Please retry later.", ErrorKind::Unavailable),
            (500, "boom", "Server error: boom", ErrorKind::Unavailable),
            (
                503,
                "",
                "Transient API error (HTTP 503): Service temporarily unavailable",
                ErrorKind::Unavailable,
            ),
            (504, "gw", "Unexpected error (HTTP 504): gw", ErrorKind::Unavailable),
            (409, "dup", "Unexpected error (HTTP 409): dup", ErrorKind::Failed),
        ];
        for (status, body, message, kind) in cases {
            let e = err(status, body);
            assert_eq!((e.message.as_str(), e.kind, e.http_status), (message, kind, Some(status)));
        }
    }

    #[test]
    fn transient_errors_after_retries_say_how_many_attempts() {
        let req = HttpRequest::get("http://h/api/dashboards/v1/status-page/status");
        let e = check(&req, resp(502, "bad gateway", 4), Endpoint::Kept).unwrap_err();
        assert_eq!(
            e.message,
            "Request failed after 4 attempts. Last error: Transient API error (HTTP 502): bad gateway"
        );
    }

    #[test]
    fn a_bare_404_on_a_v1_endpoint_is_a_missing_endpoint_and_an_error_body_a_missing_resource() {
        let req = HttpRequest::post("http://h/api/dashboards/v1/status-page/components/c1/change-status");
        let e = check(&req, resp(404, "404 page not found", 1), Endpoint::V1Only).unwrap_err();
        assert_eq!(
            e.message,
            "Resource not found: endpoint not available on this Nobl9 instance (POST /status-page/components/c1/change-status)"
        );
        let body = r#"{"errors":[{"title":"Not Found","detail":"component c1 does not exist"}]}"#;
        let e = check(&req, resp(404, body, 1), Endpoint::V1Only).unwrap_err();
        assert_eq!(e.message, "Resource not found: component c1 does not exist");
        assert_eq!(e.kind, ErrorKind::Failed);
        let e = check(&req, resp(404, r#"{"errors":[]}"#, 1), Endpoint::V1Only).unwrap_err();
        assert_eq!(e.message, "Resource not found");
        let get = HttpRequest::get("http://h/api/dashboards/v1/status-page/incidents?ongoing=true");
        let e = check(&get, resp(404, "", 1), Endpoint::V1Only).unwrap_err();
        assert!(e.message.ends_with("(GET /status-page/incidents)"), "{}", e.message);
    }

    #[test]
    fn long_bodies_are_cut_on_one_line_after_the_credential_is_scrubbed() {
        let e = err(500, &"x".repeat(600));
        assert_eq!(e.message.chars().count(), "Server error: ".len() + 501);
        let req = HttpRequest::post("http://h/api/dashboards/v1/status-page/issues")
            .secret_header("Authorization", "Bearer secret-token");
        // Cut first, the excerpt would end in part of the token.
        let body = format!("{}\n  secret-token", "y".repeat(490));
        let e = check(&req, resp(500, &body, 1), Endpoint::Kept).unwrap_err();
        assert_eq!(e.message, format!("Server error: {} ***", "y".repeat(490)));
    }
}
