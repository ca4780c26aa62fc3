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
    /// The largest response body to read, in bytes (host default: 32 MiB); a longer answer
    /// is an error, never read whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<u64>,
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
            max_body_bytes: None,
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
    /// Appends `name=value` to the URL's query, percent-encoded.
    pub fn query(mut self, name: &str, value: impl AsRef<str>) -> Self {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        self.url = format!("{}{sep}{}={}", self.url, encode(name), encode(value.as_ref()));
        self
    }
    /// [`HttpRequest::query`] for a value that may be absent.
    pub fn query_opt(self, name: &str, value: Option<impl AsRef<str>>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
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
    /// Reads answers of up to `bytes` for this request (host default: 32 MiB), for an API
    /// known to send larger ones.
    pub fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.max_body_bytes = Some(bytes);
        self
    }
    /// Whether `--dry-run` still sends it: reads (GET, HEAD, OPTIONS) and requests marked
    /// [`HttpRequest::dry_run_safe`].
    pub fn sent_under_dry_run(&self) -> bool {
        self.dry_run_safe || matches!(self.method.as_str(), "GET" | "HEAD" | "OPTIONS")
    }
    /// Whether the request carries `secret` as its credential: in a secret header
    /// (Authorization always) or a secret query parameter.
    pub fn carries(&self, secret: &str) -> bool {
        !secret.is_empty()
            && (self.headers.iter().any(|(name, value)| {
                (name.eq_ignore_ascii_case("authorization")
                    || self.secret_headers.iter().any(|s| s.eq_ignore_ascii_case(name)))
                    && value.contains(secret)
            }) || (!self.secret_query.is_empty() && self.url.contains(secret)))
    }
    /// The idempotency the host assumes when the plugin does not say.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
            .unwrap_or(matches!(self.method.as_str(), "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS"))
    }
}

/// Percent-encodes a query value or a path segment (everything but `A-Z a-z 0-9 - _ . ~`).
pub fn encode(text: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(text, KEEP).to_string()
}

/// When and how the host retries. [`RetryPolicy::standard`] (the default) suits most
/// APIs: 502/503/504 retried for idempotent requests, 420/429 waited out for every request,
/// 4 attempts with backoff from 1 s to 8 s.
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
    /// The default: see [`RetryPolicy`].
    pub fn standard() -> Self {
        Self::default()
    }
    /// No retries at all.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }
    /// For a provider that guarantees `statuses` mean "not applied": those are retried for
    /// every method, POST included (`max_attempts` in all, backoff from `base_ms` to `cap_ms`).
    pub fn unapplied(statuses: &[u16], max_attempts: u32, base_ms: u64, cap_ms: u64) -> Self {
        Self {
            statuses: statuses.to_vec(),
            max_attempts,
            backoff_base_ms: base_ms,
            backoff_cap_ms: cap_ms,
            retry_non_idempotent: true,
            ..Self::default()
        }
    }
}

