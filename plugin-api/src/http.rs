use serde::{Deserialize, Serialize};

/// An HTTP request a plugin asks the host to send. The host owns the client, the retries,
/// the rate-limit pacing, `--dry-run` and the redaction of secrets in logs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Whether sending the request twice is harmless. Default: GET, HEAD, PUT, DELETE, OPTIONS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent: Option<bool>,
    /// Sent even under `--dry-run` (reads that use POST, such as a token exchange).
    #[serde(default)]
    pub dry_run_safe: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    /// Header names whose values are secret (Authorization always is).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_headers: Vec<String>,
    /// Query parameter names whose values are secret.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_query: Vec<String>,
    /// JSON body field names (at any depth) whose values are secret.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_fields: Vec<String>,
    /// Total time allowed for one attempt, in seconds (host default: 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<f64>,
    /// Skip TLS certificate verification (only when the user asked, e.g. `--ignore-ssl`).
    #[serde(default)]
    pub insecure_tls: bool,
    /// Shown if the outcome of this request becomes unknown (e.g. the id in its body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl HttpRequest {
    pub fn new(method: &str, url: impl Into<String>) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
            retry: RetryPolicy::default(),
            idempotent: None,
            dry_run_safe: false,
            rate_limit: None,
            secret_headers: Vec::new(),
            secret_query: Vec::new(),
            secret_fields: Vec::new(),
            timeout_secs: None,
            insecure_tls: false,
            request_id: None,
        }
    }
    pub fn get(url: impl Into<String>) -> Self {
        Self::new("GET", url)
    }
    pub fn post(url: impl Into<String>) -> Self {
        Self::new("POST", url)
    }
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// A header whose value is secret (redacted in logs and dry-run output).
    pub fn secret_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.secret_headers.push(name.into());
        self.header(name, value)
    }
    /// A JSON body (sets `Content-Type: application/json`).
    pub fn json(mut self, body: &serde_json::Value) -> Self {
        self.body = Some(body.to_string());
        if !self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
            self.headers.push(("Content-Type".into(), "application/json".into()));
        }
        self
    }
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = Some(yes);
        self
    }
    pub fn dry_run_safe(mut self) -> Self {
        self.dry_run_safe = true;
        self
    }
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }
    pub fn secret_query(mut self, name: &str) -> Self {
        self.secret_query.push(name.into());
        self
    }
    pub fn secret_field(mut self, name: &str) -> Self {
        self.secret_fields.push(name.into());
        self
    }
    pub fn timeout_secs(mut self, secs: f64) -> Self {
        self.timeout_secs = Some(secs);
        self
    }
    pub fn insecure_tls(mut self, yes: bool) -> Self {
        self.insecure_tls = yes;
        self
    }
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }
    /// The idempotency the host assumes when the plugin does not say.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
            .unwrap_or(matches!(self.method.as_str(), "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS"))
    }
}

/// When and how the host retries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetryPolicy {
    /// Statuses retried with backoff (for idempotent requests, or all with `retry_non_idempotent`).
    pub statuses: Vec<u16>,
    /// Statuses that mean "not processed, come back later": retried for every method,
    /// honouring `Retry-After`.
    pub rate_limited_statuses: Vec<u16>,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub backoff_base_ms: u64,
    pub backoff_cap_ms: u64,
    /// The provider guarantees that the `statuses` above mean the request was not applied,
    /// so a non-idempotent request may be retried on them too.
    pub retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            statuses: vec![502, 503, 504],
            rate_limited_statuses: vec![420, 429],
            max_attempts: 4,
            backoff_base_ms: 1000,
            backoff_cap_ms: 8000,
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }
}

/// A rate-limit budget shared by every request with the same key, paced by a token bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLimit {
    pub key: String,
    /// Requests allowed per `per_seconds` window; also the burst size.
    pub requests: u32,
    pub per_seconds: f64,
}

impl RateLimit {
    pub fn new(key: impl Into<String>, requests: u32, per_seconds: f64) -> Self {
        Self { key: key.into(), requests, per_seconds }
    }
}

/// The answer to an [`HttpRequest`], whatever its status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpResponse {
    pub status: u16,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: String,
    /// How many attempts were made.
    #[serde(default)]
    pub attempts: u32,
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// Passes a 2xx answer through; any other becomes an error of the kind its status means:
    /// 401/403 → config, 420/429/5xx → unavailable, other → failed.
    pub fn error_for_status(self) -> Result<Self, crate::Error> {
        if self.is_success() {
            return Ok(self);
        }
        let mut body: String = self.body.chars().take(300).collect();
        if body.len() < self.body.len() {
            body.push('…');
        }
        let message = format!("the server answered {}: {}", self.status, body.trim());
        let err = match self.status {
            401 | 403 => crate::Error::config(message),
            420 | 429 | 500..=599 => crate::Error::unavailable(message),
            _ => crate::Error::failed(message),
        };
        Err(err.with_status(self.status))
    }

    /// The body parsed as JSON (key order kept).
    pub fn json(&self) -> Result<serde_json::Value, crate::Error> {
        serde_json::from_str(&self.body).map_err(|e| {
            crate::Error::failed(format!(
                "the server answered {} with a body that is not JSON: {e}",
                self.status
            ))
            .with_status(self.status)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_defaults_follow_the_method() {
        assert!(HttpRequest::get("u").is_idempotent());
        assert!(HttpRequest::new("put", "u").is_idempotent());
        assert!(!HttpRequest::post("u").is_idempotent());
        assert!(!HttpRequest::new("PATCH", "u").is_idempotent());
        assert!(HttpRequest::post("u").idempotent(true).is_idempotent());
    }

    #[test]
    fn json_sets_the_content_type_once() {
        let req = HttpRequest::post("u").json(&serde_json::json!({"a": 1}));
        assert_eq!(req.body.as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(req.headers, [("Content-Type".to_string(), "application/json".to_string())]);
    }
}