/// A rate-limit budget: at most `requests` in any rolling window of `per_seconds`, shared
/// by every request with the same key and the same credential.
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
    /// Where the credential the request carried came from (`profile prod, key token`),
    /// when the host knows it: for messages about a refused credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// An answer of `status` with `body` (for tests and fakes).
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Self { status, headers: Vec::new(), body: body.into(), attempts: 1, credential: None }
    }

    /// Passes a 2xx answer through; any other becomes [`HttpResponse::error`] for `req`.
    pub fn check(self, req: &HttpRequest) -> Result<Self, crate::Error> {
        if self.is_success() { Ok(self) } else { Err(self.error(req)) }
    }

    /// The one error line for an answer that is not a 2xx: the method and the URL path
    /// (never userinfo or the query), the status, the provider's message, and for 401/403
    /// which credential to check and where it came from — never its value. The kind follows
    /// the status ([`ErrorKind::for_status`](crate::ErrorKind::for_status)).
    pub fn error(&self, req: &HttpRequest) -> crate::Error {
        let mut line = format!("{} {}: {}", req.method, url_path(&req.url), self.status);
        if let Some(reason) = reason(self.status) {
            line.push_str(&format!(" {reason}"));
        }
        let message = provider_message(&self.body, &request_secrets(req));
        if !message.is_empty() {
            line.push_str(&format!(": {message}"));
        }
        if matches!(self.status, 401 | 403) {
            let what = if self.status == 401 {
                "check the credential"
            } else {
                "the credential may not do this; check it"
            };
            match &self.credential {
                Some(source) => line.push_str(&format!(" ({what} from {source})")),
                None => line.push_str(&format!(" ({what})")),
            }
        }
        let mut err =
            crate::Error::new(crate::ErrorKind::for_status(self.status), line).with_status(self.status);
        // Which request it was, for whoever reports the failure (serve's decision log).
        err.request_id = req.request_id.clone();
        // The provider's own word on when to come back (delta-seconds; an HTTP date is rare
        // on these APIs and is left to the default of whoever answers the sender).
        if let Some(wait) = self
            .header("retry-after")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
        {
            err = err.with_retry_after(wait);
        }
        err
    }

    /// Passes a 2xx answer through; any other becomes [`HttpResponse::error`] without a
    /// request to name (kept for plugins built before [`HttpResponse::check`]).
    pub fn error_for_status(self) -> Result<Self, crate::Error> {
        if self.is_success() {
            return Ok(self);
        }
        let message = format!("the server answered {}: {}", self.status, excerpt(&self.body, &[], 300));
        Err(crate::Error::new(crate::ErrorKind::for_status(self.status), message).with_status(self.status))
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

/// The path of a URL: no scheme, host, userinfo, query or fragment.
pub fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    path.split(['?', '#']).next().unwrap_or(path)
}

fn reason(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        420 => "Enhance Your Calm",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

/// The secrets a request carries: its secret header values (the last word: `OAuth KEY`),
/// secret query values and secret body fields.
fn request_secrets(req: &HttpRequest) -> Vec<String> {
    let mut secrets = Vec::new();
    for (name, value) in &req.headers {
        if name.eq_ignore_ascii_case("authorization")
            || req.secret_headers.iter().any(|s| s.eq_ignore_ascii_case(name))
        {
            secrets.push(value.rsplit(' ').next().unwrap_or(value).to_string());
        }
    }
    let query = req.url.split_once('?').map_or("", |(_, q)| q);
    for pair in query.split('&') {
        if let Some((name, value)) = pair.split_once('=')
            && req.secret_query.iter().any(|s| s == name)
        {
            secrets.push(value.to_string());
        }
    }
    if let Some(serde_json::Value::Object(body)) =
        req.body.as_deref().and_then(|b| serde_json::from_str(b).ok())
    {
        for (key, value) in body {
            if let (true, Some(value)) = (req.secret_fields.contains(&key), value.as_str()) {
                secrets.push(value.to_string());
            }
        }
    }
    secrets.retain(|s| !s.is_empty());
    secrets
}

/// The provider's own message from an error body: `{"error": "…"}`, `{"message": "…"}`,
/// `{"error": {"message": "…"}}`, `{"errors": [{"detail"|"title"|"message": "…"}]}`, or the
/// body's text. Secrets are scrubbed *before* the excerpt is cut to length, so a cut never
/// leaves part of a secret behind.
pub fn provider_message(body: &str, secrets: &[String]) -> String {
    use serde_json::Value;
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let text = |v: &Value| v.as_str().map(str::to_string);
    let found = parsed.as_ref().and_then(|v| {
        let pick = |e: &Value| {
            ["message", "detail", "title", "error"]
                .iter()
                .find_map(|k| e.get(k).and_then(text))
                .or_else(|| text(e))
        };
        let list = |errs: &Vec<Value>| {
            let all: Vec<String> = errs.iter().filter_map(pick).collect();
            (!all.is_empty()).then(|| all.join("; "))
        };
        match (v.get("error"), v.get("errors"), v.get("message")) {
            (Some(Value::Array(errs)), _, _) if list(errs).is_some() => list(errs),
            (Some(e), _, _) if pick(e).is_some() => pick(e),
            (_, Some(Value::Array(errs)), _) => {
                let all: Vec<String> = errs.iter().filter_map(pick).collect();
                (!all.is_empty()).then(|| all.join("; "))
            }
            (_, _, Some(m)) => text(m),
            _ => None,
        }
    });
    excerpt(&found.unwrap_or_else(|| body.to_string()), secrets, 300)
}

/// `text` on one line, secrets masked, then cut to `max` characters.
pub fn excerpt(text: &str, secrets: &[String], max: usize) -> String {
    let mut text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret.as_str(), "***");
    }
    let mut cut: String = text.chars().take(max).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
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
    fn one_error_line_names_the_path_and_the_credential_source_never_the_secret() {
        let secret = "s3cr3t-token-value";
        let req =
            HttpRequest::post(format!("https://user:pw@api.test/v1/pages/p/incidents?api_key={secret}"))
                .secret_header("Authorization", format!("OAuth {secret}"))
                .secret_query("api_key");
        let mut resp = HttpResponse::new(401, format!("{{\"error\": \"{}{secret}\"}}", "x".repeat(298)));
        resp.credential = Some("profile prod, key token".into());
        let err = resp.clone().check(&req).unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::Config);
        assert!(
            err.message.starts_with("POST /v1/pages/p/incidents: 401 Unauthorized: xxx"),
            "{}",
            err.message
        );
        assert!(
            err.message.ends_with("… (check the credential from profile prod, key token)"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("s3cr") && !err.message.contains("pw@"), "{}", err.message);
        let nested = HttpResponse::new(422, r#"{"errors": [{"detail": "bad status"}, {"title": "t"}]}"#);
        assert_eq!(
            nested.error(&req).message,
            "POST /v1/pages/p/incidents: 422 Unprocessable Entity: bad status; t"
        );
        assert_eq!(HttpResponse::new(503, "").error(&req).kind, crate::ErrorKind::Unavailable);
        let listed = HttpResponse::new(422, r#"{"error": ["name is blank", "status is invalid"]}"#);
        assert!(listed.error(&req).message.ends_with(": name is blank; status is invalid"));
    }

    #[test]
    fn requests_of_older_plugins_load_without_a_body_limit() {
        let old = r#"{"method":"GET","url":"http://x/a","headers":[["Accept","text/plain"]]}"#;
        let req: HttpRequest = serde_json::from_str(old).unwrap();
        assert_eq!(req, HttpRequest::get("http://x/a").header("Accept", "text/plain"));
        assert_eq!(req.max_body_bytes, None);
        assert!(!serde_json::to_string(&req).unwrap().contains("max_body_bytes"));
        let big = HttpRequest::get("http://x/a").max_body_bytes(1 << 30);
        let back: HttpRequest = serde_json::from_str(&serde_json::to_string(&big).unwrap()).unwrap();
        assert_eq!(back.max_body_bytes, Some(1 << 30));
    }

    #[test]
    fn queries_are_encoded() {
        let req = HttpRequest::get("http://x/a").query("q", "db down & out").query_opt("n", Some("1"));
        assert_eq!(req.url, "http://x/a?q=db%20down%20%26%20out&n=1");
        assert_eq!(encode("a/b ü"), "a%2Fb%20%C3%BC");
    }

    #[test]
    fn json_sets_the_content_type_once() {
        let req = HttpRequest::post("u").json(&serde_json::json!({"a": 1}));
        assert_eq!(req.body.as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(req.headers, [("Content-Type".to_string(), "application/json".to_string())]);
    }
}
